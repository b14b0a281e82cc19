"""Demo standing orders for ``manage.py seed_demo``: about a quarter of the demo clients get one —
water twice a week (Tue/Fri), a weekly mat swap, or a monthly office service on the 1st working
day — plus the public holidays that shape "working day"; then the next two weeks of orders are
generated. Deterministic (client order by pk, ``ctx.rng``); rows are created in bulk.

Products come from the catalogue seeder (order 40) and are looked up by code, falling back to the
first active product of the right unit; a plan whose product is missing is skipped."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models.functions import Lower

from crm.core.registry import register_seeder
from crm.orders.models import (
    Holiday,
    OrderType,
    PaymentMethod,
    Product,
    RecurringSchedule,
    ScheduleItem,
    Unit,
)
from crm.orders.services.orders import branch_today
from crm.orders.services.schedules import generate_orders

SHARE = 4  # every 4th client has a standing order
#: (plan, product codes to try, unit to fall back on)
PRODUCTS = {
    "water": (["water-19", "w19", "water19", "voda-19"], Unit.BOTTLE),
    "mat": (["mat-85x150", "mat-115x200", "mat", "kovrik"], Unit.MAT),
    "service": (["office-service", "service-office", "cleaning", "service"], Unit.SERVICE),
}
#: Russian public holidays (month, day) — the non-working days the monthly rule skips.
HOLIDAYS = [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]


def _product(plan: str) -> Product | None:
    codes, unit = PRODUCTS[plan]
    found = (
        Product.objects.filter(is_active=True)
        .annotate(lc=Lower("code"))
        .filter(lc__in=codes)
        .order_by("code")
        .first()
    )
    return found or Product.objects.filter(is_active=True, unit=unit).order_by("code").first()


def _holidays(today: datetime.date) -> None:
    wanted = {
        datetime.date(year, month, day)
        for year in (today.year, today.year + 1)
        for month, day in HOLIDAYS
    }
    have = set(Holiday.objects.filter(branch=None, date__in=wanted).values_list("date", flat=True))
    Holiday.objects.bulk_create(
        Holiday(branch=None, date=d, name="Праздник") for d in sorted(wanted - have)
    )


def _plan(i: int, client: Any, products: dict[str, Product], rng: Any) -> dict[str, Any] | None:
    kind = ("water", "mat", "service")[i % 3]
    if kind == "service" and client.kind != "company":
        kind = "water"
    product = products.get(kind)
    if product is None:
        return None
    if kind == "water":
        quantity = rng.choice([2, 3, 4, 6])
        return {
            "rule": RecurringSchedule.Rule.WEEKLY,
            "weekdays": [1, 4],
            "order_type": OrderType.DELIVERY,
            "window": (datetime.time(10), datetime.time(14)),
            "containers_to_collect": quantity,
            "driver_comment": "Забрать пустые бутыли",
            "items": [(product, quantity)],
        }
    if kind == "mat":
        return {
            "rule": RecurringSchedule.Rule.WEEKLY,
            "weekdays": [i % 5],
            "order_type": OrderType.PICKUP,
            "window": (datetime.time(9), datetime.time(12)),
            "containers_to_collect": 0,
            "driver_comment": "Замена ковриков на входе",
            "items": [(product, rng.choice([2, 3, 4, 6]))],
        }
    return {
        "rule": RecurringSchedule.Rule.MONTHLY_WORKDAY,
        "month_workday": 1,
        "order_type": OrderType.SERVICE,
        "window": (datetime.time(10), datetime.time(17)),
        "containers_to_collect": 0,
        "driver_comment": "Ежемесячное обслуживание офиса",
        "items": [(product, 1)],
        "payment_method": PaymentMethod.BANK_TRANSFER,
    }


@register_seeder("orders-schedules", order=42)
def seed_schedules(ctx: Any) -> None:
    from clients.models import Client

    rng = ctx.rng
    products = {plan: p for plan in PRODUCTS if (p := _product(plan)) is not None}
    if not products:
        if getattr(ctx, "stdout", None):
            ctx.stdout.write("    no catalogue products: standing orders skipped")
        return
    branches = list(getattr(ctx, "branches", {}).values())
    if not branches:
        return
    _holidays(branch_today(branches[0]))
    if RecurringSchedule.objects.filter(branch__in=branches).exists():  # seeded already
        clients = []
    else:
        clients = list(
            Client.objects.filter(branch__in=branches, is_archived=False).order_by("pk")
        )[::SHARE]
    schedules, lines = [], []
    for i, client in enumerate(clients):
        plan = _plan(i, client, products, rng)
        if plan is None:
            continue
        start = branch_today(client.branch) - datetime.timedelta(days=rng.randint(7, 90))
        schedules.append(
            RecurringSchedule(
                branch_id=client.branch_id,
                client=client,
                order_type=plan["order_type"],
                rule=plan["rule"],
                weekdays=plan.get("weekdays", []),
                month_workday=plan.get("month_workday"),
                start_date=start,
                window_from=plan["window"][0],
                window_to=plan["window"][1],
                payment_method=plan.get("payment_method", PaymentMethod.CASH),
                containers_to_collect=plan["containers_to_collect"],
                driver_comment=plan["driver_comment"],
            )
        )
        lines.append(plan["items"])
    RecurringSchedule.objects.bulk_create(schedules)
    ScheduleItem.objects.bulk_create(
        ScheduleItem(schedule=s, product=product, quantity=Decimal(qty), position=n)
        for s, items in zip(schedules, lines, strict=True)
        for n, (product, qty) in enumerate(items)
    )
    for branch in branches:
        generate_orders(branch=branch)
