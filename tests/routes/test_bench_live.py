"""The ``bench live`` suite: at toy sizes over a real daphne server on the test database, every
socket gets every "done" event and the report has its keys. Times are never asserted (the
machine may be busy)."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from crm.accounts.models import Branch
from routes.bench_live import BRANCH_CODE_PREFIX, percentile, require_backends

KEYS = {
    "sockets",
    "sockets_requested",
    "samples",
    "deliveries",
    "median_ms",
    "p95_ms",
    "max_ms",
    "post_median_ms",
    "errors",
    "connect_errors",
    "post_errors",
    "missed_events",
    "connect_seconds",
    "server",
}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_socket_gets_every_done_event() -> None:
    assert settings.DB_IS_POSTGRES and settings.REDIS_URL, "needs DATABASE_URL and REDIS_URL"
    out = io.StringIO()
    call_command("bench", "live", "--json", "--sockets", "20", "--samples", "5", stdout=out)
    result = json.loads(out.getvalue())
    assert result.keys() >= KEYS | {"suite"}, result
    assert result["suite"] == "live" and result["server"] == "daphne"
    assert result["sockets"] == result["sockets_requested"] == 20, result
    assert result["samples"] == 5, result
    assert result["deliveries"] == 20 * 5, result
    assert result["errors"] == 0, result
    assert 0 < result["median_ms"] <= result["p95_ms"] <= result["max_ms"], result
    assert result["post_median_ms"] > 0
    assert not Branch.objects.filter(code__startswith=BRANCH_CODE_PREFIX).exists()


def test_the_suite_refuses_without_postgres_and_redis(settings) -> None:
    settings.REDIS_URL = ""
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        require_backends()


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.95) is None


def test_bench_command_lists_the_live_suite() -> None:
    out = io.StringIO()
    call_command("bench", "list", stdout=out)
    assert "live" in out.getvalue()
