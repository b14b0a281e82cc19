"""Demo fleet for ``manage.py seed_demo``: one depot and four vans in Saint Petersburg, the first
two with the demo drivers as their default drivers, and three standing routes (Monday west,
Wednesday centre, Thursday east every other week) over demo client addresses. Idempotent
(get_or_create by plate and by route name) and deterministic (addresses taken by id)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.core.registry import register_seeder
from routes.models import Depot, StandingRoute, StandingStop, Vehicle
from routes.optimizer.distance import haversine_m

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
    seed_standing_routes(ctx, spb, depot)
    _plan_today(ctx, spb)


#: (name, weekday, every N weeks, van plate); sites: the addresses split west → east
STANDING = [
    ("Понедельник · Запад", 0, 1, "А101ВС178"),
    ("Среда · Центр", 2, 1, "В202ЕК178"),
    ("Четверг · Восток (через неделю)", 3, 2, "Е303КМ178"),
]
SITES_PER_ROUTE = 18
#: a Thursday: the every-other-week route runs in the weeks counted from it
ANCHOR = datetime.date(2025, 1, 2)


def seed_standing_routes(ctx: Any, branch: Any, depot: Depot) -> None:
    """Three standing routes over the first demo addresses with a point (by id), split by
    longitude, each in nearest-neighbour order from the depot. Routes that already have sites
    are left alone."""
    from clients.models import ClientAddress

    addresses = list(
        ClientAddress.objects.filter(
            client__branch=branch,
            client__is_archived=False,
            latitude__isnull=False,
            longitude__isnull=False,
        ).order_by("client_id", "pk")[: SITES_PER_ROUTE * len(STANDING)]
    )
    addresses.sort(key=lambda a: (a.longitude, a.pk))
    dispatcher = ctx.users.get("dispatcher")
    for index, (name, weekday, every, plate) in enumerate(STANDING):
        vehicle = Vehicle.objects.filter(plate=plate, branch=branch).first()
        if vehicle is None:
            continue
        route, _created = StandingRoute.objects.get_or_create(
            branch=branch,
            name=name,
            defaults={
                "weekday": weekday,
                "every_weeks": every,
                "anchor_date": ANCHOR if every > 1 else None,
                "vehicle": vehicle,
                "created_by": dispatcher,
            },
        )
        chunk = addresses[index * SITES_PER_ROUTE : (index + 1) * SITES_PER_ROUTE]
        if route.stops.exists() or not chunk:
            continue
        taken = set(
            StandingStop.objects.filter(weekday=route.weekday).values_list("address_id", flat=True)
        )
        ordered = _nearest_first(depot.point, [a for a in chunk if a.pk not in taken])
        StandingStop.objects.bulk_create(
            StandingStop(
                route=route, address=a, weekday=route.weekday, position=i, added_by=dispatcher
            )
            for i, a in enumerate(ordered)
        )


def _nearest_first(start: tuple[float, float], addresses: list[Any]) -> list[Any]:
    """Nearest-neighbour order from ``start`` (ties by id): a plausible driving order."""
    left, out, here = list(addresses), [], start
    while left:
        nearest = min(
            left,
            key=lambda a: (haversine_m(here, (float(a.latitude), float(a.longitude))), a.pk),
        )
        left.remove(nearest)
        out.append(nearest)
        here = (float(nearest.latitude), float(nearest.longitude))
    return out


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
