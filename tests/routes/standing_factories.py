"""Standing routes and client sites built through the services, for the standing-route tests and
the access rows."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

_counter = {"n": 0}


def make_site_client(branch: Any, points: list[tuple[str, str]], **fields: Any) -> Any:
    """A client with one card address per point (``None``: an address without coordinates)."""
    from tests.clients.factories import make_client

    _counter["n"] += 1
    addresses = []
    for i, point in enumerate(points):
        address = {"address": f"Санкт-Петербург, ул. Тестовая, {_counter['n']}-{i + 1}"}
        if point is not None:
            address.update(latitude=Decimal(point[0]), longitude=Decimal(point[1]))
        addresses.append(address)
    return make_client(branch=branch, addresses=addresses, **fields)


def make_standing_route(
    actor: Any, branch: Any, vehicle: Any, *, weekday: int = 0, addresses: Any = (), **fields: Any
) -> Any:
    """A standing route saved by ``actor`` with ``addresses`` as its sites, in that order."""
    from routes.models import StandingRoute
    from routes.services.standing import standing_route_save, standing_site_add

    _counter["n"] += 1
    fields.setdefault("name", f"Маршрут {_counter['n']}")
    route = StandingRoute(branch=branch, vehicle=vehicle, weekday=weekday, **fields)
    standing_route_save(actor=actor, route=route)
    for address in addresses:
        standing_site_add(actor=actor, route=route, address=address)
    return route


def next_monday(today: datetime.date | None = None) -> datetime.date:
    """The next Monday at least a day ahead (orders may not be in the past)."""
    today = today or datetime.date.today()
    return today + datetime.timedelta(days=(0 - today.weekday()) % 7 or 7)


def site_address(branch: Any, point: tuple[str, str] = ("59.94", "30.32"), **fields: Any) -> Any:
    """The one card address of a new client at ``point``."""
    return make_site_client(branch, [point], **fields).addresses.get()
