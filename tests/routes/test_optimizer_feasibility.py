"""The independent checker catches every kind of violation (and passes a valid plan)."""

from __future__ import annotations

import pytest

from routes.optimizer.feasibility import ViolationKind, check_routes
from routes.optimizer.model import Depot, Matrix, Options, Problem, Stop, Vehicle

# nodes: depot 0, stops a=1 (10 away), b=2 (20 away), c=3 (10 away from a)
D = [
    [0, 10, 20, 15],
    [10, 0, 10, 10],
    [20, 10, 0, 10],
    [15, 10, 10, 0],
]


def make(**changes: object) -> Problem:
    stops = {
        "a": Stop("a", (0, 0), (4,), [(0, 50)], service_time=5),
        "b": Stop(
            "b", (0, 0), (4,), [(20, 40)], service_time=5, required_skills=frozenset({"lift"})
        ),
        "c": Stop("c", (0, 0), (1,), optional=True),
    }
    for key, value in changes.items():
        stops[key] = value  # type: ignore[assignment]
    vehicles = [
        Vehicle("v1", (10,), 0, 100, skills=frozenset({"lift"}), max_stops=3),
        Vehicle("v2", (10,), 0, 100),
    ]
    return Problem(
        [Depot("d", (0, 0), (0, 90))], vehicles, list(stops.values()), Matrix(D, D), Options()
    )


def kinds(problem: Problem, routes: dict[str, list[str]] | list) -> list[ViolationKind]:
    return sorted(v.kind for v in check_routes(problem, routes))


def test_valid_plan_has_no_violation() -> None:
    assert kinds(make(), {"v1": ["a", "b"]}) == []
    assert kinds(make(), {"v1": ["a", "b"], "v2": ["c"]}) == []


def test_waiting_for_a_window_is_allowed() -> None:
    late_open = Stop("a", (0, 0), (4,), [(30, 50)], service_time=5)
    # arrive at 10, wait to 30, leave 35, b at 45 > 40: a violation caused by the wait
    assert kinds(make(a=late_open), {"v1": ["a", "b"]}) == [ViolationKind.TIME_WINDOW]
    assert kinds(make(a=late_open), {"v1": ["b", "a"]}) == []


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ({"v1": ["a", "b", "a"]}, [ViolationKind.DUPLICATE_VISIT, ViolationKind.CAPACITY]),
        ({"v1": ["a"]}, [ViolationKind.MISSING_MANDATORY]),
        ({"v1": ["b", "a"], "v2": ["x"]}, [ViolationKind.UNKNOWN_STOP]),
        ({"v1": ["a", "b"], "v9": ["c"]}, [ViolationKind.UNKNOWN_VEHICLE]),
        ([("v1", ["a"]), ("v1", ["b"])], [ViolationKind.VEHICLE_REUSED]),
        ({"v2": ["a", "b"]}, [ViolationKind.SKILL]),
    ],
)
def test_structural_violations(routes: dict | list, expected: list[ViolationKind]) -> None:
    assert kinds(make(), routes) == sorted(expected)


def test_time_window_violation() -> None:
    # b then a: b starts 20, leaves 25, a at 35 fine; but a window closing at 30 breaks
    tight = Stop("a", (0, 0), (4,), [(0, 30)], service_time=5)
    assert kinds(make(a=tight), {"v1": ["b", "a"]}) == [ViolationKind.TIME_WINDOW]


def test_multiple_windows_gap_is_a_violation_only_after_the_last_window() -> None:
    two = Stop("a", (0, 0), (4,), [(0, 5), (30, 50)], service_time=5)
    # arrives at 10: waits to 30 (second window), leaves 35, b at 45 > 40
    assert kinds(make(a=two), {"v1": ["a", "b"]}) == [ViolationKind.TIME_WINDOW]
    assert kinds(make(a=two), {"v1": ["a"], "v2": []}) == [ViolationKind.MISSING_MANDATORY]


def test_depot_return_after_the_depot_closes() -> None:
    slow = Stop("b", (0, 0), (4,), [(20, 80)], service_time=5)
    # a: arrive 10, wait to 60, leave 65; b: arrive 75, leave 80; back at 100 > depot close 90
    late = Stop("a", (0, 0), (4,), [(60, 70)], service_time=5)
    assert kinds(make(a=late, b=slow), {"v1": ["a", "b"]}) == [ViolationKind.DEPOT_RETURN]


def test_capacity_per_dimension() -> None:
    heavy = Stop("c", (0, 0), (3,), optional=True)
    assert kinds(make(c=heavy), {"v1": ["a", "b", "c"]}) == [ViolationKind.CAPACITY]


def test_max_stops() -> None:
    problem = make()
    vehicles = [
        Vehicle("v1", (10,), 0, 100, skills=frozenset({"lift"}), max_stops=2),
        problem.vehicles[1],
    ]
    capped = Problem(problem.depots, vehicles, problem.stops, problem.matrix)
    assert kinds(capped, {"v1": ["a", "b", "c"]}) == [ViolationKind.MAX_STOPS]


def test_pinned_vehicle() -> None:
    pinned = Stop("c", (0, 0), (1,), optional=True, pinned_vehicle="v2")
    assert kinds(make(c=pinned), {"v1": ["a", "b", "c"]}) == [ViolationKind.PINNED_VEHICLE]
