"""The per-client ledger: every invoice issued or voided, credit note, payment and container
deposit is one ``LedgerEntry`` (+ in the client's favour, − owed by the client). The balance on the
client card is the sum of the entries; debt and overdue debt are the outstanding amounts of open
invoices. ``recompute_clients_money`` writes all three through the clients app's service."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.models import OPEN_INVOICE_STATUSES, DocKind, Document, LedgerEntry, Payment
from clients.services.billing_state import client_set_money_states

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def ledger_post(
    *,
    client_id: int,
    kind: str,
    amount: Decimal,
    date: datetime.date,
    document: Document | None = None,
    payment: Payment | None = None,
    description: str = "",
    actor: Any | None = None,
    currency: str = "RUB",
) -> LedgerEntry:
    return LedgerEntry.objects.create(
        client_id=client_id,
        kind=kind,
        amount=amount,
        date=date,
        document=document,
        payment=payment,
        description=description[:300],
        currency=currency,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _sum(expression: Any, condition: Q | None = None) -> Any:
    return Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=_MONEY)


def money_state(client_ids: Iterable[int], today: datetime.date | None = None) -> dict:
    """``{client_id: (balance, debt, overdue_debt)}`` in two aggregate queries."""
    ids = list(set(client_ids))
    today = today or timezone.localdate()
    balances = dict(
        LedgerEntry.objects.filter(client_id__in=ids)
        .values("client_id")
        .annotate(total=_sum("amount"))
        .values_list("client_id", "total")
    )
    outstanding = F("total") - F("paid_amount")
    debts = {
        row["client_id"]: (row["debt"], row["overdue"])
        for row in Document.objects.filter(
            client_id__in=ids, kind=DocKind.INVOICE, status__in=OPEN_INVOICE_STATUSES
        )
        .values("client_id")
        .annotate(debt=_sum(outstanding), overdue=_sum(outstanding, Q(due_date__lt=today)))
    }
    return {pk: (balances.get(pk, ZERO), *debts.get(pk, (ZERO, ZERO))) for pk in ids}


def recompute_clients_money(client_ids: Iterable[int], today: datetime.date | None = None) -> None:
    client_set_money_states(money_state(client_ids, today))


def recompute_client_money(client_id: int) -> None:
    recompute_clients_money([client_id])


def ledger_rows(client: Any) -> list[dict[str, Any]]:
    """The client's ledger in date order with a running balance (one query)."""
    entries = (
        LedgerEntry.objects.filter(client=client)
        .select_related("document", "payment")
        .order_by("date", "pk")
    )
    running = ZERO
    rows = []
    for entry in entries:
        running += entry.amount
        rows.append(
            {
                "entry": entry,
                "date": entry.date,
                "kind": entry.kind,
                "kind_label": entry.get_kind_display(),
                "description": entry.description,
                "amount": entry.amount,
                "debit": -entry.amount if entry.amount < 0 else ZERO,
                "credit": entry.amount if entry.amount > 0 else ZERO,
                "balance": running,
                "document": entry.document,
                "payment": entry.payment,
            }
        )
    return rows
