"""VRPTW solver: OR-Tools' RoutingModel and searches of our own.

``solve(problem)`` runs, within ``options.time_limit_seconds`` of wall clock:

1. a start: the warm-start plan (``Problem.initial_routes``) if it is valid, else OR-Tools'
   insertion heuristics (hierarchical objective, up to 400 stops; cheapest-arc starts fail on
   tight windows), else our own construction (large days and the cost objective);
2. a repair: stops the start left out are served by ruin and recreate (``lns.py``);
3. for the hierarchical objective, a vehicle-minimisation phase: an ejection-pool heuristic of
   our own (``routemin.py``) empties one route after another while every stop still fits;
4. improvement: ruin and recreate on the cost objective; guided local search on distance
   (and on cost for pinned positions or a balance term).

On a multi-core machine independent searches with different starts run in parallel processes
and the best plan wins.
"""

from __future__ import annotations

import time

from routes.optimizer.feasibility import check_routes
from routes.optimizer.model import (
    Objective,
    Problem,
    ProgressCallback,
    Route,
    Solution,
    Unassigned,
    Visit,
)
from routes.optimizer.prepare import Prepared, prepare, unassigned_reason
from routes.optimizer.search import run_search

__all__ = ["solve"]


def solve(problem: Problem, progress: ProgressCallback | None = None) -> Solution:
    t0 = time.monotonic()
    prep = prepare(problem)
    routes = run_search(prep, t0, progress)
    return build_solution(prep, routes, time.monotonic() - t0)


def build_solution(prep: Prepared, routes: dict[int, list[int]], seconds: float) -> Solution:
    """Turn ``vehicle index -> stop indices`` into the public Solution (schedules, loads, costs)."""
    problem = prep.problem
    out_routes: list[Route] = []
    served: set[int] = set()
    total_cost = 0.0
    for v, stops in sorted(routes.items()):
        if not stops:
            continue
        route = _schedule(prep, v, stops)
        served.update(stops)
        total_cost += route.cost
        out_routes.append(route)
    unassigned = [
        Unassigned(problem.stops[i].id, prep.excluded.get(i) or unassigned_reason(prep, i))
        for i in range(len(problem.stops))
        if i not in served
    ]
    violations = check_routes(problem, [(r.vehicle_id, r.stop_ids) for r in out_routes])
    if problem.options.objective == Objective.HIERARCHICAL:
        objective = float(sum(r.distance for r in out_routes))
    else:
        objective = total_cost
    return Solution(
        routes=out_routes,
        unassigned=unassigned,
        objective=objective,
        seconds=seconds,
        feasible=not violations,
        violations=[f"{x.kind.value}: {x.message}" for x in violations],
    )


def _schedule(prep: Prepared, v: int, stops: list[int]) -> Route:
    """Earliest-start schedule of one route, loads after each stop, distance and cost."""
    problem = prep.problem
    vehicle = problem.vehicles[v]
    dist = problem.matrix.distances
    dur = problem.matrix.durations
    node = problem.depot_node(vehicle.start_depot)
    start_time = prep.vehicle_ready[v]
    # depart as late as possible without delaying the first service start (no idle at stop 1)
    first = stops[0]
    first_node = problem.stop_node(first)
    first_open = prep.windows[first][0][0]
    start_time = max(start_time, min(first_open - int(dur[node][first_node]), prep.vehicle_due[v]))
    t = start_time
    load = [0] * prep.n_dims
    visits: list[Visit] = []
    distance = 0.0
    for i in stops:
        nxt = problem.stop_node(i)
        arrival = t + dur[node][nxt]
        distance += dist[node][nxt]
        begin = arrival
        for a, b in prep.windows[i]:
            if arrival <= b:
                begin = max(arrival, a)
                break
        for d, q in enumerate(prep.demands[i]):
            load[d] += q
        t = begin + problem.stops[i].service_time
        visits.append(Visit(problem.stops[i].id, arrival, begin, t, tuple(load)))
        node = nxt
    end_node = problem.depot_node(vehicle.end_depot)
    distance += dist[node][end_node]
    end_time = t + dur[node][end_node]
    duration = end_time - start_time
    cost = (
        vehicle.fixed_cost
        + vehicle.cost_per_km * distance / 1000.0
        + vehicle.cost_per_hour * duration / 3600.0
    )
    return Route(
        vehicle_id=vehicle.id,
        visits=visits,
        start_time=start_time,
        end_time=end_time,
        distance=distance,
        duration=duration,
        cost=cost,
    )
