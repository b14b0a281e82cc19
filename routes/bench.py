"""``python manage.py bench routing --json``: the optimiser on realistic synthetic delivery days.

* **day325**: 325 stops, 5 vans; **day1000**: 1000 stops, 15 vans. A 30 × 30 km area around the
  centre of St Petersburg, the depot in the middle, a 9-hour shift (08:00–17:00), 5 minutes of
  service, 2-hour windows that start on the hour, the embedded haversine provider (× 1.3 at
  30 km/h), the demo vans' tariff (fixed 1500, 18 per km, 450 per hour: the cost objective, as
  the product plans a day). Deterministic for a ``--seed``.
* Every stop is servable by construction: each van drives a random walk and a stop is planted
  where it arrives, with a window around that time; the planted plan is reported too (its cost is
  an upper bound any good plan should beat).
* **insert_ms**: median latency of ``best_insertions`` for one new stop into 10 routes of 65
  stops (the planted routes of a 650-stop day).
* ``--vroom``: VROOM (pyvroom, optional) at exploration level 5 on the 325-stop day, its plan
  scored with our own cost function and feasibility checker.

Figures are wall-clock on whatever machine runs them: run it on a quiet machine.
"""

from __future__ import annotations

import math
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import routes.bench_live  # noqa: F401  (register_bench)
from crm.core.registry import register_bench
from routes.optimizer import (
    Depot,
    HaversineProvider,
    Matrix,
    Objective,
    Options,
    PlannedRoute,
    Problem,
    Solution,
    Stop,
    Vehicle,
    best_insertions,
    solve,
)
from routes.optimizer.distance import haversine_m
from routes.optimizer.insertion import MatrixLookup
from routes.optimizer.prepare import prepare
from routes.optimizer.solver import build_solution

CENTRE = (59.93, 30.31)
AREA_M = 30_000.0
SHIFT = (8 * 3600, 17 * 3600)
WINDOW = 2 * 3600
SERVICE = 300
ROAD_FACTOR = 1.3
SPEED_KMH = 30.0
#: the demo vans' tariff (routes/seed.py): fixed per day used, per km, per hour
TARIFF = (1500.0, 18.0, 450.0)
#: share of a van's free time the planted plan spends driving (the rest is slack)
DRIVE_SHARE = 0.6
DEMANDS_KG = [6, 12, 20, 20, 20, 40, 40, 60, 80]


@dataclass(frozen=True)
class Limits:
    """Time limits (seconds) of the solver runs; ``--quick`` shortens them for smoke runs."""

    day325_short: float = 10.0
    day325_long: float = 60.0
    day1000_short: float = 30.0
    day1000_long: float = 60.0


QUICK = Limits(5.0, 10.0, 5.0, 10.0)


@dataclass(frozen=True)
class Sizes:
    day325: tuple[int, int] = (325, 5)
    day1000: tuple[int, int] = (1000, 15)
    #: routes × stops per route for the insertion latency
    insert: tuple[int, int] = (10, 65)
    insert_samples: int = 50


@dataclass
class Day:
    problem: Problem
    #: the plan planted by construction (vehicle id -> stop ids), feasible
    planted: dict[str, list[str]] = field(default_factory=dict)


# --- The synthetic day ----------------------------------------------------------------------------
def _to_latlon(x: float, y: float) -> tuple[float, float]:
    """Metres in the 30 × 30 km square (origin south-west) to (lat, lon) around CENTRE."""
    lat = CENTRE[0] + (y - AREA_M / 2) / 111_320.0
    lon = CENTRE[1] + (x - AREA_M / 2) / (111_320.0 * math.cos(math.radians(CENTRE[0])))
    return (round(lat, 6), round(lon, 6))


def _leg_seconds(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Exactly what HaversineProvider gives for a -> b."""
    metres = round(haversine_m(a, b) * ROAD_FACTOR)
    return math.ceil(metres / (SPEED_KMH / 3.6))


def _walk(rng: random.Random, count: int, depot: tuple[float, float]) -> list[tuple[float, float]]:
    """One van's stops: a random walk from the depot that is back before the shift ends."""
    free = (SHIFT[1] - SHIFT[0]) - count * SERVICE
    leg = DRIVE_SHARE * free / (count + 1) * (SPEED_KMH / 3.6) / ROAD_FACTOR
    home = (AREA_M / 2, AREA_M / 2)
    while True:
        xy, points, t = home, [], SHIFT[0]
        for _ in range(count):
            angle = rng.uniform(0, 2 * math.pi)
            step = rng.uniform(0.5, 1.5) * leg
            nxt = (
                min(AREA_M, max(0.0, xy[0] + step * math.cos(angle))),
                min(AREA_M, max(0.0, xy[1] + step * math.sin(angle))),
            )
            point = _to_latlon(*nxt)
            t += _leg_seconds(points[-1] if points else depot, point) + SERVICE
            points.append(point)
            xy = nxt
        if not points or t + _leg_seconds(points[-1], depot) <= SHIFT[1] - 60:
            return points
        leg *= 0.95


def _window(rng: random.Random, start: int) -> tuple[int, int]:
    """A 2-hour slot starting on the hour that contains ``start`` (inside the shift)."""
    opens = [
        h * 3600
        for h in range(SHIFT[0] // 3600, SHIFT[1] // 3600)
        if h * 3600 <= start <= h * 3600 + WINDOW and h * 3600 + WINDOW <= SHIFT[1]
    ]
    a = rng.choice(opens)
    return (a, a + WINDOW)


def synthetic_day(
    n_stops: int,
    n_vans: int,
    *,
    seed: int = 1,
    time_limit: float = 10.0,
    workers: int = 0,
    objective: Objective = Objective.COST,
) -> Day:
    """A realistic delivery day, feasible by construction (see the module docstring)."""
    rng = random.Random(seed * 1_000_003 + n_stops * 101 + n_vans)
    depot = _to_latlon(AREA_M / 2, AREA_M / 2)
    per_van = [n_stops // n_vans + (1 if k < n_stops % n_vans else 0) for k in range(n_vans)]
    walks = [_walk(rng, count, depot) for count in per_van]
    points = [p for walk in walks for p in walk]
    distances, durations = HaversineProvider(ROAD_FACTOR, SPEED_KMH).matrix([depot, *points])
    stops: list[Stop] = []
    planted: dict[str, list[str]] = {}
    loads: list[int] = []
    for k, walk in enumerate(walks):
        t, prev, load, ids = SHIFT[0], 0, 0, []
        for _ in walk:
            node = len(stops) + 1
            t += durations[prev][node]
            demand = rng.choice(DEMANDS_KG)
            stop_id = f"s{len(stops)}"
            stops.append(Stop(stop_id, points[node - 1], (demand,), [_window(rng, t)], SERVICE))
            ids.append(stop_id)
            load += demand
            t += SERVICE
            prev = node
        planted[f"van{k}"] = ids
        loads.append(load)
    capacity = math.ceil(1.15 * max(loads, default=1) / 100) * 100
    fixed, per_km, per_hour = TARIFF
    vans = [
        Vehicle(f"van{k}", (capacity,), *SHIFT, cost_per_km=per_km, cost_per_hour=per_hour,
                fixed_cost=fixed)
        for k in range(n_vans)
    ]  # fmt: skip
    options = Options(time_limit_seconds=time_limit, objective=objective, workers=workers)
    problem = Problem([Depot("depot", depot)], vans, stops, Matrix(distances, durations), options)
    return Day(problem, planted)


# --- Measuring ----------------------------------------------------------------------------------
def evaluate(problem: Problem, routes: dict[str, list[str]], seconds: float) -> Solution:
    """Score any plan (ours, planted, VROOM's) with the optimiser's own cost and checker."""
    prep = prepare(problem)
    v_index = {v.id: k for k, v in enumerate(problem.vehicles)}
    s_index = {s.id: k for k, s in enumerate(problem.stops)}
    plan = {v_index[v]: [s_index[s] for s in seq] for v, seq in routes.items()}
    return build_solution(prep, plan, seconds)


def summary(solution: Solution) -> dict[str, Any]:
    served = sum(len(r.visits) for r in solution.routes)
    return {
        "cost": round(solution.objective, 1),
        "vehicles": solution.vehicles_used,
        "km": round(solution.distance / 1000, 1),
        "served": served,
        "unserved": len(solution.unassigned),
        "feasible": solution.feasible,
        "seconds": round(solution.seconds, 2),
    }


def run_solver(day: Day, time_limit: float) -> dict[str, Any]:
    """One solve; ``first_feasible_seconds``: the first plan serving every stop (or None)."""
    problem = day.problem
    problem = replace(problem, options=replace(problem.options, time_limit_seconds=time_limit))
    first: list[float] = []
    solution = solve(problem, progress=lambda _cost, t: first.append(t) if not first else None)
    return {
        **summary(solution),
        "limit": time_limit,
        "first_feasible_seconds": round(first[0], 2) if first else None,
        "servable": len(prepare(problem).served_stops),
    }


def insertion_latency(sizes: Sizes, seed: int) -> dict[str, Any]:
    """``best_insertions`` of one new stop into the planted routes of a day (no solving)."""
    n_routes, per_route = sizes.insert
    day = synthetic_day(n_routes * per_route, n_routes, seed=seed)
    problem = day.problem
    rng = random.Random(seed)
    news = [
        Stop(
            f"new{k}",
            _to_latlon(rng.uniform(0, AREA_M), rng.uniform(0, AREA_M)),
            (20,),
            [_window(rng, rng.randrange(SHIFT[0], SHIFT[1] - WINDOW))],
            SERVICE,
        )
        for k in range(sizes.insert_samples)
    ]
    keys = ["depot", *(s.id for s in problem.stops), *(s.id for s in news)]
    points = [problem.depots[0].location, *(s.location for s in problem.stops)]
    points += [s.location for s in news]
    lookup = MatrixLookup(keys, Matrix(*HaversineProvider(ROAD_FACTOR, SPEED_KMH).matrix(points)))
    by_id = {s.id: s for s in problem.stops}
    vans = {v.id: v for v in problem.vehicles}
    routes = [
        PlannedRoute(vans[v], [by_id[s] for s in seq], "depot") for v, seq in day.planted.items()
    ]
    timings, feasible = [], 0
    for new in news:
        started = time.perf_counter()
        options = best_insertions(routes, new, lookup, top_n=5)
        timings.append((time.perf_counter() - started) * 1000)
        feasible += bool(options and options[0].feasible)
    timings.sort()
    return {
        "insert_ms": round(statistics.median(timings), 2),
        "insert_ms_p95": round(timings[min(len(timings) - 1, int(0.95 * len(timings)))], 2),
        "insert_routes": n_routes,
        "insert_stops_per_route": per_route,
        "insert_feasible_share": round(feasible / len(news), 2),
    }


def vroom_plan(problem: Problem, exploration_level: int = 5, threads: int = 2) -> dict[str, Any]:
    """VROOM on the same matrices, windows, capacities and tariff; scored by our evaluator."""
    try:
        import vroom
    except ImportError:
        return {"available": False, "note": "pyvroom is not installed"}
    vr = vroom.Input()
    vr.set_durations_matrix(profile="car", matrix_input=problem.matrix.durations)
    vr.set_distances_matrix(profile="car", matrix_input=problem.matrix.distances)
    for k, v in enumerate(problem.vehicles):
        costs = vroom.VehicleCosts(
            fixed=int(v.fixed_cost), per_hour=int(v.cost_per_hour), per_km=int(v.cost_per_km)
        )
        vr.add_vehicle(
            vroom.Vehicle(
                k, start=0, end=0, capacity=list(v.capacity),
                time_window=(v.shift_start, v.shift_end), costs=costs,
            )
        )  # fmt: skip
    vr.add_job(
        [
            vroom.Job(
                i, location=i + 1, default_service=s.service_time, delivery=list(s.demand),
                time_windows=[tuple(w) for w in s.time_windows],
            )
            for i, s in enumerate(problem.stops)
        ]
    )  # fmt: skip
    started = time.perf_counter()
    result = vr.solve(exploration_level=exploration_level, nb_threads=threads)
    seconds = time.perf_counter() - started
    routes: dict[str, list[str]] = {}
    for row in result.routes.itertuples():
        if row.type == "job":
            routes.setdefault(problem.vehicles[int(row.vehicle_id)].id, []).append(
                problem.stops[int(row.id)].id
            )
    return {
        "available": True,
        "exploration_level": exploration_level,
        "threads": threads,
        **summary(evaluate(problem, routes, seconds)),
    }


# --- The suite ------------------------------------------------------------------------------------
def _machine() -> dict[str, Any]:
    from ortools import __version__ as ortools_version

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "ortools": ortools_version,
        "platform": platform.platform(terse=True),
    }


def _flat(prefix: str, suffix: str, result: dict[str, Any]) -> dict[str, Any]:
    keys = ("cost", "vehicles", "km", "unserved", "feasible", "seconds", "first_feasible_seconds")
    return {f"{prefix}_{key}_{suffix}": result[key] for key in keys}


def run_suite(
    *,
    limits: Limits,
    sizes: Sizes,
    seed: int = 1,
    vroom: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    say = log or (lambda _msg: None)
    out: dict[str, Any] = {"seed": seed, "machine": _machine(), "limits_seconds": vars(limits)}
    for name, (n_stops, n_vans), short, long in (
        ("day325", sizes.day325, limits.day325_short, limits.day325_long),
        ("day1000", sizes.day1000, limits.day1000_short, limits.day1000_long),
    ):
        day = synthetic_day(n_stops, n_vans, seed=seed)
        planted = summary(evaluate(day.problem, day.planted, 0.0))
        out.update({f"{name}_stops": n_stops, f"{name}_vans": n_vans, f"{name}_planted": planted})
        say(f"{name}: {short:.0f} s run")
        first = run_solver(day, short)
        say(f"{name}: {long:.0f} s run")
        second = run_solver(day, long)
        tag_short = "10s" if name == "day325" else "30s"
        out[f"{name}_servable"] = first["servable"]
        # the headline: within the 10 s run for 325 stops, within the 60 s run for 1000
        headline = first if name == "day325" else second
        out[f"{name}_first_feasible_seconds"] = headline["first_feasible_seconds"]
        out.update(_flat(name, tag_short, first))
        out.update(_flat(name, "60s", second))
        if vroom and name == "day325":
            say("day325: VROOM")
            out["vroom_day325"] = vroom_plan(day.problem)
    say("insertion latency")
    out.update(insertion_latency(sizes, seed))
    return out


@register_bench(
    "routing",
    help="the optimiser on synthetic delivery days (325 stops / 5 vans, 1000 / 15) and the "
    "latency of 'which route should this new client join?'",
    quick={"action": "store_true", "help": "short time limits (5/10 s) for smoke runs"},
    seed={"type": int, "default": 1, "help": "seed of the synthetic days"},
    vroom={"action": "store_true", "help": "also run VROOM (pyvroom) on the 325-stop day"},
)
def bench_routing(quick: bool = False, seed: int = 1, vroom: bool = False) -> dict:
    return run_suite(limits=QUICK if quick else Limits(), sizes=Sizes(), seed=seed, vroom=vroom)
