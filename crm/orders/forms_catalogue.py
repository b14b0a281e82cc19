"""Forms of the catalogue and pricing settings: they parse input; the services in
``crm.orders.services.catalogue`` validate and save (model validation is skipped here so a rule
is checked once, in one place)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import ClientGroup
from crm.orders.models import (
    BonusRule,
    OrderType,
    PriceList,
    PriceRule,
    Product,
    PromoCode,
)
from crm.orders.services.catalogue import RULE_KIND_FIELDS, money_problem

WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ServiceValidatedForm(forms.ModelForm):
    """A ModelForm that only parses: the service validates and saves."""

    def _post_clean(self) -> None:
        pass

    def data_for_service(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def _money_field(form: forms.Form, name: str, *, negative: bool = False) -> Any:
    value = form.cleaned_data.get(name)
    if value is None:
        return Decimal("0")
    problem = money_problem(value, negative=negative)
    if problem:
        raise forms.ValidationError(problem)
    return value


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Switched off"))],
    )


class ProductForm(ServiceValidatedForm):
    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "kind",
            "unit",
            "price",
            "vat_rate",
            "is_returnable",
            "deposit_price",
            "duration_minutes",
            "weight_kg",
            "is_active",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deposit_price"].required = False
        self.fields["weight_kg"].required = False
        self.fields["duration_minutes"].required = False

    def clean_price(self) -> Any:
        return _money_field(self, "price")

    def clean_deposit_price(self) -> Any:
        return _money_field(self, "deposit_price")

    def clean_weight_kg(self) -> Any:
        return self.cleaned_data.get("weight_kg") or Decimal("0")

    def clean_duration_minutes(self) -> Any:
        return self.cleaned_data.get("duration_minutes") or 0


class ClientGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)


class PriceListForm(ServiceValidatedForm):
    client_groups = forms.ModelMultipleChoiceField(
        label=_("Client groups"),
        queryset=ClientGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PriceList
        fields = ["name", "client_groups", "valid_from", "valid_to", "is_active"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("client_groups", None)
        return data


class PriceLineForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False
    )
    price = forms.DecimalField(label=_("Price"), required=False, max_digits=14)

    def __init__(self, *args: Any, products: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = (
            products if products is not None else Product.objects.all()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("product") and data.get("price") is None:
            self.add_error("price", _("Enter the price."))
        elif data.get("product"):
            problem = money_problem(data["price"])
            if problem:
                self.add_error("price", problem)
        return data


PriceLineFormSet = forms.formset_factory(PriceLineForm, extra=3, can_delete=True)


class JSONListField(forms.CharField):
    """A JSON list in a hidden input (the zone map's vertices)."""

    widget = forms.HiddenInput

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return json.dumps(value)
        return value

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return []
        if isinstance(value, list):
            return value
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("The zone could not be read; draw it again.")) from exc
        if not isinstance(parsed, list):
            raise forms.ValidationError(_("The zone could not be read; draw it again."))
        return parsed


class PriceRuleForm(ServiceValidatedForm):
    order_types = forms.MultipleChoiceField(
        label=_("Order types"),
        choices=OrderType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every type."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    polygon = JSONListField(label=_("Zone"), required=False)

    class Meta:
        model = PriceRule
        fields = [
            "name",
            "kind",
            "branch",
            "order_types",
            "position",
            "is_active",
            "client_rate",
            "worker_rate",
            "percent",
            "amount",
            "minimum",
            "time_from",
            "time_to",
            "weekdays",
            "payment_method",
            "polygon",
        ]
        widgets = {"time_from": TIME, "time_to": TIME}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("client_rate", "worker_rate", "percent", "amount", "minimum", "position"):
            self.fields[name].required = False
        # Which kinds use a field: static/js/zone-map.js shows only those (server checks anyway).
        for name, field in self.fields.items():
            kinds = [k for k, names in RULE_KIND_FIELDS.items() if name in names]
            if kinds:
                field.widget.attrs["data-kinds"] = " ".join(kinds)
        self.fields["kind"].widget.attrs["data-rule-kind"] = "1"

    def clean_client_rate(self) -> Any:
        return _money_field(self, "client_rate")

    def clean_worker_rate(self) -> Any:
        return _money_field(self, "worker_rate")

    def clean_amount(self) -> Any:
        return _money_field(self, "amount", negative=True)

    def clean_percent(self) -> Any:
        return _money_field(self, "percent", negative=True)

    def clean_minimum(self) -> Any:
        return _money_field(self, "minimum")

    def clean_position(self) -> Any:
        return self.cleaned_data.get("position") or 0


class PromoCodeForm(ServiceValidatedForm):
    class Meta:
        model = PromoCode
        fields = [
            "code",
            "description",
            "percent",
            "amount",
            "min_order_amount",
            "valid_from",
            "valid_to",
            "max_uses",
            "is_active",
        ]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("percent", "amount", "min_order_amount"):
            self.fields[name].required = False

    def clean_percent(self) -> Any:
        return _money_field(self, "percent")

    def clean_amount(self) -> Any:
        return _money_field(self, "amount")

    def clean_min_order_amount(self) -> Any:
        return _money_field(self, "min_order_amount")


class BonusRuleForm(ServiceValidatedForm):
    class Meta:
        model = BonusRule
        fields = ["name", "product", "every_n", "gift_product", "gift_quantity", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Product.objects.filter(is_active=True)
        self.fields["product"].queryset = active
        self.fields["gift_product"].queryset = active
