"""Money figures of a period: revenue (completed orders) against the plan with a forecast to the
month end, invoiced against paid, money received, expected receipts, receivables and their aging,
and revenue split by route, payment method, delivery method and day of the month."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet

from billing.models import DocKind, DocStatus, Document, Payment
from billing.services import aging
from crm.leads.models import SalesPlan
from crm.orders.models import Order, OrderStatus
from reports.filters import ReportFilter
from reports.selectors.common import ZERO, money, money_sum, percent

#: how many days ahead "expected receipts" look
EXPECTED_DAYS = 14


# --- querysets the figures are counted from (the drill-down lists use the same ones) -------------
def orders_in_period(flt: ReportFilter) -> QuerySet[Order]:
    return Order.objects.filter(
        date__gte=flt.date_from, date__lte=flt.date_to, **flt.branch_q()
    ).order_by()


def completed_orders(flt: ReportFilter) -> QuerySet[Order]:
    return orders_in_period(flt).filter(status=OrderStatus.COMPLETED)


def invoices_in_period(flt: ReportFilter) -> QuerySet[Document]:
    return (
        Document.objects.filter(
            kind=DocKind.INVOICE,
            date__gte=flt.date_from,
            date__lte=flt.date_to,
            **flt.branch_q(),
        )
        .exclude(status__in=[DocStatus.DRAFT, DocStatus.VOID])
        .order_by()
    )


def payments_between(
    flt: ReportFilter, start: datetime.date, end: datetime.date
) -> QuerySet[Payment]:
    return Payment.objects.filter(date__gte=start, date__lte=end, **flt.branch_q()).order_by()


def open_invoices(flt: ReportFilter) -> QuerySet[Document]:
    return Document.objects.filter(aging.open_invoices(), **flt.branch_q()).order_by()


def expected_invoices(flt: ReportFilter) -> QuerySet[Document]:
    """Open invoices falling due from today over the next ``EXPECTED_DAYS`` days."""
    until = flt.today + datetime.timedelta(days=EXPECTED_DAYS)
    return open_invoices(flt).filter(due_date__gte=flt.today, due_date__lte=until)


# --- figures -------------------------------------------------------------------------------------
def plan_amount(flt: ReportFilter) -> Decimal:
    """The sales plans of the managers of the branch for the months the period touches."""
    plans = SalesPlan.objects.filter(
        month__gte=flt.date_from.replace(day=1), month__lte=flt.date_to.replace(day=1)
    )
    if flt.branch is not None:
        plans = plans.filter(manager__branch=flt.branch)
    return money(plans.aggregate(s=money_sum("amount"))["s"])


def plan_vs_fact(flt: ReportFilter) -> dict[str, Any]:
    """Revenue (completed orders) of the period against the plan, and a straight-line forecast
    of the month of ``date_to``: revenue of that month so far × days in month ÷ days gone."""
    month_start = flt.month_start
    as_of = min(flt.today, flt.date_to)
    row = orders_in_period(flt).aggregate(
        fact=money_sum("total", Q(status=OrderStatus.COMPLETED)),
    )
    month_fact = Order.objects.filter(
        status=OrderStatus.COMPLETED,
        date__gte=month_start,
        date__lte=as_of,
        **flt.branch_q(),
    ).aggregate(s=money_sum("total"))["s"]
    plan = plan_amount(flt)
    fact = money(row["fact"])
    days_in_month = calendar.monthrange(month_start.year, month_start.month)[1]
    days_gone = max((as_of - month_start).days + 1, 1) if as_of >= month_start else 0
    forecast = money(month_fact * days_in_month / days_gone) if days_gone else ZERO
    return {
        "plan": plan,
        "fact": fact,
        "percent": percent(fact, plan),
        "forecast": forecast,
        "forecast_percent": percent(forecast, plan),
    }


def invoiced_vs_paid(flt: ReportFilter) -> dict[str, Any]:
    row = invoices_in_period(flt).aggregate(
        invoiced=money_sum("total"), paid=money_sum("paid_amount"), count=Count("pk")
    )
    return {
        "invoiced": money(row["invoiced"]),
        "paid": money(row["paid"]),
        "count": row["count"],
        "percent": percent(row["paid"], row["invoiced"]),
    }


def received_this_month(flt: ReportFilter) -> dict[str, Any]:
    start, end = flt.today.replace(day=1), flt.today
    row = payments_between(flt, start, end).aggregate(total=money_sum("amount"), n=Count("pk"))
    return {"total": money(row["total"]), "count": row["n"], "start": start, "end": end}


def expected_receipts(flt: ReportFilter) -> dict[str, Any]:
    """Total and per day of the coming ``EXPECTED_DAYS`` days (due dates of open invoices)."""
    rows = (
        expected_invoices(flt)
        .values("due_date")
        .annotate(amount=money_sum(F("total") - F("paid_amount")))
        .order_by("due_date")
    )
    days = [{"date": r["due_date"], "amount": money(r["amount"])} for r in rows]
    total = sum((d["amount"] for d in days), ZERO)
    return {"total": total, "days": days, "horizon": EXPECTED_DAYS}


def expected_by_client(flt: ReportFilter) -> list[dict[str, Any]]:
    return list(
        expected_invoices(flt)
        .values("client_id", "client__name")
        .annotate(
            amount=money_sum(F("total") - F("paid_amount")),
            invoices=Count("pk"),
            first_due=Min("due_date"),
        )
        .order_by("first_due", "-amount", "client__name")
    )


def receivables(flt: ReportFilter) -> dict[str, Any]:
    """Outstanding on open invoices and its aging buckets (one query)."""
    totals = aging.aging_totals(
        today=flt.today, documents=Document.objects.filter(**flt.branch_q())
    )
    buckets = [
        {"key": key, "label": label, "amount": money(totals[key])}
        for key, label, *_rest in aging.BUCKETS
    ]
    return {"debt": money(totals["debt"]), "overdue": money(totals["overdue"]), "buckets": buckets}


def revenue_by(flt: ReportFilter, field: str) -> list[dict[str, Any]]:
    """Completed orders' revenue grouped by an order field (``payment_method``, ``order_type``)."""
    return list(
        completed_orders(flt)
        .values(field)
        .annotate(amount=money_sum("total"), orders=Count("pk"))
        .order_by("-amount", field)
    )


def revenue_by_route(flt: ReportFilter) -> list[dict[str, Any]]:
    """Completed orders' revenue per van of the route they were delivered on (orders delivered
    without a route form their own row)."""
    return list(
        completed_orders(flt)
        .values("route_stops__route__vehicle_id", "route_stops__route__vehicle__plate")
        .annotate(amount=money_sum("total"), orders=Count("pk", distinct=True))
        .order_by("-amount", "route_stops__route__vehicle__plate")
    )


def revenue_by_day(flt: ReportFilter) -> list[dict[str, Any]]:
    """Per date: revenue split by delivery method (order type)."""
    from crm.orders.models import OrderType

    sums = {kind: money_sum("total", Q(order_type=kind)) for kind in OrderType.values}
    return list(
        completed_orders(flt)
        .values("date")
        .annotate(amount=money_sum("total"), orders=Count("pk"), **sums)
        .order_by("date")
    )


def order_counts(flt: ReportFilter) -> dict[str, int]:
    """Orders of the period: all, completed, cancelled, failed (a stop marked "not done")."""
    from routes.models import StopState

    return orders_in_period(flt).aggregate(
        total=Count("pk", distinct=True),
        done=Count("pk", filter=Q(status=OrderStatus.COMPLETED), distinct=True),
        cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED), distinct=True),
        failed=Count("pk", filter=Q(route_stops__state=StopState.FAILED), distinct=True),
    )
