"""Forms of the documents pages: the list's filters (django-filter), a manual document with its
lines (a formset), voiding, invoicing completed orders or a contract's month, e-mailing and the
client's "document package"."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from billing.models import DocKind, DocStatus, Document
from billing.selectors import overdue_q
from crm.orders.models import Product, Unit, VatRate

MANUAL_KINDS = [
    (DocKind.INVOICE, DocKind.INVOICE.label),
    (DocKind.PROPOSAL, DocKind.PROPOSAL.label),
]


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Number"), method="filter_number", max_length=40)
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=DocKind.choices, empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DocStatus.choices, method="filter_status", empty_label=_("Any")
    )
    client = django_filters.ModelChoiceFilter(
        label=_("Client"), queryset=Document.objects.none(), empty_label=_("Any")
    )
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("Until"),
        field_name="date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Document
        fields: list[str] = []

    def __init__(
        self, data: Any = None, *args: Any, clients: QuerySet, today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(data, *args, **kwargs)
        self.today = today
        self.filters["client"].queryset = clients.order_by("name").only("pk", "name")

    def filter_number(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(number__icontains=value) if value else qs

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == DocStatus.OVERDUE:
            return qs.filter(overdue_q(self.today))
        if value in OPEN_STATUSES_NOT_LATE:
            return qs.filter(status=value).exclude(overdue_q(self.today))
        return qs.filter(status=value) if value else qs


OPEN_STATUSES_NOT_LATE = (DocStatus.ISSUED, DocStatus.PARTLY_PAID)


class DocumentForm(forms.Form):
    """The header of a manual invoice or commercial proposal."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MANUAL_KINDS)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date, due = data.get("date"), data.get("due_date")
        if date and due and due < date:
            self.add_error("due_date", _("The due date cannot be before the document's date."))
        return data


class LineForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Catalogue product"), queryset=Product.objects.none(), required=False
    )
    name = forms.CharField(label=_("Name"), max_length=500, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.PIECE)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        required=False,
    )
    unit_price = forms.DecimalField(
        label=_("Price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        required=False,
    )
    vat_rate = forms.ChoiceField(label=_("VAT"), choices=VatRate.choices, initial=VatRate.TWENTY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        product = data.get("product")
        if product is not None:
            data["name"] = data.get("name") or product.name
            if data.get("unit_price") is None:
                data["unit_price"] = product.price
            data["unit"] = getattr(product, "unit", None) or data.get("unit")
        if not data.get("name") and (data.get("quantity") or data.get("unit_price")):
            self.add_error("name", _("Name the line or choose a catalogue product."))
        if data.get("name"):
            if data.get("quantity") is None:
                self.add_error("quantity", _("Enter the quantity."))
            if data.get("unit_price") is None:
                self.add_error("unit_price", _("Enter the price."))
        return data

    def as_line(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data or not data.get("name"):
            return None
        line = {
            "name": data["name"],
            "unit": data["unit"],
            "quantity": data["quantity"],
            "unit_price": data["unit_price"],
            "vat_rate": data["vat_rate"],
        }
        if data.get("product"):
            line["product"] = data["product"]
        return line


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        if not self.lines():
            raise forms.ValidationError(_("Add at least one line."))

    def lines(self) -> list[dict[str, Any]]:
        return [line for form in self.forms if (line := form.as_line()) is not None]


LineFormSet = formset_factory(
    LineForm, formset=BaseLineFormSet, extra=1, max_num=200, validate_max=True
)


def line_initial(document: Document) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product_id,
            "name": line.name,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "vat_rate": line.vat_rate,
        }
        for line in document.lines.all()
    ]


def query_line_initial(params: Any) -> tuple[str, list[dict[str, Any]]]:
    """``?product=&price=&note=`` (links from other apps, e.g. a lab's calculated price): the
    note and one prefilled line; anything unreadable is ignored."""
    note = params.get("note", "").strip()[:2000]
    product_id = params.get("product", "")
    product = (
        Product.objects.filter(pk=int(product_id), is_active=True).first()
        if product_id.isdigit()
        else None
    )
    if product is None:
        return note, []
    try:
        price = Decimal(params.get("price", ""))
    except (InvalidOperation, ValueError):
        price = product.price
    if not price.is_finite() or not 0 <= price < 10**12:
        price = product.price
    line = {
        "product": product.pk,
        "name": product.name,
        "unit": product.unit,
        "quantity": Decimal("1"),
        "unit_price": price.quantize(Decimal("0.01")),
        "vat_rate": product.vat_rate,
    }
    return note, [line]


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the document is voided.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the document is voided."))
        return reason


class FromOrdersForm(forms.Form):
    orders = forms.ModelMultipleChoiceField(
        label=_("Completed orders not invoiced yet"),
        queryset=Document.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one order.")},
    )

    def __init__(self, *args: Any, orders: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orders"].queryset = orders
        self.fields["orders"].label_from_instance = _order_label

    def order_rows(self) -> list[Any]:
        return list(self["orders"])


def _order_label(order: Any) -> str:
    return f"№ {order.number or order.pk} · {order.date:%d.%m.%Y} · {order.total} {order.currency}"


MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class FromContractForm(forms.Form):
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=Document.objects.none())
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
        help_text=_("The month the contract's tariffs are billed for."),
    )

    def __init__(self, *args: Any, contracts: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts

    def clean_month(self) -> tuple[datetime.date, datetime.date]:
        match = MONTH_RE.match(self.cleaned_data["month"].strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise forms.ValidationError(_("Enter the month as YYYY-MM."))
        start = datetime.date(int(match[1]), int(match[2]), 1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return start, end


class EmailForm(forms.Form):
    to = forms.EmailField(label=_("To"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PackageForm(forms.Form):
    """Which documents go into the client's package and in which form."""

    FORMAT_PDF, FORMAT_ZIP = "pdf", "zip"

    invoice = forms.ModelChoiceField(
        label=_("Invoice"), queryset=Document.objects.none(), required=False
    )
    proposal = forms.ModelChoiceField(
        label=_("Commercial proposal"), queryset=Document.objects.none(), required=False
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Document.objects.none(), required=False
    )
    format = forms.ChoiceField(
        label=_("As"),
        choices=[(FORMAT_PDF, _("One PDF")), (FORMAT_ZIP, _("A zip of PDFs"))],
        initial=FORMAT_PDF,
        widget=forms.RadioSelect,
    )
    to = forms.EmailField(label=_("E-mail to"), max_length=254, required=False)

    def __init__(self, *args: Any, candidates: dict[str, QuerySet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = candidates["invoices"]
        self.fields["proposal"].queryset = candidates["proposals"]
        self.fields["contract"].queryset = candidates["contracts"]
        for key, qs in (
            ("invoice", candidates["invoices"]),
            ("proposal", candidates["proposals"]),
            ("contract", candidates["contracts"]),
        ):
            if not self.is_bound and key not in self.initial:
                first = qs.first()
                if first is not None:
                    self.initial[key] = first.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(key) for key in ("invoice", "proposal", "contract")):
            raise forms.ValidationError(_("Choose at least one document for the package."))
        return data

    @property
    def as_zip(self) -> bool:
        return self.cleaned_data.get("format") == self.FORMAT_ZIP
