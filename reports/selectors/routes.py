"""Route analytics: per van (over a period) or per route (a van's day) — stops, km and hours
planned against actual, revenue, cost (km, the driver's time, the van's fixed cost, drivers' pay
on orders), revenue per km, failed-stop and on-time rates; routes over budget; clients who cost
more to serve than they pay; the daily report by vehicle and driver.

Route-level sums (km, hours, cost) and stop-level sums (stops, revenue) are two grouped queries
merged by their key: summing route columns over a join with the stops would count a route's km
once per stop."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from crm.orders.models import OrderStatus
from reports.filters import ReportFilter
from reports.selectors.common import (
    MONEY,
    ZERO,
    SqlRows,
    money,
    money_sum,
    percent,
    route_actual_hours,
    route_actual_km,
    route_km_cost,
    route_planned_cost,
    route_planned_hours,
    route_time_cost,
)
from routes.models import ContainerKind, ContainerMove, PaymentTaken, Route, RouteStop, StopState

#: a route is over budget when its actual cost exceeds the planned one by more than this share
OVER_BUDGET = Decimal("1.10")
GROUPS = {
    "vehicle": ["vehicle_id", "vehicle__plate"],
    "route": ["pk", "vehicle_id", "vehicle__plate", "plan__date", "driver__username"],
}
KM = DecimalField(max_digits=12, decimal_places=2)


def routes_in_period(flt: ReportFilter) -> QuerySet[Route]:
    return Route.objects.filter(
        plan__date__gte=flt.date_from, plan__date__lte=flt.date_to, **flt.branch_q("plan__")
    ).order_by()


def stops_in_period(flt: ReportFilter) -> QuerySet[RouteStop]:
    return RouteStop.objects.filter(
        plan__date__gte=flt.date_from, plan__date__lte=flt.date_to, **flt.branch_q("plan__")
    ).order_by()


def _on_time() -> Q:
    """Done, and arrived before the end of the order's window (or the order had none)."""
    return Q(state=StopState.DONE) & (
        Q(order__window_to__isnull=True) | Q(arrived_at__time__lte=F("order__window_to"))
    )


def _route_sums() -> dict[str, Any]:
    return {
        "routes": Count("pk"),
        "km_planned": Coalesce(Sum("km", output_field=KM), Value(ZERO), output_field=KM),
        "km_actual": Coalesce(
            Sum(route_actual_km(), output_field=KM), Value(ZERO), output_field=KM
        ),
        "hours_planned": Coalesce(Sum(route_planned_hours(), output_field=KM), Value(ZERO)),
        "hours_actual": Coalesce(Sum(route_actual_hours(), output_field=KM), Value(ZERO)),
        "km_cost": money_sum(route_km_cost()),
        "time_cost": money_sum(route_time_cost()),
        "planned_cost": money_sum(route_planned_cost()),
    }


def _stop_sums() -> dict[str, Any]:
    done_paid = Q(state=StopState.DONE, order__status=OrderStatus.COMPLETED)
    return {
        "stops": Count("pk"),
        "done": Count("pk", filter=Q(state=StopState.DONE)),
        "failed": Count("pk", filter=Q(state=StopState.FAILED)),
        "on_time": Count("pk", filter=_on_time()),
        "revenue": money_sum("order__total", done_paid),
        "driver_pay": money_sum("order__worker_pay", done_paid),
    }


def route_figures(flt: ReportFilter, group: str = "vehicle") -> list[dict[str, Any]]:
    """One row per van (``group="vehicle"``) or per route: everything the route quality and
    route profitability reports show. Two queries."""
    keys = GROUPS[group]
    route_rows = routes_in_period(flt).values(*keys).annotate(**_route_sums())
    stop_keys = ["route_id" if k == "pk" else f"route__{k}" for k in keys[:1]]
    stop_rows = stops_in_period(flt).values(*stop_keys).annotate(**_stop_sums())
    stops_by_key = {row[stop_keys[0]]: row for row in stop_rows}
    empty = {name: 0 for name in _stop_sums()} | {"revenue": ZERO, "driver_pay": ZERO}
    rows = []
    for row in route_rows:
        merged = {**row, **{k: v for k, v in stops_by_key.get(row[keys[0]], empty).items()}}
        rows.append(_derived(merged))
    rows.sort(key=lambda r: (-r["profit"], r["vehicle__plate"]))
    return rows


def _derived(row: dict[str, Any]) -> dict[str, Any]:
    cost = money(row["km_cost"] + row["time_cost"] + row["driver_pay"])
    row["cost"] = cost
    row["profit"] = money(row["revenue"] - cost)
    row["revenue_per_km"] = money(row["revenue"] / row["km_actual"]) if row["km_actual"] else None
    row["failed_rate"] = percent(row["failed"], row["stops"])
    row["on_time_rate"] = percent(row["on_time"], row["done"])
    row["hours_planned"] = Decimal(row["hours_planned"]).quantize(Decimal("0.1"))
    row["hours_actual"] = Decimal(row["hours_actual"]).quantize(Decimal("0.1"))
    return row


def routes_over_budget(flt: ReportFilter) -> QuerySet[Route]:
    """Routes whose actual cost exceeds the planned one by more than 10 %."""
    return (
        routes_in_period(flt)
        .annotate(
            actual_cost=ExpressionWrapper(route_km_cost() + route_time_cost(), output_field=MONEY),
            budget=ExpressionWrapper(route_planned_cost(), output_field=MONEY),
        )
        .filter(budget__gt=0, actual_cost__gt=F("budget") * OVER_BUDGET)
        .select_related("vehicle", "plan", "driver")
        .order_by("-plan__date", "vehicle__plate")
    )


# --- cost to serve: each stop's equal share of its route's cost ---------------------------------
def _shares_sql(flt: ReportFilter) -> tuple[str, tuple]:
    """Per route of the period: its cost (km + the driver's time + the van) ÷ its stops."""
    qs = (
        routes_in_period(flt)
        .annotate(n_stops=Count("stops"))
        .filter(n_stops__gt=0)
        .annotate(
            share=ExpressionWrapper(
                (route_km_cost() + route_time_cost()) / F("n_stops"), output_field=MONEY
            ),
            route_key=F("pk"),
        )
        .values("route_key", "share")
    )
    return qs.query.sql_with_params()


def _stops_sql(flt: ReportFilter, *, done_only: bool) -> tuple[str, tuple]:
    done_paid = Q(state=StopState.DONE, order__status=OrderStatus.COMPLETED)
    qs = stops_in_period(flt)
    if done_only:
        qs = qs.filter(done_paid)
    qs = qs.annotate(
        stop_route=F("route_id"),
        stop_id=F("pk"),
        day=F("plan__date"),
        van=F("route__vehicle__plate"),
        order_ref=F("order_id"),
        order_no=F("order__number"),
        client_ref=F("order__client_id"),
        client_name=F("order__client__name"),
        revenue_part=Case(When(done_paid, then=F("order__total")), default=Value(ZERO)),
        pay_part=Case(When(done_paid, then=F("order__worker_pay")), default=Value(ZERO)),
    ).values(
        "stop_route",
        "stop_id",
        "day",
        "van",
        "order_ref",
        "order_no",
        "client_ref",
        "client_name",
        "revenue_part",
        "pay_part",
    )
    return qs.query.sql_with_params()


def _with_shares(flt: ReportFilter, *, done_only: bool) -> tuple[str, list]:
    stops, stop_params = _stops_sql(flt, done_only=done_only)
    shares, share_params = _shares_sql(flt)
    sql = (
        f"SELECT s.*, sh.share AS share FROM ({stops}) s "
        f"JOIN ({shares}) sh ON sh.route_key = s.stop_route"
    )
    return sql, [*stop_params, *share_params]


def client_costs(
    flt: ReportFilter,
    *,
    loss_only: bool = False,
    min_revenue: Decimal | None = None,
    max_revenue: Decimal | None = None,
    order: str = "margin",
) -> SqlRows:
    """Per client served on routes in the period: visits, revenue of completed orders, the
    cost to serve (each stop's share of its route's cost), drivers' pay and the margin.
    Two subqueries joined once in SQL: no per-row subquery, no Python loop."""
    base, params = _with_shares(flt, done_only=False)
    sql = (
        "SELECT client_ref AS order__client_id, client_name AS order__client__name, "
        "COUNT(*) AS visits, ROUND(SUM(revenue_part), 2) AS revenue, "
        "ROUND(SUM(share), 2) AS route_cost, ROUND(SUM(pay_part), 2) AS driver_pay, "
        "ROUND(SUM(revenue_part) - SUM(share) - SUM(pay_part), 2) AS margin "
        f"FROM ({base}) t GROUP BY client_ref, client_name"
    )
    having = []
    if loss_only:
        having.append("SUM(revenue_part) - SUM(share) - SUM(pay_part) < 0")
    if min_revenue is not None:
        having.append("SUM(revenue_part) >= %s")
        params.append(min_revenue)
    if max_revenue is not None:
        having.append("SUM(revenue_part) <= %s")
        params.append(max_revenue)
    if having:
        sql += " HAVING " + " AND ".join(having)
    ordering = {
        "margin": "margin, order__client__name",
        "-revenue": "revenue DESC, order__client__name",
    }[order]
    return SqlRows(f"{sql} ORDER BY {ordering}", params)


def order_costs(flt: ReportFilter) -> SqlRows:
    """Per completed order delivered on a route: revenue, the driver's pay, its share of the
    route's cost and the margin, least profitable first."""
    base, params = _with_shares(flt, done_only=True)
    sql = (
        "SELECT day AS plan__date, order_ref AS order_id, order_no AS order__number, "
        "client_name AS order__client__name, van AS route__vehicle__plate, "
        "revenue_part AS revenue, pay_part AS driver_pay, ROUND(share, 2) AS route_cost, "
        "ROUND(revenue_part - pay_part - share, 2) AS margin "
        f"FROM ({base}) t ORDER BY margin, stop_id"
    )
    return SqlRows(sql, params)


# --- the daily report by vehicle and driver -------------------------------------------------------
def daily_rows(flt: ReportFilter) -> list[dict[str, Any]]:
    """Per van and driver over the period: orders on the route, done, failed, cash and card
    taken by the driver, cashless revenue (invoiced orders), containers delivered and collected.
    Two queries (stops, container movements)."""
    done_paid = Q(state=StopState.DONE, order__status=OrderStatus.COMPLETED)
    keys = ["route__vehicle_id", "route__vehicle__plate", "route__driver_id"]
    names = ["route__driver__last_name", "route__driver__first_name", "route__driver__username"]
    stop_rows = (
        stops_in_period(flt)
        .values(*keys, *names)
        .annotate(
            orders=Count("pk"),
            done=Count("pk", filter=Q(state=StopState.DONE)),
            failed=Count("pk", filter=Q(state=StopState.FAILED)),
            cash=money_sum("amount_taken", Q(payment_taken=PaymentTaken.CASH)),
            card=money_sum("amount_taken", Q(payment_taken=PaymentTaken.CARD)),
            cashless=money_sum(
                "order__total",
                done_paid & Q(order__payment_method__in=["bank_transfer", "online"]),
            ),
        )
        .order_by("route__vehicle__plate", "route__driver__last_name")
    )
    moves = (
        ContainerMove.objects.filter(
            date__gte=flt.date_from, date__lte=flt.date_to, **flt.branch_q()
        )
        .order_by()
        .values("vehicle_id", "driver_id")
        .annotate(
            delivered=Coalesce(Sum("quantity", filter=Q(kind=ContainerKind.DELIVERED)), Value(0)),
            collected=Coalesce(Sum("quantity", filter=Q(kind=ContainerKind.COLLECTED)), Value(0)),
        )
    )
    containers = {(m["vehicle_id"], m["driver_id"]): m for m in moves}
    rows = []
    for row in stop_rows:
        counted = containers.get((row["route__vehicle_id"], row["route__driver_id"]), {})
        driver = " ".join(
            p for p in (row["route__driver__last_name"], row["route__driver__first_name"]) if p
        )
        rows.append(
            {
                **row,
                "driver": driver or row["route__driver__username"] or "—",
                "delivered": counted.get("delivered", 0),
                "collected": counted.get("collected", 0),
            }
        )
    return rows
