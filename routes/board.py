"""Reads for the dispatcher's live board: the day's published routes with their stops and orders
in a fixed number of queries, a summary per route (progress, planned vs actual times and km, money
taken), the exceptions the dispatcher must look at (most urgent first) and what the map draws.

ETAs come from ``routes.services.eta.forecast`` (actual progress, as of ``now``); nothing here
writes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.money import Money
from crm.orders.models import Order, OrderStatus
from routes.models import (
    DriverMessage,
    PaymentTaken,
    Route,
    RoutePlan,
    RouteState,
    RouteStop,
    StopState,
)
from routes.permissions import plans_for
from routes.services.eta import Eta, Forecast, forecast
from routes.services.timing import order_point, order_stop

#: breaks that stop a route for good until the dispatcher acts (the others are rest)
SERIOUS_BREAKS = ("breakdown", "accident", "health")
#: orders that may still be put on a route of the day
INSERTABLE = (OrderStatus.NEW, OrderStatus.CONFIRMED)


def idle_minutes() -> int:
    """A van on the road that has not moved for this long is an exception."""
    return int(getattr(settings, "ROUTES_IDLE_MINUTES", 20))


def done_far_metres() -> int:
    """A stop marked done farther than this from its address is an exception (the same setting
    the tablet's service records the distance against)."""
    return int(getattr(settings, "ROUTES_DONE_FAR_METRES", 300))


# --- What the board shows -----------------------------------------------------------------------
class Kind:
    BREAK = "break"
    LATE = "late"
    FAILED = "failed"
    IDLE = "idle"
    FAR = "far"
    MESSAGE = "message"


KIND_LABELS = {
    Kind.BREAK: _("On break"),
    Kind.LATE: _("Running late"),
    Kind.FAILED: _("Not done"),
    Kind.IDLE: _("Not moving"),
    Kind.FAR: _("Done far away"),
    Kind.MESSAGE: _("Driver wrote"),
}
#: the order of kinds at the same urgency level
KIND_ORDER = [Kind.BREAK, Kind.LATE, Kind.FAILED, Kind.IDLE, Kind.FAR, Kind.MESSAGE]


@dataclass
class BoardException:
    kind: str
    level: int  # 3 critical, 2 warning, 1 notice
    route: Route
    stop: RouteStop | None = None
    minutes: int = 0  # late by / idle for / on break for
    metres: int = 0
    since: datetime.datetime | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        return (-self.level, KIND_ORDER.index(self.kind), -self.minutes, self.route.position)


@dataclass
class RouteRow:
    """One route on the board with its stops (in order) and the figures of its summary line."""

    route: Route
    stops: list[RouteStop]
    forecast: Forecast
    done: int = 0
    failed: int = 0
    left: int = 0
    cash: list[Money] = field(default_factory=list)
    card: list[Money] = field(default_factory=list)
    messages: list[DriverMessage] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.stops)

    @property
    def percent(self) -> int:
        return round(100 * (self.done + self.failed) / self.total) if self.total else 0

    @property
    def back_time(self) -> datetime.time | None:
        """When the van will be back: the forecast while on the road, else the plan."""
        if self.route.state == RouteState.FINISHED:
            return None
        return self.forecast.back_time or self.route.ends_at

    @property
    def back_delay_minutes(self) -> int:
        back, planned = self.back_time, self.route.ends_at
        if back is None or planned is None:
            return 0
        return (_seconds(back) - _seconds(planned)) // 60

    @property
    def late_count(self) -> int:
        return self.forecast.late_count

    @property
    def unread_to_driver(self) -> int:
        return sum(1 for m in self.messages if not m.from_driver and m.read_at is None)

    @property
    def unread_from_driver(self) -> int:
        return sum(1 for m in self.messages if m.from_driver and m.read_at is None)

    def eta(self, stop: RouteStop) -> Eta | None:
        return self.forecast.etas.get(stop.pk)


@dataclass
class Board:
    plan: RoutePlan | None
    date: datetime.date
    now: datetime.datetime
    rows: list[RouteRow]
    exceptions: list[BoardException]

    @property
    def totals(self) -> dict[str, Any]:
        return {
            "routes": len(self.rows),
            "on_road": sum(1 for r in self.rows if r.route.state == RouteState.ON_ROAD),
            "stops": sum(r.total for r in self.rows),
            "done": sum(r.done for r in self.rows),
            "failed": sum(r.failed for r in self.rows),
            "left": sum(r.left for r in self.rows),
            "late": sum(r.late_count for r in self.rows),
            "cash": money_sum(m for r in self.rows for m in r.cash),
            "card": money_sum(m for r in self.rows for m in r.card),
        }


def _seconds(value: datetime.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def money_sum(amounts: Iterable[Money]) -> list[Money]:
    """Σ per currency (two currencies never mix), in a stable order."""
    by_currency: dict[str, Money] = {}
    for amount in amounts:
        by_currency[amount.currency] = by_currency.get(amount.currency, Money.zero(amount.currency))
        by_currency[amount.currency] = by_currency[amount.currency] + amount
    return [by_currency[c] for c in sorted(by_currency)]


# --- Queries ------------------------------------------------------------------------------------
def _stops_prefetch() -> Prefetch:
    return Prefetch(
        "stops",
        queryset=RouteStop.objects.select_related("order__client")
        .prefetch_related("order__stops", "order__items__product")
        .order_by("position"),
    )


def _messages_prefetch() -> Prefetch:
    return Prefetch("messages", queryset=DriverMessage.objects.order_by("created_at", "id"))


def board_plan(*, user: Any, branch: Any, date: datetime.date) -> RoutePlan | None:
    """The published plan of ``date`` the user may see (None: nothing published yet)."""
    return (
        plans_for(user, branch)
        .filter(date=date, status=RoutePlan.Status.PUBLISHED)
        .select_related("branch")
        .first()
    )


def board_routes(plan: RoutePlan, route_ids: Sequence[int] | None = None) -> list[Route]:
    """The plan's routes with vehicle, depot, driver, stops (orders, their stops and items) and
    messages: a fixed number of queries whatever the number of routes and stops."""
    qs = plan.routes.all()
    if route_ids is not None:
        qs = qs.filter(pk__in=route_ids)
    routes = list(
        qs.select_related("vehicle__depot", "driver").prefetch_related(
            _stops_prefetch(), _messages_prefetch()
        )
    )
    for route in routes:
        route.plan = plan  # the forecast reads the branch's time zone through it
        for stop in route.stops.all():
            stop.address = order_stop(stop.order)
    return routes


def board_read(
    *,
    user: Any,
    branch: Any,
    date: datetime.date,
    now: datetime.datetime | None = None,
    route_ids: Sequence[int] | None = None,
) -> Board:
    now = now or timezone.now()
    plan = board_plan(user=user, branch=branch, date=date)
    if plan is None:
        return Board(None, date, now, [], [])
    rows = [route_row(route, now) for route in board_routes(plan, route_ids)]
    return Board(plan, date, now, rows, board_exceptions(rows, now))


def route_row(route: Route, now: datetime.datetime) -> RouteRow:
    stops = list(route.stops.all())
    row = RouteRow(route, stops, forecast(route, stops, now), messages=list(route.messages.all()))
    cash: list[Money] = []
    card: list[Money] = []
    for stop in stops:
        stop.eta = row.forecast.etas.get(stop.pk)
        if stop.state == StopState.DONE:
            row.done += 1
        elif stop.state == StopState.FAILED:
            row.failed += 1
        else:
            row.left += 1
        if stop.amount_taken and stop.payment_taken == PaymentTaken.CASH:
            cash.append(Money(stop.amount_taken, stop.order.currency))
        elif stop.amount_taken and stop.payment_taken == PaymentTaken.CARD:
            card.append(Money(stop.amount_taken, stop.order.currency))
    row.cash, row.card = money_sum(cash), money_sum(card)
    return row


# --- Exceptions ---------------------------------------------------------------------------------
def board_exceptions(rows: Sequence[RouteRow], now: datetime.datetime) -> list[BoardException]:
    out: list[BoardException] = []
    for row in rows:
        out.extend(_route_exceptions(row, now))
    return sorted(out, key=lambda e: e.sort_key)


def _minutes_since(moment: datetime.datetime | None, now: datetime.datetime) -> int:
    return max(0, int((now - moment).total_seconds() // 60)) if moment else 0


def _route_exceptions(row: RouteRow, now: datetime.datetime) -> list[BoardException]:
    route = row.route
    out: list[BoardException] = []
    if route.state == RouteState.ON_BREAK:
        serious = route.break_reason in SERIOUS_BREAKS
        out.append(
            BoardException(
                Kind.BREAK,
                3 if serious else 1,
                route,
                minutes=_minutes_since(route.break_since, now),
                since=route.break_since,
                detail=" · ".join(
                    s for s in [route.get_break_reason_display(), route.break_comment] if s
                ),
            )
        )
    if route.state == RouteState.ON_ROAD:
        moved = route.last_moved_at or route.started_at
        idle = _minutes_since(moved, now)
        if moved is not None and idle >= idle_minutes():
            out.append(BoardException(Kind.IDLE, 2, route, minutes=idle, since=moved))
    far = done_far_metres()
    for stop in row.stops:
        eta = row.eta(stop)
        if eta is not None and eta.late:
            level = 3 if eta.minutes_late >= 30 else 2
            out.append(BoardException(Kind.LATE, level, route, stop, minutes=eta.minutes_late))
        elif stop.state == StopState.FAILED:
            out.append(
                BoardException(
                    Kind.FAILED,
                    2,
                    route,
                    stop,
                    since=stop.finished_at,
                    detail=" · ".join(
                        s for s in [stop.get_fail_reason_display(), stop.driver_note] if s
                    ),
                )
            )
        elif (
            stop.state == StopState.DONE
            and stop.marked_distance_m is not None
            and stop.marked_distance_m > far
        ):
            out.append(
                BoardException(
                    Kind.FAR, 1, route, stop, metres=stop.marked_distance_m, since=stop.finished_at
                )
            )
    unread = [m for m in row.messages if m.from_driver and m.read_at is None]
    if unread:
        last = unread[-1]
        out.append(
            BoardException(
                Kind.MESSAGE,
                2,
                route,
                minutes=_minutes_since(last.created_at, now),
                since=last.created_at,
                detail=last.body[:120],
            )
        )
    return out


# --- The map ------------------------------------------------------------------------------------
def map_data(rows: Sequence[RouteRow]) -> dict[str, Any]:
    """Depots, each route's line and stops (state, ETA, late) and the van's last position, for
    static/js/routes-board.js."""
    depots: dict[int, dict[str, Any]] = {}
    routes = []
    for row in rows:
        route = row.route
        depot = route.vehicle.depot
        depots[depot.pk] = {"name": depot.name, "point": list(depot.point)}
        stops = []
        for stop in row.stops:
            point = order_point(stop.order)
            if point is None:
                continue
            eta = row.eta(stop)
            stops.append(
                {
                    "id": stop.pk,
                    "n": stop.position + 1,
                    "point": list(point),
                    "state": stop.state,
                    "late": bool(eta and eta.late),
                    "eta": eta.start_time.strftime("%H:%M") if eta else "",
                    "label": f"{stop.order.number} {stop.order.client}",
                }
            )
        van = None
        if route.last_latitude is not None and route.last_longitude is not None:
            at = route.last_position_at
            van = {
                "point": [float(route.last_latitude), float(route.last_longitude)],
                "at": timezone.localtime(at, route.plan.branch.tzinfo).strftime("%H:%M")
                if at
                else "",
            }
        routes.append(
            {
                "id": route.pk,
                "name": str(route.vehicle),
                "plate": route.vehicle.plate,
                "driver": str(route.driver or ""),
                "colour": route.colour,
                "state": route.state,
                "depot": list(depot.point),
                "stops": stops,
                "van": van,
            }
        )
    return {"depots": list(depots.values()), "routes": routes}


# --- Orders waiting for a route -------------------------------------------------------------------
def waiting_orders(plan: RoutePlan, limit: int = 50) -> list[Order]:
    """The day's new and confirmed orders of the branch that are on no route of the plan (an
    urgent order taken after publishing, or one the optimiser could not place)."""
    return list(
        Order.objects.filter(branch_id=plan.branch_id, date=plan.date, status__in=INSERTABLE)
        .exclude(route_stops__plan=plan)
        .select_related("client")
        .prefetch_related("stops", "items__product")
        .order_by("-priority", "window_to", "pk")[:limit]
    )


def forecast_back(route: Route, stops: Sequence[RouteStop], now: datetime.datetime) -> int | None:
    """Seconds after midnight when the van is back at the depot as of ``now``."""
    result = forecast(route, stops, now)
    if result.back_at is not None:
        return result.back_at
    return _seconds(route.ends_at) if route.ends_at else None
