"""Catalogue products and orders built through the services, for tests of every orders area."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.orders.models import Order, Product
from crm.orders.services import OrderInput, order_create
from crm.orders.services.orders import branch_today

_counter = {"n": 0}


def make_product(**fields: Any) -> Product:
    _counter["n"] += 1
    fields.setdefault("code", f"P{_counter['n']:04d}")
    fields.setdefault("name", f"Товар {_counter['n']}")
    fields.setdefault("price", Decimal("100.00"))
    return Product.objects.create(**fields)


def make_order(
    *,
    client: Any,
    actor: Any = None,
    product: Product | None = None,
    quantity: Decimal | int = 1,
    date: datetime.date | None = None,
    items: list[dict] | None = None,
    stops: list[dict] | None = None,
    allow_past: bool = False,
    **data: Any,
) -> Order:
    """A one-stop order for ``client`` (at its first card address when it has one)."""
    product = product or make_product()
    items = items or [{"product": product, "quantity": Decimal(quantity)}]
    if stops is None:
        address = client.addresses.first()
        stops = (
            [{"client_address": address}]
            if address
            else [
                {
                    "address": "Невский пр., 1",
                    "latitude": Decimal("59.935"),
                    "longitude": Decimal("30.325"),
                }
            ]
        )
    data.setdefault("date", date or branch_today(client.branch))
    promo = data.pop("promo_code", "")
    return order_create(
        actor=actor,
        payload=OrderInput(client=client, data=data, items=items, stops=stops, promo_code=promo),
        allow_past=allow_past,
    )
