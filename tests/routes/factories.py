"""Small factories shared by the routes tests and the access rows."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

DEPOT_POINT = (Decimal("59.930000"), Decimal("30.310000"))


def make_depot(branch: Any, **fields: Any) -> Any:
    from routes.models import Depot

    fields.setdefault("name", f"Склад {Depot.objects.count() + 1}")
    fields.setdefault("address", "Санкт-Петербург, Лиговский пр., 1")
    fields.setdefault("latitude", DEPOT_POINT[0])
    fields.setdefault("longitude", DEPOT_POINT[1])
    return Depot.objects.create(branch=branch, **fields)


def make_vehicle(branch: Any, depot: Any, **fields: Any) -> Any:
    from routes.models import Vehicle

    n = Vehicle.objects.count() + 1
    fields.setdefault("plate", f"А{n:03d}АА178")
    fields.setdefault("name", f"Газель {n}")
    fields.setdefault("capacity_kg", 1000)
    fields.setdefault("capacity_containers", 100)
    fields.setdefault("cost_per_km", Decimal("20.00"))
    fields.setdefault("cost_per_hour", Decimal("500.00"))
    fields.setdefault("fixed_cost", Decimal("1000.00"))
    return Vehicle.objects.create(branch=branch, depot=depot, **fields)


def make_stop_order(
    client: Any,
    *,
    point: tuple[str, str] | None,
    window: tuple[int, int] | None = None,
    date: datetime.date | None = None,
    confirm_by: Any = None,
    **data: Any,
) -> Any:
    """A one-stop order at ``point`` (None: no coordinates) with a window in whole hours."""
    from crm.orders.services.workflow import order_transition
    from tests.orders.factories import make_order

    stop = {"address": "Санкт-Петербург, Невский пр., 10"}
    if point:
        stop.update(latitude=Decimal(point[0]), longitude=Decimal(point[1]))
    if window:
        data.update(window_from=datetime.time(window[0]), window_to=datetime.time(window[1]))
    if date:
        data["date"] = date
    order = make_order(client=client, stops=[stop], **data)
    if confirm_by is not None:
        order = order_transition(actor=confirm_by, order=order, target="confirmed")
    return order


def make_manual_plan(branch: Any, vehicles: list[Any], orders_per_route: list[list[Any]], **kw):
    """A plan stored without the optimiser (for access rows and page tests), re-timed."""
    from routes.models import Route, RoutePlan, RouteStop
    from routes.services.timing import retime

    plan = RoutePlan.objects.create(branch=branch, date=orders_per_route[0][0].date, **kw)
    plan.vehicles.set(vehicles)
    for index, (vehicle, orders) in enumerate(zip(vehicles, orders_per_route, strict=True)):
        route = Route.objects.create(
            plan=plan, vehicle=vehicle, driver=vehicle.driver, position=index
        )
        RouteStop.objects.bulk_create(
            RouteStop(plan=plan, route=route, order=o, position=i) for i, o in enumerate(orders)
        )
        retime(route)
    return plan
