"""Forms of the lab pages: the request (wishes and sample shipping), the lab's answer with its
composition formset, status moves with a reason, shipping, norms and the list filters."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.accounts.roles import Role
from crm.orders.models import Product
from labs.models import LabNorms, LabRequest, RequestKind, RequestStatus, ShippingMethod
from labs.permissions import SAMPLE_FIELDS, WISH_FIELDS

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class RequestForm(forms.ModelForm):
    """The manager's side. Fields the user may not change now are disabled (and ignored)."""

    class Meta:
        model = LabRequest
        fields = [*WISH_FIELDS, *SAMPLE_FIELDS]
        widgets = {
            "deadline": DATE["widget"],
            "wishes": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.TextInput(),
        }

    def __init__(
        self,
        *args: Any,
        client: Any,
        kind: str,
        editable: frozenset[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            Q(is_active=True) | Q(pk=getattr(self.instance, "product_id", None))
        ).order_by("name")
        if kind == RequestKind.SAMPLE:
            self.fields["ship_address"].queryset = client.addresses.exclude(address="")
            self.fields["receiver"].queryset = client.contacts.exclude(phone="")
            self.fields["ship_address"].required = True
            self.fields["receiver"].required = True
            self.fields["receiver"].label_from_instance = lambda c: f"{c.name} · {c.phone}"
            for name in ("ship_address", "receiver"):  # the only choice is chosen already
                choices = list(self.fields[name].queryset[:2])
                if not self.is_bound and len(choices) == 1 and not self.initial.get(name):
                    self.initial[name] = choices[0].pk
        else:
            for name in SAMPLE_FIELDS:
                del self.fields[name]
        for name, field in self.fields.items():
            if editable is not None and name not in editable:
                field.disabled = True

    def wish_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if not self.fields[k].disabled}


class ResultForm(forms.Form):
    cost_per_unit = forms.DecimalField(
        label=_("Cost per unit"),
        max_digits=14,
        decimal_places=2,
        required=False,
        validators=[MinValueValidator(Decimal("0"))],
    )
    price_suggestion = forms.DecimalField(
        label=_("Suggested price"),
        max_digits=14,
        decimal_places=2,
        required=False,
        validators=[MinValueValidator(Decimal("0"))],
    )
    lab_comment = forms.CharField(
        label=_("Lab's comments"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ComponentForm(forms.Form):
    name = forms.CharField(label=_("Component"), max_length=200, required=False)
    percent = forms.DecimalField(
        label=_("%"),
        max_digits=6,
        decimal_places=3,
        required=False,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("100"))],
    )


class BaseComponentFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, Any]]:
        return [
            {"name": f.cleaned_data.get("name", ""), "percent": f.cleaned_data.get("percent")}
            for f in self.forms
            if f.cleaned_data and (f.cleaned_data.get("name") or f.cleaned_data.get("percent"))
        ]


ComponentFormSet = forms.formset_factory(
    ComponentForm, formset=BaseComponentFormSet, extra=2, max_num=50, validate_max=True
)


class MoveForm(forms.Form):
    target = forms.ChoiceField(choices=RequestStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ShipForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How"), choices=ShippingMethod.choices, widget=forms.RadioSelect
    )
    date = forms.DateField(label=_("Delivery date"), required=False, **DATE)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method = data.get("method")
        if method == ShippingMethod.ROUTE and not data.get("date"):
            self.add_error("date", _("Choose the delivery date."))
        if (
            method in (ShippingMethod.COURIER, ShippingMethod.POST)
            and not data.get("tracking_number", "").strip()
        ):
            self.add_error("tracking_number", _("Give the tracking number."))
        return data


class NormsForm(forms.ModelForm):
    class Meta:
        model = LabNorms
        fields = ["calculation_days", "sample_days", "per_technician_per_day"]


SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "deadline": ("deadline", "id"),
    "planned": ("planned_date", "id"),
    "urgency": ("urgency_rank", "due", "created_at"),
}


class RequestFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Type"), choices=RequestKind.choices, empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RequestStatus.choices, empty_label=_("Any")
    )
    product = django_filters.ModelChoiceFilter(
        label=_("Product"), queryset=Product.objects.none(), empty_label=_("Any")
    )
    client = django_filters.CharFilter(
        label=_("Client"), field_name="client__name", lookup_expr="icontains", max_length=100
    )
    manager = django_filters.ModelChoiceFilter(
        label=_("Manager"),
        field_name="client__manager",
        queryset=User.objects.none(),
        empty_label=_("Any"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        method="filter_sort",
        empty_label=_("Newest first"),
        choices=[
            ("created", _("Oldest first")),
            ("deadline", _("Deadline")),
            ("planned", _("Planned completion")),
            ("urgency", _("Urgency")),
        ],
    )

    class Meta:
        model = LabRequest
        fields: list[str] = []

    def __init__(
        self, data: Any = None, *args: Any, branch: Any, today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(data, *args, **kwargs)
        self.today = today
        self.filters["product"].queryset = Product.objects.order_by("name").only(
            "pk", "code", "name"
        )
        self.filters["manager"].queryset = User.objects.filter(
            branch=branch, role__in=[Role.MANAGER, Role.HEAD_OF_SALES]
        ).order_by("last_name", "first_name")

    def filter_overdue(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        return qs.filter(urgency_rank=0) if value else qs

    def filter_sort(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.order_by(*SORTS.get(value, SORTS["-created"]))

    @property
    def qs(self) -> QuerySet:
        qs = super().qs
        if not (self.form.is_bound and self.form.is_valid() and self.form.cleaned_data.get("sort")):
            qs = qs.order_by(*SORTS["-created"])
        return qs
