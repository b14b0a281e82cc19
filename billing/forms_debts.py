"""Forms of the debtors page and the dunning-ladder settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import DunningStep
from billing.services.aging import BUCKETS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SORTS = [
    ("-overdue", _("Overdue, most first")),
    ("overdue", _("Overdue, least first")),
    ("-debt", _("Debt, most first")),
    ("name", _("Client name")),
]


class DebtorFilterForm(forms.Form):
    manager = forms.ModelChoiceField(
        label=_("Manager"), queryset=None, required=False, empty_label=_("Any")
    )
    bucket = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=[("", _("Any")), ("overdue", _("Any overdue"))]
        + [(key, label) for key, label, *_rest in BUCKETS[1:]],
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=None, required=False, empty_label=_("All my branches")
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, *args: Any, managers: Any, branches: Any | None, **kwargs: Any) -> None:
        """``branches``: None for users who work in one branch (the field is left out)."""
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = managers
        if branches is None:
            del self.fields["branch"]
        else:
            self.fields["branch"].queryset = branches


class PromiseForm(forms.Form):
    promised_on = forms.DateField(label=_("Will pay by"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class LiftStopForm(forms.Form):
    reason = forms.CharField(label=_("Why may deliveries go on?"), max_length=300)


class RemindersForm(forms.Form):
    do_not_remind = forms.BooleanField(label=_("Do not send debt reminders"), required=False)


class DunningStepForm(forms.ModelForm):
    class Meta:
        model = DunningStep
        fields = [
            "days_after_due",
            "action",
            "subject",
            "text_ru",
            "text_uk",
            "text_en",
            "is_active",
        ]
        widgets = {
            "text_ru": forms.Textarea(attrs={"rows": 5}),
            "text_uk": forms.Textarea(attrs={"rows": 5}),
            "text_en": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "subject": _("For e-mails; empty: “Payment reminder: invoice …”."),
            "text_ru": _(
                "Placeholders: {client} {invoice} {amount} {due_date} {days} {organisation}."
            ),
        }

    def clean_days_after_due(self) -> int:
        days = self.cleaned_data["days_after_due"]
        if days < 1 or days > 365:
            raise forms.ValidationError(_("Between 1 and 365 days."))
        return days
