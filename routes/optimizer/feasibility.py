"""Independent feasibility checker (no OR-Tools).

It recomputes every schedule from the problem's matrices -- it never trusts the times written in
the solution -- so a bug in the solver's model cannot hide behind its own report.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from routes.optimizer.model import Problem, Solution, Stop, Vehicle


class ViolationKind(enum.StrEnum):
    UNKNOWN_VEHICLE = "unknown_vehicle"
    VEHICLE_REUSED = "vehicle_reused"
    UNKNOWN_STOP = "unknown_stop"
    DUPLICATE_VISIT = "duplicate_visit"
    MISSING_MANDATORY = "missing_mandatory"
    TIME_WINDOW = "time_window"
    DEPOT_RETURN = "depot_return"
    CAPACITY = "capacity"
    SKILL = "skill"
    MAX_STOPS = "max_stops"
    PINNED_VEHICLE = "pinned_vehicle"


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    message: str
    vehicle_id: str | None = None
    stop_id: str | None = None


def stop_windows(stop: Stop, vehicle: Vehicle) -> list[tuple[float, float]]:
    """Service-start windows of a stop; no windows means the vehicle's whole shift."""
    if stop.time_windows:
        return sorted((float(a), float(b)) for a, b in stop.time_windows)
    return [(float(vehicle.shift_start), float(vehicle.shift_end))]


def earliest_start(
    arrival: float, windows: Sequence[tuple[float, float]], tol: float
) -> float | None:
    """Earliest service start at or after ``arrival`` inside a window (waiting allowed)."""
    for a, b in windows:
        if arrival <= b + tol:
            return max(arrival, a)
    return None


def depot_due(problem: Problem, vehicle: Vehicle) -> float:
    due = float(vehicle.shift_end)
    window = problem.depots[vehicle.end_depot].time_window
    if window is not None:
        due = min(due, float(window[1]))
    return due


def depot_ready(problem: Problem, vehicle: Vehicle) -> float:
    ready = float(vehicle.shift_start)
    window = problem.depots[vehicle.start_depot].time_window
    if window is not None:
        ready = max(ready, float(window[0]))
    return ready


def routes_of(solution: Solution) -> dict[str, list[str]]:
    return {r.vehicle_id: r.stop_ids for r in solution.routes}


def check_solution(problem: Problem, solution: Solution, tol: float = 1e-6) -> list[Violation]:
    return check_routes(problem, [(r.vehicle_id, r.stop_ids) for r in solution.routes], tol)


def check_routes(
    problem: Problem,
    routes: Sequence[tuple[str, Sequence[str]]] | Mapping[str, Sequence[str]],
    tol: float = 1e-6,
) -> list[Violation]:
    """Validate ``(vehicle id, [stop ids in order])`` routes against the problem."""
    items = list(routes.items()) if isinstance(routes, Mapping) else list(routes)
    vehicles = {v.id: v for v in problem.vehicles}
    stop_index = {s.id: i for i, s in enumerate(problem.stops)}
    violations: list[Violation] = []
    served: dict[str, int] = {}
    used_vehicles: set[str] = set()
    for vehicle_id, stop_ids in items:
        vehicle = vehicles.get(vehicle_id)
        if vehicle is None:
            violations.append(
                Violation(
                    ViolationKind.UNKNOWN_VEHICLE, f"unknown vehicle {vehicle_id}", vehicle_id
                )
            )
            continue
        if vehicle_id in used_vehicles:
            violations.append(
                Violation(
                    ViolationKind.VEHICLE_REUSED, f"vehicle {vehicle_id} has two routes", vehicle_id
                )
            )
        used_vehicles.add(vehicle_id)
        known = []
        for sid in stop_ids:
            if sid not in stop_index:
                violations.append(
                    Violation(ViolationKind.UNKNOWN_STOP, f"unknown stop {sid}", vehicle_id, sid)
                )
                continue
            served[sid] = served.get(sid, 0) + 1
            known.append(stop_index[sid])
        violations.extend(_check_route(problem, vehicle, known, tol))
    for sid, count in served.items():
        if count > 1:
            violations.append(
                Violation(
                    ViolationKind.DUPLICATE_VISIT, f"stop {sid} served {count} times", None, sid
                )
            )
    for stop in problem.stops:
        if not stop.optional and stop.id not in served:
            violations.append(
                Violation(
                    ViolationKind.MISSING_MANDATORY, f"stop {stop.id} not served", None, stop.id
                )
            )
    return violations


def _check_route(
    problem: Problem, vehicle: Vehicle, stops: list[int], tol: float
) -> list[Violation]:
    out: list[Violation] = []
    if not stops:
        return out
    vid = vehicle.id
    limits = [m for m in (vehicle.max_stops, problem.options.max_stops_per_route) if m is not None]
    if limits and len(stops) > min(limits):
        out.append(Violation(ViolationKind.MAX_STOPS, f"{len(stops)} stops > {min(limits)}", vid))
    dims = max(len(vehicle.capacity), max(len(problem.stops[i].demand) for i in stops))
    load = [0] * dims
    dist = problem.matrix.durations
    node = problem.depot_node(vehicle.start_depot)
    time = depot_ready(problem, vehicle)
    for i in stops:
        stop = problem.stops[i]
        if not stop.required_skills <= vehicle.skills:
            missing = ", ".join(sorted(stop.required_skills - vehicle.skills))
            out.append(Violation(ViolationKind.SKILL, f"lacks skill {missing}", vid, stop.id))
        if stop.pinned_vehicle is not None and stop.pinned_vehicle != vid:
            out.append(
                Violation(
                    ViolationKind.PINNED_VEHICLE, f"pinned to {stop.pinned_vehicle}", vid, stop.id
                )
            )
        for d, q in enumerate(stop.demand):
            load[d] += q
        nxt = problem.stop_node(i)
        arrival = time + dist[node][nxt]
        start = earliest_start(arrival, stop_windows(stop, vehicle), tol)
        if start is None:
            out.append(
                Violation(
                    ViolationKind.TIME_WINDOW,
                    f"arrives at {arrival:.6g}, after its windows {stop_windows(stop, vehicle)}",
                    vid,
                    stop.id,
                )
            )
            start = arrival
        time = start + stop.service_time
        node = nxt
    end = time + dist[node][problem.depot_node(vehicle.end_depot)]
    due = depot_due(problem, vehicle)
    if end > due + tol:
        out.append(Violation(ViolationKind.DEPOT_RETURN, f"back at {end:.6g} > due {due:.6g}", vid))
    for d, q in enumerate(load):
        cap = vehicle.capacity[d] if d < len(vehicle.capacity) else 0
        if q > cap:
            out.append(
                Violation(ViolationKind.CAPACITY, f"load {q} > capacity {cap} (dim {d})", vid)
            )
    return out
