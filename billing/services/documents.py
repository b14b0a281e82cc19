"""Documents: drafts from orders, contract tariffs or by hand; issue (numbered, posted to the
ledger); void (reason required, the number is kept, allocated payments are released); acts,
waybills, VAT invoices and credit notes derived from an invoice; overdue marking.

An issued document never changes: ``document_replace_lines`` refuses it with the way out (void and
re-issue, or a credit note)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    OPEN_INVOICE_STATUSES,
    DocKind,
    DocSource,
    DocStatus,
    Document,
    DocumentLine,
    LedgerKind,
    Organisation,
    PaymentAllocation,
)
from billing.services.ledger import ledger_post, recompute_client_money
from billing.services.numbering import next_number
from billing.services.totals import document_totals, line_amounts
from crm.core.models import AuditEntry, TimelineEntry
from crm.core.money import quantize
from crm.core.services import audit_record, timeline_add
from crm.orders.models import Order, OrderStatus, VatRate

#: kinds whose issue puts a debt on the client's account
DEBIT_KINDS = (DocKind.INVOICE,)
DERIVABLE = (DocKind.ACT, DocKind.WAYBILL, DocKind.VAT_INVOICE, DocKind.CREDIT_NOTE)


def default_payment_days() -> int:
    return int(getattr(settings, "BILLING_PAYMENT_DAYS", 10))


def organisation_for(branch: Any) -> Organisation:
    """The organisation that bills for ``branch``: one linked to it, else one linked to none."""
    active = Organisation.objects.filter(is_active=True)
    found = (
        active.filter(branches=branch).order_by("pk").first()
        or active.filter(branches__isnull=True).order_by("pk").first()
    )
    if found is None:
        raise ValidationError(
            _("No organisation issues documents for this branch: add one under Billing settings.")
        )
    return found


# --- Lines ----------------------------------------------------------------------------------------
def _decimal(value: Any, field: str, errors: dict[str, list[str]], row: int) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        errors.setdefault(f"lines.{row}.{field}", []).append(_("Enter a number."))
        return Decimal("0")
    if not number.is_finite():
        errors.setdefault(f"lines.{row}.{field}", []).append(_("Enter a number."))
        return Decimal("0")
    return number


def build_lines(raw_lines: Sequence[dict[str, Any]], *, allow_negative: bool = False) -> list:
    """Validated, unsaved ``DocumentLine`` objects; ``ValidationError`` lists every bad field."""
    errors: dict[str, list[str]] = {}
    lines: list[DocumentLine] = []
    for row, raw in enumerate(raw_lines):
        name = str(raw.get("name") or "").strip()
        if not name:
            errors.setdefault(f"lines.{row}.name", []).append(_("Name the line."))
        quantity = _decimal(raw.get("quantity", 1), "quantity", errors, row)
        price = _decimal(raw.get("unit_price", 0), "unit_price", errors, row)
        if quantity <= 0:
            errors.setdefault(f"lines.{row}.quantity", []).append(
                _("The quantity must be above zero.")
            )
        if price < 0 and not allow_negative:
            errors.setdefault(f"lines.{row}.unit_price", []).append(
                _("The price cannot be negative.")
            )
        vat_rate = str(raw.get("vat_rate") or VatRate.NONE)
        if vat_rate not in VatRate.values:
            errors.setdefault(f"lines.{row}.vat_rate", []).append(_("Unknown VAT rate."))
            vat_rate = VatRate.NONE
        amount, vat = line_amounts(quantity, price, vat_rate)
        if raw.get("amount") is not None:  # an order's own figure (after discounts) wins
            amount = quantize(raw["amount"])
            rate = VatRate.percent(vat_rate)
            vat = quantize(amount * rate / (100 + rate)) if rate else Decimal("0.00")
        lines.append(
            DocumentLine(
                position=row,
                product=raw.get("product"),
                order=raw.get("order"),
                name=name[:500],
                unit=raw.get("unit") or "pcs",
                quantity=quantity,
                unit_price=quantize(price),
                vat_rate=vat_rate,
                amount=amount,
                vat_amount=vat,
            )
        )
    if not lines:
        errors.setdefault("lines", []).append(_("Add at least one line."))
    if errors:
        raise ValidationError(errors)
    return lines


def _apply_totals(document: Document, lines: Sequence[DocumentLine]) -> None:
    document.subtotal, document.vat_total, document.total = document_totals(lines)


# --- Create / edit --------------------------------------------------------------------------------
@transaction.atomic
def document_create(
    *,
    actor: Any | None,
    kind: str,
    client: Any,
    lines: Sequence[dict[str, Any]],
    date: datetime.date | None = None,
    due_date: datetime.date | None = None,
    contract: Any | None = None,
    organisation: Organisation | None = None,
    period: tuple[datetime.date, datetime.date] | None = None,
    orders: Iterable[Order] = (),
    source: str = DocSource.MANUAL,
    note: str = "",
    basis: Document | None = None,
) -> Document:
    if kind not in DocKind.values or kind in (DocKind.CONTRACT, DocKind.AGREEMENT):
        raise ValidationError({"kind": _("This kind of document is not issued here.")})
    built = build_lines(lines)
    date = date or timezone.localdate()
    organisation = organisation or (contract.organisation if contract else None)
    organisation = organisation or organisation_for(client.branch)
    if due_date and due_date < date:
        raise ValidationError({"due_date": _("The due date cannot be before the document date.")})
    document = Document(
        kind=kind,
        organisation=organisation,
        branch_id=client.branch_id,
        client=client,
        contract=contract,
        basis=basis,
        source=source,
        date=date,
        due_date=due_date,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        currency=getattr(client, "currency", "RUB") or "RUB",
        note=note[:2000],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _apply_totals(document, built)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:
        raise ValidationError(_("This contract is already invoiced for this period.")) from exc
    for line in built:
        line.document = document
    DocumentLine.objects.bulk_create(built)
    order_list = list(orders)
    if order_list:
        document.orders.add(*order_list)
    audit_record(actor=actor, instance=document, action=AuditEntry.Action.CREATE)
    return document


@transaction.atomic
def document_replace_lines(
    *, actor: Any | None, document: Document, lines: Sequence[dict[str, Any]], **fields: Any
) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    _refuse_unless_draft(document)
    built = build_lines(lines)
    for name in ("date", "due_date", "note"):
        if name in fields:
            setattr(document, name, fields[name])
    _apply_totals(document, built)
    document.lines.all().delete()
    for line in built:
        line.document = document
    DocumentLine.objects.bulk_create(built)
    document.save()
    audit_record(actor=actor, instance=document, note="lines replaced")
    return document


def _refuse_unless_draft(document: Document) -> None:
    if document.status != DocStatus.DRAFT:
        raise ValidationError(
            _(
                "%(number)s is issued and cannot be changed: void it and issue a new one, "
                "or issue a credit note."
            )
            % {"number": document.number}
        )


# --- Issue / void ---------------------------------------------------------------------------------
@transaction.atomic
def document_issue(*, actor: Any | None, document: Document) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    _refuse_unless_draft(document)
    if document.total <= 0 and document.kind in (DocKind.INVOICE, DocKind.CREDIT_NOTE):
        raise ValidationError(_("A document with a zero total cannot be issued."))
    document.number = next_number(
        organisation=document.organisation, kind=document.kind, on=document.date
    )
    document.status = DocStatus.ISSUED
    document.issued_at = timezone.now()
    if document.kind == DocKind.INVOICE and document.due_date is None:
        days = document.contract.payment_days if document.contract else default_payment_days()
        document.due_date = document.date + datetime.timedelta(days=days)
    document.save()
    _post_issue(actor, document)
    audit_record(actor=actor, instance=document, changes={"status": ["draft", "issued"]})
    timeline_add(
        actor=actor,
        target=document.client,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("%(kind)s %(number)s issued: %(total)s %(currency)s")
        % {
            "kind": document.get_kind_display(),
            "number": document.number,
            "total": document.total,
            "currency": document.currency,
        },
        data={"billing_document": document.pk},
    )
    return document


def _post_issue(actor: Any | None, document: Document) -> None:
    if document.kind == DocKind.INVOICE:
        ledger_post(
            client_id=document.client_id,
            kind=LedgerKind.INVOICE,
            amount=-document.total,
            date=document.date,
            document=document,
            description=_("Invoice %(number)s") % {"number": document.number},
            actor=actor,
            currency=document.currency,
        )
        recompute_client_money(document.client_id)
    elif document.kind == DocKind.CREDIT_NOTE:
        _apply_credit_note(actor, document)


def _apply_credit_note(actor: Any | None, note: Document) -> None:
    ledger_post(
        client_id=note.client_id,
        kind=LedgerKind.CREDIT_NOTE,
        amount=note.total,
        date=note.date,
        document=note,
        description=_("Credit note %(number)s") % {"number": note.number},
        actor=actor,
        currency=note.currency,
    )
    invoice = note.basis
    if invoice is not None and invoice.kind == DocKind.INVOICE:
        invoice = Document.objects.select_for_update().get(pk=invoice.pk)
        settle = min(note.total, invoice.outstanding)
        if settle > 0:
            invoice.paid_amount += settle
            refresh_payment_status(invoice)
            invoice.save(update_fields=["paid_amount", "status", "paid_at", "updated_at"])
    recompute_client_money(note.client_id)


def refresh_payment_status(invoice: Document, today: datetime.date | None = None) -> None:
    if invoice.status in (DocStatus.DRAFT, DocStatus.VOID):
        return
    today = today or timezone.localdate()
    if invoice.paid_amount >= invoice.total:
        invoice.status = DocStatus.PAID
        invoice.paid_at = invoice.paid_at or timezone.now()
    elif invoice.due_date and invoice.due_date < today:
        invoice.status = DocStatus.OVERDUE
        invoice.paid_at = None
    elif invoice.paid_amount > 0:
        invoice.status = DocStatus.PARTLY_PAID
        invoice.paid_at = None
    else:
        invoice.status = DocStatus.ISSUED
        invoice.paid_at = None


@transaction.atomic
def document_void(*, actor: Any | None, document: Document, reason: str) -> Document:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the document is voided.")})
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status == DocStatus.VOID:
        raise ValidationError(_("The document is already void."))
    was_issued = document.status != DocStatus.DRAFT
    before = document.status
    _release_allocations(document)
    document.status = DocStatus.VOID
    document.void_reason = reason[:500]
    document.voided_at = timezone.now()
    document.paid_amount = Decimal("0")
    document.save()
    if was_issued and document.kind in (DocKind.INVOICE, DocKind.CREDIT_NOTE):
        sign = 1 if document.kind == DocKind.INVOICE else -1
        ledger_post(
            client_id=document.client_id,
            kind=LedgerKind.VOID,
            amount=sign * document.total,
            date=timezone.localdate(),
            document=document,
            description=_("%(number)s voided: %(reason)s")
            % {"number": document.number, "reason": reason},
            actor=actor,
            currency=document.currency,
        )
        recompute_client_money(document.client_id)
    audit_record(actor=actor, instance=document, changes={"status": [before, "void"]}, note=reason)
    timeline_add(
        actor=actor,
        target=document.client,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("%(kind)s %(number)s voided: %(reason)s")
        % {"kind": document.get_kind_display(), "number": document.number, "reason": reason},
        data={"billing_document": document.pk},
    )
    return document


def _release_allocations(document: Document) -> None:
    """Payments allocated to a voided invoice go back to the payments' unallocated money."""
    from billing.models import Payment

    allocations = list(PaymentAllocation.objects.filter(document=document))
    for allocation in allocations:
        payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
        payment.allocated -= allocation.amount
        payment.save(update_fields=["allocated"])
    PaymentAllocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()


# --- From orders, contracts and other documents ---------------------------------------------------
def uninvoiced_orders(client: Any) -> Any:
    """The client's completed orders not yet on a live invoice."""
    invoiced = Document.objects.filter(kind=DocKind.INVOICE).exclude(status=DocStatus.VOID)
    return (
        Order.objects.filter(client=client, status=OrderStatus.COMPLETED)
        .exclude(billing_documents__in=invoiced)
        .order_by("date", "pk")
    )


def order_lines(orders: Iterable[Order], default_vat: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for order in orders:
        for item in order.items.all():
            if item.amount <= 0:
                continue
            lines.append(
                {
                    "name": f"{item.name} ({_('order')} {order.number or order.pk})",
                    "unit": item.unit,
                    "quantity": item.quantity,
                    "unit_price": item.unit_price,
                    "vat_rate": item.vat_rate,
                    "amount": item.amount,
                    "product": item.product,
                    "order": order,
                }
            )
        if order.adjustments_total:
            lines.append(
                {
                    "name": _("Delivery and surcharges, order %(number)s")
                    % {"number": order.number or order.pk},
                    "unit": "service",
                    "quantity": 1,
                    "unit_price": order.adjustments_total,
                    "vat_rate": default_vat,
                    "order": order,
                }
            )
    return lines


@transaction.atomic
def invoice_from_orders(*, actor: Any | None, client: Any, orders: Iterable[Order]) -> Document:
    wanted = [o.pk for o in orders]
    available = list(uninvoiced_orders(client).filter(pk__in=wanted).prefetch_related("items"))
    if not wanted or len(available) != len(set(wanted)):
        raise ValidationError(
            {"orders": _("Choose completed orders of this client that are not invoiced yet.")}
        )
    organisation = organisation_for(client.branch)
    return document_create(
        actor=actor,
        kind=DocKind.INVOICE,
        client=client,
        organisation=organisation,
        lines=order_lines(available, organisation.default_vat_rate),
        orders=available,
        source=DocSource.ORDER,
    )


def tariff_lines(contract: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": tariff.name,
            "unit": tariff.unit,
            "quantity": tariff.quantity,
            "unit_price": tariff.price,
            "vat_rate": tariff.vat_rate,
            "product": tariff.product,
        }
        for tariff in contract.tariffs.all()
        if tariff.quantity > 0
    ]


def invoice_from_contract(
    *,
    actor: Any | None,
    contract: Any,
    period_start: datetime.date,
    period_end: datetime.date,
    date: datetime.date | None = None,
) -> Document:
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    existing = (
        Document.objects.filter(contract=contract, kind=DocKind.INVOICE, period_start=period_start)
        .exclude(status=DocStatus.VOID)
        .first()
    )
    if existing is not None:
        raise ValidationError(
            _("The contract is already invoiced for this period: %(number)s.")
            % {"number": existing.number or _("draft")}
        )
    lines = tariff_lines(contract)
    if not lines:
        raise ValidationError(_("The contract has no tariff lines to invoice."))
    date = date or timezone.localdate()
    return document_create(
        actor=actor,
        kind=DocKind.INVOICE,
        client=contract.client,
        contract=contract,
        organisation=contract.organisation,
        lines=lines,
        date=date,
        due_date=date + datetime.timedelta(days=contract.payment_days),
        period=(period_start, period_end),
        source=DocSource.CONTRACT,
    )


@transaction.atomic
def document_derive(*, actor: Any | None, basis: Document, kind: str) -> Document:
    if kind not in DERIVABLE:
        raise ValidationError({"kind": _("This document cannot be made from an invoice.")})
    if basis.kind != DocKind.INVOICE or basis.status in (DocStatus.DRAFT, DocStatus.VOID):
        raise ValidationError(_("Documents are made from an issued invoice."))
    if kind != DocKind.CREDIT_NOTE:
        duplicate = (
            Document.objects.filter(basis=basis, kind=kind).exclude(status=DocStatus.VOID).first()
        )
        if duplicate is not None:
            raise ValidationError(
                _("%(kind)s already exists for this invoice: %(number)s.")
                % {"kind": duplicate.get_kind_display(), "number": duplicate.number or _("draft")}
            )
    lines = [
        {
            "name": line.name,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "vat_rate": line.vat_rate,
            "amount": line.amount,
            "product": line.product,
            "order": line.order,
        }
        for line in basis.lines.select_related("product", "order")
    ]
    return document_create(
        actor=actor,
        kind=kind,
        client=basis.client,
        contract=basis.contract,
        organisation=basis.organisation,
        lines=lines,
        orders=basis.orders.all(),
        basis=basis,
        source=basis.source,
    )


def mark_overdue(today: datetime.date | None = None) -> int:
    """Open invoices past their due date become overdue; returns how many changed."""
    today = today or timezone.localdate()
    stale = Document.objects.filter(
        kind=DocKind.INVOICE,
        status__in=(DocStatus.ISSUED, DocStatus.PARTLY_PAID),
        due_date__lt=today,
    )
    client_ids = set(stale.values_list("client_id", flat=True))
    changed = stale.update(status=DocStatus.OVERDUE, updated_at=timezone.now())
    if client_ids:
        from billing.services.ledger import recompute_clients_money

        recompute_clients_money(client_ids, today)
    return changed


def open_invoices(client: Any) -> Any:
    """The client's invoices that still owe money, oldest due first."""
    return Document.objects.filter(
        client=client, kind=DocKind.INVOICE, status__in=OPEN_INVOICE_STATUSES
    ).order_by(F("due_date").asc(nulls_last=True), "date", "pk")
