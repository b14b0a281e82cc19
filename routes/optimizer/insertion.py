"""Where should a new stop go? Cheapest insertion positions in existing routes, without re-solving.

For every route the schedule is computed once forward (earliest service starts, waiting) and once
backward (latest service start that keeps the rest of the route feasible). A position is then
checked in O(1): the new stop's own window, and whether the push-forward reaches the next stop
after its latest start (then some existing window, or the return to the depot, breaks). The
change of route duration is the push-forward left after the waiting time further down the route
absorbs it. Total work is O(total stops) per call.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from routes.optimizer.model import Matrix, Stop, Vehicle
from routes.optimizer.timewindows import INF, first_start, last_start

#: ``lookup(from_key, to_key) -> (distance, duration)``; keys are stop ids and depot keys
Lookup = Callable[[str, str], tuple[float, float]]


@dataclass(frozen=True)
class PlannedRoute:
    vehicle: Vehicle
    stops: Sequence[Stop]
    start_key: str
    end_key: str | None = None  # default: back to start_key
    #: depot departure; default the vehicle's shift start
    departure: int | None = None


@dataclass(frozen=True)
class InsertionOption:
    vehicle_id: str
    route_index: int
    #: the new stop becomes ``stops[position]`` of the route
    position: int
    delta_distance: float
    delta_duration: float
    delta_cost: float
    #: service start of the new stop
    start: float
    #: the new stop's own window can be met
    window_ok: bool
    #: an existing stop would miss its window, or the vehicle would be back too late
    breaks_windows: bool
    over_capacity: bool
    skills_ok: bool
    #: the route was feasible before the insertion (a late route stays late)
    route_was_feasible: bool = True

    @property
    def feasible(self) -> bool:
        return (
            self.window_ok
            and not self.breaks_windows
            and not self.over_capacity
            and self.skills_ok
            and self.route_was_feasible
        )

    @property
    def delta_minutes(self) -> float:
        return self.delta_duration / 60.0


class MatrixLookup:
    """A ``Lookup`` over a Matrix whose rows follow ``keys``."""

    def __init__(self, keys: Sequence[str], matrix: Matrix) -> None:
        self.index = {k: i for i, k in enumerate(keys)}
        self.matrix = matrix

    def __call__(self, a: str, b: str) -> tuple[float, float]:
        i, j = self.index[a], self.index[b]
        return self.matrix.distances[i][j], self.matrix.durations[i][j]


def _windows(stop: Stop, vehicle: Vehicle) -> list[tuple[int, int]]:
    if stop.time_windows:
        return sorted((int(a), int(b)) for a, b in stop.time_windows)
    return [(vehicle.shift_start, vehicle.shift_end)]


@dataclass
class _Schedule:
    keys: list[str]  # depot, stops..., end depot
    windows: list[list[tuple[int, int]]]
    service: list[int]
    dist: list[float]  # dist[k]: leg k -> k+1
    dur: list[float]
    early: list[float]  # earliest service start (arrival at the end depot last)
    arrival: list[float]
    late: list[float]  # latest service start keeping the rest feasible
    wait_after: list[float]  # waiting from position k on (k included)
    single_windows: list[bool]  # suffix from k on has at most one window per stop
    load: list[int]
    on_time: bool  # every existing window met and back before the shift ends


def _schedule(route: PlannedRoute, lookup: Lookup, n_dims: int) -> _Schedule:
    vehicle = route.vehicle
    end_key = route.end_key or route.start_key
    keys = [route.start_key, *(s.id for s in route.stops), end_key]
    day = (vehicle.shift_start, vehicle.shift_end)
    windows = [[day], *(_windows(s, vehicle) for s in route.stops), [day]]
    service = [0, *(s.service_time for s in route.stops), 0]
    legs = [lookup(a, b) for a, b in itertools.pairwise(keys)]
    dist = [d for d, _ in legs]
    dur = [t for _, t in legs]
    n = len(keys)
    start = vehicle.shift_start if route.departure is None else route.departure
    early, arrival = [float(start)], [float(start)]
    on_time = True
    for k in range(1, n):
        arr = early[k - 1] + service[k - 1] + dur[k - 1]
        arrival.append(arr)
        begin = first_start(arr, windows[k]) if k < n - 1 else arr
        if begin == INF:
            on_time, begin = False, arr  # an already late stop: keep going
        early.append(begin)
    on_time = on_time and early[-1] <= vehicle.shift_end
    late = [0.0] * n
    late[-1] = float(vehicle.shift_end)
    for k in range(n - 2, -1, -1):
        late[k] = (
            last_start(late[k + 1] - service[k] - dur[k], windows[k])
            if k
            else (late[k + 1] - dur[k])
        )
    wait_after = [0.0] * (n + 1)
    single = [True] * (n + 1)
    for k in range(n - 1, -1, -1):
        wait_after[k] = wait_after[k + 1] + (early[k] - arrival[k])
        single[k] = single[k + 1] and len(windows[k]) <= 1
    load = [0] * n_dims
    for s in route.stops:
        for d, q in enumerate(s.demand):
            load[d] += q
    return _Schedule(
        keys, windows, service, dist, dur, early, arrival, late, wait_after, single, load, on_time
    )


def best_insertions(
    routes: Sequence[PlannedRoute],
    new_stop: Stop,
    lookup: Lookup,
    top_n: int = 5,
    feasible_only: bool = False,
) -> list[InsertionOption]:
    """The ``top_n`` best positions for ``new_stop``: feasible ones first, then by Δcost.

    ``lookup`` must know ``new_stop.id``. Nothing is re-solved.
    """
    n_dims = max([len(new_stop.demand)] + [len(r.vehicle.capacity) for r in routes] + [0])
    options: list[tuple[tuple, InsertionOption]] = []
    for r_index, route in enumerate(routes):
        options.extend(_route_options(r_index, route, new_stop, lookup, n_dims))
    if feasible_only:
        options = [o for o in options if o[1].feasible]
    options.sort(key=lambda o: o[0])
    return [o for _, o in options[:top_n]]


def _route_options(
    r_index: int, route: PlannedRoute, new: Stop, lookup: Lookup, n_dims: int
) -> list[tuple[tuple, InsertionOption]]:
    vehicle = route.vehicle
    sched = _schedule(route, lookup, n_dims)
    cap = tuple(vehicle.capacity) + (0,) * (n_dims - len(vehicle.capacity))
    demand = tuple(new.demand) + (0,) * (n_dims - len(new.demand))
    was_ok = sched.on_time and all(q <= c for q, c in zip(sched.load, cap, strict=True))
    over = any(q + x > c for q, x, c in zip(sched.load, demand, cap, strict=True))
    over = over or (vehicle.max_stops is not None and len(route.stops) + 1 > vehicle.max_stops)
    skills_ok = new.required_skills <= vehicle.skills and new.pinned_vehicle in (None, vehicle.id)
    windows = _windows(new, vehicle)
    out = []
    keys = sched.keys
    for k in range(len(keys) - 1):
        d_in, t_in = lookup(keys[k], new.id)
        d_out, t_out = lookup(new.id, keys[k + 1])
        arrival = sched.early[k] + sched.service[k] + t_in
        start = first_start(arrival, windows)
        window_ok = start != INF
        if not window_ok:
            start = arrival
        next_arrival = start + new.service_time + t_out
        breaks = next_arrival > sched.late[k + 1]
        delta_duration = _end_push(sched, k + 1, next_arrival)
        delta_distance = d_in + d_out - sched.dist[k]
        delta_cost = (
            vehicle.cost_per_km * delta_distance / 1000.0
            + vehicle.cost_per_hour * delta_duration / 3600.0
        )
        option = InsertionOption(
            vehicle_id=vehicle.id,
            route_index=r_index,
            position=k,
            delta_distance=delta_distance,
            delta_duration=delta_duration,
            delta_cost=delta_cost,
            start=start,
            window_ok=window_ok,
            breaks_windows=breaks,
            over_capacity=over,
            skills_ok=skills_ok,
            route_was_feasible=was_ok,
        )
        out.append(((not option.feasible, delta_cost, delta_distance, r_index, k), option))
    return out


def _end_push(sched: _Schedule, k: int, arrival: float) -> float:
    """How much later the route ends if position k is now reached at ``arrival``."""
    last = len(sched.keys) - 1
    if k == last:
        return arrival - sched.arrival[last]
    if sched.single_windows[k] and arrival >= sched.arrival[k]:
        push = max(0.0, arrival - sched.early[k])
        return max(0.0, push - sched.wait_after[k + 1])
    # several windows (a push can jump to a later window) or an earlier arrival: propagate
    t = arrival
    for j in range(k, last):
        begin = first_start(t, sched.windows[j])
        t = (t if begin == INF else begin) + sched.service[j] + sched.dur[j]
    return t - sched.arrival[last]
