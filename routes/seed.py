"""Demo fleet for ``manage.py seed_demo``: one depot and four vans in Saint Petersburg, the first
two with the demo drivers as their default drivers. Idempotent (get_or_create by plate)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.core.registry import register_seeder
from routes.models import Depot, Vehicle

VANS = [
    ("А101ВС178", "Газель 1", 1500, 120, "driver"),
    ("В202ЕК178", "Газель 2", 1500, 120, "driver2"),
    ("Е303КМ178", "Ларгус", 700, 50, None),
    ("К404МН178", "Фургон", 3000, 250, None),
]


@register_seeder("routes", order=50)
def seed_routes(ctx: Any) -> None:
    spb = ctx.branches["spb"]
    depot, _created = Depot.objects.get_or_create(
        branch=spb,
        name="Склад Парнас",
        defaults={
            "address": "Санкт-Петербург, 4-й Верхний пер., 1",
            "latitude": Decimal("60.070000"),
            "longitude": Decimal("30.370000"),
            "opens_at": datetime.time(7, 0),
            "closes_at": datetime.time(22, 0),
        },
    )
    for plate, name, kg, containers, driver in VANS:
        Vehicle.objects.get_or_create(
            plate=plate,
            defaults={
                "branch": spb,
                "name": name,
                "depot": depot,
                "capacity_kg": kg,
                "capacity_containers": containers,
                "cost_per_km": Decimal("18.00"),
                "cost_per_hour": Decimal("450.00"),
                "fixed_cost": Decimal("1500.00"),
                "driver": ctx.users.get(driver) if driver else None,
            },
        )
    _plan_today(ctx, spb)


def _plan_today(ctx: Any, branch: Any) -> None:
    """Today's plan with all the branch's vans, so the dispatcher opens a day with routes to
    look at. The optimiser runs as a background job once the demo data is committed (at once
    with the embedded default's eager Celery, on the worker under docker-compose)."""
    from crm.orders.services.orders import branch_today
    from routes.models import RoutePlan
    from routes.services.planning import plan_create, plan_orders

    today = branch_today(branch)
    dispatcher = ctx.users.get("dispatcher")
    if dispatcher is None or RoutePlan.objects.filter(branch=branch, date=today).exists():
        return
    if not plan_orders(RoutePlan(branch=branch, date=today)).exists():
        return
    vans = Vehicle.objects.filter(branch=branch, is_active=True).values_list("pk", flat=True)
    plan_create(actor=dispatcher, branch=branch, date=today, vehicle_ids=list(vans))
