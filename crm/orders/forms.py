"""Forms of the order pages: the order itself, its lines (items) and its stops (ordered)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from clients.models import Client, ClientAddress
from crm.accounts.models import User
from crm.accounts.roles import Role
from crm.orders.models import Order, OrderStop, Product
from crm.orders.services.orders import ORDER_FIELDS, second_window_problems

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WORKERS = (Role.DRIVER, Role.OPERATOR, Role.DISPATCHER, Role.STOREKEEPER)


class OrderForm(forms.ModelForm):
    promo_code = forms.CharField(label=_("Promo code"), max_length=40, required=False)

    class Meta:
        model = Order
        fields = ORDER_FIELDS
        widgets = {
            "date": DATE,
            "window_from": TIME,
            "window_to": TIME,
            "window2_from": TIME,
            "window2_to": TIME,
            "driver_comment": forms.Textarea(attrs={"rows": 2}),
            "comment": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.branch = branch
        self.fields["assignee"].queryset = User.objects.filter(
            branch=branch, is_active=True, role__in=WORKERS
        ).order_by("role", "last_name", "first_name")
        self.fields["date"].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]
        self.fields["containers_to_deliver"].required = False
        self.fields["containers_to_collect"].required = False
        self.fields["prepayment_amount"].required = False
        if self.instance.pk and self.instance.promo_code_id and not self.is_bound:
            self.initial["promo_code"] = self.instance.promo_code.code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("window_from"), data.get("window_to")
        if start and end and start >= end:
            self.add_error("window_to", _("The window must end after it starts."))
        for problem in second_window_problems(self.branch, data):
            self.add_error("window2_to", problem)
        for name in ("containers_to_collect", "prepayment_amount"):
            if data.get(name) is None:
                data[name] = Decimal("0") if name == "prepayment_amount" else 0
        if data.get("containers_to_deliver") is None:
            data.pop("containers_to_deliver", None)  # the service counts returnable items
        return data

    def order_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("promo_code", None)
        return data


class ItemForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product or service"), queryset=Product.objects.none(), required=False
    )
    name = forms.CharField(label=_("Or free text"), max_length=255, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    unit_price = forms.DecimalField(
        label=_("Price"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Empty: the client's price."),
    )
    discount_percent = forms.DecimalField(
        label=_("Discount, %"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("product") and not data.get("name") and data.get("quantity"):
            self.add_error("product", _("Choose a product or type a name."))
        if data.get("discount_percent") is None:
            data["discount_percent"] = Decimal("0")
        return data


class StopForm(forms.Form):
    client_address = forms.ModelChoiceField(
        label=_("Address from the card"), queryset=ClientAddress.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=_("Action"), choices=OrderStop.Kind.choices)
    address = forms.CharField(label=_("Or a new address"), max_length=500, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    receiver_name = forms.CharField(label=_("Receiver"), max_length=200, required=False)
    receiver_phone = forms.CharField(label=_("Receiver's phone"), max_length=20, required=False)
    entrance = forms.CharField(label=_("Entrance"), max_length=20, required=False)
    floor = forms.CharField(label=_("Floor"), max_length=20, required=False)
    apartment = forms.CharField(label=_("Apartment / office"), max_length=20, required=False)
    access_notes = forms.CharField(label=_("Access notes"), max_length=500, required=False)

    def __init__(self, *args: Any, client: Client | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if client is not None:
            self.fields["client_address"].queryset = client.addresses.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("Set both latitude and longitude, or neither."))
        if data.get("client_address") is None and not data.get("address") and self.has_changed():
            self.add_error("address", _("Choose an address from the card or type one."))
        return data


class BaseLinesFormSet(forms.BaseFormSet):
    """Rows the operator filled in (empty extra rows and deleted rows are dropped)."""

    def rows(self) -> list[dict[str, Any]]:
        kept = []
        initial_count = self.initial_form_count()
        forms_in_order = self.ordered_forms if self.can_order else self.forms
        for form in forms_in_order:
            is_extra = self.forms.index(form) >= initial_count
            if (is_extra and not form.has_changed()) or (
                self.can_delete and self._should_delete_form(form)
            ):
                continue
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("ORDER", "DELETE")}
            kept.append(data)
        return kept


ItemFormSet = formset_factory(
    ItemForm, formset=BaseLinesFormSet, extra=1, can_delete=True, max_num=100, validate_max=True
)
StopFormSet = formset_factory(
    StopForm,
    formset=BaseLinesFormSet,
    extra=0,
    can_delete=True,
    can_order=True,
    max_num=30,
    validate_max=True,
)


class TransitionForm(forms.Form):
    target = forms.CharField(max_length=10)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class PrepaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount received"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )


class ContractOverrideForm(forms.Form):
    """Shown on a new order when the client's contract has expired: a director takes it anyway."""

    contract_override = forms.BooleanField(
        label=_("Take the order without a valid contract (director's permission)"), required=False
    )
    contract_override_reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def reason(self) -> str:
        if not self.is_valid() or not self.cleaned_data["contract_override"]:
            return ""
        return self.cleaned_data["contract_override_reason"].strip()
