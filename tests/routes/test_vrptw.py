"""Solomon reader, solve_solomon on a development instance, the route minimiser."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import pytest

from routes.optimizer.model import Options
from routes.optimizer.prepare import prepare
from routes.optimizer.routemin import RouteMinimiser
from routes.optimizer.solomon import parse_solomon, read_solomon, to_problem
from routes.optimizer.vrptw import is_feasible, route_distance, solve_solomon

# The shared benchmark data sits beside the repository (../shared), as on CI.
BENCH = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "benchmarks"
    / "vrptw"
    / "instances"
    / "solomon"
)
C101 = BENCH / "C101.txt"
needs_bench = pytest.mark.skipif(not C101.exists(), reason="benchmark files not available")

TINY = "\r\n".join(
    [
        "TINY",
        "",
        "VEHICLE",
        "NUMBER     CAPACITY",
        "  3         10",
        "",
        "CUSTOMER",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME",
        " ",
        "    0      0          0          0          0        100          0   ",
        "    1      3          4          6          0         50          2   ",
        "    2      6          8          6         10         60          2   ",
        "    3      0          1          3         20         21          1   ",
        "",
    ]
)


def test_parse_crlf_file() -> None:
    inst = parse_solomon(TINY)
    assert inst.name == "TINY" and inst.vehicles == 3 and inst.capacity == 10
    assert [n.id for n in inst.nodes] == [0, 1, 2, 3]
    assert inst.nodes[2].ready == 10 and inst.nodes[2].due == 60 and inst.nodes[2].service == 2
    assert inst.depot.due == 100


def test_parse_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_solomon("hello\r\nworld\r\n")


def test_integer_problem_rounds_travel_times_up() -> None:
    inst = parse_solomon(TINY)
    p = to_problem(inst, scale=100)
    # depot -> 3 is 1.0 exactly, 1 -> 3 is sqrt(9 + 9) = 4.2426...
    assert p.matrix.durations[0][3] == 100
    assert p.matrix.durations[1][3] == math.ceil(100 * math.sqrt(18))
    assert p.stops[0].time_windows == [(0, 5000)] and p.stops[0].service_time == 200
    exact = to_problem(inst, scale=0)
    assert exact.matrix.distances[1][3] == math.sqrt(18)


def test_exact_check_and_distance() -> None:
    inst = parse_solomon(TINY)
    assert is_feasible(inst, [[3, 1], [2]])
    assert route_distance(inst, [[3, 1], [2]]) == pytest.approx(1 + math.sqrt(18) + 5 + 20)
    assert not is_feasible(inst, [[1, 2]])  # 12 > capacity 10
    assert not is_feasible(inst, [[3, 1]])  # customer 2 missing
    # 2 starts at 10, leaves 12, reaches 3 at 12 + sqrt(85) = 21.22 > due 21: late on the reals
    assert not is_feasible(inst, [[2, 3], [1]])
    assert not is_feasible(inst, [[3], [1], [2], []][:2] + [[2]] * 2)  # 2 served twice


def test_solve_tiny_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_bytes(TINY.encode())
    result = solve_solomon(path, time_limit=0.5)
    assert result["feasible"] is True
    assert result["instance"] == "TINY"
    assert result["vehicles"] == 2  # 6 + 6 > 10: two vans are needed, two suffice
    assert sorted(c for r in result["routes"] for c in r) == [1, 2, 3]
    assert result["distance"] == pytest.approx(route_distance(read_solomon(path), result["routes"]))


@needs_bench
def test_c101_solved_feasibly_with_the_best_known_fleet() -> None:
    result = solve_solomon(C101, time_limit=2.0)
    assert result["feasible"] is True
    assert result["vehicles"] == 10  # BKS 10 / 828.94
    assert result["distance"] == pytest.approx(828.94, rel=0.02)
    assert sorted(c for r in result["routes"] for c in r) == list(range(1, 101))


@needs_bench
def test_route_minimiser_removes_routes_and_stays_feasible() -> None:
    inst = dataclasses.replace(read_solomon(BENCH / "R201.txt"), vehicles=100)
    problem = to_problem(inst, 1000, Options())
    prep = prepare(problem)
    # a wasteful start: one van per customer
    start = {k: [k] for k in range(len(problem.stops))}
    rm = RouteMinimiser(prep, start, frozen=set(), seed=0)
    best = rm.run(time.monotonic() + 2.0, patience=0.5)
    routes = [[int(problem.stops[i].id) for i in seq] for seq in best.values()]
    assert is_feasible(inst, routes)
    assert len(routes) <= 6  # R201: BKS 4; from 100 routes down to a handful
