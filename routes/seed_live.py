"""Demo progress on today's routes, so the dispatcher's board has something to watch: today's
demo plan (``routes.seed._plan_today``) is published (vans without a driver get one of the demo
drivers, created here when missing), then the first ~40 % of each route's stops are done (times,
some cash and card), one stop failed, one stop marked done 600 m from its address, one van on a
breakdown break, one van standing still, GPS fixes along the driven path, and messages (one read,
one not yet read, one from the driver).

The optimiser of today's plan runs once the demo data is committed, so this runs after commit
too; with a separate Celery worker the plan may not be ready yet — the next ``seed_demo`` run
finishes the job. Deterministic (no randomness; times relative to now) and idempotent (a plan
with any progress or message is left alone)."""

from __future__ import annotations

import datetime
import itertools
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crm.core.registry import register_seeder
from routes.models import (
    BreakReason,
    DriverMessage,
    FailReason,
    GpsPosition,
    PaymentTaken,
    Route,
    RoutePlan,
    RouteState,
    RouteStop,
    StopState,
)
from routes.optimizer.distance import haversine_m
from routes.services.timing import order_point

logger = logging.getLogger(__name__)

DONE_SHARE = 0.4
#: drivers for the vans without a default one (username, first name, last name, phone)
EXTRA_DRIVERS = [
    ("driver3", "Игорь", "Смирнов", "+79210000003"),
    ("driver4", "Руслан", "Ахметов", "+79210000004"),
]


@register_seeder("routes-live", order=60)
def seed_live(ctx: Any) -> None:
    transaction.on_commit(lambda: seed_live_now(ctx))


def seed_live_now(ctx: Any, now: datetime.datetime | None = None) -> RoutePlan | None:
    """Publish today's demo plan and mark its progress (see the module docstring)."""
    from crm.orders.services.orders import branch_today

    branch = getattr(ctx, "branches", {}).get("spb")
    dispatcher = getattr(ctx, "users", {}).get("dispatcher")
    if branch is None or dispatcher is None:
        return None
    plan = (
        RoutePlan.objects.filter(branch=branch, date=branch_today(branch))
        .select_related("job", "branch")
        .first()
    )
    if plan is None or (plan.job_id and not plan.job.is_finished):
        return None
    if _has_progress(plan):
        return plan
    with transaction.atomic():
        if not plan.is_published and not _publish(ctx, plan, dispatcher):
            return None
        _progress(plan, dispatcher, now or timezone.now())
    return plan


def _has_progress(plan: RoutePlan) -> bool:
    return (
        RouteStop.objects.filter(plan=plan).exclude(state=StopState.PLANNED).exists()
        or DriverMessage.objects.filter(route__plan=plan).exists()
    )


def _extra_drivers(ctx: Any, branch: Any) -> list[Any]:
    from crm.accounts.models import User
    from crm.accounts.roles import Role
    from crm.accounts.seed import DEMO_PASSWORD
    from crm.accounts.services import staff_create

    drivers = []
    for username, first, last, phone in EXTRA_DRIVERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_create(
                actor=None,
                password=DEMO_PASSWORD,
                username=username,
                role=Role.DRIVER,
                first_name=first,
                last_name=last,
                branch=branch,
                email=f"{username}@demo.kolo.local",
                phone=phone,
                language="ru",
            )
        drivers.append(user)
    return drivers


def _publish(ctx: Any, plan: RoutePlan, dispatcher: Any) -> bool:
    from routes.services.publishing import plan_publish

    routes = [r for r in plan.routes.order_by("position") if r.stops.exists()]
    taken = {r.driver_id for r in routes if r.driver_id}
    spare = [d for d in _extra_drivers(ctx, plan.branch) if d.pk not in taken]
    for route in routes:
        if route.driver_id is None and spare:
            Route.objects.filter(pk=route.pk).update(driver=spare.pop(0))
    try:
        plan_publish(actor=dispatcher, plan=plan)
    except (ValidationError, PermissionDenied):
        logger.warning("routes-live: today's demo plan could not be published", exc_info=True)
        return False
    return True


# --- Progress -----------------------------------------------------------------------------------
def _progress(plan: RoutePlan, dispatcher: Any, now: datetime.datetime) -> None:
    routes = [
        r
        for r in plan.routes.select_related("driver", "vehicle__depot", "plan__branch")
        .prefetch_related("stops__order__stops")
        .order_by("position")
        if r.stops.all()
    ]
    for index, route in enumerate(routes):
        _route_progress(route, index, now)
    _messages(routes, dispatcher, now)


def _route_progress(route: Route, index: int, now: datetime.datetime) -> None:
    stops = sorted(route.stops.all(), key=lambda s: s.position)
    done = max(1, round(len(stops) * DONE_SHARE))
    # the last stop was finished a few minutes ago; earlier ones keep the planned gaps
    last_done = now - datetime.timedelta(minutes=4 + 3 * index)
    base = _planned_moment(route, stops[done - 1].departure) if stops[done - 1].departure else None
    shift = (last_done - base) if base else datetime.timedelta(0)
    path: list[tuple[tuple[float, float], datetime.datetime]] = []
    for i, stop in enumerate(stops[:done]):
        arrived = _planned_moment(route, stop.arrival) + shift if stop.arrival else last_done
        finished = _planned_moment(route, stop.departure) + shift if stop.departure else arrived
        _finish_stop(stop, i, index, done, arrived, finished)
        point = order_point(stop.order)
        if point:
            path.append((point, arrived))
    RouteStop.objects.bulk_update(
        stops[:done],
        [
            "state",
            "arrived_at",
            "finished_at",
            "fail_reason",
            "driver_note",
            "payment_taken",
            "amount_taken",
            "marked_latitude",
            "marked_longitude",
            "marked_distance_m",
        ],
    )
    _complete_orders([s for s in stops[:done] if s.state == StopState.DONE], route.driver)
    started = (path[0][1] if path else now) - datetime.timedelta(minutes=25)
    _track(route, route.vehicle.depot.point, started, path, now, idle=index == 2)
    route.state = RouteState.ON_BREAK if index == 1 else RouteState.ON_ROAD
    route.started_at = started
    if index == 1:
        route.break_reason = BreakReason.BREAKDOWN
        route.break_comment = "Пробито колесо, жду шиномонтаж"
        route.break_since = now - datetime.timedelta(minutes=25)
    route.save(
        update_fields=[
            "state",
            "started_at",
            "break_reason",
            "break_comment",
            "break_since",
            "last_latitude",
            "last_longitude",
            "last_position_at",
            "last_moved_at",
            "km_driven",
        ]
    )


def _planned_moment(route: Route, value: datetime.time) -> datetime.datetime:
    tz = route.plan.branch.tzinfo
    return datetime.datetime.combine(route.plan.date, value, tzinfo=tz)


def _finish_stop(
    stop: RouteStop,
    i: int,
    route_index: int,
    done: int,
    arrived: datetime.datetime,
    finished: datetime.datetime,
) -> None:
    stop.arrived_at, stop.finished_at = arrived, finished
    point = order_point(stop.order)
    if route_index == 0 and i == done - 2:
        stop.state = StopState.FAILED
        stop.fail_reason = FailReason.NOBODY
        stop.driver_note = "Никого нет, телефон не отвечает"
        return
    stop.state = StopState.DONE
    total = stop.order.total or Decimal("0")
    if total > 0 and i % 3 == 0:
        stop.payment_taken, stop.amount_taken = PaymentTaken.CASH, total
    elif total > 0 and i % 5 == 1:
        stop.payment_taken, stop.amount_taken = PaymentTaken.CARD, total
    else:
        stop.payment_taken = PaymentTaken.NONE
    far = route_index == 0 and i == done - 1
    metres = 600 if far else 10 + (i * 17) % 70
    if point:
        # north of the address by ``metres`` (1° of latitude ≈ 111 km)
        lat = Decimal(str(round(point[0] + metres / 111_000.0, 6)))
        stop.marked_latitude, stop.marked_longitude = lat, Decimal(str(round(point[1], 6)))
    stop.marked_distance_m = metres


def _complete_orders(stops: list[RouteStop], driver: Any) -> None:
    from crm.orders.models import OrderStatus
    from crm.orders.services.workflow import order_transition

    for stop in stops:
        if stop.order.status != OrderStatus.IN_WORK or driver is None:
            continue
        try:
            order_transition(actor=driver, order=stop.order, target=OrderStatus.COMPLETED)
        except (ValidationError, PermissionDenied):
            continue


def _track(
    route: Route,
    depot: tuple[float, float],
    started: datetime.datetime,
    path: list[tuple[tuple[float, float], datetime.datetime]],
    now: datetime.datetime,
    *,
    idle: bool,
) -> None:
    """Fixes from the depot through the done stops (and half-way between them), the van's last
    position and the km driven."""
    fixes: list[tuple[tuple[float, float], datetime.datetime]] = [(depot, started)]
    for point, at in path:
        prev_point, prev_at = fixes[-1]
        middle = ((prev_point[0] + point[0]) / 2, (prev_point[1] + point[1]) / 2)
        fixes.append((middle, prev_at + (at - prev_at) / 2))
        fixes.append((point, at))
    last_point = fixes[-1][0]
    if not idle:  # on the way to the next stop
        ahead = (last_point[0] + 0.002, last_point[1] + 0.003)
        fixes.append((ahead, now - datetime.timedelta(minutes=1)))
    metres = sum(haversine_m(a[0], b[0]) for a, b in itertools.pairwise(fixes))
    GpsPosition.objects.bulk_create(
        [
            GpsPosition(
                driver=route.driver,
                route=route,
                vehicle=route.vehicle,
                latitude=Decimal(str(round(p[0], 6))),
                longitude=Decimal(str(round(p[1], 6))),
                accuracy_m=8,
                speed_kmh=0 if idle else 32,
                recorded_at=at,
            )
            for p, at in fixes
        ],
        ignore_conflicts=True,
    )
    point, at = fixes[-1]
    route.last_latitude = Decimal(str(round(point[0], 6)))
    route.last_longitude = Decimal(str(round(point[1], 6)))
    route.last_position_at = now - datetime.timedelta(minutes=1) if not idle else now
    route.last_moved_at = now - datetime.timedelta(minutes=35) if idle else at
    route.km_driven = Decimal(str(round(metres * 1.3 / 1000.0, 2)))


def _messages(routes: list[Route], dispatcher: Any, now: datetime.datetime) -> None:
    rows = []
    if routes:
        rows.append(
            DriverMessage(
                route=routes[0],
                sender=dispatcher,
                body="Заберите пустые бутыли у «Ромашки», клиент звонил.",
                read_at=now - datetime.timedelta(minutes=40),
            )
        )
    if len(routes) > 1:
        rows.append(
            DriverMessage(
                route=routes[1],
                sender=dispatcher,
                body="Шиномонтаж выехал, будет минут через 20.",
            )
        )
        if routes[1].driver is not None:
            rows.append(
                DriverMessage(
                    route=routes[1],
                    sender=routes[1].driver,
                    from_driver=True,
                    body="Стою на Выборгском шоссе, колесо пробито.",
                )
            )
    created = DriverMessage.objects.bulk_create(rows)
    # created_at is auto_now_add: spread the thread out in time for a realistic view
    for minutes, message in zip((55, 10, 24), created, strict=False):
        DriverMessage.objects.filter(pk=message.pk).update(
            created_at=now - datetime.timedelta(minutes=minutes)
        )
