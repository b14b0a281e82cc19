"""Forms of the territories and special-loads page (rules stay in routes.services.territories)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.orders.forms_catalogue import JSONListField
from crm.orders.models import Product
from routes.models import Territory, Vehicle, VehicleSkill


class TerritoryForm(forms.ModelForm):
    polygon = JSONListField(label=_("Area"), required=False)
    vehicles = forms.ModelMultipleChoiceField(
        label=_("Vans of this territory"),
        queryset=Vehicle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Orders inside the area go only to these vans. None: the area is only drawn."),
    )

    class Meta:
        model = Territory
        fields = ["name", "colour", "position", "is_active", "polygon"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}
        help_texts = {"position": _("When areas overlap, the lower number decides.")}

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.branch = branch
        self.fields["vehicles"].queryset = Vehicle.objects.filter(branch=branch, is_active=True)
        if self.instance.pk:
            self.initial["vehicles"] = list(self.instance.vehicles.values_list("pk", flat=True))


class RequirementForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True).order_by("name")
    )
    skill = forms.ChoiceField(label=_("Needs a van with"), choices=VehicleSkill.choices)
