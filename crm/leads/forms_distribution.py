"""The distribution rule form: the rule's switches and load weights, and one "takes part" box
with a weight per manager of the branch. It only parses; the service validates and saves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.leads.models import DistributionRule

WEIGHT = {"min_value": Decimal("0"), "max_value": Decimal("100"), "decimal_places": 2}


class DistributionRuleForm(forms.ModelForm):
    class Meta:
        model = DistributionRule
        fields = ["is_active", "sticky_owner", "weight_open", "weight_today", "weight_month"]

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        current = {p.manager_id: p for p in self.instance.participants.all()}
        for user in staff:
            row = current.get(user.pk)
            self.fields[f"take_{user.pk}"] = forms.BooleanField(
                label=user.display_name,
                required=False,
                initial=bool(row and row.is_active),
            )
            self.fields[f"weight_{user.pk}"] = forms.DecimalField(
                label=_("Weight of %(name)s") % {"name": user.display_name},
                initial=row.weight if row else Decimal("1"),
                required=False,
                **WEIGHT,
            )

    def staff_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(u, self[f"take_{u.pk}"], self[f"weight_{u.pk}"]) for u in self.staff]

    def participants(self) -> dict[int, tuple[bool, Decimal]]:
        data = self.cleaned_data
        return {
            u.pk: (bool(data.get(f"take_{u.pk}")), data.get(f"weight_{u.pk}") or Decimal("1"))
            for u in self.staff
        }

    def rule_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self) -> None:  # the service validates and saves, not the model
        pass
