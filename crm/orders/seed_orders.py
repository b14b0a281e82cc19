"""Demo orders: yesterday's (mostly completed), today's day in progress and tomorrow's, for the
clients that have addresses — including the problems an operator must see first (a stop without
coordinates, an unpaid prepayment, a driver's break)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from clients.models import Client
from crm.core.registry import register_seeder
from crm.orders.models import Order, OrderStatus, Product
from crm.orders.services import OrderInput, order_create, order_transition
from crm.orders.services.orders import branch_today

WINDOWS = [(9, 11), (10, 13), (12, 14), (14, 16), (16, 19), (18, 21), None]
HOLD_REASONS = ["Клиента нет на месте", "Не пускает охрана", "Пробка на КАД, не успеваю"]
CANCEL_REASONS = ["Клиент передумал", "Дубль заказа"]
S = OrderStatus


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
