"""Money reports: receivables aging, revenue by route / by day (split by delivery method) / by
payment method, expected receipts by client, and the orders drill-down every revenue and order
figure links to."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing.models import Document
from billing.services import aging
from crm.orders.models import OrderStatus, OrderType, PaymentMethod
from reports import roles
from reports.catalogue.base import Column, Report, Table, chart, register, sum_totals
from reports.filters import ReportFilter
from reports.selectors import money
from reports.selectors.common import money_sum
from routes.models import StopState

MONEY_REPORTS = _("Money")


def report_url(slug: str, flt: ReportFilter, **extra: Any) -> str:
    return f"{reverse('reports:report', args=[slug])}?{flt.params(**extra)}"


def _debtor_link(row: dict[str, Any], flt: ReportFilter) -> str:
    return reverse("billing:debtor-detail", args=[row["client_id"]])


# --- receivables ---------------------------------------------------------------------------------
RECEIVABLES_COLUMNS = [
    Column("client__name", _("Client"), link=_debtor_link),
    Column("debt", _("Debt"), "money", total=True),
    Column("overdue", _("Overdue"), "money", total=True),
    *[Column(key, label, "money", total=True) for key, label, *_r in aging.BUCKETS],
]


def _receivables(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = aging.aging_by_client(
        today=flt.today, documents=Document.objects.filter(**flt.branch_q())
    )
    totals = sum_totals(rows, RECEIVABLES_COLUMNS)
    labels = [label for _k, label, *_r in aging.BUCKETS]
    data = [totals[key] for key in aging.BUCKET_KEYS]
    return Table(rows, totals, chart("bar", labels, [(_("Outstanding"), data)]))


register(
    Report(
        "receivables",
        _("Receivables and aging"),
        roles.VIEW_REPORTS,
        RECEIVABLES_COLUMNS,
        _receivables,
        description=_("What each client owes on open invoices, by days past due (as of today)."),
        section=MONEY_REPORTS,
    )
)


# --- orders drill-down ---------------------------------------------------------------------------
ORDER_FILTERS = ("status", "payment_method", "order_type", "vehicle", "failed", "no_route")


def orders_for(flt: ReportFilter, params: QueryDict) -> Any:
    """Orders of the period narrowed by the drill-down parameters (the same rules the dashboard
    figures are counted with)."""
    qs = money.orders_in_period(flt)
    if params.get("status") in OrderStatus.values:
        qs = qs.filter(status=params["status"])
    if params.get("payment_method") in PaymentMethod.values:
        qs = qs.filter(payment_method=params["payment_method"])
    if params.get("order_type") in OrderType.values:
        qs = qs.filter(order_type=params["order_type"])
    if (params.get("vehicle") or "").isdigit():
        qs = qs.filter(route_stops__route__vehicle_id=int(params["vehicle"]))
    if params.get("no_route") == "1":
        qs = qs.filter(route_stops__isnull=True)
    if params.get("failed") == "1":
        qs = qs.filter(route_stops__state=StopState.FAILED)
    return qs.distinct()


def _order_link(row: dict[str, Any], flt: ReportFilter) -> str:
    return reverse("orders:order-detail", args=[row["pk"]])


ORDER_COLUMNS = [
    Column("date", _("Date"), "date"),
    Column("number", _("Number"), link=_order_link),
    Column("client__name", _("Client")),
    Column("status_label", _("Status")),
    Column("type_label", _("Type")),
    Column("method_label", _("Payment method")),
    Column("total", _("Total"), "money", total=True),
]


def _orders(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    from django.db.models import Case, CharField, Value, When

    qs = orders_for(flt, params)
    totals = qs.order_by().aggregate(total=money_sum("total"), orders=Count("pk", distinct=True))

    def labels(field: str, choices: Any) -> Case:
        whens = [When(**{field: value}, then=Value(str(label))) for value, label in choices]
        return Case(*whens, default=Value(""), output_field=CharField())

    rows = (
        qs.annotate(
            status_label=labels("status", OrderStatus.choices),
            type_label=labels("order_type", OrderType.choices),
            method_label=labels("payment_method", PaymentMethod.choices),
        )
        .values(
            "pk",
            "date",
            "number",
            "client__name",
            "status_label",
            "type_label",
            "method_label",
            "total",
        )
        .order_by("-date", "-pk")
    )
    return Table(rows, {"total": totals["total"]}, note=_("%(n)s orders") % {"n": totals["orders"]})


register(
    Report(
        "orders",
        _("Orders"),
        roles.VIEW_REPORTS,
        ORDER_COLUMNS,
        _orders,
        description=_("The orders of the period a figure was counted from."),
        section=MONEY_REPORTS,
        drill=True,
        params=ORDER_FILTERS,
    )
)


# --- revenue by route ----------------------------------------------------------------------------
def _route_orders_link(row: dict[str, Any], flt: ReportFilter) -> str:
    vehicle = row.get("route_stops__route__vehicle_id")
    extra = {"vehicle": vehicle} if vehicle else {"no_route": 1}
    return report_url("orders", flt, status=OrderStatus.COMPLETED, **extra)


REVENUE_ROUTE_COLUMNS = [
    Column("route", _("Route (van)"), link=_route_orders_link),
    Column("orders", _("Orders"), "int", total=True),
    Column("amount", _("Revenue"), "money", total=True),
]


def _revenue_by_route(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = money.revenue_by_route(flt)
    no_route = str(_("Without a route"))
    for row in rows:
        row["route"] = row["route_stops__route__vehicle__plate"] or no_route
    return Table(
        rows,
        sum_totals(rows, REVENUE_ROUTE_COLUMNS),
        chart("bar", [r["route"] for r in rows], [(_("Revenue"), [r["amount"] for r in rows])]),
    )


register(
    Report(
        "revenue-by-route",
        _("Revenue by route"),
        roles.VIEW_REPORTS,
        REVENUE_ROUTE_COLUMNS,
        _revenue_by_route,
        description=_("Completed orders' revenue per van they were delivered with."),
        section=MONEY_REPORTS,
    )
)


# --- revenue by payment method -------------------------------------------------------------------
def _method_link(row: dict[str, Any], flt: ReportFilter) -> str:
    return report_url(
        "orders", flt, status=OrderStatus.COMPLETED, payment_method=row["payment_method"]
    )


METHOD_COLUMNS = [
    Column("label", _("Payment method"), link=_method_link),
    Column("orders", _("Orders"), "int", total=True),
    Column("amount", _("Revenue"), "money", total=True),
]


def _labelled(rows: list[dict[str, Any]], field: str, choices: Any) -> list[dict[str, Any]]:
    names = dict(choices)
    for row in rows:
        row["label"] = str(names.get(row[field], row[field] or "—"))
    return rows


def _revenue_by_method(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = _labelled(
        money.revenue_by(flt, "payment_method"), "payment_method", PaymentMethod.choices
    )
    return Table(
        rows,
        sum_totals(rows, METHOD_COLUMNS),
        chart(
            "doughnut", [r["label"] for r in rows], [(_("Revenue"), [r["amount"] for r in rows])]
        ),
    )


register(
    Report(
        "revenue-by-payment-method",
        _("Revenue by payment method"),
        roles.VIEW_REPORTS,
        METHOD_COLUMNS,
        _revenue_by_method,
        section=MONEY_REPORTS,
    )
)


# --- revenue by day, split by delivery method -----------------------------------------------------
def _day_link(row: dict[str, Any], flt: ReportFilter) -> str:
    day = ReportFilter(row["date"], row["date"], flt.today, flt.branch)
    return report_url("orders", day, status=OrderStatus.COMPLETED)


DAY_COLUMNS = [
    Column("date", _("Date"), "date", link=_day_link),
    Column("orders", _("Orders"), "int", total=True),
    *[Column(value, label, "money", total=True) for value, label in OrderType.choices],
    Column("amount", _("Revenue"), "money", total=True),
]


def _revenue_by_day(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = money.revenue_by_day(flt)
    labels = [r["date"].strftime("%d.%m") for r in rows]
    datasets = [(label, [r[value] for r in rows]) for value, label in OrderType.choices]
    data = chart("bar", labels, datasets)
    data["stacked"] = True
    return Table(rows, sum_totals(rows, DAY_COLUMNS), data)


register(
    Report(
        "revenue-by-day",
        _("Revenue by day and delivery method"),
        roles.VIEW_REPORTS,
        DAY_COLUMNS,
        _revenue_by_day,
        section=MONEY_REPORTS,
    )
)


# --- expected receipts by client ------------------------------------------------------------------
EXPECTED_COLUMNS = [
    Column("client__name", _("Client"), link=_debtor_link),
    Column("first_due", _("First due"), "date"),
    Column("invoices", _("Invoices"), "int", total=True),
    Column("amount", _("Expected"), "money", total=True),
]


def _expected(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = money.expected_by_client(flt)
    return Table(rows, sum_totals(rows, EXPECTED_COLUMNS))


register(
    Report(
        "expected-receipts",
        _("Expected receipts"),
        roles.VIEW_REPORTS,
        EXPECTED_COLUMNS,
        _expected,
        description=_("Open invoices falling due from today over the next 14 days, by client."),
        section=MONEY_REPORTS,
        drill=True,
    )
)
