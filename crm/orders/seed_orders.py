"""Demo orders: yesterday's (mostly completed), today's day in progress and tomorrow's, for the
clients that have addresses — including the problems an operator must see first (a stop without
coordinates, an unpaid prepayment, a driver's break).

Tomorrow is also the dispatcher's demo day: it is topped up to ``DEMO_DAY_ORDERS`` plannable
orders (new or confirmed, at client addresses with coordinates) for route planning with the demo
vans. Light loads (the four vans carry 6.7 t between them and the standing water orders of a
Tuesday or Friday already weigh 4 t) and windows spread over the day."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from clients.models import Client
from crm.core.registry import register_seeder
from crm.orders.models import Order, OrderSource, OrderStatus, Product
from crm.orders.services import OrderInput, order_create, order_transition
from crm.orders.services.orders import branch_today

WINDOWS = [(9, 11), (10, 13), (12, 14), (14, 16), (16, 19), (18, 21), None]
HOLD_REASONS = ["Клиента нет на месте", "Не пускает охрана", "Пробка на КАД, не успеваю"]
CANCEL_REASONS = ["Клиент передумал", "Дубль заказа"]
S = OrderStatus
#: tomorrow's plannable orders with a point on the map, at least (the demo day of route planning)
DEMO_DAY_ORDERS = 160
#: afternoon and evening slots: the standing orders (water 10–14, mats 9–12) fill the morning
DEMO_DAY_WINDOWS = [(12, 16), (13, 17), (14, 18), (15, 19), (16, 20), (14, 20), None, None]
#: product code, quantities to choose from (light: bottles one or two at a time)
DEMO_DAY_ITEMS = [
    ("water-19", [1, 1, 2]),
    ("water-19", [1, 2]),
    ("water-5", [2, 3, 4]),
    ("cups-100", [1, 2]),
    ("pump", [1]),
    ("bouquet-s", [1]),
    ("bouquet-l", [1]),
]


def _window(rng: Any) -> dict[str, Any]:
    window = rng.choice(WINDOWS)
    if window is None:
        return {}
    return {"window_from": datetime.time(window[0]), "window_to": datetime.time(window[1])}


def _items(rng: Any, products: list[Product]) -> list[dict[str, Any]]:
    chosen = rng.sample(products, k=min(len(products), rng.choice([1, 1, 2])))
    return [{"product": p, "quantity": Decimal(rng.choice([1, 2, 2, 3, 4, 6]))} for p in chosen]


def _advance(order: Order, target: str, users: dict[str, Any], rng: Any) -> None:
    """Walk the order along the state machine as the staff would."""
    path = {
        S.CONFIRMED: [S.CONFIRMED],
        S.IN_WORK: [S.CONFIRMED, S.IN_WORK],
        S.COMPLETED: [S.CONFIRMED, S.IN_WORK, S.COMPLETED],
        S.ON_HOLD: [S.CONFIRMED, S.IN_WORK, S.ON_HOLD],
        S.CANCELLED: [S.CANCELLED],
    }.get(target, [])
    for step in path:
        actor = users["dispatcher"] if step != S.CONFIRMED else users["operator"]
        reason = ""
        if step == S.ON_HOLD:
            reason = rng.choice(HOLD_REASONS)
        elif step == S.CANCELLED:
            reason = rng.choice(CANCEL_REASONS)
        order = order_transition(actor=actor, order=order, target=step, reason=reason)


def _status_for(day_offset: int, rng: Any) -> str:
    if day_offset < 0:
        return rng.choice([S.COMPLETED] * 8 + [S.CANCELLED])
    if day_offset > 0:
        return rng.choice([S.NEW, S.CONFIRMED, S.CONFIRMED])
    return rng.choice([S.NEW, S.CONFIRMED, S.IN_WORK, S.IN_WORK, S.COMPLETED, S.ON_HOLD])


@register_seeder("orders", order=44)
def seed_orders(ctx: Any) -> None:
    rng = ctx.rng
    branch = ctx.branches["spb"]
    products = list(Product.objects.filter(is_active=True, kind=Product.Kind.PRODUCT)[:6])
    if not products:
        return
    clients = list(
        Client.objects.filter(branch=branch, is_archived=False, addresses__isnull=False)
        .distinct()
        .order_by("pk")[:60]
    )
    seeded = Order.objects.filter(
        branch=branch, client__in=clients, source=OrderSource.MANUAL
    ).exists()
    if not seeded:  # a second run leaves the demo orders as they are
        _seed_three_days(ctx, rng, branch, products, clients)
    seed_demo_day(ctx, branch)


def _seed_three_days(
    ctx: Any, rng: Any, branch: Any, products: list[Product], clients: list[Client]
) -> None:
    drivers = [ctx.users[name] for name in ("driver", "driver2") if name in ctx.users]
    today = branch_today(branch)
    operator = ctx.users["operator"]
    for index, client in enumerate(clients):
        day_offset = (-1, 0, 0, 0, 1)[index % 5]
        address = client.addresses.first()
        stop: dict[str, Any] = {"client_address": address}
        if index == 7:  # a new address typed by phone, not yet on the map
            stop = {"address": "ул. Новая, 1 (уточнить)", "city": branch.city}
        data = {
            "date": today + datetime.timedelta(days=day_offset),
            "payment_method": rng.choice(["cash", "cash", "card", "bank_transfer"]),
            "priority": "express" if index % 13 == 0 else "normal",
            "assignee": drivers[index % len(drivers)] if drivers else None,
            **_window(rng),
        }
        if index % 11 == 3:
            data.update(prepayment_required=True, prepayment_amount=Decimal("1000.00"))
        try:
            order = order_create(
                actor=operator,
                payload=OrderInput(
                    client=client, data=data, items=_items(rng, products), stops=[stop]
                ),
                branch=branch,
                allow_past=True,
            )
        except ValidationError:  # a demo client whose address window does not fit: skip it
            continue
        target = _status_for(day_offset, rng)
        if data.get("prepayment_required") and target not in (S.NEW, S.CONFIRMED, S.CANCELLED):
            target = S.CONFIRMED  # unpaid prepayment: stays confirmed, flagged on the day screen
        _advance(order, target, ctx.users, rng)


# --- Tomorrow: the dispatcher's demo day ---------------------------------------------------------
def located_plannable_count(branch: Any, day: datetime.date) -> int:
    """Orders of the day that route planning takes and can put on the map."""
    return (
        Order.objects.filter(
            branch=branch,
            date=day,
            status__in=[S.NEW, S.CONFIRMED],
            stops__latitude__isnull=False,
            stops__longitude__isnull=False,
        )
        .values("pk")
        .distinct()
        .count()
    )


def _demo_day_clients(branch: Any, day: datetime.date, count: int) -> list[Client]:
    """Clients with a located address and no order that day yet, in id order."""
    busy = Order.objects.filter(branch=branch, date=day).values("client_id")
    return list(
        Client.objects.filter(
            branch=branch,
            is_archived=False,
            addresses__latitude__isnull=False,
            addresses__longitude__isnull=False,
        )
        .exclude(pk__in=busy)
        .distinct()
        .order_by("pk")
        .prefetch_related("addresses")[:count]
    )


def _located_address(client: Client) -> Any:
    """The primary address if it has a point, else the first one that has (prefetched)."""
    located = [a for a in client.addresses.all() if None not in (a.latitude, a.longitude)]
    return min(located, key=lambda a: (not a.is_primary, a.position, a.pk))


def _demo_day_items(rng: random.Random, products: dict[str, Product]) -> list[dict[str, Any]]:
    code, quantities = rng.choice([i for i in DEMO_DAY_ITEMS if i[0] in products])
    items = [{"product": products[code], "quantity": Decimal(rng.choice(quantities))}]
    if code == "water-19" and "cups-100" in products and rng.random() < 0.2:
        items.append({"product": products["cups-100"], "quantity": Decimal(1)})
    return items


def _demo_day_data(rng: random.Random, day: datetime.date) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": day,
        "payment_method": rng.choice(["cash", "cash", "card", "bank_transfer"]),
        "priority": "express" if rng.random() < 0.05 else "normal",
    }
    window = rng.choice(DEMO_DAY_WINDOWS)
    if window is not None:
        data.update(window_from=datetime.time(window[0]), window_to=datetime.time(window[1]))
    return data


def seed_demo_day(ctx: Any, branch: Any) -> None:
    """Top tomorrow up to ``DEMO_DAY_ORDERS`` plannable orders with a point (idempotent: a
    second run finds the day full). Orders go through ``order_create`` (numbers, prices, history);
    about 60 % are confirmed by the operator. A random generator of its own keeps the other
    seeders' sequences as they were."""
    day = branch_today(branch) + datetime.timedelta(days=1)
    missing = DEMO_DAY_ORDERS - located_plannable_count(branch, day)
    codes = {code for code, _q in DEMO_DAY_ITEMS}
    products = {p.code: p for p in Product.objects.filter(is_active=True, code__in=codes)}
    if missing <= 0 or not products:
        return
    seed = int((getattr(ctx, "options", None) or {}).get("seed") or 42)
    rng = random.Random(f"demo-day-{seed}")
    operator = ctx.users["operator"]
    for client in _demo_day_clients(branch, day, missing):
        address = _located_address(client)
        payload = OrderInput(
            client=client,
            data=_demo_day_data(rng, day),
            items=_demo_day_items(rng, products),
            stops=[{"client_address": address}],
        )
        confirm = rng.random() < 0.6
        try:
            order = order_create(actor=operator, payload=payload, branch=branch, allow_past=True)
        except ValidationError:  # e.g. a branch whose working day is shorter than the window
            continue
        if confirm:
            order_transition(actor=operator, order=order, target=S.CONFIRMED)
