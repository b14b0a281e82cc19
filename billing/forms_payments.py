"""Forms of the payments pages (``billing.views_payments``): the list filters, recording a
payment, the manual allocation step, the statement upload and the review's client pickers.
Amount rules (above zero, within what is left) are the services'; their ``ValidationError``s
come back onto these forms through ``crm.core.forms.apply_validation_error``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import PaymentMethod, PaymentSource

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"inputmode": "decimal", "step": "0.01", "min": "0.01"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class AllocationMode:
    OLDEST = "oldest"
    MANUAL = "manual"
    NONE = "none"

    choices = [
        (OLDEST, _("Oldest invoices first")),
        (MANUAL, _("Choose invoices and amounts")),
        (NONE, _("Keep on the client's balance")),
    ]


class PaymentFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("Until"), widget=DATE, required=False)
    method = forms.ChoiceField(
        label=_("Method"), choices=[("", _("Any")), *PaymentMethod.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any")), *PaymentSource.choices], required=False
    )
    client = forms.IntegerField(widget=forms.HiddenInput, required=False)
    q = forms.CharField(label=_("Client, reference or INN"), required=False, max_length=100)
    unallocated = forms.BooleanField(label=_("Unallocated only"), required=False)


class PaymentForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=None)
    date = forms.DateField(label=_("Date"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs=MONEY),
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Document number"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    allocation = forms.ChoiceField(
        label=_("Allocation"),
        choices=AllocationMode.choices,
        initial=AllocationMode.OLDEST,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients.only("pk", "name").order_by("name", "pk")

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError(_("The amount must be above zero."))
        return amount


class AllocateForm(forms.Form):
    """One amount box per open invoice of the client (``inv_<pk>``)."""

    def __init__(self, *args: Any, invoices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = invoices
        for invoice in invoices:
            self.fields[f"inv_{invoice.pk}"] = forms.DecimalField(
                label=str(invoice),
                required=False,
                max_digits=14,
                decimal_places=2,
                widget=forms.NumberInput(attrs={**MONEY, "class": "pay-amount"}),
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [(invoice, self[f"inv_{invoice.pk}"]) for invoice in self.invoices]

    def amounts(self) -> list[tuple[Any, Decimal]]:
        out = []
        for invoice in self.invoices:
            value = self.cleaned_data.get(f"inv_{invoice.pk}")
            if value is not None and value != 0:
                out.append((invoice, value))
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for invoice in self.invoices:
            value = data.get(f"inv_{invoice.pk}")
            if value is not None and value < 0:
                self.add_error(f"inv_{invoice.pk}", _("The amount must be above zero."))
        return data


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Statement"),
        help_text=_("An .xlsx statement or a 1C exchange file (1CClientBankExchange, .txt)."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class StatementReviewForm(forms.Form):
    """Per row: import it or not, and the client (``use_<i>``, ``client_<i>``)."""

    def __init__(self, *args: Any, rows: list[Any], clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statement_rows = rows
        choices = [("", "—")] + [
            (c.pk, c.name) for c in clients.only("pk", "name").order_by("name", "pk")
        ]
        for row in rows:
            self.fields[f"use_{row.index}"] = forms.BooleanField(
                required=False, initial=bool(row.client_id)
            )
            self.fields[f"client_{row.index}"] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                initial=row.client_id,
            )

    def chosen(self) -> list[tuple[Any, int | None]]:
        return [
            (row, self.cleaned_data.get(f"client_{row.index}"))
            for row in self.statement_rows
            if self.cleaned_data.get(f"use_{row.index}")
        ]

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (row, self[f"use_{row.index}"], self[f"client_{row.index}"])
            for row in self.statement_rows
        ]
