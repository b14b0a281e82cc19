"""Tiny problems with known optima for routes.optimizer.solve (pure Python, no Django)."""

from __future__ import annotations

import math

import pytest

from routes.optimizer.feasibility import check_solution
from routes.optimizer.model import (
    Depot,
    Matrix,
    Objective,
    Options,
    Problem,
    Stop,
    UnassignedReason,
    Vehicle,
)
from routes.optimizer.solver import solve

FAST = 0.4  # seconds: tiny problems are solved to optimality long before this


def plane(depot: tuple[float, float], stops: list[Stop]) -> Matrix:
    """Euclidean matrix over (depot, stops...), duration = distance, both rounded to ints."""
    points = [depot] + [s.location for s in stops]
    d = [[round(math.dist(a, b)) for b in points] for a in points]
    return Matrix(distances=d, durations=d)


def problem(
    stops: list[Stop],
    vehicles: list[Vehicle] | None = None,
    depot: tuple[float, float] = (0.0, 0.0),
    **options: object,
) -> Problem:
    vehicles = vehicles or [Vehicle("v1", capacity=(100,), shift_start=0, shift_end=1000)]
    opts = Options(time_limit_seconds=options.pop("time_limit", FAST), workers=1, **options)
    return Problem([Depot("d", depot)], vehicles, stops, plane(depot, stops), opts)


def van(vid: str, capacity: int = 100, **kw: object) -> Vehicle:
    return Vehicle(vid, capacity=(capacity,), shift_start=0, shift_end=1000, **kw)


def by_vehicle(solution) -> dict[str, list[str]]:
    return {r.vehicle_id: r.stop_ids for r in solution.routes}


def test_time_windows_decide_the_order_and_the_schedule() -> None:
    # a at 10 opens late, b at 5 closes early: depot -> b -> a -> depot
    stops = [
        Stop("a", (10, 0), (1,), [(100, 110)], service_time=3),
        Stop("b", (5, 0), (1,), [(0, 20)], service_time=2),
    ]
    sol = solve(problem(stops))
    assert sol.feasible and not sol.unassigned
    (route,) = sol.routes
    assert route.stop_ids == ["b", "a"]
    b, a = route.visits
    assert b.start == 5 and b.departure == 7
    assert a.arrival == 12 and a.start == 100 and a.departure == 103
    assert route.end_time == 113
    assert route.distance == 20
    assert [v.load for v in route.visits] == [(1,), (2,)]
    assert check_solution(problem(stops), sol) == []


def test_capacity_splits_the_stops_over_two_vans() -> None:
    stops = [Stop(f"s{i}", (10, i), (6,)) for i in range(2)]
    sol = solve(problem(stops, [van("v1", 10), van("v2", 10)]))
    assert sol.feasible
    assert sorted(len(r.visits) for r in sol.routes) == [1, 1]


def test_skills_route_the_stop_to_the_skilled_van_and_report_missing_ones() -> None:
    stops = [
        Stop("cold", (10, 0), (1,), required_skills=frozenset({"fridge"})),
        Stop("crane", (10, 1), (1,), required_skills=frozenset({"crane"})),
        Stop("plain", (10, 2), (1,)),
    ]
    vans = [van("v1"), van("v2", skills=frozenset({"fridge"}))]
    sol = solve(problem(stops, vans))
    routes = by_vehicle(sol)
    assert "cold" in routes["v2"]
    assert [(u.stop_id, u.reason) for u in sol.unassigned] == [
        ("crane", UnassignedReason.NO_VEHICLE_WITH_SKILL)
    ]
    assert not sol.feasible  # a mandatory stop is not served: honest about it


def test_pinned_vehicle_wins_over_distance() -> None:
    stops = [Stop("a", (10, 0), (1,)), Stop("b", (-10, 0), (1,), pinned_vehicle="v2")]
    sol = solve(problem(stops, [van("v1"), van("v2")], objective=Objective.COST))
    assert by_vehicle(sol)["v2"] == ["b"] or "b" in by_vehicle(sol)["v2"]
    assert "b" not in by_vehicle(sol).get("v1", [])


def test_pinned_position_puts_the_stop_first() -> None:
    stops = [Stop("near", (5, 0), (1,)), Stop("far", (10, 0), (1,), pinned_position=0)]
    sol = solve(problem(stops))
    assert sol.routes[0].stop_ids == ["far", "near"]


def test_optional_stops_dropped_with_the_right_reason() -> None:
    stops = [
        Stop("ok", (10, 0), (1,)),
        # cheap to drop, far away: the optimiser drops it
        Stop("far", (400, 0), (1,), optional=True, drop_penalty=1),
        Stop("late", (300, 0), (1,), [(0, 100)], optional=True, drop_penalty=10**6),
        Stop("heavy", (10, 1), (500,), optional=True, drop_penalty=10**6),
    ]
    sol = solve(problem(stops))
    reasons = {u.stop_id: u.reason for u in sol.unassigned}
    assert reasons == {
        "far": UnassignedReason.DROPPED_BY_OPTIMISER,
        "late": UnassignedReason.WINDOW_UNREACHABLE,
        "heavy": UnassignedReason.CAPACITY,
    }
    assert sol.feasible  # only optional stops are missing
    assert by_vehicle(sol)["v1"] == ["ok"]


def test_optional_stop_with_a_high_penalty_is_served() -> None:
    stops = [Stop("ok", (10, 0), (1,)), Stop("far", (400, 0), (1,), optional=True)]
    sol = solve(problem(stops))
    assert not sol.unassigned  # automatic penalty outweighs the detour


def test_multiple_windows_use_the_second_window() -> None:
    stops = [Stop("a", (10, 0), (1,), [(0, 5), (50, 60)])]
    sol = solve(problem(stops))
    visit = sol.routes[0].visits[0]
    assert visit.arrival == 10 and visit.start == 50


def test_gap_between_windows_is_never_used() -> None:
    # reachable at 10, window 1 closed, window 2 opens at 50: the stop must wait to 50, and a
    # second stop that must be served by 40 somewhere else forces the plan around it
    stops = [
        Stop("a", (10, 0), (1,), [(0, 5), (50, 60)]),
        Stop("b", (10, 5), (1,), [(0, 40)]),
    ]
    sol = solve(problem(stops))
    assert sol.feasible
    starts = {v.stop_id: v.start for r in sol.routes for v in r.visits}
    assert not 5 < starts["a"] < 50


def test_hierarchical_objective_uses_the_fewest_vans() -> None:
    stops = [Stop(f"s{i}", (10 * math.cos(i), 10 * math.sin(i)), (1,)) for i in range(6)]
    sol = solve(problem(stops, [van(f"v{i}") for i in range(4)]))
    assert sol.vehicles_used == 1 and sol.feasible


def _two_clusters(fixed: float) -> Problem:
    # a must be served early, b late: one van waits ~80 s, two vans work 20 s each
    stops = [
        Stop("a", (10, 0), (1,), [(0, 20)]),
        Stop("b", (0, 10), (1,), [(100, 120)]),
    ]
    vans = [
        van("v1", cost_per_hour=3600, fixed_cost=fixed),
        van("v2", cost_per_hour=3600, fixed_cost=fixed),
    ]
    return problem(stops, vans, objective=Objective.COST)


def test_without_fixed_cost_two_vans_are_cheaper() -> None:
    sol = solve(_two_clusters(fixed=0))
    assert sol.vehicles_used == 2


def test_fixed_cost_makes_fewer_vans_win() -> None:
    sol = solve(_two_clusters(fixed=100))
    assert sol.vehicles_used == 1
    assert sol.feasible


def test_max_stops_per_route() -> None:
    stops = [Stop(f"s{i}", (10, i), (1,)) for i in range(4)]
    sol = solve(problem(stops, [van("v1"), van("v2")], max_stops_per_route=2))
    assert sorted(len(r.visits) for r in sol.routes) == [2, 2]
    assert sol.feasible


def test_warm_start_keeps_locked_stops_in_their_order() -> None:
    # start at x=0, end at x=20: the natural order is near -> new -> far; the dispatcher locked
    # far before near, and the re-optimised plan must keep that while adding the new stop
    stops = [
        Stop("near", (5, 0), (1,), locked=True),
        Stop("far", (10, 0), (1,), locked=True),
        Stop("new", (7, 1), (1,)),
    ]
    points = [(0, 0), (20, 0)] + [s.location for s in stops]
    d = [[round(math.dist(a, b)) for b in points] for a in points]
    vehicle = Vehicle("v1", (10,), 0, 1000, start_depot=0, end_depot=1)
    base = Problem(
        [Depot("a", (0, 0)), Depot("b", (20, 0))],
        [vehicle],
        stops,
        Matrix(d, d),
        Options(time_limit_seconds=FAST, workers=1),
    )
    free = solve(base).routes[0].stop_ids
    assert free == ["near", "new", "far"]
    warm = Problem(
        base.depots,
        base.vehicles,
        base.stops,
        base.matrix,
        base.options,
        initial_routes={"v1": ["far", "near"]},
    )
    order = solve(warm).routes[0].stop_ids
    assert order.index("far") < order.index("near")
    assert "new" in order


def test_warm_start_with_a_good_plan_keeps_it() -> None:
    stops = [Stop(f"s{i}", (10 * math.cos(i / 2), 10 * math.sin(i / 2)), (1,)) for i in range(8)]
    base = problem(stops)
    first = solve(base)
    warm = Problem(
        base.depots,
        base.vehicles,
        base.stops,
        base.matrix,
        base.options,
        initial_routes=by_vehicle(first),
    )
    again = solve(warm)
    assert again.objective <= first.objective
    assert again.feasible


def test_progress_callback_reports_improving_costs() -> None:
    stops = [Stop(f"s{i}", ((i * 37) % 50, (i * 11) % 40), (1,)) for i in range(25)]
    seen: list[tuple[float, float]] = []
    solve(problem(stops, [van("v1"), van("v2")]), progress=lambda c, t: seen.append((c, t)))
    assert seen
    costs = [c for c, _ in seen]
    assert costs == sorted(costs, reverse=True)
    assert all(0 <= t < 5 for _, t in seen)


def test_parallel_workers_give_a_feasible_plan_within_the_limit() -> None:
    stops = [Stop(f"s{i}", ((i * 37) % 50, (i * 11) % 40), (3,), [(0, 400)]) for i in range(30)]
    p = problem(stops, [van(f"v{i}", capacity=20) for i in range(8)], time_limit=1.0)
    p = Problem(
        p.depots, p.vehicles, p.stops, p.matrix, Options(time_limit_seconds=1.0, workers=2), None
    )
    sol = solve(p)
    assert sol.feasible and not sol.unassigned
    assert sol.vehicles_used == math.ceil(30 * 3 / 20)


@pytest.mark.parametrize("objective", [Objective.HIERARCHICAL, Objective.COST])
def test_solution_is_checked_by_the_independent_checker(objective: Objective) -> None:
    stops = [
        Stop(f"s{i}", ((i * 13) % 30, (i * 7) % 20), (2,), [(i * 10, i * 10 + 200)], 5)
        for i in range(15)
    ]
    p = problem(stops, [van(f"v{i}", capacity=10) for i in range(5)], objective=objective)
    sol = solve(p)
    assert sol.feasible
    assert check_solution(p, sol) == []
    assert sorted(s for r in sol.routes for s in r.stop_ids) == sorted(s.id for s in stops)
