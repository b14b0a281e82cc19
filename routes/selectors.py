"""Reads for the routes pages: one plan with its routes, stops and orders in a fixed number of
queries, and the data the map draws."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from crm.orders.models import Order
from routes.models import Route, RoutePlan, RouteStop, Territory
from routes.services.planning import reason_text
from routes.services.requirements import territory_shape
from routes.services.timing import order_point, order_stop


def _stops() -> Prefetch:
    return Prefetch(
        "stops",
        queryset=RouteStop.objects.select_related("order__client")
        .prefetch_related("order__stops", "order__items__product")
        .order_by("position"),
    )


def plan_routes(plan: RoutePlan, routes: Any = None) -> list[Route]:
    qs = routes if routes is not None else plan.routes.all()
    routes = list(qs.select_related("vehicle__depot", "driver").prefetch_related(_stops()))
    for route in routes:
        for stop in route.stops.all():
            stop.address = order_stop(stop.order)
    return routes


def unassigned_orders(plan: RoutePlan) -> list[dict[str, Any]]:
    rows = plan.unassigned or []
    orders = (
        Order.objects.select_related("client")
        .prefetch_related("stops")
        .in_bulk([r["order_id"] for r in rows])
    )
    return [
        {"order": orders[r["order_id"]], "reason": reason_text(r["reason"])}
        for r in rows
        if r["order_id"] in orders
    ]


def map_data(routes: list[Route]) -> dict[str, Any]:
    """Depots and the numbered stops of each route, for static/js/routes-map.js."""
    depots = {}
    out = []
    for route in routes:
        depot = route.vehicle.depot
        depots[depot.pk] = {"name": depot.name, "point": list(depot.point)}
        points = []
        for stop in route.stops.all():
            point = order_point(stop.order)
            if point is None:
                continue
            points.append(
                {
                    "n": stop.position + 1,
                    "point": list(point),
                    "label": f"{stop.order.number} {stop.order.client}",
                    "eta": stop.service_start.strftime("%H:%M") if stop.service_start else "",
                    "late": stop.is_late,
                }
            )
        out.append(
            {
                "id": route.pk,
                "name": str(route.vehicle),
                "colour": route.colour,
                "depot": list(depot.point),
                "stops": points,
            }
        )
    return {"depots": list(depots.values()), "routes": out}


def territory_shapes(branch: Any) -> list[dict[str, Any]]:
    """The branch's active territories for the maps: name, colour, polygon and its vans."""
    rows = Territory.objects.filter(branch=branch, is_active=True).prefetch_related("vehicles")
    return [territory_shape(t) for t in rows if len(t.polygon or []) >= 3]
