"""Ruin and recreate (routes.optimizer.lns): repair, exact costs, locks, never worse (no Django)."""

from __future__ import annotations

import dataclasses
import math
import time

from routes.optimizer.devbench import day_problem
from routes.optimizer.feasibility import check_routes
from routes.optimizer.lns import RuinRecreate
from routes.optimizer.model import (
    Depot,
    Matrix,
    Objective,
    Options,
    Problem,
    Stop,
    Vehicle,
)
from routes.optimizer.prepare import prepare
from routes.optimizer.solver import build_solution, solve


def _costed(problem: Problem) -> Problem:
    """The same day with a tariff on every van and the cost objective."""
    vans = [
        dataclasses.replace(v, fixed_cost=1500.0, cost_per_km=18.0, cost_per_hour=450.0)
        for v in problem.vehicles
    ]
    options = dataclasses.replace(problem.options, objective=Objective.COST, workers=1)
    return dataclasses.replace(problem, vehicles=vans, options=options)


def _named(problem: Problem, plan: dict[int, list[int]]) -> list[tuple[str, list[str]]]:
    return [(problem.vehicles[v].id, [problem.stops[i].id for i in seq]) for v, seq in plan.items()]


def test_repair_serves_a_whole_day_from_empty_routes() -> None:
    problem = _costed(day_problem(60, 3, seed=2))
    prep = prepare(problem)
    lns = RuinRecreate(prep, {}, [0, 1, 2], frozen=set(), seed=0)
    assert len(lns.unserved) == 60
    plan = lns.run(time.monotonic() + 5.0, repair_only=True)
    assert not lns.unserved
    assert sorted(s for seq in plan.values() for s in seq) == list(range(60))
    assert check_routes(problem, _named(problem, plan)) == []


def test_its_cost_is_the_cost_the_result_reports() -> None:
    problem = _costed(day_problem(40, 2, seed=3))
    prep = prepare(problem)
    lns = RuinRecreate(prep, {}, [0, 1], frozen=set(), seed=1)
    plan = lns.run(time.monotonic() + 0.5)
    result = build_solution(prep, plan, 0.0)
    assert not result.unassigned
    assert math.isclose(lns.total(), result.objective, rel_tol=1e-9)


def test_improving_never_makes_the_plan_worse() -> None:
    problem = _costed(day_problem(50, 3, seed=4))
    prep = prepare(problem)
    lns = RuinRecreate(prep, {}, [0, 1, 2], frozen=set(), seed=2)
    repaired = lns.run(time.monotonic() + 5.0, repair_only=True)
    before = build_solution(prep, repaired, 0.0).objective
    improved = lns.run(time.monotonic() + 0.5)
    after = build_solution(prep, improved, 0.0)
    assert after.feasible and not after.unassigned
    assert after.objective <= before


def test_locked_stops_keep_their_van_and_order_on_the_cost_objective() -> None:
    # on a line: the natural order is a, new, b; the dispatcher locked b before a on v1
    stops = [
        Stop("a", (10, 0), (1,), locked=True),
        Stop("b", (30, 0), (1,), locked=True),
        Stop("new", (20, 1), (1,)),
        Stop("far", (0, 25), (1,)),
    ]
    points = [(0.0, 0.0)] + [s.location for s in stops]
    d = [[round(math.dist(p, q)) for q in points] for p in points]
    vans = [
        Vehicle(f"v{k}", (10,), 0, 1000, cost_per_km=1000.0, cost_per_hour=3600.0) for k in (1, 2)
    ]
    problem = Problem(
        [Depot("d", (0.0, 0.0))],
        vans,
        stops,
        Matrix(d, d),
        Options(time_limit_seconds=0.5, objective=Objective.COST, workers=1),
        initial_routes={"v1": ["b", "a"]},
    )
    solution = solve(problem)
    assert solution.feasible and not solution.unassigned
    (v1,) = [r for r in solution.routes if r.vehicle_id == "v1"]
    assert v1.stop_ids.index("b") < v1.stop_ids.index("a")
