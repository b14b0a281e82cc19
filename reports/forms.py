from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ExpenseCategory, ExpenseMethod

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class ExpenseForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ExpenseCategory.objects.filter(is_active=True)
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    method = forms.ChoiceField(label=_("Payment method"), choices=ExpenseMethod.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    attachment = forms.FileField(label=_("Attachment (receipt)"), required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    monthly_limit = forms.DecimalField(
        label=_("Monthly limit"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PlanMonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), widget=MONTH, input_formats=["%Y-%m", "%Y-%m-%d"])


class PlanForm(forms.Form):
    """One amount per active category (fields ``cat_<id>``)."""

    def __init__(self, *args: Any, categories: list[ExpenseCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        for category in categories:
            self.fields[f"cat_{category.pk}"] = forms.DecimalField(
                label=category.name,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal("0"),
                required=False,
            )

    def amounts(self) -> dict[int, Decimal | None]:
        return {c.pk: self.cleaned_data.get(f"cat_{c.pk}") for c in self.categories}
