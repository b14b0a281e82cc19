"""Forms of the routes pages. Validation of the business rules stays in the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.accounts.roles import Role
from crm.accounts.schedules import staff_available_on
from crm.orders.models import OrderType
from routes.models import Depot, Route, StandingMode, Vehicle, VehicleSkill
from routes.services.fleet import DEPOT_FIELDS, VEHICLE_FIELDS

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class DepotForm(forms.ModelForm):
    class Meta:
        model = Depot
        fields = DEPOT_FIELDS
        widgets = {"opens_at": TIME, "closes_at": TIME}

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.branch = branch


class VehicleForm(forms.ModelForm):
    skills = forms.MultipleChoiceField(
        label=_("Equipment and permits"),
        choices=VehicleSkill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Orders of products that need one of these go only to vans that have it."),
    )

    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS
        widgets = {"shift_start": TIME, "shift_end": TIME}

    #: left empty = no fuel counted (the per-km rate may already include it)
    OPTIONAL_ZERO = ("fuel_per_100km", "fuel_price")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in self.OPTIONAL_ZERO:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = Decimal("0")
        return cleaned

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.branch = branch
        self.fields["depot"].queryset = Depot.objects.filter(branch=branch, is_active=True)
        self.fields["driver"].queryset = drivers_of(branch)
        for name in self.OPTIONAL_ZERO:
            self.fields[name].required = False


def drivers_of(branch: Any, day: datetime.date | None = None) -> Any:
    """The branch's active drivers; given a day, only those the staff schedule lets work then
    (not absent, and on shift if they keep a schedule at all)."""
    if day is not None:
        qs = staff_available_on(branch=branch, day=day, role=Role.DRIVER)
    else:
        qs = User.objects.filter(role=Role.DRIVER, branch=branch, is_active=True)
    return qs.order_by("last_name", "first_name")


class PlanForm(forms.Form):
    """Which day, which vans, which kinds of orders."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    vehicles = forms.ModelMultipleChoiceField(
        label=_("Vehicles"), queryset=Vehicle.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    order_types = forms.MultipleChoiceField(
        label=_("Order types"),
        choices=OrderType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every type."),
    )
    standing_mode = forms.ChoiceField(
        label=_("Standing routes"),
        choices=StandingMode.choices,
        initial=StandingMode.KEEP,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Orders at addresses on a standing route of this weekday start on its van."),
    )

    def clean_standing_mode(self) -> str:
        return self.cleaned_data.get("standing_mode") or StandingMode.KEEP

    def __init__(
        self, *args: Any, branch: Any, day: datetime.date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.branch = branch
        self.fields["vehicles"].queryset = vehicles_for_day(branch, day)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, vehicles = data.get("date"), data.get("vehicles")
        if day and vehicles:
            allowed = set(vehicles_for_day(self.branch, day).values_list("pk", flat=True))
            absent = [str(v) for v in vehicles if v.pk not in allowed]
            if absent:
                self.add_error(
                    "vehicles",
                    _("The driver of %(vans)s does not work on this day by the staff schedule.")
                    % {"vans": ", ".join(absent)},
                )
        return data


def vehicles_for_day(branch: Any, day: datetime.date | None) -> Any:
    """Active vans of the branch; given a day, those whose driver works then (or with no
    driver of their own, to be given one on the plan)."""
    qs = Vehicle.objects.filter(branch=branch, is_active=True).select_related("driver")
    if day is not None:
        qs = qs.filter(
            Q(driver__isnull=True) | Q(driver__in=staff_available_on(branch=branch, day=day))
        )
    return qs


class MoveForm(forms.Form):
    route = forms.ModelChoiceField(label=_("Route"), queryset=Route.objects.none())
    position = forms.IntegerField(label=_("Position"), min_value=1, required=False)

    def __init__(self, *args: Any, plan: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = plan.routes.all()


class DriverForm(forms.Form):
    driver = forms.ModelChoiceField(label=_("Driver"), queryset=User.objects.none(), required=False)

    def __init__(
        self, *args: Any, branch: Any, day: datetime.date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["driver"].queryset = drivers_of(branch, day)
