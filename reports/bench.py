"""``python manage.py bench reports --json [--history-clients N] [--history-months M]
[--renders R]``: dashboard and report render times on a year of data.

Builds a throwaway branch (code ``bench-rep-*``) with N clients, four vans, three managers with
plans and a director, and M months of history through ``reports.volume`` (≈ 60 000 orders,
12 000 invoices, 20 000 payments for 1 000 clients and 12 months), runs ANALYZE, then renders
through the full HTTP stack (middleware, templates):

* **dashboard_ms** / **dashboard_queries**: the director's dashboard, default period (this month);
* **dashboard_year_ms**: the same for the whole year;
* **sales_dashboard_ms**; **reports_ms**: every report for the whole year, and
  **slowest_report** / **slowest_report_ms**.

Times are the median of ``runs`` renders, server side. Everything runs in one transaction that
is rolled back at the end: nothing is left behind."""

from __future__ import annotations

import datetime
import random
import secrets
import statistics
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from crm.core.registry import register_bench

RUNS = 10


class _Rollback(Exception):
    pass


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


def create_fixture(clients: int, months: int, rng: random.Random) -> dict[str, Any]:
    from billing.models import Organisation
    from clients.models import Client
    from crm.accounts.models import Branch, User
    from crm.accounts.roles import Role
    from crm.leads.models import SalesPlan
    from reports.volume import build_history
    from routes.models import Depot, Vehicle

    tag = secrets.token_hex(4)
    branch = Branch.objects.create(
        code=f"bench-rep-{tag}", name=f"Bench reports {tag}", city="Санкт-Петербург"
    )
    director = User.objects.create_user(
        username=f"bench-dir-{tag}", role=Role.DIRECTOR, branch=branch
    )
    from django.contrib.auth.models import Group

    director.groups.add(Group.objects.get(name=Role.DIRECTOR))
    managers = []
    for n in range(3):
        manager = User.objects.create_user(
            username=f"bench-mgr-{tag}-{n}", role=Role.MANAGER, branch=branch, last_name=f"М{n}"
        )
        managers.append(manager)
    depot = Depot.objects.create(
        branch=branch, name="Склад", address="Склад", latitude="59.9", longitude="30.3"
    )
    for n in range(4):
        Vehicle.objects.create(
            branch=branch,
            plate=f"Б{n}{tag}"[:20],
            depot=depot,
            capacity_kg=1500,
            cost_per_km=Decimal("18.00"),
            cost_per_hour=Decimal("450.00"),
            fixed_cost=Decimal("1200.00"),
        )
    organisation = Organisation.objects.create(
        name=f"ООО «Бенч {tag}»", short_name=f"Бенч {tag}", code=f"br{tag}"
    )
    organisation.branches.add(branch)
    rows = Client.objects.bulk_create(
        Client(branch=branch, name=f"Клиент {n:05d}", manager=managers[n % 3])
        for n in range(clients)
    )
    today = datetime.date.today()
    month = today.replace(day=1)
    plans = []
    for _back in range(months + 1):
        for manager in managers:
            plans.append(SalesPlan(manager=manager, month=month, amount=Decimal("2500000")))
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    SalesPlan.objects.bulk_create(plans)
    history = build_history(
        branch=branch,
        clients=[(c.pk, c.manager_id) for c in rows],
        months=months,
        rng=rng,
        organisation=organisation,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"branch": branch, "director": director, "history": history, "today": today}


# Option names of its own: ``bench`` shares one parser between suites, and ``--clients`` /
# ``--runs`` of another suite would bring that suite's defaults (100 000 clients) along.
@register_bench(
    "reports",
    help="director's dashboard and every report on a year of data (Postgres)",
    history_clients={"type": int, "default": 1000, "help": "clients of the scratch branch"},
    history_months={"type": int, "default": 12, "help": "months of history"},
    renders={"type": int, "default": RUNS, "help": "renders of each page (the median counts)"},
)
def bench_reports(
    history_clients: int = 1000, history_months: int = 12, renders: int = RUNS
) -> dict:
    clients, months, runs = history_clients, history_months, renders
    if not settings.DB_IS_POSTGRES:
        raise RuntimeError("the reports benchmark needs DATABASE_URL pointing at Postgres")
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            result = _run(clients, months, runs)
            raise _Rollback
    except _Rollback:
        pass
    return result


def _run(clients: int, months: int, runs: int) -> dict[str, Any]:
    from reports.catalogue import REPORTS
    from reports.filters import ReportFilter

    started = time.perf_counter()
    data = create_fixture(clients, months, random.Random(2026))
    seeded = round(time.perf_counter() - started, 1)
    history = data["history"]
    branch, today = data["branch"], data["today"]
    http = HttpClient(HTTP_HOST=_host())
    http.force_login(data["director"])
    year = ReportFilter(
        date_from=today - datetime.timedelta(days=months * 30),
        date_to=today,
        today=today,
        branch=branch,
    )
    month_query = f"branch={branch.pk}"
    dashboard_ms, dashboard_queries = _measure(
        http, f"{reverse('reports:dashboard')}?{month_query}", runs
    )
    year_ms, year_queries = _measure(http, f"{reverse('reports:dashboard')}?{year.params()}", runs)
    sales_ms, _q = _measure(http, f"{reverse('reports:sales')}?{year.params()}", runs)
    reports_ms: dict[str, float] = {}
    queries: dict[str, int] = {}
    for slug in REPORTS:
        url = f"{reverse('reports:report', args=[slug])}?{year.params()}"
        reports_ms[slug], queries[slug] = _measure(http, url, runs)
    slowest = max(reports_ms, key=reports_ms.__getitem__)
    return {
        "clients": clients,
        "months": months,
        "orders": history.orders,
        "routes": history.routes,
        "invoices": history.invoices,
        "payments": history.payments,
        "seed_seconds": seeded,
        "runs": runs,
        "dashboard_ms": dashboard_ms,
        "dashboard_queries": dashboard_queries,
        "dashboard_year_ms": year_ms,
        "dashboard_year_queries": year_queries,
        "sales_dashboard_ms": sales_ms,
        "reports_ms": reports_ms,
        "report_queries": queries,
        "slowest_report": slowest,
        "slowest_report_ms": reports_ms[slowest],
    }
