"""Read-side queries of billing: the documents list with its filters and totals, a client's
documents for the card tab, what a client's "document package" may hold.

Every function takes an already scoped queryset or a user and goes through
``billing.permissions``, so nothing here widens what a user may see."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from billing.models import (
    OPEN_INVOICE_STATUSES,
    Contract,
    ContractStatus,
    DocKind,
    DocStatus,
    Document,
)
from billing.permissions import contracts_for, documents_for

ZERO = Decimal("0.00")

#: The kinds one can derive from an issued invoice, in the order of the buttons.
DERIVABLE_KINDS = (DocKind.ACT, DocKind.WAYBILL, DocKind.VAT_INVOICE, DocKind.CREDIT_NOTE)


def document_list(*, user: Any, branch: Any | None = None) -> QuerySet[Document]:
    """The documents ``user`` may see (newest first), with what a list row shows joined in."""
    return (
        documents_for(user, branch)
        .select_related("client", "organisation")
        .order_by("-date", "-pk")
    )


def overdue_q(today: datetime.date) -> Q:
    """Marked overdue, or open and past the due date (the daily job may not have run yet)."""
    return Q(status=DocStatus.OVERDUE) | Q(
        status__in=OPEN_INVOICE_STATUSES, kind=DocKind.INVOICE, due_date__lt=today
    )


def document_totals(qs: QuerySet[Document]) -> dict[str, Any]:
    """Count, total, paid and outstanding of a (filtered) list in one aggregate; void documents
    count but add no money."""
    money = qs.exclude(status=DocStatus.VOID).order_by()
    row = money.aggregate(
        total=Coalesce(Sum("total"), ZERO),
        paid=Coalesce(Sum("paid_amount"), ZERO),
    )
    row["count"] = qs.order_by().aggregate(n=Count("pk"))["n"]
    row["outstanding"] = row["total"] - row["paid"]
    return row


def client_documents(*, user: Any, client: Any, limit: int = 50) -> list[Document]:
    """The client's documents for the card tab (newest first)."""
    return list(
        documents_for(user)
        .filter(client=client)
        .select_related("organisation")
        .order_by("-date", "-pk")[:limit]
    )


def client_contracts(*, user: Any, client: Any) -> QuerySet[Contract]:
    """The client's contracts that can be invoiced or sent (active first)."""
    return (
        contracts_for(user)
        .filter(client=client)
        .exclude(status=ContractStatus.TERMINATED)
        .select_related("organisation")
        .order_by("status", "-starts_on", "-pk")
    )


def package_candidates(*, user: Any, client: Any) -> dict[str, QuerySet]:
    """What the "document package" may contain: the client's non-void invoices and proposals
    and their contracts."""
    docs = documents_for(user).filter(client=client).exclude(status=DocStatus.VOID)
    return {
        "invoices": docs.filter(kind=DocKind.INVOICE).order_by("-date", "-pk"),
        "proposals": docs.filter(kind=DocKind.PROPOSAL).order_by("-date", "-pk"),
        "contracts": contracts_for(user).filter(client=client).order_by("-starts_on", "-pk"),
    }
