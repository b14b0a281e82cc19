"""``manage.py bench clients --clients N``: server-side render times of the client search and the
kanban board on a large Postgres database (N clients, 2×N leads), logged in as head of sales.

Seeds what is missing in the database the command runs on (point ``DATABASE_URL`` at a bench
database): the demo staff, N clients through the clients app's seeder, 2×N leads in bulk."""

from __future__ import annotations

import random
import statistics
import time
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from crm.core.registry import register_bench

RUNS = 20


def _ensure_data(clients: int, rng: random.Random) -> dict[str, Any]:
    from clients.models import Client
    from clients.seed import seed_clients
    from crm.accounts.models import Branch, User
    from crm.accounts.seed import seed_accounts
    from crm.leads.models import Lead
    from crm.leads.seed import make_leads

    ctx = SimpleNamespace(rng=rng, options={}, stdout=None, credentials=[])
    with transaction.atomic():
        seed_accounts(ctx)  # idempotent: update_or_create of the demo staff and branches
    spb = Branch.objects.get(code="spb")
    have = Client.objects.filter(branch__code__in=["spb", "msk"]).count()
    if have < clients:
        ctx.options = {"clients": clients - have}
        with transaction.atomic():
            seed_clients(ctx)
    managers = list(User.objects.filter(username__in=["manager", "manager2"]))
    wanted = 2 * clients
    have_leads = Lead.objects.filter(branch=spb).count()
    while have_leads < wanted:
        batch = min(5000, wanted - have_leads)
        with transaction.atomic():
            Lead.objects.bulk_create(make_leads(rng, branch=spb, managers=managers, count=batch))
        have_leads += batch
    with connection.cursor() as cursor:
        # Planner statistics and the visibility map (index-only scans) after bulk inserts; VACUUM
        # cannot run inside a transaction (the test suite runs the bench in one).
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return {
        "clients": Client.objects.count(),
        "leads": Lead.objects.count(),
        "head": User.objects.get(username="sales_head"),
    }


def _host() -> str:
    for host in settings.ALLOWED_HOSTS:
        if host not in ("*", "") and not host.startswith("["):
            return host.lstrip(".")
    return "localhost"


def _measure(http: HttpClient, url: str, runs: int) -> tuple[float, int]:
    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = http.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _i in range(runs):
        started = time.perf_counter()
        http.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 1), count[0]


@register_bench(
    "clients",
    help="client search and kanban render times with N clients and 2×N leads (Postgres)",
    clients={"type": int, "default": 100000, "help": "clients to have in the database"},
    runs={"type": int, "default": RUNS, "help": "renders of each page (the median is reported)"},
)
def bench_clients(clients: int = 100000, runs: int = RUNS) -> dict:
    if not settings.DB_IS_POSTGRES:
        raise RuntimeError("the clients benchmark needs DATABASE_URL pointing at Postgres")
    started = time.perf_counter()
    data = _ensure_data(clients, random.Random(2026))
    seeded = round(time.perf_counter() - started, 1)
    http = HttpClient(HTTP_HOST=_host())
    http.force_login(data["head"])
    search_ms, search_queries = _measure(http, reverse("clients:client-list") + "?q=Иванов", runs)
    kanban_ms, kanban_queries = _measure(http, reverse("leads:board"), runs)
    return {
        "clients": data["clients"],
        "leads": data["leads"],
        "seed_seconds": seeded,
        "runs": runs,
        "client_search_ms": search_ms,
        "client_search_queries": search_queries,
        "kanban_ms": kanban_ms,
        "kanban_queries": kanban_queries,
    }
