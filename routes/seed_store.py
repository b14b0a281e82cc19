"""Demo data for the storekeeper (``manage.py seed_demo``): opening balances of containers at
some clients of the St Petersburg branch, and yesterday's van day — a morning load and an evening
return two bottles short — so the day page, the report and the client card's tab have something
to show. Idempotent (skips what exists) and deterministic (no randomness)."""

from __future__ import annotations

import datetime
from typing import Any

from crm.core.registry import register_seeder

OPENING_NOTE = "Начальный остаток (демо)"
CLIENTS_WITH_BALANCE = 12


@register_seeder("routes-store", order=65)
def seed_store(ctx: Any) -> None:
    keeper = getattr(ctx, "users", {}).get("storekeeper")
    if keeper is None:
        return
    from crm.orders.services.orders import branch_today
    from routes.services.containers import returnable_products

    products = list(returnable_products()[:2])
    if not products:
        return
    branch = keeper.branch
    _opening_balances(keeper, branch, products[0])
    _yesterday(keeper, branch, products, branch_today(branch) - datetime.timedelta(days=1))


def _opening_balances(keeper: Any, branch: Any, product: Any) -> None:
    from clients.models import Client
    from routes.models import ContainerMove
    from routes.services.containers import client_containers_adjust

    clients = Client.objects.filter(branch=branch).order_by("pk")[:CLIENTS_WITH_BALANCE]
    for client in clients:
        if ContainerMove.objects.filter(client=client).exists():
            continue
        client_containers_adjust(
            actor=keeper,
            client=client,
            product=product,
            quantity=1 + client.pk % 4,
            note=OPENING_NOTE,
        )


def _yesterday(keeper: Any, branch: Any, products: list[Any], day: datetime.date) -> None:
    from routes.models import ContainerKind, ContainerMove, Vehicle
    from routes.services.containers import van_load_record, van_return_record

    van = Vehicle.objects.filter(branch=branch, is_active=True).order_by("plate").first()
    if van is None or ContainerMove.objects.filter(vehicle=van, date=day).exists():
        return
    loaded = {p.pk: 40 - 10 * i for i, p in enumerate(products)}
    van_load_record(actor=keeper, vehicle=van, date=day, loaded=loaded)
    returned = {
        pk: {ContainerKind.RETURNED_FULL: quantity - (2 if i == 0 else 0)}
        for i, (pk, quantity) in enumerate(loaded.items())
    }
    van_return_record(actor=keeper, vehicle=van, date=day, returned=returned)
