"""Forms of the staff pay pages; amounts and rights are checked in the services."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models_pay import PayoutKind, PayRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PayRuleForm(forms.ModelForm):
    class Meta:
        model = PayRule
        fields = [
            "name",
            "role",
            "category",
            "kind",
            "rate",
            "night_rate",
            "night_from",
            "night_to",
            "night_surcharge_pct",
            "weekend_surcharge_pct",
            "is_active",
        ]
        widgets = {"night_from": TIME, "night_to": TIME}

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.branch = branch


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), widget=DATE)
    employee = forms.ModelChoiceField(label=_("Employee"), queryset=None, required=False)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = staff

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The last day is before the first one."))
        return data


class PayoutForm(forms.Form):
    employee = forms.IntegerField(widget=forms.HiddenInput)
    start = forms.DateField(widget=forms.HiddenInput)
    end = forms.DateField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=PayoutKind.choices, widget=forms.HiddenInput)
    key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
