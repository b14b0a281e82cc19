"""Payments and their allocation to invoices.

A payment is posted to the client's ledger once (+amount). Allocation says which invoices it
settles: oldest due first by default, or by hand. The payment's ``allocated`` and the invoice's
``paid_amount`` move together under row locks; database checks keep them within the payment's
amount and the invoice's total. Money not allocated stays on the client's balance and is offered
to the next invoice (``allocate_oldest_first`` on the client's payments with money left)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    OPEN_INVOICE_STATUSES,
    DocKind,
    Document,
    LedgerKind,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentSource,
)
from billing.services.documents import open_invoices, refresh_payment_status
from billing.services.ledger import ledger_post, recompute_client_money
from crm.core.models import AuditEntry, TimelineEntry
from crm.core.money import quantize
from crm.core.services import audit_record, timeline_add

MAX_AMOUNT = Decimal("999999999999.99")


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = quantize(str(value).replace(",", ".").replace(" ", "").replace("\xa0", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("Enter an amount of money.")}) from exc
    if amount <= 0:
        raise ValidationError({field: _("The amount must be above zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    return amount


@transaction.atomic
def payment_record(
    *,
    actor: Any | None,
    client: Any,
    amount: Decimal | str | int,
    method: str,
    date: datetime.date | None = None,
    reference: str = "",
    payer_inn: str = "",
    purpose: str = "",
    note: str = "",
    source: str = PaymentSource.MANUAL,
    external_key: str | None = None,
    route_stop: Any | None = None,
    allocate: bool = True,
) -> Payment:
    """Record a payment (idempotent on ``external_key``) and allocate it oldest first."""
    if external_key:
        existing = Payment.objects.filter(external_key=external_key).first()
        if existing is not None:
            return existing
    value = parse_amount(amount)
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Choose how the client paid.")})
    date = date or timezone.localdate()
    if date > timezone.localdate() + datetime.timedelta(days=1):
        raise ValidationError({"date": _("A payment cannot be dated in the future.")})
    payment = Payment.objects.create(
        client=client,
        branch_id=client.branch_id,
        date=date,
        amount=value,
        currency=getattr(client, "currency", "RUB") or "RUB",
        method=method,
        source=source,
        reference=reference[:100],
        payer_inn=payer_inn[:12],
        purpose=purpose[:500],
        note=note[:500],
        external_key=external_key or None,
        route_stop=route_stop,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ledger_post(
        client_id=client.pk,
        kind=LedgerKind.PAYMENT,
        amount=value,
        date=date,
        payment=payment,
        description=_("Payment (%(method)s) %(reference)s")
        % {"method": payment.get_method_display(), "reference": reference},
        actor=actor,
        currency=payment.currency,
    )
    audit_record(actor=actor, instance=payment, action=AuditEntry.Action.CREATE)
    timeline_add(
        actor=actor,
        target=client,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("Payment received: %(amount)s %(currency)s (%(method)s)")
        % {
            "amount": value,
            "currency": payment.currency,
            "method": payment.get_method_display(),
        },
        data={"billing_payment": payment.pk},
    )
    if allocate:
        allocate_oldest_first(actor=actor, payment=payment)
    recompute_client_money(client.pk)
    return payment


def _check_allocation(payment: Payment, invoice: Document, amount: Decimal) -> None:
    if invoice.client_id != payment.client_id:
        raise ValidationError({"document": _("The invoice belongs to another client.")})
    if invoice.kind != DocKind.INVOICE or invoice.status not in OPEN_INVOICE_STATUSES:
        raise ValidationError(
            {"document": _("%(number)s is not an open invoice.") % {"number": invoice}}
        )
    if amount > payment.unallocated:
        raise ValidationError(
            {
                "amount": _("Only %(left)s of this payment is left to allocate.")
                % {"left": payment.unallocated}
            }
        )
    if amount > invoice.outstanding:
        raise ValidationError(
            {
                "amount": _("%(number)s only needs %(left)s.")
                % {"number": invoice.number, "left": invoice.outstanding}
            }
        )


def _settle(actor: Any | None, payment: Payment, invoice: Document, amount: Decimal) -> None:
    allocation, created = PaymentAllocation.objects.get_or_create(
        payment=payment,
        document=invoice,
        defaults={
            "amount": amount,
            "created_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    if not created:
        allocation.amount += amount
        allocation.save(update_fields=["amount"])
    payment.allocated += amount
    payment.save(update_fields=["allocated"])
    invoice.paid_amount += amount
    refresh_payment_status(invoice)
    invoice.save(update_fields=["paid_amount", "status", "paid_at", "updated_at"])


@transaction.atomic
def payment_allocate(
    *, actor: Any | None, payment: Payment, document: Document, amount: Decimal | str
) -> PaymentAllocation:
    """Allocate by hand; allocating the same payment to the same invoice twice is refused."""
    value = parse_amount(amount)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    invoice = Document.objects.select_for_update().get(pk=document.pk)
    if PaymentAllocation.objects.filter(payment=payment, document=invoice).exists():
        raise ValidationError(
            {
                "document": _("This payment is already allocated to %(number)s.")
                % {"number": invoice.number}
            }
        )
    _check_allocation(payment, invoice, value)
    _settle(actor, payment, invoice, value)
    recompute_client_money(payment.client_id)
    _resume_deliveries_if_paid(payment.client_id)
    return PaymentAllocation.objects.get(payment=payment, document=invoice)


@transaction.atomic
def allocate_oldest_first(*, actor: Any | None, payment: Payment) -> list[PaymentAllocation]:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    touched: list[int] = []
    for invoice in open_invoices(payment.client).select_for_update():
        left = payment.unallocated
        if left <= 0:
            break
        amount = min(left, invoice.outstanding)
        if amount <= 0:
            continue
        _settle(actor, payment, invoice, amount)
        touched.append(invoice.pk)
    if touched:
        recompute_client_money(payment.client_id)
        _resume_deliveries_if_paid(payment.client_id)
    return list(PaymentAllocation.objects.filter(payment=payment, document_id__in=touched))


def _resume_deliveries_if_paid(client_id: int) -> None:
    """A "stop deliveries" the ladder set is lifted the moment no overdue debt is left."""
    from billing.services.dunning import lift_paid_stops

    lift_paid_stops(today=timezone.localdate(), client_ids=[client_id])


def apply_client_credit(*, actor: Any | None, client: Any) -> int:
    """Put the client's unallocated money (overpayments) on their open invoices; returns how
    many payments were used."""
    used = 0
    for payment in Payment.objects.filter(client=client).order_by("date", "pk"):
        if payment.unallocated > 0 and allocate_oldest_first(actor=actor, payment=payment):
            used += 1
    return used


def unallocated_total(client: Any) -> Decimal:
    """The client's money not yet allocated to invoices (overpayments, advances)."""
    left = Payment.objects.filter(client=client).aggregate(
        left=Sum(F("amount") - F("allocated"), output_field=DecimalField())
    )["left"]
    return left or Decimal("0")
