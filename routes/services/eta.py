"""ETAs from actual progress: where the van really is (the stop it stands at, the last stop it
finished, its last GPS fix) and what time it is now, then the remaining stops in order with the
same durations and service times as the planner. A stop is *running late* when its forecast
service start is past its window's end.

Pure reads: nothing is saved, so the board and the tablet always show a forecast for "now"."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from routes.models import OPEN_STOP_STATES, Route, RouteState, RouteStop, StopState
from routes.services.timing import (
    distance_provider,
    order_point,
    order_service_seconds,
    order_window,
    order_windows,
    seconds_of,
    service_start,
    time_of,
    vehicle_ready,
)


@dataclass(frozen=True)
class Eta:
    arrival: int  # seconds after the local midnight
    start: int  # service start (after waiting for the window to open)
    late: bool
    minutes_late: int

    @property
    def arrival_time(self) -> datetime.time:
        return time_of(self.arrival)

    @property
    def start_time(self) -> datetime.time:
        return time_of(self.start)


@dataclass
class Forecast:
    etas: dict[int, Eta] = field(default_factory=dict)  # by RouteStop id
    back_at: int | None = None
    late_count: int = 0

    @property
    def back_time(self) -> datetime.time | None:
        return time_of(self.back_at) if self.back_at is not None else None


def _local_seconds(moment: datetime.datetime, tz: datetime.tzinfo) -> int:
    return seconds_of(moment.astimezone(tz).time())


def _anchor(
    route: Route, stops: Sequence[RouteStop], now_s: int, tz: datetime.tzinfo
) -> tuple[tuple[float, float], int, list[RouteStop]]:
    """(where the van is, when it can leave for the next stop, the stops still to visit)."""
    remaining = [s for s in stops if s.state in OPEN_STOP_STATES]
    at_stop = next((s for s in remaining if s.state == StopState.ARRIVED), None)
    if at_stop is not None and order_point(at_stop.order) is not None:
        arrived = _local_seconds(at_stop.arrived_at, tz) if at_stop.arrived_at else now_s
        leave = max(now_s, arrived + order_service_seconds(at_stop.order))
        rest = [s for s in remaining if s.pk != at_stop.pk]
        return order_point(at_stop.order), leave, rest  # type: ignore[return-value]
    finished = [s for s in stops if s.state not in OPEN_STOP_STATES and s.finished_at]
    last = max(finished, key=lambda s: s.finished_at, default=None)  # type: ignore[arg-type,return-value]
    gps_newer = route.last_position_at is not None and (
        last is None or route.last_position_at > last.finished_at
    )
    if gps_newer and route.last_latitude is not None and route.last_longitude is not None:
        return (float(route.last_latitude), float(route.last_longitude)), now_s, remaining
    if last is not None and order_point(last.order) is not None:
        return order_point(last.order), now_s, remaining  # type: ignore[return-value]
    depot = route.vehicle.depot.point
    if route.state == RouteState.PLANNED:
        return depot, max(now_s, vehicle_ready(route)), remaining
    return depot, now_s, remaining


def forecast(route: Route, stops: Sequence[RouteStop], now: datetime.datetime) -> Forecast:
    """ETAs of the route's open stops as of ``now`` (stops carry orders with stops and items;
    the route its vehicle and depot). A route of another day gets its planned times."""
    tz = route.plan.branch.tzinfo
    today = now.astimezone(tz).date()
    out = Forecast()
    if route.plan.date != today or route.state == RouteState.FINISHED:
        return _planned(stops, out)
    now_s = _local_seconds(now, tz)
    point, t, remaining = _anchor(route, stops, now_s, tz)
    if not remaining:
        out.back_at = None
        return out
    first_window = order_window(remaining[0].order)
    if route.state == RouteState.PLANNED and first_window and point == route.vehicle.depot.point:
        # like the planner: leave the depot so as not to wait at the first stop
        _d, durations = distance_provider().matrix([point, _point(remaining[0], point)])
        t = max(t, first_window[0] - durations[0][1])
    chain = [point] + [_point(s, point) for s in remaining] + [route.vehicle.depot.point]
    _distances, durations = distance_provider().matrix(chain)
    for index, stop in enumerate(remaining, start=1):
        arrival = t + durations[index - 1][index]
        start, late, window_end = service_start(arrival, order_windows(stop.order))
        out.etas[stop.pk] = Eta(arrival, start, late, (start - window_end) // 60 if late else 0)
        out.late_count += late
        t = start + order_service_seconds(stop.order)
    out.back_at = t + durations[len(remaining)][len(remaining) + 1]
    return out


def _point(stop: RouteStop, fallback: tuple[float, float]) -> tuple[float, float]:
    return order_point(stop.order) or fallback


def _planned(stops: Sequence[RouteStop], out: Forecast) -> Forecast:
    for stop in stops:
        if stop.state in OPEN_STOP_STATES and stop.service_start and stop.arrival:
            start = seconds_of(stop.service_start)
            out.etas[stop.pk] = Eta(seconds_of(stop.arrival), start, stop.is_late, 0)
            out.late_count += stop.is_late
    return out
