"""Forms of the cash desk; amounts, open days and rights are checked in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from billing.models_cash import CashKind
from crm.accounts.models import User
from routes.models import Route

OUT_CHOICES = [
    (CashKind.EXPENSE, CashKind.EXPENSE.label),
    (CashKind.PAYOUT, CashKind.PAYOUT.label),
    (CashKind.OTHER_IN, CashKind.OTHER_IN.label),
]


class HandInForm(forms.Form):
    route = forms.ModelChoiceField(label=gettext_lazy("Route"), queryset=Route.objects.none())
    amount = forms.DecimalField(label=gettext_lazy("Handed in"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, routes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = routes
        self.fields["route"].label_from_instance = lambda r: (
            f"{r.driver.display_name} · {r.vehicle}"
        )


class CashEntryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=OUT_CHOICES)
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=14, decimal_places=2)
    employee = forms.ModelChoiceField(
        label=gettext_lazy("Employee"), queryset=User.objects.none(), required=False
    )
    category = forms.CharField(label=gettext_lazy("Category"), max_length=60, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = User.objects.filter(branch=branch, is_active=True)
