"""``manage.py bench orders --schedules N``: (1) generating a month of orders from N recurring
schedules, then the same run again (which must create nothing), and (2) rendering one busy day of
the branch's orders on the day screen as an operator.

Works on a dedicated branch ``bench-orders`` that it creates (clients with an address, one
product, N schedules, reused on the next run); the bench's generated orders are deleted before
each measurement so runs are comparable. Point ``DATABASE_URL`` at a bench database."""

from __future__ import annotations

import datetime
import statistics
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, reverse

from crm.core.registry import register_bench

BRANCH = "bench-orders"
PRODUCT = "BENCH-W19"
OPERATOR = "bench_orders_operator"
BATCH = 2000
RUNS = 5


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _branch_and_operator() -> tuple[Any, Any]:
    from crm.accounts.models import Branch, User
    from crm.accounts.roles import Role
    from crm.accounts.services import _sync_role_group

    branch, _created = Branch.objects.get_or_create(
        code=BRANCH,
        defaults={"name": "Bench orders", "city": "Санкт-Петербург", "timezone": "Europe/Moscow"},
    )
    operator = User.objects.filter(username=OPERATOR).first()
    if operator is None:
        operator = User.objects.create_user(
            username=OPERATOR, password=None, role=Role.OPERATOR, branch=branch, language="en"
        )
    _sync_role_group(operator)
    return branch, operator


def _pattern(i: int) -> dict[str, Any]:
    """Deterministic mix: 80 % twice a week, 10 % every 3–7 days, 10 % monthly."""
    if i % 10 < 8:
        return {"rule": "weekly", "weekdays": [i % 5, (i + 2) % 5]}
    if i % 10 == 8:
        return {"rule": "every_n_days", "interval_days": 3 + i % 5}
    return {"rule": "monthly_workday", "month_workday": 1 + i % 3}


def _ensure_data(branch: Any, schedules: int, start: datetime.date) -> None:
    from clients.models import Client, ClientAddress
    from crm.orders.models import Product, RecurringSchedule, ScheduleItem

    product, _created = Product.objects.get_or_create(
        code=PRODUCT,
        defaults={"name": "Вода 19 л (bench)", "price": Decimal("250.00"), "unit": "bottle"},
    )
    have = Client.objects.filter(branch=branch).count()
    for lo in range(have, schedules, BATCH):
        rows = [
            Client(branch=branch, name=f"Bench client {n:06d}")
            for n in range(lo, min(schedules, lo + BATCH))
        ]
        Client.objects.bulk_create(rows)
        ClientAddress.objects.bulk_create(
            ClientAddress(
                client=c,
                address=f"Bench street {c.pk}",
                latitude=Decimal("59.9") + Decimal(c.pk % 1000) / 10000,
                longitude=Decimal("30.3") + Decimal(c.pk % 700) / 10000,
                is_primary=True,
            )
            for c in rows
        )
    have = RecurringSchedule.objects.filter(branch=branch).count()
    if have < schedules:
        clients = list(
            Client.objects.filter(branch=branch).order_by("pk").values_list("pk", flat=True)
        )
        for lo in range(have, schedules, BATCH):
            rows = [
                RecurringSchedule(
                    branch=branch,
                    client_id=clients[n],
                    start_date=start,
                    window_from=datetime.time(10),
                    window_to=datetime.time(14),
                    **_pattern(n),
                )
                for n in range(lo, min(schedules, lo + BATCH))
            ]
            RecurringSchedule.objects.bulk_create(rows)
            ScheduleItem.objects.bulk_create(
                ScheduleItem(schedule=s, product=product, quantity=Decimal(2)) for s in rows
            )
    # keep exactly N active (a smaller N than last time deactivates the rest)
    ids = list(
        RecurringSchedule.objects.filter(branch=branch).order_by("pk").values_list("pk", flat=True)
    )
    RecurringSchedule.objects.filter(pk__in=ids[:schedules]).update(
        is_active=True, generated_until=None
    )
    RecurringSchedule.objects.filter(pk__in=ids[schedules:]).update(is_active=False)


def _reset_orders(branch: Any) -> None:
    from crm.orders.models import Order

    with transaction.atomic():
        Order.objects.filter(branch=branch).delete()


def _timed_generation(branch: Any, today: datetime.date, until: datetime.date) -> dict[str, Any]:
    from crm.orders.services.schedules import generate_orders

    counter = _Counter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = generate_orders(branch=branch, today=today, until=until)
    return {
        "created": result["created"],
        "seconds": round(time.perf_counter() - started, 2),
        "queries": counter.count,
    }


def _host() -> str:
    for host in settings.ALLOWED_HOSTS:
        if host not in ("*", "") and not host.startswith("["):
            return host.lstrip(".")
    return "localhost"


def _day_list(branch: Any, operator: Any, runs: int) -> dict[str, Any] | None:
    from django.db.models import Count

    from crm.orders.models import Order

    try:
        base = reverse("orders:day")
    except NoReverseMatch:
        return None
    busiest = (
        Order.objects.filter(branch=branch)
        .values("date")
        .annotate(n=Count("pk"))
        .order_by("-n", "date")
        .first()
    )
    if busiest is None:
        return None
    url = f"{base}?date={busiest['date']:%Y-%m-%d}"
    http = HttpClient(HTTP_HOST=_host())
    http.force_login(operator)
    counter = _Counter()
    with connection.execute_wrapper(counter):
        response = http.get(url)
    if response.status_code != 200:
        return {"url": url, "status": response.status_code}
    timings = []
    for _i in range(runs):
        started = time.perf_counter()
        http.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "date": busiest["date"].isoformat(),
        "orders": busiest["n"],
        "median_ms": round(statistics.median(timings), 1),
        "queries": counter.count,
        "bytes": len(response.content),
    }


@register_bench(
    "orders",
    help="generate a month of orders from N recurring schedules (twice: idempotent) and render "
    "the busiest day on the day screen",
    schedules={"type": int, "default": 5000, "help": "recurring schedules on the bench branch"},
    days={"type": int, "default": 30, "help": "days ahead to generate"},
    runs={"type": int, "default": RUNS, "help": "renders of the day screen (median reported)"},
)
def bench_orders(schedules: int = 5000, days: int = 30, runs: int = RUNS) -> dict:
    from crm.orders.services.orders import branch_today

    started = time.perf_counter()
    branch, operator = _branch_and_operator()
    today = branch_today(branch)
    with transaction.atomic():
        _ensure_data(branch, schedules, today - datetime.timedelta(days=30))
    _reset_orders(branch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = round(time.perf_counter() - started, 1)
    until = today + datetime.timedelta(days=days)
    first = _timed_generation(branch, today, until)
    second = _timed_generation(branch, today, until)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order")
    day = _day_list(branch, operator, runs)
    result: dict[str, Any] = {
        "database": connection.vendor,
        "schedules": schedules,
        "days": days,
        "seed_seconds": seeded,
        "generate": first,
        "generate_again": second,
        "orders_per_second": round(first["created"] / first["seconds"], 1)
        if first["seconds"]
        else None,
        "day_list": day,
    }
    if day is None:
        result["note"] = "orders:day is not available yet (or no orders): day list not measured"
    return result
