"""Access rows for the routes app.

Dispatchers and admins plan and publish; directors and heads of sales look; a driver opens only
the sheets of published routes he drives (another route answers 404, see tests/routes); records
of another branch are not in any queryset.

Standing routes: dispatchers and admins manage them, directors and heads of sales view them;
managers and operators (with the others) see the suggestions and put an address on a route —
the address is the manager's own client here, so every role that may add sees it."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

PLANNERS = frozenset({Role.ADMIN, Role.DISPATCHER})
VIEWERS = PLANNERS | {Role.DIRECTOR, Role.HEAD_OF_SALES}
ROUTE_READERS = VIEWERS | {Role.DRIVER}
INTAKE = PLANNERS | {Role.MANAGER, Role.OPERATOR}
SUGGESTERS = VIEWERS | INTAKE


def extend_ctx(ctx: Any) -> None:
    from routes.models import RoutePlan
    from tests.clients.factories import make_client

    driver = ctx.users["driver"]
    ctx.depot = make_depot(ctx.branch)
    ctx.vehicle = make_vehicle(ctx.branch, ctx.depot, driver=driver)
    ctx.vehicle2 = make_vehicle(ctx.branch, ctx.depot, driver=driver)
    client = make_client(branch=ctx.branch, name="Маршрутный клиент")
    today = datetime.date.today()
    draft = [make_stop_order(client, point=("59.94", "30.32"), date=today) for _ in range(2)]
    later = today + datetime.timedelta(days=1)
    published = [make_stop_order(client, point=("59.95", "30.33"), date=later)]
    ctx.draft_plan = make_manual_plan(ctx.branch, [ctx.vehicle, ctx.vehicle2], [draft, []])
    ctx.route_a, ctx.route_b = list(ctx.draft_plan.routes.order_by("position"))
    ctx.waiting_order = make_stop_order(client, point=("59.96", "30.30"), date=today)
    ctx.draft_plan.unassigned = [{"order_id": ctx.waiting_order.pk, "reason": "capacity"}]
    ctx.draft_plan.save(update_fields=["unassigned"])
    ctx.draft_stop = ctx.route_a.stops.first()
    ctx.published_plan = make_manual_plan(
        ctx.branch, [ctx.vehicle], [published], status=RoutePlan.Status.PUBLISHED
    )
    ctx.published_route = ctx.published_plan.routes.get()
    _standing_ctx(ctx)


def _standing_ctx(ctx: Any) -> None:
    from tests.routes.standing_factories import make_site_client, make_standing_route

    ctx.own_client = make_site_client(
        ctx.branch, [("59.95", "30.31"), ("59.96", "30.32")], manager=ctx.users["manager"]
    )
    first, second = ctx.own_client.addresses.order_by("pk")
    ctx.standing_route = make_standing_route(
        ctx.users["dispatcher"], ctx.branch, ctx.vehicle, weekday=0, addresses=[first]
    )
    ctx.standing_site = ctx.standing_route.stops.get()
    ctx.spare_address = second


def _fresh_address(ctx: Any) -> Any:
    """A new card address of the manager's own client (each role adds its own)."""
    from clients.models import ClientAddress

    n = ClientAddress.objects.count()
    return ClientAddress.objects.create(
        client=ctx.own_client, address=f"ул. Новая, {n}", latitude="59.97", longitude="30.33"
    )


def _fresh_site(ctx: Any) -> dict:
    from routes.models import StandingStop

    route = ctx.standing_route
    site = StandingStop.objects.create(
        route=route,
        address=_fresh_address(ctx),
        weekday=route.weekday,
        position=route.stops.count(),
    )
    return {"site": site.pk}


def _standing(ctx: Any) -> dict:
    return {"pk": ctx.standing_route.pk}


def _plan(ctx: Any) -> dict:
    return {"pk": ctx.draft_plan.pk}


def _stop(ctx: Any) -> dict:
    return {"pk": ctx.draft_stop.pk}


def _route(ctx: Any) -> dict:
    return {"pk": ctx.route_a.pk}


def _published_route(ctx: Any) -> dict:
    return {"pk": ctx.published_route.pk}


ROWS: dict[str, Rule] = {
    "routes:vehicle-list": Rule(VIEWERS | {Role.STOREKEEPER}),  # the storekeeper counts vans
    "routes:vehicle-create": Rule(PLANNERS),
    "routes:vehicle-edit": Rule(PLANNERS, kwargs=lambda ctx: {"pk": ctx.vehicle.pk}),
    "routes:depot-create": Rule(PLANNERS),
    "routes:depot-edit": Rule(PLANNERS, kwargs=lambda ctx: {"pk": ctx.depot.pk}),
    "routes:plan": Rule(VIEWERS),
    "routes:plan-detail": Rule(VIEWERS, kwargs=_plan),
    "routes:plan-sheets-pdf": Rule(VIEWERS, kwargs=_plan),
    "routes:plan-reoptimise": Rule(PLANNERS, method="post", kwargs=_plan),
    "routes:plan-publish": Rule(PLANNERS, method="post", kwargs=_plan),
    "routes:plan-unpublish": Rule(PLANNERS, method="post", kwargs=_plan),
    "routes:stop-add": Rule(
        PLANNERS,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.draft_plan.pk, "order_pk": ctx.waiting_order.pk},
        data=lambda ctx: {"route": ctx.route_b.pk},
    ),
    "routes:stop-move": Rule(
        PLANNERS,
        method="post",
        kwargs=_stop,
        data=lambda ctx: {"route": ctx.route_b.pk, "position": 1},
    ),
    "routes:stop-lock": Rule(PLANNERS, method="post", kwargs=_stop, data=lambda ctx: {"locked": 1}),
    "routes:route-lock": Rule(
        PLANNERS, method="post", kwargs=_route, data=lambda ctx: {"locked": 1}
    ),
    "routes:route-driver": Rule(
        PLANNERS,
        method="post",
        kwargs=_route,
        data=lambda ctx: {"driver": ctx.users["driver"].pk},
    ),
    "routes:route-sheet-pdf": Rule(ROUTE_READERS, kwargs=_published_route),
    "routes:route-sheet-xlsx": Rule(ROUTE_READERS, kwargs=_published_route),
    "routes:my-route": Rule(ROUTE_READERS),
    # --- standing routes and route-aware intake ---
    "routes:standing-list": Rule(VIEWERS),
    "routes:standing-detail": Rule(VIEWERS, kwargs=_standing),
    "routes:standing-create": Rule(PLANNERS),
    "routes:standing-edit": Rule(PLANNERS, kwargs=_standing),
    # a route with sites is not deleted: planners are sent back with a message
    "routes:standing-delete": Rule(PLANNERS, method="post", kwargs=_standing),
    "routes:standing-tidy": Rule(PLANNERS, method="post", kwargs=_standing),
    "routes:standing-site-move": Rule(
        PLANNERS,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.standing_site.pk},
        data=lambda ctx: {"position": 1},
    ),
    "routes:standing-site-remove": Rule(
        PLANNERS, method="post", kwargs=_standing, data=_fresh_site
    ),
    "routes:standing-site-add": Rule(
        INTAKE,
        method="post",
        kwargs=_standing,
        data=lambda ctx: {"address": _fresh_address(ctx).pk},
    ),
    "routes:standing-plan": Rule(
        PLANNERS,
        method="post",
        data=lambda ctx: {
            "date": (datetime.date.today() + datetime.timedelta(days=5)).isoformat(),
            "vehicles": [ctx.vehicle.pk],
            "standing_mode": "keep",
        },
    ),
    "routes:standing-suggest-point": Rule(
        SUGGESTERS, data=lambda ctx: {"lat": "59.95", "lon": "30.31"}
    ),
    "routes:standing-suggest": Rule(
        SUGGESTERS,
        data=lambda ctx: {
            "address": ctx.spare_address.pk,
            "date": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(),
        },
    ),
}
