"""Forms of the storekeeper's pages (``routes.views_store``). Each count is one box named by
``containers.field_key`` (``loaded_12``, ``ret_full_12``…), the same key the services use for
their ``ValidationError``s, so a service error lands on its box. Business rules stay in
``routes.services.containers``."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.orders.models import Product
from routes.models import ContainerKind
from routes.services.containers import (
    LOAD_KINDS,
    MAX_QUANTITY,
    RETURN_KINDS,
    field_key,
    returnable_products,
)

BIG_NUMBER = {"class": "store-input", "inputmode": "numeric", "min": "0", "step": "1"}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RETURN_LABELS = {
    ContainerKind.RETURNED_FULL: _("full"),
    ContainerKind.RETURNED_EMPTY: _("empty"),
    ContainerKind.RETURNED_DAMAGED: _("damaged"),
}


class DayForm(forms.Form):
    """The date of the day page (and of the report, with a van)."""

    date = forms.DateField(label=_("Date"), widget=DATE, required=False)


class ReportForm(DayForm):
    vehicle = forms.ModelChoiceField(
        label=_("Vehicle"), queryset=None, required=False, empty_label=_("All vehicles")
    )

    def __init__(self, *args: Any, vehicles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = vehicles


class _CountsForm(forms.Form):
    """One whole-number box per returnable product and movement, plus the day."""

    kinds: tuple[str, ...] = ()

    date = forms.DateField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = products
        for product in products:
            for kind in self.kinds:
                self.fields[field_key(kind, product.pk)] = forms.IntegerField(
                    label=self.box_label(product, kind),
                    min_value=0,
                    max_value=MAX_QUANTITY,
                    required=False,
                    widget=forms.NumberInput(attrs=BIG_NUMBER),
                )

    def box_label(self, product: Product, kind: str) -> str:
        return product.name

    def counts(self) -> dict[int, dict[str, int]]:
        data = self.cleaned_data
        return {
            p.pk: {kind: data.get(field_key(kind, p.pk)) or 0 for kind in self.kinds}
            for p in self.products
        }

    def rows(self) -> list[tuple[Product, list[forms.BoundField]]]:
        """The boxes by product, for the template."""
        return [(p, [self[field_key(kind, p.pk)] for kind in self.kinds]) for p in self.products]


class VanLoadForm(_CountsForm):
    """The morning: full containers loaded onto the van."""

    kinds = tuple(str(k) for k in LOAD_KINDS)

    def loaded(self) -> dict[int, int]:
        return {pk: by_kind[ContainerKind.LOADED] for pk, by_kind in self.counts().items()}


class VanReturnForm(_CountsForm):
    """The evening: what the van brings back, full, empty and damaged."""

    kinds = tuple(str(k) for k in RETURN_KINDS)

    def box_label(self, product: Product, kind: str) -> str:
        return f"{product.name}: {RETURN_LABELS[kind]}"


class AdjustForm(forms.Form):
    """A signed correction of a client's balance (an opening balance, a write-off)."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("Containers (no product)"),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        help_text=_("Plus adds to what the client holds, minus takes away."),
        widget=forms.NumberInput(attrs={"class": "store-input", "step": "1"}),
    )
    note = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. opening balance")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = returnable_products()


def parse_day(raw: str | None, default: datetime.date) -> datetime.date:
    """A ``YYYY-MM-DD`` from the query string, or ``default`` when missing or malformed."""
    try:
        return datetime.date.fromisoformat(raw or "")
    except ValueError:
        return default
