"""Builds and runs one OR-Tools RoutingModel for a subset of the fleet."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routes.optimizer.model import Objective
from routes.optimizer.prepare import COST_SCALE, Prepared

FirstSolution = routing_enums_pb2.FirstSolutionStrategy
Metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic


@dataclass
class Built:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    vehicles: list[int]  # model vehicle -> problem vehicle index
    nodes: list[int]  # model node -> matrix node
    stop_of_node: list[int | None]  # model node -> stop index (None for depots)
    node_of_stop: dict[int, int]
    mandatory: list[int]  # stop indices that must be served
    #: Python callables handed to OR-Tools: SWIG does not keep them alive, we must
    keep: list[object] = field(default_factory=list)


@dataclass
class PhaseResult:
    routes: dict[int, list[int]]  # problem vehicle index -> stop indices
    unserved_mandatory: list[int]
    objective: int


class MatrixCache:
    """Integer matrices over the model nodes, computed once per problem."""

    def __init__(self, prep: Prepared) -> None:
        problem = prep.problem
        depots = sorted(
            {problem.depot_node(v.start_depot) for v in problem.vehicles}
            | {problem.depot_node(v.end_depot) for v in problem.vehicles}
        )
        stops = prep.served_stops
        self.nodes = depots + [problem.stop_node(i) for i in stops]
        self.stop_of_node: list[int | None] = [None] * len(depots) + list(stops)
        dist = problem.matrix.distances
        dur = problem.matrix.durations
        service = [0] * len(depots) + [problem.stops[i].service_time for i in stops]
        nodes = self.nodes
        self.distance = [[round(dist[a][b]) for b in nodes] for a in nodes]
        self.time = [
            [0 if a == b else int(service[k] + dur[a][b]) for b in nodes]
            for k, a in enumerate(nodes)
        ]
        self._cost: dict[tuple[float, float], list[list[int]]] = {}
        self._dur = [[dur[a][b] for b in nodes] for a in nodes]

    def cost(self, per_km: float, per_hour: float) -> list[list[int]]:
        key = (per_km, per_hour)
        if key not in self._cost:
            km = COST_SCALE * per_km / 1000.0
            hour = COST_SCALE * per_hour / 3600.0
            self._cost[key] = [
                [round(km * d + hour * t) for d, t in zip(drow, trow, strict=True)]
                for drow, trow in zip(self.distance, self._dur, strict=True)
            ]
        return self._cost[key]


def build(
    prep: Prepared,
    cache: MatrixCache,
    vehicles: list[int],
    *,
    mandatory_penalty: int | None = None,
    hierarchical_fixed_cost: int = 0,
    penalties: dict[int, int] | None = None,
) -> Built:
    problem = prep.problem
    opts = problem.options
    if mandatory_penalty is None:
        mandatory_penalty = default_mandatory_penalty(prep, hierarchical_fixed_cost)
    depot_model_node = {m: k for k, m in enumerate(cache.nodes) if cache.stop_of_node[k] is None}
    starts = [
        depot_model_node[problem.depot_node(problem.vehicles[v].start_depot)] for v in vehicles
    ]
    ends = [depot_model_node[problem.depot_node(problem.vehicles[v].end_depot)] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(len(cache.nodes), len(vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    node_of_stop = {s: k for k, s in enumerate(cache.stop_of_node) if s is not None}

    # costs
    if opts.objective == Objective.COST:
        classes: dict[tuple[float, float], int] = {}
        for k, v in enumerate(vehicles):
            veh = problem.vehicles[v]
            # the hourly cost is the span cost on the time dimension (below); in the arc costs
            # too it would count the driving time twice
            hourly_span = round(veh.cost_per_hour * COST_SCALE / 3600.0) > 0
            key = (veh.cost_per_km, 0.0 if hourly_span else veh.cost_per_hour)
            if key not in classes:
                classes[key] = routing.RegisterTransitMatrix(cache.cost(*key))
            routing.SetArcCostEvaluatorOfVehicle(classes[key], k)
            routing.SetFixedCostOfVehicle(round(veh.fixed_cost * COST_SCALE), k)
    else:
        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cache.distance))
        if hierarchical_fixed_cost:
            routing.SetFixedCostOfAllVehicles(hierarchical_fixed_cost)

    # time
    horizon = max(max(prep.vehicle_due), max((w[-1][1] for w in prep.windows), default=0))
    time_cb = routing.RegisterTransitMatrix(cache.time)
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for k, v in enumerate(vehicles):
        ready, due = prep.vehicle_ready[v], prep.vehicle_due[v]
        time_dim.CumulVar(routing.Start(k)).SetRange(ready, due)
        time_dim.CumulVar(routing.End(k)).SetRange(ready, due)
    for s, node in node_of_stop.items():
        cumul = time_dim.CumulVar(manager.NodeToIndex(node))
        windows = prep.windows[s]
        cumul.SetRange(windows[0][0], windows[-1][1])
        for (_, b1), (a2, _) in itertools.pairwise(windows):
            if a2 > b1 + 1:
                cumul.RemoveInterval(b1 + 1, a2 - 1)
    if opts.objective == Objective.COST:
        for k, v in enumerate(vehicles):
            per_unit = problem.vehicles[v].cost_per_hour * COST_SCALE / 3600.0
            if per_unit > 0:
                time_dim.SetSpanCostCoefficientForVehicle(round(per_unit), k)

    # capacities, one dimension per load dimension that is used
    for d in range(prep.n_dims):
        demand = [0 if s is None else prep.demands[s][d] for s in cache.stop_of_node]
        if not any(demand):
            continue
        cb = routing.RegisterUnaryTransitVector(demand)
        caps = [prep.capacities[v][d] for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load{d}")

    # stop count: max stops, balance, pinned positions, locked order
    n_stops = len(node_of_stop)
    count_cb = routing.RegisterUnaryTransitVector(
        [0 if s is None else 1 for s in cache.stop_of_node]
    )
    limits = []
    for v in vehicles:
        caps = [
            m for m in (problem.vehicles[v].max_stops, opts.max_stops_per_route) if m is not None
        ]
        limits.append(min(caps) if caps else n_stops)
    routing.AddDimensionWithVehicleCapacity(count_cb, 0, limits, True, "count")
    count_dim = routing.GetDimensionOrDie("count")
    if opts.balance_coefficient:
        count_dim.SetGlobalSpanCostCoefficient(opts.balance_coefficient)

    # who may serve what, drop penalties
    position = {v: k for k, v in enumerate(vehicles)}
    mandatory: list[int] = []
    for s, node in node_of_stop.items():
        index = manager.NodeToIndex(node)
        stop = problem.stops[s]
        if stop.optional:
            routing.AddDisjunction([index], optional_penalty(prep, s))
        else:
            mandatory.append(s)
            routing.AddDisjunction([index], (penalties or {}).get(s, mandatory_penalty))
        if s in prep.allowed:
            allowed = [position[v] for v in prep.allowed[s] if v in position]
            if allowed:
                # (SetAllowedVehiclesForIndex has no Python binding for its span argument)
                routing.VehicleVar(index).SetValues([-1, *allowed])
            else:
                routing.ActiveVar(index).SetValue(0)
        if stop.pinned_position is not None:
            count_dim.CumulVar(index).SetValue(stop.pinned_position)
    solver = routing.solver()
    for stops in prep.locked.values():
        for a, b in itertools.pairwise(stops):
            ia = manager.NodeToIndex(node_of_stop[a])
            ib = manager.NodeToIndex(node_of_stop[b])
            solver.Add(count_dim.CumulVar(ia) < count_dim.CumulVar(ib))
    # depots of vehicles left out of this model are plain nodes: never visit them
    used_depots = set(starts) | set(ends)
    for m in range(len(cache.nodes)):
        if cache.stop_of_node[m] is None and m not in used_depots:
            index = manager.NodeToIndex(m)
            routing.AddDisjunction([index], 0)
            routing.ActiveVar(index).SetValue(0)
    return Built(
        manager, routing, vehicles, cache.nodes, cache.stop_of_node, node_of_stop, mandatory
    )


def default_mandatory_penalty(prep: Prepared, fixed_cost: int = 0) -> int:
    """Just above anything serving one more stop can cost.

    Not a huge constant: guided local search scales its arc penalties with the objective value,
    and 10^13 per unserved stop drowned the distances (on 1000 stops it never inserted one).
    """
    problem = prep.problem
    if problem.options.objective != Objective.COST:
        return 4 * prep.max_arc + 2 * fixed_cost + 1
    per_km = max((v.cost_per_km for v in problem.vehicles), default=0.0)
    per_hour = max((v.cost_per_hour for v in problem.vehicles), default=0.0)
    fixed = max((v.fixed_cost for v in problem.vehicles), default=0.0)
    horizon = max(prep.vehicle_due, default=0) - min(prep.vehicle_ready, default=0)
    money = fixed + per_km * 2 * prep.max_arc / 1000.0 + per_hour * horizon / 3600.0
    return int(2 * money * COST_SCALE) + 4 * prep.max_arc + 1


def optional_penalty(prep: Prepared, s: int) -> int:
    stop = prep.problem.stops[s]
    weight = max(stop.priority, 1)
    if stop.drop_penalty is not None:
        scale = COST_SCALE if prep.problem.options.objective == Objective.COST else 1
        return int(stop.drop_penalty * scale * weight)
    # automatic: worth more than the detour of serving it in any plan
    base = 2 * prep.max_arc
    if prep.problem.options.objective == Objective.COST:
        per_km = max((v.cost_per_km for v in prep.problem.vehicles), default=0.0)
        base = int(2 * prep.max_arc * max(per_km, 1.0) / 1000.0 * COST_SCALE)
    return base * weight


def run(
    built: Built,
    *,
    seconds: float,
    initial: dict[int, list[int]] | None = None,
    first_solution: int = FirstSolution.PARALLEL_CHEAPEST_INSERTION,
    metaheuristic: int = Metaheuristic.GUIDED_LOCAL_SEARCH,
    on_solution: Callable[[int], None] | None = None,
    solution_limit: int | None = None,
    stop_when_all_served: bool = False,
) -> PhaseResult | None:
    routing = built.routing
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = first_solution
    params.local_search_metaheuristic = metaheuristic
    params.time_limit.FromMicroseconds(max(1000, int(seconds * 1e6)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    served = _AllServed(built) if (on_solution or stop_when_all_served) else None
    if served is not None:
        built.keep.append(served)
        routing.AddAtSolutionCallback(served, True)
    if on_solution is not None and served is not None:
        watcher = served

        def report() -> None:
            if watcher.flag:  # only plans that serve every mandatory stop
                on_solution(routing.CostVar().Value())  # the cost variable exists once closed

        built.keep.append(report)
        routing.AddAtSolutionCallback(report, True)
    if stop_when_all_served and served is not None:
        limit = routing.solver().CustomLimit(served.reached)
        built.keep.extend([served.reached, limit])
        routing.AddSearchMonitor(limit)
    routing.CloseModelWithParameters(params)
    start_assignment = _read_routes(built, initial) if initial else None
    if start_assignment is not None:
        assignment = routing.SolveFromAssignmentWithParameters(start_assignment, params)
    else:
        assignment = routing.SolveWithParameters(params)
    if assignment is None:
        return None
    return _extract(built, assignment)


class _AllServed:
    """Solution callback: does the latest plan serve every mandatory stop? (``flag``)"""

    def __init__(self, built: Built) -> None:
        routing = built.routing
        count = routing.GetDimensionOrDie("count")
        self.ends = [count.CumulVar(routing.End(k)) for k in range(len(built.vehicles))]
        self.actives = [
            routing.ActiveVar(built.manager.NodeToIndex(built.node_of_stop[s]))
            for s in built.mandatory
        ]
        self.flag = False

    def __call__(self) -> None:
        self.flag = sum(v.Value() for v in self.ends) >= len(self.actives) and all(
            a.Value() for a in self.actives
        )

    def reached(self) -> bool:
        return self.flag


def _read_routes(built: Built, routes: dict[int, list[int]]):
    position = {v: k for k, v in enumerate(built.vehicles)}
    rows: list[list[int]] = [[] for _ in built.vehicles]
    for v, stops in routes.items():
        if v in position:
            rows[position[v]] = [
                built.manager.NodeToIndex(built.node_of_stop[s])
                for s in stops
                if s in built.node_of_stop
            ]
    return built.routing.ReadAssignmentFromRoutes(rows, True)


def _extract(built: Built, assignment) -> PhaseResult:
    routing, manager = built.routing, built.manager
    routes: dict[int, list[int]] = {}
    served: set[int] = set()
    for k, v in enumerate(built.vehicles):
        index = routing.Start(k)
        seq: list[int] = []
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            s = built.stop_of_node[manager.IndexToNode(index)]
            if s is not None:
                seq.append(s)
                served.add(s)
            index = assignment.Value(routing.NextVar(index))
        routes[v] = seq
    unserved = [s for s in built.mandatory if s not in served]
    return PhaseResult(routes, unserved, assignment.ObjectiveValue())


def deadline_seconds(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
