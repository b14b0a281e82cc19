"""Problem pre-processing shared by the model builder, the search and the result builder."""

from __future__ import annotations

from dataclasses import dataclass, field

from routes.optimizer.model import Problem, UnassignedReason

#: objective units per currency unit for the COST objective (OR-Tools costs are integers)
COST_SCALE = 10_000


@dataclass
class Prepared:
    problem: Problem
    n_dims: int
    demands: list[tuple[int, ...]]
    capacities: list[tuple[int, ...]]
    windows: list[list[tuple[int, int]]]
    vehicle_ready: list[int]
    vehicle_due: list[int]
    #: stops no vehicle can ever serve, with the reason
    excluded: dict[int, UnassignedReason]
    #: stop index -> vehicle indices that may serve it (absent: any vehicle)
    allowed: dict[int, list[int]]
    #: vehicle index -> stops in the order they must keep (locked stops)
    locked: dict[int, list[int]] = field(default_factory=dict)
    #: warm start, vehicle index -> stop indices
    initial: dict[int, list[int]] = field(default_factory=dict)
    max_arc: int = 1

    @property
    def served_stops(self) -> list[int]:
        return [i for i in range(len(self.problem.stops)) if i not in self.excluded]


def prepare(problem: Problem) -> Prepared:
    n_dims = problem.n_dims
    demands = [_pad(s.demand, n_dims) for s in problem.stops]
    capacities = [_pad(v.capacity, n_dims) for v in problem.vehicles]
    vehicle_ready, vehicle_due = [], []
    for v in problem.vehicles:
        start_w = problem.depots[v.start_depot].time_window
        end_w = problem.depots[v.end_depot].time_window
        vehicle_ready.append(max(v.shift_start, start_w[0]) if start_w else v.shift_start)
        vehicle_due.append(min(v.shift_end, end_w[1]) if end_w else v.shift_end)
    day = (min(vehicle_ready, default=0), max(vehicle_due, default=0))
    windows = [
        sorted((int(a), int(b)) for a, b in s.time_windows) if s.time_windows else [day]
        for s in problem.stops
    ]
    max_arc = 1
    for row in problem.matrix.distances:
        max_arc = max(max_arc, int(max(row, default=0)))
    prep = Prepared(
        problem=problem,
        n_dims=n_dims,
        demands=demands,
        capacities=capacities,
        windows=windows,
        vehicle_ready=vehicle_ready,
        vehicle_due=vehicle_due,
        excluded={},
        allowed={},
        max_arc=max_arc,
    )
    _restrict_vehicles(prep)
    _read_initial(prep)
    return prep


def _pad(values: tuple[int, ...], n: int) -> tuple[int, ...]:
    return tuple(values) + (0,) * (n - len(values))


def _restrict_vehicles(prep: Prepared) -> None:
    problem = prep.problem
    all_vehicles = list(range(len(problem.vehicles)))
    for i in range(len(problem.stops)):
        ok = [v for v in all_vehicles if _vehicle_can_serve(prep, v, i)]
        if not ok:
            prep.excluded[i] = unassigned_reason(prep, i)
        elif len(ok) < len(all_vehicles):
            prep.allowed[i] = ok


def _vehicle_can_serve(prep: Prepared, v: int, i: int) -> bool:
    stop = prep.problem.stops[i]
    vehicle = prep.problem.vehicles[v]
    return (
        stop.required_skills <= vehicle.skills
        and (stop.pinned_vehicle is None or stop.pinned_vehicle == vehicle.id)
        and capacity_fits(prep, v, i)
        and directly_reachable(prep, v, i)
    )


def _read_initial(prep: Prepared) -> None:
    problem = prep.problem
    vehicle_index = {v.id: k for k, v in enumerate(problem.vehicles)}
    stop_index = {s.id: k for k, s in enumerate(problem.stops)}
    seen: set[int] = set()
    for vid, stop_ids in (problem.initial_routes or {}).items():
        v = vehicle_index.get(vid)
        if v is None:
            continue
        seq = []
        for sid in stop_ids:
            i = stop_index.get(sid)
            if i is None or i in seen or i in prep.excluded:
                continue
            if i in prep.allowed and v not in prep.allowed[i]:
                continue
            seen.add(i)
            seq.append(i)
        prep.initial[v] = seq
    # locked stops keep their vehicle and the order of the warm start (or of pinned_position)
    for i, stop in enumerate(problem.stops):
        if not stop.locked or i in prep.excluded:
            continue
        v = next((k for k, seq in prep.initial.items() if i in seq), None)
        if v is None and stop.pinned_vehicle is not None:
            v = vehicle_index.get(stop.pinned_vehicle)
        if v is None:
            continue
        prep.allowed[i] = [v]
        prep.locked.setdefault(v, []).append(i)
    for v, stops in prep.locked.items():
        order = prep.initial.get(v, [])

        def key(i: int, order: list[int] = order) -> tuple[int, int]:
            pos = problem.stops[i].pinned_position
            return (order.index(i) if i in order else 10**9, pos if pos is not None else 10**9)

        stops.sort(key=key)


def unassigned_reason(prep: Prepared, i: int) -> UnassignedReason:
    """Why a stop cannot be or is not served, by independent checks in a fixed order."""
    problem = prep.problem
    stop = problem.stops[i]
    skilled = [
        v
        for v, veh in enumerate(problem.vehicles)
        if stop.required_skills <= veh.skills
        and (stop.pinned_vehicle is None or stop.pinned_vehicle == veh.id)
    ]
    if not skilled:
        return UnassignedReason.NO_VEHICLE_WITH_SKILL
    if not any(capacity_fits(prep, v, i) for v in skilled):
        return UnassignedReason.CAPACITY
    if not any(directly_reachable(prep, v, i) for v in skilled):
        return UnassignedReason.WINDOW_UNREACHABLE
    return UnassignedReason.DROPPED_BY_OPTIMISER


def capacity_fits(prep: Prepared, v: int, i: int) -> bool:
    cap = prep.capacities[v]
    return all(q <= cap[d] for d, q in enumerate(prep.demands[i]))


def directly_reachable(prep: Prepared, v: int, i: int) -> bool:
    """depot -> stop -> depot alone fits the stop's window and the vehicle's shift."""
    problem = prep.problem
    vehicle = problem.vehicles[v]
    dur = problem.matrix.durations
    node = problem.stop_node(i)
    arrival = prep.vehicle_ready[v] + dur[problem.depot_node(vehicle.start_depot)][node]
    back = dur[node][problem.depot_node(vehicle.end_depot)]
    for a, b in prep.windows[i]:
        begin = max(arrival, a)
        if begin <= b and begin + problem.stops[i].service_time + back <= prep.vehicle_due[v]:
            return True
    return False
