"""One duration model for the whole app: the optimiser's distance provider (haversine × road
factor at an average speed, or OSRM when ``OSRM_URL`` is set) and the same earliest-start
schedule the solver uses. Routes are re-timed with it after every manual change, so a dragged
stop gets exactly the ETAs the optimiser would have given it."""

from __future__ import annotations

import datetime
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from crm.core.money import quantize
from crm.orders.models import Order
from routes.models import Route, RouteStop
from routes.optimizer import CachedProvider, HaversineProvider, OsrmProvider
from routes.optimizer.distance import DistanceProvider

DEFAULT_SERVICE_MINUTES = 5
_provider: DistanceProvider | None = None


def distance_provider() -> DistanceProvider:
    """OSRM when configured, else haversine; cached (a plan asks for the same points often)."""
    global _provider
    if _provider is None:
        url = getattr(settings, "OSRM_URL", "") or os.environ.get("OSRM_URL", "")
        base: DistanceProvider = OsrmProvider(url) if url else HaversineProvider()
        _provider = CachedProvider(base)
    return _provider


def seconds_of(value: datetime.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def time_of(seconds: float) -> datetime.time:
    """Seconds after midnight → a time of day (a route running past midnight shows 23:59)."""
    seconds = max(0, min(int(seconds), 24 * 3600 - 1))
    return datetime.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


# --- What an order asks of a van ----------------------------------------------------------------
def order_point(order: Order) -> tuple[float, float] | None:
    """The first stop of the order with coordinates (stops prefetched)."""
    for stop in order.stops.all():
        if stop.has_point:
            return (float(stop.latitude), float(stop.longitude))
    return None


def order_stop(order: Order) -> Any | None:
    stops = list(order.stops.all())
    for stop in stops:
        if stop.has_point:
            return stop
    return stops[0] if stops else None


def order_weight_kg(order: Order) -> int:
    total = sum(
        (item.quantity * item.product.weight_kg for item in order.items.all() if item.product),
        Decimal("0"),
    )
    return math.ceil(total)


def order_service_seconds(order: Order) -> int:
    """Σ quantity × the product's minutes on site; 5 minutes when the catalogue says nothing."""
    minutes = sum(
        (
            item.quantity * item.product.duration_minutes
            for item in order.items.all()
            if item.product
        ),
        Decimal("0"),
    )
    return math.ceil(minutes * 60) or DEFAULT_SERVICE_MINUTES * 60


def order_windows(order: Order) -> list[tuple[int, int]]:
    """The order's windows for the start of service, in seconds after midnight (none: any time)."""
    return [(seconds_of(a), seconds_of(b)) for a, b in order.windows]


def order_window(order: Order) -> tuple[int, int] | None:
    """The first window (where a van leaving the depot aims)."""
    windows = order_windows(order)
    return windows[0] if windows else None


def service_start(arrival: int, windows: Sequence[tuple[int, int]]) -> tuple[int, bool, int]:
    """``(start, late, end of the window used)``: wait for the first window not yet closed at
    ``arrival``; when every window has closed, start at once and count as late (against the
    last window). No windows: start at once, never late (end = -1)."""
    for begin, end in windows:
        if arrival <= end:
            return max(arrival, begin), False, end
    if windows:
        return arrival, True, windows[-1][1]
    return arrival, False, -1


# --- Re-timing a route --------------------------------------------------------------------------
@dataclass
class StopTimes:
    arrival: int
    start: int
    departure: int
    late: bool
    kg_after: int
    containers_after: int


@dataclass
class RouteTimes:
    start: int
    end: int
    metres: float
    stops: list[StopTimes]


def schedule(
    *,
    depot_point: tuple[float, float],
    ready: int,
    orders: Sequence[Order],
    provider: DistanceProvider | None = None,
) -> RouteTimes:
    """Earliest-start schedule like the solver's: leave the depot so as not to wait at the first
    stop, wait for a window that has not opened yet, mark a stop late when its window closed."""
    if not orders:
        return RouteTimes(ready, ready, 0.0, [])
    points = [depot_point] + [order_point(o) or depot_point for o in orders]
    distances, durations = (provider or distance_provider()).matrix(points)
    first_window = order_window(orders[0])
    t = ready
    if first_window:
        t = max(ready, first_window[0] - durations[0][1])
    start = t
    node, metres, kg, containers = 0, 0.0, 0, 0
    out: list[StopTimes] = []
    for index, order in enumerate(orders, start=1):
        arrival = t + durations[node][index]
        metres += distances[node][index]
        begin, late, _end = service_start(arrival, order_windows(order))
        kg += order_weight_kg(order)
        containers += order.containers_to_deliver
        t = begin + order_service_seconds(order)
        out.append(StopTimes(arrival, begin, t, late, kg, containers))
        node = index
    metres += distances[node][0]
    end = t + durations[node][0]
    return RouteTimes(start, end, metres, out)


def route_cost(route: Route, metres: float, seconds: int, used: bool) -> Decimal:
    if not used:
        return Decimal("0.00")
    vehicle = route.vehicle
    km = Decimal(str(round(metres / 1000.0, 3)))
    hours = Decimal(seconds) / Decimal(3600)
    return quantize(vehicle.fixed_cost + vehicle.km_cost * km + vehicle.cost_per_hour * hours)


def vehicle_ready(route: Route) -> int:
    vehicle = route.vehicle
    return max(seconds_of(vehicle.shift_start), seconds_of(vehicle.depot.opens_at))


def retime(route: Route, stops: list[RouteStop] | None = None) -> list[RouteStop]:
    """Recompute ETAs, loads, km, minutes and cost of ``route`` from its stops in order; saves
    the route and (in bulk) its stops. ``stops`` must carry their orders with stops and items."""
    if stops is None:
        stops = list(
            route.stops.select_related("order")
            .prefetch_related("order__stops", "order__items__product")
            .order_by("position")
        )
    times = schedule(
        depot_point=route.vehicle.depot.point,
        ready=vehicle_ready(route),
        orders=[s.order for s in stops],
    )
    for position, (stop, t) in enumerate(zip(stops, times.stops, strict=True)):
        stop.position = position
        stop.arrival = time_of(t.arrival)
        stop.service_start = time_of(t.start)
        stop.departure = time_of(t.departure)
        stop.is_late = t.late
        stop.load_kg_after = t.kg_after
        stop.load_containers_after = t.containers_after
    RouteStop.objects.bulk_update(
        stops,
        [
            "position",
            "arrival",
            "service_start",
            "departure",
            "is_late",
            "load_kg_after",
            "load_containers_after",
        ],
    )
    used = bool(stops)
    seconds = times.end - times.start
    route.starts_at = time_of(times.start) if used else None
    route.ends_at = time_of(times.end) if used else None
    route.km = Decimal(str(round(times.metres / 1000.0, 2)))
    route.minutes = seconds // 60
    route.cost = route_cost(route, times.metres, seconds, used)
    route.load_kg = times.stops[-1].kg_after if used else 0
    route.load_containers = times.stops[-1].containers_after if used else 0
    route.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "km",
            "minutes",
            "cost",
            "load_kg",
            "load_containers",
        ]
    )
    return stops
