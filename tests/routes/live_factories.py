"""A published route of today with in-work orders assigned to the demo driver, for the tests of
the tablet, the live services and the board."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

POINTS = [("59.940000", "30.320000"), ("59.950000", "30.330000"), ("59.960000", "30.340000")]


def make_live_route(branch: Any, users: dict[str, Any], **kwargs: Any) -> Any:
    """Publish a plan of today for one van driven by ``driver`` (default: users["driver"])."""
    driver = kwargs.pop("driver", None) or users["driver"]
    return make_live_plan(branch, users, drivers=[driver], **kwargs)[0]


def make_live_plan(
    branch: Any,
    users: dict[str, Any],
    *,
    drivers: list[Any],
    stops: int = 3,
    product: Any = None,
    quantity: int = 2,
    **order_fields: Any,
) -> list[Any]:
    """Publish a plan of today with one van per driver, ``stops`` in-work orders on each."""
    from crm.orders.services.orders import branch_today
    from routes.models import Route
    from routes.services.publishing import plan_publish
    from tests.clients.factories import make_client
    from tests.orders.factories import make_product

    dispatcher = users["dispatcher"]
    depot = make_depot(branch)
    vans = [make_vehicle(branch, depot, driver=driver) for driver in drivers]
    client = make_client(branch=branch, name="Клиент на маршруте")
    product = product or make_product(
        name="Бутыль 19 л", is_returnable=True, deposit_price=Decimal("300.00")
    )
    order_fields.setdefault("payment_method", "cash")
    orders = [
        [
            make_stop_order(
                client,
                point=POINTS[i % len(POINTS)],
                date=branch_today(branch),
                confirm_by=dispatcher,
                product=product,
                quantity=quantity,
                containers_to_collect=1,
                **order_fields,
            )
            for i in range(stops)
        ]
        for _van in vans
    ]
    plan = make_manual_plan(branch, vans, orders)
    plan_publish(actor=dispatcher, plan=plan)
    return list(
        Route.objects.select_related("plan__branch", "vehicle__depot")
        .filter(plan=plan)
        .order_by("position")
    )
