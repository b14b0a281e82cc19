"""How routes react to what happens to orders (subscribed in RoutesConfig.ready; orders never
imports routes).

A cancelled order leaves every route it is still waiting on: the stop is removed, the route
re-timed, and — on a published plan — the driver's tablet is told (banner and sound) through a
``route.sequence`` event. Stops already done or failed stay as the record of what happened."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.services import audit_record
from crm.orders.models import OrderStatus
from routes.models import OPEN_STOP_STATES, Route, RoutePlan, RouteStop
from routes.realtime import publish_route_event
from routes.services.timing import retime


def on_order_status_changed(
    sender: Any, order: Any, target: str, actor: Any, **kwargs: Any
) -> None:
    if target != OrderStatus.CANCELLED:
        return
    stops = RouteStop.objects.filter(order_id=order.pk, state__in=OPEN_STOP_STATES).values_list(
        "pk", flat=True
    )
    for stop_id in list(stops):
        remove_cancelled_stop(stop_id, actor)


def remove_cancelled_stop(stop_id: int, actor: Any) -> None:
    with transaction.atomic():
        stop = RouteStop.objects.select_for_update().filter(pk=stop_id).first()
        if stop is None or stop.state not in OPEN_STOP_STATES:
            return
        route = (
            Route.objects.select_for_update()
            .select_related("plan__branch", "vehicle__depot")
            .get(pk=stop.route_id)
        )
        number = stop.position + 1
        stop.delete()
        retime(route)  # renumbers the remaining stops in order
        published = route.plan.status == RoutePlan.Status.PUBLISHED
        if published:
            route.sequence_version += 1
            route.save(update_fields=["sequence_version"])
        audit_record(
            actor=actor,
            instance=route.plan,
            changes={f"order {stop.order_id}": [f"{route} #{number}", None]},
            note=_("The order was cancelled: its stop left the route"),
        )
        if published:
            publish_route_event(
                route, "route.sequence", version=route.sequence_version, what="removed"
            )
