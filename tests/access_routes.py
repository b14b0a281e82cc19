"""Access rows for the routes app.

Dispatchers and admins plan and publish; directors and heads of sales look; a driver opens only
the sheets of published routes he drives (another route answers 404, see tests/routes); records
of another branch are not in any queryset."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

PLANNERS = frozenset({Role.ADMIN, Role.DISPATCHER})
VIEWERS = PLANNERS | {Role.DIRECTOR, Role.HEAD_OF_SALES}
ROUTE_READERS = VIEWERS | {Role.DRIVER}


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


def _plan(ctx: Any) -> dict:
    return {"pk": ctx.draft_plan.pk}


def _stop(ctx: Any) -> dict:
    return {"pk": ctx.draft_stop.pk}


def _route(ctx: Any) -> dict:
    return {"pk": ctx.route_a.pk}


def _published_route(ctx: Any) -> dict:
    return {"pk": ctx.published_route.pk}


ROWS: dict[str, Rule] = {
    "routes:vehicle-list": Rule(VIEWERS),
    "routes:vehicle-create": Rule(PLANNERS),
    "routes:vehicle-edit": Rule(PLANNERS, kwargs=lambda ctx: {"pk": ctx.vehicle.pk}),
    "routes:depot-create": Rule(PLANNERS),
    "routes:depot-edit": Rule(PLANNERS, kwargs=lambda ctx: {"pk": ctx.depot.pk}),
    "routes:plan": Rule(VIEWERS),
    "routes:plan-detail": Rule(VIEWERS, kwargs=_plan),
    "routes:plan-sheets-pdf": Rule(VIEWERS, kwargs=_plan),
    "routes:plan-reoptimise": Rule(PLANNERS, method="post", kwargs=_plan),
    "routes:plan-publish": Rule(PLANNERS, method="post", kwargs=_plan),
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
}
