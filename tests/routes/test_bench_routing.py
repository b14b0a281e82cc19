"""The ``bench routing`` suite at toy sizes: the keys it reports and figures that make sense.
Times are never asserted (the machine may be busy)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from routes.bench import Limits, Sizes, evaluate, run_suite, synthetic_day
from routes.optimizer import check_routes

TINY_SIZES = Sizes(day325=(30, 2), day1000=(45, 3), insert=(3, 12), insert_samples=5)
TINY_LIMITS = Limits(1.0, 1.0, 1.0, 1.0)
KEYS = {
    "day325_first_feasible_seconds",
    "day325_cost_10s",
    "day325_cost_60s",
    "day325_vehicles_10s",
    "day325_km_10s",
    "day325_unserved_10s",
    "day1000_unserved_30s",
    "day1000_unserved_60s",
    "day1000_first_feasible_seconds",
    "day1000_vehicles_60s",
    "day1000_km_60s",
    "insert_ms",
    "machine",
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_day_is_deterministic_and_its_planted_plan_feasible(seed: int) -> None:
    day = synthetic_day(40, 3, seed=seed)
    again = synthetic_day(40, 3, seed=seed)
    assert day.problem.stops == again.problem.stops and day.planted == again.planted
    assert check_routes(day.problem, list(day.planted.items())) == []
    windows = [s.time_windows[0] for s in day.problem.stops]
    assert all(b - a == 2 * 3600 and a % 3600 == 0 for a, b in windows)
    assert all(a >= 8 * 3600 and b <= 17 * 3600 for a, b in windows)
    assert sorted(s for seq in day.planted.values() for s in seq) == sorted(
        s.id for s in day.problem.stops
    )
    assert evaluate(day.problem, day.planted, 0.0).feasible


def test_suite_reports_every_key_with_sane_figures() -> None:
    result = run_suite(limits=TINY_LIMITS, sizes=TINY_SIZES, seed=1)
    assert result.keys() >= KEYS
    json.dumps(result)  # one JSON object
    for name, (stops, vans) in (("day325", (30, 2)), ("day1000", (45, 3))):
        assert result[f"{name}_stops"] == stops and result[f"{name}_vans"] == vans
        assert result[f"{name}_servable"] == stops
        assert result[f"{name}_planted"]["feasible"] is True
    for suffix in ("10s", "60s"):
        assert result[f"day325_unserved_{suffix}"] == 0  # 30 stops: served in a fraction of 1 s
        assert result[f"day325_feasible_{suffix}"] is True
        assert 1 <= result[f"day325_vehicles_{suffix}"] <= 2
        assert result[f"day325_km_{suffix}"] > 0
        assert result[f"day325_cost_{suffix}"] > 0
    for suffix in ("30s", "60s"):
        assert 0 <= result[f"day1000_unserved_{suffix}"] <= 45
    first = result["day325_first_feasible_seconds"]
    assert first is None or first >= 0
    assert result["insert_ms"] > 0 and result["insert_routes"] == 3
    assert 0 <= result["insert_feasible_share"] <= 1


def test_bench_command_lists_the_routing_suite() -> None:
    out = io.StringIO()
    call_command("bench", "list", stdout=out)
    assert "routing" in out.getvalue()
