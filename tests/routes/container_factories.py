"""Helpers for the containers-ledger tests: returnable products, a published van day with
orders of returnable items, and a driver's counts at a stop."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle


def make_returnable(name: str = "Бутыль 19 л", **fields: Any) -> Any:
    from tests.orders.factories import make_product

    fields.setdefault("deposit_price", Decimal("300.00"))
    return make_product(name=name, is_returnable=True, **fields)


def make_van(branch: Any, driver: Any = None) -> Any:
    return make_vehicle(branch, make_depot(branch), driver=driver)


def make_van_day(
    branch: Any,
    vehicle: Any,
    client: Any,
    items_per_stop: list[list[tuple[Any, int]]],
    *,
    date: datetime.date | None = None,
    published: bool = True,
    **order_data: Any,
) -> Any:
    """A plan of one route for ``vehicle``: one order (stop) per entry of ``items_per_stop``,
    each a list of ``(product, quantity)``; returns the route."""
    from routes.models import RoutePlan

    date = date or datetime.date.today()
    orders = [
        make_stop_order(
            client,
            point=("59.94", "30.32"),
            date=date,
            items=[{"product": p, "quantity": Decimal(q)} for p, q in items],
            **order_data,
        )
        for items in items_per_stop
    ]
    status = RoutePlan.Status.PUBLISHED if published else RoutePlan.Status.DRAFT
    plan = make_manual_plan(branch, [vehicle], [orders], status=status)
    return plan.routes.get()


def stop_counts(stop: Any, driver: Any, **by_product: Any) -> None:
    """Record a driver's counts at ``stop``: ``p<product_id>=(delivered, collected, damaged,
    missing)``."""
    from routes.services.containers import ContainerLine, record_stop_containers

    lines = [ContainerLine(int(key[1:]), key, *counts) for key, counts in by_product.items()]
    record_stop_containers(stop=stop, driver=driver, lines=lines)
