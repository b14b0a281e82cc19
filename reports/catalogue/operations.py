"""Operations reports: route quality, profitability per route and per order, clients who cost
more to serve than they pay (and the selection of clients by revenue and cost), routes over
budget, the daily report by vehicle and driver, expenses by category against plan and limit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reports import roles
from reports.catalogue.base import Column, Report, Table, chart, register, sum_totals
from reports.catalogue.money import report_url
from reports.filters import ReportFilter
from reports.selectors import expenses, routes

ROUTES = _("Routes")
CLIENTS = _("Clients")


def _vehicle_orders(row: dict[str, Any], flt: ReportFilter) -> str:
    return report_url("orders", flt, vehicle=row["vehicle_id"])


QUALITY_COLUMNS = [
    Column("vehicle__plate", _("Route (van)"), link=_vehicle_orders),
    Column("routes", _("Days on the road"), "int", total=True),
    Column("stops", _("Stops"), "int", total=True),
    Column("done", _("Done"), "int", total=True),
    Column("failed", _("Failed"), "int", total=True),
    Column("failed_rate", _("Failed, %"), "percent"),
    Column("on_time_rate", _("On time, %"), "percent"),
    Column("km_planned", _("Km planned"), "number", total=True),
    Column("km_actual", _("Km actual"), "number", total=True),
    Column("hours_planned", _("Hours planned"), "number", total=True),
    Column("hours_actual", _("Hours actual"), "number", total=True),
]


def _quality(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = routes.route_figures(flt, "vehicle")
    labels = [r["vehicle__plate"] for r in rows]
    data = chart(
        "bar",
        labels,
        [
            (_("Failed, %"), [r["failed_rate"] for r in rows]),
            (_("On time, %"), [r["on_time_rate"] for r in rows]),
        ],
        money=False,
    )
    return Table(rows, sum_totals(rows, QUALITY_COLUMNS), data)


register(
    Report(
        "route-quality",
        _("Route quality"),
        roles.VIEW_REPORTS,
        QUALITY_COLUMNS,
        _quality,
        description=_(
            "Per van: stops, failed-stop and on-time rates, km and hours planned against actual."
        ),
        section=ROUTES,
    )
)

PROFIT_COLUMNS = [
    Column("vehicle__plate", _("Route (van)"), link=_vehicle_orders),
    Column("routes", _("Days on the road"), "int", total=True),
    Column("km_actual", _("Km"), "number", total=True),
    Column("revenue", _("Revenue"), "money", total=True),
    Column("driver_pay", _("Drivers' pay"), "money", total=True),
    Column("km_cost", _("Km cost"), "money", total=True),
    Column("time_cost", _("Driver's time and van"), "money", total=True),
    Column("cost", _("Cost"), "money", total=True),
    Column("profit", _("Profit"), "money", total=True),
    Column("revenue_per_km", _("Revenue per km"), "money"),
]


def _route_profit(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = routes.route_figures(flt, "vehicle")
    labels = [r["vehicle__plate"] for r in rows]
    data = chart(
        "bar",
        labels,
        [(_("Revenue"), [r["revenue"] for r in rows]), (_("Cost"), [r["cost"] for r in rows])],
    )
    return Table(rows, sum_totals(rows, PROFIT_COLUMNS), data)


register(
    Report(
        "route-profitability",
        _("Profitability per route"),
        roles.VIEW_REPORTS,
        PROFIT_COLUMNS,
        _route_profit,
        description=_(
            "Revenue − drivers' pay on orders − km cost − the driver's time and the van's fixed "
            "cost. Carriers' costs are not recorded in Kolo yet."
        ),
        section=ROUTES,
    )
)


def _order_link(row: dict[str, Any], flt: ReportFilter) -> str:
    return reverse("orders:order-detail", args=[row["order_id"]])


ORDER_PROFIT_COLUMNS = [
    Column("plan__date", _("Date"), "date"),
    Column("order__number", _("Order"), link=_order_link),
    Column("order__client__name", _("Client")),
    Column("route__vehicle__plate", _("Route (van)")),
    Column("revenue", _("Revenue"), "money", total=True),
    Column("driver_pay", _("Driver's pay"), "money", total=True),
    Column("route_cost", _("Share of the route's cost"), "money", total=True),
    Column("margin", _("Margin"), "money", total=True),
]


def _order_profit(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = routes.order_costs(flt)
    keys = ("revenue", "driver_pay", "route_cost", "margin")
    sums = rows.aggregate({key: f"COALESCE(SUM({key}), 0)" for key in keys})
    totals = {key: Decimal(sums[key]).quantize(Decimal("0.01")) for key in keys}
    return Table(rows, totals, note=_("Least profitable first."))


register(
    Report(
        "order-profitability",
        _("Profitability per order"),
        roles.VIEW_REPORTS,
        ORDER_PROFIT_COLUMNS,
        _order_profit,
        description=_(
            "Completed orders delivered on routes: revenue − driver's pay − route share."
        ),
        section=ROUTES,
    )
)


def _client_link(row: dict[str, Any], flt: ReportFilter) -> str:
    return reverse("clients:client-detail", args=[row["order__client_id"]])


CLIENT_COST_COLUMNS = [
    Column("order__client__name", _("Client"), link=_client_link),
    Column("visits", _("Visits"), "int", total=True),
    Column("revenue", _("Revenue"), "money", total=True),
    Column("route_cost", _("Route cost"), "money", total=True),
    Column("driver_pay", _("Drivers' pay"), "money", total=True),
    Column("margin", _("Margin"), "money", total=True),
]


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except ArithmeticError:
        return None


def _loss_making(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = list(routes.client_costs(flt, loss_only=True))
    return Table(rows, sum_totals(rows, CLIENT_COST_COLUMNS))


register(
    Report(
        "loss-making-clients",
        _("Clients that cost more to serve than they pay"),
        roles.VIEW_REPORTS,
        CLIENT_COST_COLUMNS,
        _loss_making,
        description=_(
            "Revenue of completed orders against each stop's share of its route's cost and the "
            "driver's pay."
        ),
        section=ROUTES,
    )
)


def _selection(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = routes.client_costs(
        flt,
        loss_only=params.get("loss") == "1",
        min_revenue=_decimal(params.get("min_revenue")),
        max_revenue=_decimal(params.get("max_revenue")),
        order="-revenue",
    )
    rows = list(rows)  # one row per client: a bounded, already aggregated list
    return Table(rows, sum_totals(rows, CLIENT_COST_COLUMNS))


register(
    Report(
        "client-selection",
        _("Clients by revenue and cost"),
        roles.VIEW_SALES_REPORTS,
        CLIENT_COST_COLUMNS,
        _selection,
        description=_("Select clients by their revenue in the period and what they cost to serve."),
        section=CLIENTS,
        params=("min_revenue", "max_revenue", "loss"),
    )
)


OVER_BUDGET_COLUMNS = [
    Column("plan__date", _("Date"), "date"),
    Column("vehicle__plate", _("Route (van)")),
    Column("budget", _("Planned cost"), "money", total=True),
    Column("actual_cost", _("Actual cost"), "money", total=True),
    Column("over", _("Over budget"), "money", total=True),
]


def _over_budget(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    qs = routes.routes_over_budget(flt).annotate(over=F("actual_cost") - F("budget"))
    rows = list(qs.values("plan__date", "vehicle__plate", "budget", "actual_cost", "over"))
    return Table(rows, sum_totals(rows, OVER_BUDGET_COLUMNS))


register(
    Report(
        "routes-over-budget",
        _("Routes over budget"),
        roles.VIEW_REPORTS,
        OVER_BUDGET_COLUMNS,
        _over_budget,
        description=_("Routes whose actual cost exceeded the planned one by more than 10 %."),
        section=ROUTES,
        drill=True,
    )
)


DAILY_COLUMNS = [
    Column("route__vehicle__plate", _("Van")),
    Column("driver", _("Driver")),
    Column("orders", _("Orders"), "int", total=True),
    Column("done", _("Done"), "int", total=True),
    Column("failed", _("Failed"), "int", total=True),
    Column("cash", _("Cash"), "money", total=True),
    Column("card", _("Card"), "money", total=True),
    Column("cashless", _("Cashless (invoiced)"), "money", total=True),
    Column("delivered", _("Containers delivered"), "int", total=True),
    Column("collected", _("Containers collected"), "int", total=True),
]


def _daily(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = routes.daily_rows(flt)
    return Table(rows, sum_totals(rows, DAILY_COLUMNS))


register(
    Report(
        "daily",
        _("Daily report by vehicle and driver"),
        roles.VIEW_DAILY,
        DAILY_COLUMNS,
        _daily,
        description=_(
            "For the storekeeper and the accountant: per van and driver, orders, cash against "
            "cashless, containers. Choose one day as the period."
        ),
        section=ROUTES,
    )
)


EXPENSE_COLUMNS = [
    Column("category__name", _("Category")),
    Column("planned", _("Planned"), "money", total=True),
    Column("actual", _("Actual"), "money", total=True),
    Column("difference", _("Plan − actual"), "money", total=True),
    Column("limit", _("Monthly limit"), "money"),
    Column("over_limit_label", _("Limit")),
]


def _expenses(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = expenses.by_category(flt)
    labels = [r["category__name"] for r in rows]
    data = chart(
        "bar",
        labels,
        [(_("Planned"), [r["planned"] for r in rows]), (_("Actual"), [r["actual"] for r in rows])],
    )
    return Table(rows, sum_totals(rows, EXPENSE_COLUMNS), data)


register(
    Report(
        "expenses",
        _("Expenses by category"),
        roles.VIEW_EXPENSES,
        EXPENSE_COLUMNS,
        _expenses,
        description=_("Planned against actual expenses of the period, with the monthly limits."),
        section=_("Expenses"),
    )
)
