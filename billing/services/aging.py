"""Receivables aging: what clients owe on open invoices, split by how long it is past due
(current, 1–30, 31–60, 61–90, 90+ days), grouped per client, manager, standing route and branch.

Each grouping is one aggregated SQL query (``Sum(Case(When(...)))`` per bucket): no per-client
loops. ``documents`` narrows the invoices (a user's scope, a branch); by default every open
invoice counts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from billing.models import OPEN_INVOICE_STATUSES, DocKind, Document
from clients.models import Client

#: (key, label, first day past due, last day past due); ``None``: open-ended
BUCKETS: list[tuple[str, Any, int | None, int | None]] = [
    ("current", _("Current"), None, 0),
    ("d1_30", _("1–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("d90_plus", _("90+ days"), 91, None),
]
BUCKET_KEYS = [key for key, *_rest in BUCKETS]
AMOUNT_KEYS = ["debt", "overdue", *BUCKET_KEYS]
ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)


def open_invoices(prefix: str = "") -> Q:
    """The condition of an invoice that is still owed (``prefix``: ``"documents__"`` from
    the client side)."""
    return Q(
        **{
            f"{prefix}kind": DocKind.INVOICE,
            f"{prefix}status__in": OPEN_INVOICE_STATUSES,
            f"{prefix}total__gt": F(f"{prefix}paid_amount"),
        }
    )


def bucket_condition(key: str, today: datetime.date, prefix: str = "") -> Q:
    """Invoices in the bucket ``key`` on ``today`` by their due date."""
    for bucket_key, _label, first, last in BUCKETS:
        if bucket_key != key:
            continue
        due = f"{prefix}due_date"
        if first is None:  # not yet due (or no due date at all)
            return Q(**{f"{due}__isnull": True}) | Q(**{f"{due}__gte": today})
        cond = Q(**{f"{due}__lte": today - datetime.timedelta(days=first)})
        if last is not None:
            cond &= Q(**{f"{due}__gte": today - datetime.timedelta(days=last)})
        return cond
    raise ValueError(f"unknown aging bucket {key!r}")


def _sum(condition: Q | None, prefix: str) -> Coalesce:
    outstanding = F(f"{prefix}total") - F(f"{prefix}paid_amount")
    expr: Any = outstanding
    if condition is not None:
        expr = Case(When(condition, then=outstanding), default=Value(ZERO))
    # from the client side only the client's open invoices count
    only = open_invoices(prefix) if prefix else None
    return Coalesce(
        Sum(expr, filter=only, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD
    )


def aging_sums(today: datetime.date, prefix: str = "") -> dict[str, Coalesce]:
    """Aggregates ``debt``, ``overdue`` and one per bucket, for ``.annotate()``/``.aggregate()``
    over open invoices (``prefix=""``) or over clients (``prefix="documents__"``: only the
    client's open invoices are summed)."""
    overdue = Q(**{f"{prefix}due_date__lt": today})
    sums = {"debt": _sum(None, prefix), "overdue": _sum(overdue, prefix)}
    for key in BUCKET_KEYS:
        sums[key] = _sum(bucket_condition(key, today, prefix), prefix)
    return sums


def debtors(clients: QuerySet[Client], today: datetime.date) -> QuerySet[Client]:
    """``clients`` who owe on open invoices, annotated with ``open_debt``, ``overdue_amount``
    and one amount per bucket (one query; the client's own ``debt`` field is kept by the
    ledger and may lag a payment by a moment, these sums are exact)."""
    sums = aging_sums(today, "documents__")
    sums["open_debt"] = sums.pop("debt")
    sums["overdue_amount"] = sums.pop("overdue")
    return clients.filter(open_invoices("documents__")).annotate(**sums).filter(open_debt__gt=0)


def _invoices(documents: QuerySet[Document] | None) -> QuerySet[Document]:
    qs = documents if documents is not None else Document.objects.all()
    return qs.filter(open_invoices()).order_by()


def _grouped(
    documents: QuerySet[Document] | None, today: datetime.date, *fields: str, **extra: Any
) -> list[dict[str, Any]]:
    qs = _invoices(documents)
    if extra:
        qs = qs.annotate(**extra)
    rows = qs.values(*fields, *extra).annotate(**aging_sums(today)).order_by("-overdue", "-debt")
    return list(rows)


def aging_totals(
    *, today: datetime.date, documents: QuerySet[Document] | None = None
) -> dict[str, Decimal]:
    """One row: the whole receivable split by bucket."""
    return _invoices(documents).aggregate(**aging_sums(today))


def aging_by_client(
    *, today: datetime.date, documents: QuerySet[Document] | None = None
) -> list[dict[str, Any]]:
    return _grouped(documents, today, "client_id", "client__name")


def aging_by_manager(
    *, today: datetime.date, documents: QuerySet[Document] | None = None
) -> list[dict[str, Any]]:
    """Per responsible manager of the client (``manager_id`` None: clients without one)."""
    return _grouped(
        documents,
        today,
        "client__manager_id",
        "client__manager__first_name",
        "client__manager__last_name",
        "client__manager__username",
    )


def aging_by_branch(
    *, today: datetime.date, documents: QuerySet[Document] | None = None
) -> list[dict[str, Any]]:
    return _grouped(documents, today, "branch_id", "branch__name")


def _client_route() -> QuerySet:
    """The client's standing route: the one serving its main address first, then by weekday
    (a client whose sites are on several routes is counted once, on that route)."""
    from routes.models import StandingStop

    return StandingStop.objects.filter(
        address__client=OuterRef("client_id"), route__is_active=True
    ).order_by("-address__is_primary", "route__weekday", "route_id")


def aging_by_route(
    *, today: datetime.date, documents: QuerySet[Document] | None = None
) -> list[dict[str, Any]]:
    """Per standing route (``route_id`` None: clients on no standing route)."""
    stops = _client_route()
    return _grouped(
        documents,
        today,
        route_id=Subquery(stops.values("route_id")[:1]),
        route_name=Subquery(stops.values("route__name")[:1]),
    )
