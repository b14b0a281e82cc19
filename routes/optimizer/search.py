"""The search around OR-Tools: start, repair, vehicle minimisation, improvement, parallel workers.

1. **Start**: the warm start, else OR-Tools' insertion heuristics (hierarchical objective up to
   ``LARGE`` stops), else our own construction (``routemin.construct``: large days, the cost
   objective).
2. **Repair**: mandatory stops the start left out are served by ruin and recreate (``lns.py``).
3. **Vehicle minimisation** (hierarchical objective): the ejection-pool heuristic.
4. **Improvement**: ruin and recreate on the cost objective, guided local search on distance
   (and on cost for pinned positions or a balance term, which only OR-Tools' model has).
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import time
from dataclasses import dataclass

from routes.optimizer.lns import RuinRecreate
from routes.optimizer.model import Objective, ProgressCallback
from routes.optimizer.ortools_model import (
    FirstSolution,
    MatrixCache,
    PhaseResult,
    build,
    optional_penalty,
    run,
)
from routes.optimizer.prepare import COST_SCALE, Prepared
from routes.optimizer.routemin import RouteMinimiser, construct
from routes.optimizer.timewindows import first_start

log = logging.getLogger(__name__)

#: seconds kept back from the time limit for building the result and joining workers
MARGIN = 0.35
#: share of the time limit the route minimiser may use (it stops earlier when stuck)
RM_SHARE = 0.55
#: a route removal gives up after this share of the time limit without progress
RM_PATIENCE = 0.15
#: ruin and recreate (lns.py) improves the plan until this share of the time limit, guided local
#: search takes the rest. Cost objective: GLS improved none of its plans (325 and 1000 stops), so
#: it only runs for what ruin and recreate does not model (pinned positions, balance).
LNS_SHARE = {Objective.COST: 1.0, Objective.HIERARCHICAL: 0.0}
LNS_SHARE_FROZEN = 0.7


#: our own construction (routemin.construct) instead of an OR-Tools first-solution strategy
OWN_START = -1
#: above this many stops OR-Tools' insertion starts take seconds: both workers build their own
LARGE = 400


@dataclass(frozen=True)
class Variant:
    first_solution: int
    seed: int


VARIANTS = [
    Variant(FirstSolution.PARALLEL_CHEAPEST_INSERTION, 0),
    Variant(FirstSolution.LOCAL_CHEAPEST_INSERTION, 1),
]


def run_search(
    prep: Prepared, t0: float, progress: ProgressCallback | None = None
) -> dict[int, list[int]]:
    opts = prep.problem.options
    deadline = t0 + max(0.05, opts.time_limit_seconds - MARGIN)
    workers = _workers(opts.workers)
    if workers > 1 and not prep.problem.initial_routes:
        result = _run_parallel(prep, deadline, t0, progress)
        if result is not None:
            return result
    return Searcher(prep, deadline, t0, VARIANTS[0], progress).run()


def _workers(requested: int) -> int:
    if requested > 0:
        return min(requested, len(VARIANTS))
    if multiprocessing.current_process().daemon:
        return 1  # e.g. inside a Celery prefork worker: no child processes allowed
    return max(1, min(os.cpu_count() or 1, len(VARIANTS)))


def _run_parallel(
    prep: Prepared, deadline: float, t0: float, progress: ProgressCallback | None
) -> dict[int, list[int]] | None:
    try:
        ctx = multiprocessing.get_context("fork")
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, args=(prep, deadline, t0, VARIANTS[1], sender))
        child.start()
    except (OSError, ValueError, AssertionError):
        return None
    sender.close()
    mine = Searcher(prep, deadline, t0, VARIANTS[0], progress).run()
    theirs = None
    if receiver.poll(max(0.0, deadline - time.monotonic()) + MARGIN / 2):
        try:
            theirs = receiver.recv()
        except EOFError:
            theirs = None
    child.join(timeout=0.05)
    if child.is_alive():
        child.kill()
        child.join()
    if theirs is not None and score(prep, theirs) < score(prep, mine):
        return theirs
    return mine


def _child(prep: Prepared, deadline: float, t0: float, variant: Variant, sender) -> None:
    try:
        sender.send(Searcher(prep, deadline, t0, variant, None).run())
    finally:
        sender.close()


def score(prep: Prepared, routes: dict[int, list[int]]) -> tuple[float, ...]:
    """Lexicographic quality of a plan: unserved mandatory stops, then the objective."""
    problem = prep.problem
    served = {s for seq in routes.values() for s in seq}
    unserved = sum(
        1 for i in prep.served_stops if i not in served and not problem.stops[i].optional
    )
    dist = problem.matrix.distances
    total_dist = 0.0
    total_cost = 0.0
    dropped = sum(prep_optional_weight(prep, i) for i in prep.served_stops if i not in served)
    used = 0
    for v, seq in routes.items():
        if not seq:
            continue
        used += 1
        veh = problem.vehicles[v]
        nodes = [problem.depot_node(veh.start_depot)]
        nodes += [problem.stop_node(s) for s in seq] + [problem.depot_node(veh.end_depot)]
        d = sum(dist[a][b] for a, b in itertools.pairwise(nodes))
        total_dist += d
        total_cost += veh.fixed_cost + veh.cost_per_km * d / 1000.0
        if veh.cost_per_hour:
            total_cost += veh.cost_per_hour * route_span(prep, v, seq) / 3600.0
    if problem.options.objective == Objective.HIERARCHICAL:
        return (unserved, dropped, used, total_dist)
    return (unserved, total_cost + dropped / COST_SCALE)


def route_span(prep: Prepared, v: int, seq: list[int]) -> float:
    """Depot to depot, leaving so as not to wait at the first stop (as the result's schedule)."""
    problem = prep.problem
    vehicle = problem.vehicles[v]
    dur = problem.matrix.durations
    node = problem.depot_node(vehicle.start_depot)
    first = problem.stop_node(seq[0])
    start = max(
        prep.vehicle_ready[v],
        min(prep.windows[seq[0]][0][0] - dur[node][first], prep.vehicle_due[v]),
    )
    t = float(start)
    for i in seq:
        nxt = problem.stop_node(i)
        begin = first_start(t + dur[node][nxt], prep.windows[i])
        t = (t + dur[node][nxt] if begin == float("inf") else begin) + problem.stops[i].service_time
        node = nxt
    return t + dur[node][problem.depot_node(vehicle.end_depot)] - start


def prep_optional_weight(prep: Prepared, i: int) -> float:
    return optional_penalty(prep, i) if prep.problem.stops[i].optional else 0


class Searcher:
    def __init__(
        self,
        prep: Prepared,
        deadline: float,
        t0: float,
        variant: Variant,
        progress: ProgressCallback | None,
    ) -> None:
        self.prep = prep
        self.deadline = deadline
        self.t0 = t0
        self.variant = variant
        self.progress = progress
        self._cache: MatrixCache | None = None
        self.best_reported: float | None = None
        self.all_vehicles = list(range(len(prep.problem.vehicles)))
        self.hierarchical = prep.problem.options.objective == Objective.HIERARCHICAL

    @property
    def cache(self) -> MatrixCache:
        """OR-Tools' integer matrices, built when a phase first needs them (1000 stops: 0.5 s)."""
        if self._cache is None:
            self._cache = MatrixCache(self.prep)
        return self._cache

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def budget(self) -> float:
        return self.deadline - self.t0

    # -- phases ------------------------------------------------------------------------------
    def run(self) -> dict[int, list[int]]:
        start = self.start()
        if start is None:
            return {}
        routes = start.routes
        self._log("start", routes)
        fleet = self.all_vehicles
        if self._unserved(routes):
            routes = self.ruin_recreate(routes, fleet, self.deadline, repair_only=True)
            self._log("repaired", routes)
        if (
            self.hierarchical
            and self.prep.problem.options.minimise_vehicles
            and not self._unserved(routes)
        ):
            routes = self.minimise_vehicles(routes)
            fleet = [v for v, seq in routes.items() if seq]
            self._log("minimised", routes)
        share = LNS_SHARE[self.prep.problem.options.objective]
        if share > 0 and (self._pinned(routes) or self.prep.problem.options.balance_coefficient):
            share = min(share, LNS_SHARE_FROZEN)  # positions and balance: OR-Tools' model only
        if share > 0 and self.left() > 0.002:
            until = min(self.deadline, self.t0 + share * self.budget())
            routes = self.ruin_recreate(routes, fleet, until)
            self._log("ruin and recreate", routes)
        if share < 1.0 and self.left() > 0.05:
            built = build(self.prep, self.cache, fleet)
            result = run(built, seconds=self.left(), initial=routes, on_solution=self._report)
            if result is not None and score(self.prep, result.routes) <= score(self.prep, routes):
                routes = result.routes
        self._log("final", routes)
        return routes

    def _unserved(self, routes: dict[int, list[int]]) -> int:
        return int(score(self.prep, routes)[0])

    def ruin_recreate(
        self,
        routes: dict[int, list[int]],
        fleet: list[int],
        until: float,
        repair_only: bool = False,
    ) -> dict[int, list[int]]:
        """Ruin and recreate (lns.py) on ``fleet``; the result only if it scores better."""
        if until - time.monotonic() < 0.001:
            return routes
        seed = self.variant.seed + 1000 * self.prep.problem.options.seed
        lns = RuinRecreate(self.prep, routes, fleet, self._pinned(routes), seed=seed)
        found = lns.run(until, repair_only=repair_only, on_best=self._report_value)
        found = {v: found.get(v, routes.get(v, [])) for v in self.all_vehicles}
        if score(self.prep, found) < score(self.prep, routes):
            return found
        return routes

    def _log(self, phase: str, routes: dict[int, list[int]]) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "variant %s %s at %.2fs: %s",
                self.variant.seed,
                phase,
                time.monotonic() - self.t0,
                score(self.prep, routes),
            )

    def start(self) -> PhaseResult | None:
        initial = self.prep.initial or None
        first = self.variant.first_solution
        own = first == OWN_START or len(self.prep.served_stops) > LARGE or not self.hierarchical
        if initial is None and own and not self._has_fixed_stops():
            # OR-Tools' insertion starts take seconds on large days (325 stops: 1.1 s) and its
            # local search does not insert the stops our construction leaves out: ruin and
            # recreate does (the cost objective is then optimised by ruin and recreate too)
            return self._construct()
        fixed = 0
        if self.hierarchical:
            fixed = 2 * self.prep.max_arc
        built = build(self.prep, self.cache, self.all_vehicles, hierarchical_fixed_cost=fixed)
        seconds = min(self.left(), max(0.3, 0.1 * self.budget()))
        result = run(
            built,
            seconds=seconds,
            initial=initial,
            first_solution=first if first != OWN_START else FirstSolution.LOCAL_CHEAPEST_INSERTION,
            on_solution=self._report,
        )
        if result is None and not self._has_fixed_stops():
            return self._construct()  # no plan in the time left (a tiny limit, a busy machine)
        return result

    def _construct(self) -> PhaseResult:
        routes, _left = construct(
            self.prep, self.all_vehicles, self.prep.served_stops, seed=self.variant.seed
        )
        self._log("constructed", routes)
        return PhaseResult(routes, [], 0)

    def _has_fixed_stops(self) -> bool:
        """Locked or position-pinned stops: only OR-Tools' model keeps their order."""
        stops = self.prep.problem.stops
        return bool(self.prep.locked) or any(s.pinned_position is not None for s in stops)

    def minimise_vehicles(self, routes: dict[int, list[int]]) -> dict[int, list[int]]:
        """Ejection-pool route minimisation (pure Python) on the start plan."""
        frozen = self._frozen(routes)
        seed = self.variant.seed + 1000 * self.prep.problem.options.seed
        rm = RouteMinimiser(self.prep, routes, frozen, seed=seed)
        until = min(self.deadline, self.t0 + RM_SHARE * self.budget())
        best = rm.run(until, patience=max(0.3, RM_PATIENCE * self.budget()))
        return {v: best.get(v, []) for v in self.all_vehicles}

    def _frozen(self, routes: dict[int, list[int]]) -> set[int]:
        """Routes the minimiser must not touch: those with locked or position-pinned stops."""
        stops = self.prep.problem.stops
        return {
            v
            for v, seq in routes.items()
            if any(stops[i].locked or stops[i].pinned_position is not None for i in seq)
        }

    def _pinned(self, routes: dict[int, list[int]]) -> set[int]:
        """Routes ruin and recreate must not touch: those with position-pinned stops. (Locked
        stops it never moves, and inserting or removing others keeps their order.)"""
        stops = self.prep.problem.stops
        return {
            v for v, seq in routes.items() if any(stops[i].pinned_position is not None for i in seq)
        }

    def _report(self, cost: int) -> None:
        self._report_value(cost / COST_SCALE if not self.hierarchical else float(cost))

    def _report_value(self, value: float) -> None:
        if self.progress is None:
            return
        if self.best_reported is None or value < self.best_reported:
            self.best_reported = value
            self.progress(value, time.monotonic() - self.t0)
