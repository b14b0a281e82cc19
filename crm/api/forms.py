"""Forms of the Integrations page: issuing a key and filtering the call log."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Branch
from crm.api.models import ApiKey, CallState


class KeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(is_active=True)


class CallFilterForm(forms.Form):
    key = forms.ModelChoiceField(label=_("API key"), queryset=ApiKey.objects.none(), required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Any")), *CallState.choices], required=False
    )
    status_code = forms.IntegerField(
        label=_("HTTP status"), min_value=100, max_value=599, required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].queryset = ApiKey.objects.select_related("branch")
