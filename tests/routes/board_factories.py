"""A published day on the road for the board tests: routes with drivers, orders with windows,
and helpers that mark progress the way the tablet's service leaves it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from crm.orders.services.orders import branch_today
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

#: points north of the depot (59.93, 30.31), a few hundred metres apart
POINTS = [(f"{59.935 + 0.004 * i:.4f}", f"{30.315 + 0.003 * (i % 3):.4f}") for i in range(40)]


def local(branch: Any, hour: int, minute: int = 0, day: datetime.date | None = None) -> Any:
    day = day or branch_today(branch)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=branch.tzinfo)


def make_live_day(
    branch: Any,
    dispatcher: Any,
    drivers: list[Any],
    stops_per_route: int = 5,
    *,
    date: datetime.date | None = None,
    window: tuple[int, int] | None = (9, 18),
) -> Any:
    """A published plan of ``date`` (today) with one route per driver, each with
    ``stops_per_route`` confirmed orders taken into work and assigned to the driver."""
    from crm.orders.models import Order, OrderStatus
    from routes.models import RoutePlan
    from tests.clients.factories import make_client

    date = date or branch_today(branch)
    depot = make_depot(branch)
    vehicles = [make_vehicle(branch, depot, driver=d) for d in drivers]
    client = make_client(branch=branch, name="Клиент доски")
    sequences = []
    n = 0
    for _driver in drivers:
        orders = []
        for _ in range(stops_per_route):
            orders.append(
                make_stop_order(
                    client,
                    point=POINTS[n % len(POINTS)],
                    window=window,
                    date=date,
                    confirm_by=dispatcher,
                    allow_past=True,
                )
            )
            n += 1
        sequences.append(orders)
    plan = make_manual_plan(branch, vehicles, sequences, status=RoutePlan.Status.PUBLISHED)
    for route in plan.routes.all():
        ids = list(route.stops.values_list("order_id", flat=True))
        Order.objects.filter(pk__in=ids).update(assignee=route.driver, status=OrderStatus.IN_WORK)
    return plan


def mark(stop: Any, state: str, at: datetime.datetime | None = None, **fields: Any) -> Any:
    """Put a stop in ``state`` as the tablet would (arrived / done / failed)."""
    at = at or timezone.now()
    stop.state = state
    stop.arrived_at = at - datetime.timedelta(minutes=5)
    if state in ("done", "failed"):
        stop.finished_at = at
    for name, value in fields.items():
        setattr(stop, name, value)
    stop.save()
    return stop


def start_route(route: Any, at: datetime.datetime, **fields: Any) -> Any:
    route.state = fields.pop("state", "on_road")
    route.started_at = at
    for name, value in fields.items():
        setattr(route, name, value)
    route.save()
    return route


def cash(amount: str) -> dict[str, Any]:
    return {"payment_taken": "cash", "amount_taken": Decimal(amount)}
