"""best_insertions against brute force (hypothesis), and its speed on a realistic day."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from routes.optimizer.insertion import MatrixLookup, PlannedRoute, best_insertions
from routes.optimizer.model import Matrix, Stop, Vehicle
from routes.optimizer.timewindows import first_start


def simulate(vehicle: Vehicle, stops: list[Stop], lookup, start_key: str):
    """Brute force: (feasible, distance, end time) of a full route."""
    t = float(vehicle.shift_start)
    prev, dist, ok = start_key, 0.0, True
    load = [0] * len(vehicle.capacity)
    for s in stops:
        d, dt = lookup(prev, s.id)
        dist += d
        windows = sorted(s.time_windows) or [(vehicle.shift_start, vehicle.shift_end)]
        begin = first_start(t + dt, windows)
        if begin == math.inf:
            ok, begin = False, t + dt
        t = begin + s.service_time
        prev = s.id
        for k, q in enumerate(s.demand):
            load[k] += q
    d, dt = lookup(prev, start_key)
    dist += d
    t += dt
    ok = (
        ok
        and t <= vehicle.shift_end
        and all(q <= c for q, c in zip(load, vehicle.capacity, strict=True))
    )
    return ok, dist, t


def windows_strategy():
    one = st.tuples(st.integers(0, 150), st.integers(0, 80)).map(lambda p: [(p[0], p[0] + p[1])])
    two = st.tuples(
        st.integers(0, 60), st.integers(0, 30), st.integers(5, 60), st.integers(0, 40)
    ).map(lambda p: [(p[0], p[0] + p[1]), (p[0] + p[1] + p[2], p[0] + p[1] + p[2] + p[3])])
    return st.one_of(st.just([]), one, two)


@st.composite
def scenario(draw):
    n_routes = draw(st.integers(1, 3))
    n_stops = draw(st.integers(0, 7))
    coords = draw(
        st.lists(
            st.tuples(st.integers(0, 40), st.integers(0, 40)),
            min_size=n_stops + 2,
            max_size=n_stops + 2,
        )
    )
    stops = [
        Stop(
            f"s{i}",
            coords[i + 1],
            (draw(st.integers(0, 4)),),
            draw(windows_strategy()),
            draw(st.integers(0, 10)),
        )
        for i in range(n_stops + 1)
    ]
    new, existing = stops[-1], stops[:-1]
    cut = sorted(
        draw(st.lists(st.integers(0, n_stops), min_size=n_routes - 1, max_size=n_routes - 1))
    )
    bounds = [0, *cut, n_stops]
    vehicles = [
        Vehicle(
            f"v{k}",
            (draw(st.integers(4, 12)),),
            0,
            draw(st.integers(150, 300)),
            cost_per_km=1000,
            cost_per_hour=3600,
        )
        for k in range(n_routes)
    ]
    routes = [
        PlannedRoute(vehicles[k], existing[bounds[k] : bounds[k + 1]], "depot")
        for k in range(n_routes)
    ]
    keys = ["depot", *(s.id for s in stops)]
    asym = draw(st.integers(0, 3))
    d = [[math.ceil(math.dist(a, b)) for b in coords] for a in coords]  # metric
    t = [[d[i][j] + (asym if i < j else 0) for j in range(len(coords))] for i in range(len(coords))]
    return routes, new, MatrixLookup(keys, Matrix(d, t))


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_insertion_matches_brute_force(case) -> None:
    routes, new, lookup = case
    options = best_insertions(routes, new, lookup, top_n=10_000)
    assert len(options) == sum(len(r.stops) + 1 for r in routes)  # every position, once
    for opt in options:
        route = routes[opt.route_index]
        _, base_dist, base_end = simulate(route.vehicle, list(route.stops), lookup, "depot")
        seq = list(route.stops)
        seq.insert(opt.position, new)
        ok, dist, end = simulate(route.vehicle, seq, lookup, "depot")
        assert opt.feasible == ok, (opt, [s.id for s in seq])
        assert opt.delta_distance == dist - base_dist
        assert opt.delta_duration == end - base_end
        assert math.isclose(opt.delta_cost, opt.delta_distance + opt.delta_duration)
    # ranked: feasible first, then by cost
    keys = [(not o.feasible, o.delta_cost) for o in options]
    assert keys == sorted(keys)


def test_breaks_flags_tell_why() -> None:
    vehicle = Vehicle("v", (5,), 0, 100)
    a = Stop("a", (10, 0), (3,), [(10, 12)])
    keys = ["depot", "a", "new"]
    pts = [(0, 0), (10, 0), (5, 5)]
    d = [[round(math.dist(p, q)) for q in pts] for p in pts]
    lookup = MatrixLookup(keys, Matrix(d, d))
    route = PlannedRoute(vehicle, [a], "depot")
    before, after = sorted(
        best_insertions([route], Stop("new", (5, 5), (1,)), lookup), key=lambda o: o.position
    )
    assert before.breaks_windows and before.window_ok  # a is pushed past 12
    assert not after.breaks_windows and after.feasible
    heavy = best_insertions([route], Stop("new", (5, 5), (3,)), lookup)
    assert all(o.over_capacity and not o.feasible for o in heavy)
    closed = best_insertions([route], Stop("new", (5, 5), (1,), [(0, 3)]), lookup)
    assert all(not o.window_ok for o in closed)
    assert best_insertions([route], Stop("new", (5, 5), (1,)), lookup, feasible_only=True) == [
        after
    ]


def test_realistic_day_gives_ranked_options() -> None:
    # Speed is measured by `manage.py bench routing`, not asserted here.
    rng = random.Random(7)
    n_routes, per_route = 10, 65
    Vehicle("v", (10_000,), 8 * 3600, 20 * 3600, cost_per_km=0.5, cost_per_hour=20)
    pts = [
        (rng.uniform(0, 30_000), rng.uniform(0, 30_000)) for _ in range(n_routes * per_route + 2)
    ]
    keys = ["depot", *(f"s{i}" for i in range(len(pts) - 1))]
    d = [[round(math.dist(p, q)) for q in pts] for p in pts]
    t = [[round(x / 8.3) for x in row] for row in d]
    lookup = MatrixLookup(keys, Matrix(d, t))
    stops = [
        Stop(f"s{i}", pts[i + 1], (1,), [(8 * 3600, 18 * 3600)], 300)
        for i in range(n_routes * per_route)
    ]
    routes = [
        PlannedRoute(
            Vehicle(f"v{k}", (10_000,), 8 * 3600, 20 * 3600, cost_per_km=0.5, cost_per_hour=20),
            stops[k * per_route : (k + 1) * per_route],
            "depot",
        )
        for k in range(n_routes)
    ]
    new = Stop(keys[-1], pts[-1], (1,), [(10 * 3600, 12 * 3600)], 300)
    options = best_insertions(routes, new, lookup, top_n=5)
    assert len(options) == 5
