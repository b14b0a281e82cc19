"""The demo fleet seeder and the role wiring of the routes app."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crm.accounts.roles import Role
from crm.core.registry import nav_items_for, seeders
from routes.models import Depot, StandingRoute, StandingStop, Vehicle
from routes.seed import SITES_PER_ROUTE, seed_routes
from tests.routes.standing_factories import make_site_client

pytestmark = pytest.mark.django_db


def test_seeder_creates_a_depot_and_four_vans_once(branch, users):
    ctx = SimpleNamespace(branches={"spb": branch}, users=users)
    seed_routes(ctx)
    seed_routes(ctx)  # idempotent
    assert Depot.objects.filter(branch=branch).count() == 1
    vans = Vehicle.objects.filter(branch=branch)
    assert vans.count() == 4
    assert vans.filter(driver=users["driver"]).count() == 1
    assert "routes" in [s.name for s in seeders()]


def test_seeder_creates_three_standing_routes_once_and_in_the_same_order(branch, users):
    for i in range(60):
        make_site_client(branch, [(f"59.{850 + 3 * i}", f"30.{200 + 5 * i}")])
    ctx = SimpleNamespace(branches={"spb": branch}, users=users)
    seed_routes(ctx)
    first = list(
        StandingStop.objects.order_by("route__name", "position").values_list("address", flat=True)
    )
    seed_routes(ctx)  # idempotent
    assert StandingRoute.objects.filter(branch=branch).count() == 3
    assert StandingStop.objects.count() == 3 * SITES_PER_ROUTE
    again = list(
        StandingStop.objects.order_by("route__name", "position").values_list("address", flat=True)
    )
    assert again == first
    biweekly = StandingRoute.objects.get(every_weeks=2)
    assert biweekly.anchor_date.weekday() == biweekly.weekday


@pytest.mark.parametrize(
    ("role", "plan", "publish", "fleet", "own_route"),
    [
        (Role.ADMIN, True, True, True, True),
        (Role.DISPATCHER, True, True, True, True),
        (Role.DIRECTOR, False, False, False, True),
        (Role.HEAD_OF_SALES, False, False, False, True),
        (Role.DRIVER, False, False, False, True),
        (Role.MANAGER, False, False, False, False),
        (Role.OPERATOR, False, False, False, False),
    ],
)
def test_role_permissions(users, role, plan, publish, fleet, own_route):
    user = users[role]
    assert user.has_perm("routes.change_routeplan") is plan
    assert user.has_perm("routes.publish_routeplan") is publish
    assert user.has_perm("routes.change_vehicle") is fleet
    assert user.has_perm("routes.view_route") is own_route


@pytest.mark.parametrize(
    ("role", "view", "manage", "suggest", "add"),
    [
        (Role.ADMIN, True, True, True, True),
        (Role.DISPATCHER, True, True, True, True),
        (Role.DIRECTOR, True, False, True, False),
        (Role.HEAD_OF_SALES, True, False, True, False),
        (Role.MANAGER, False, False, True, True),
        (Role.OPERATOR, False, False, True, True),
        (Role.DRIVER, False, False, False, False),
        (Role.ACCOUNTANT, False, False, False, False),
    ],
)
def test_standing_route_permissions(users, role, view, manage, suggest, add):
    user = users[role]
    assert user.has_perm("routes.view_standingroute") is view
    assert user.has_perm("routes.change_standingroute") is manage
    assert user.has_perm("routes.suggest_standingroute") is suggest
    assert user.has_perm("routes.add_standingstop") is add


@pytest.mark.parametrize(
    ("role", "keys"),
    [
        (
            Role.DISPATCHER,
            {
                "routes-plan",
                "routes-vehicles",
                "routes-standing",
                "routes-board",
                "routes-containers",
            },
        ),
        (Role.DRIVER, {"routes-my-route"}),
        (Role.STOREKEEPER, {"routes-vehicles", "routes-containers"}),
        (Role.MANAGER, set()),
    ],
)
def test_navigation(users, role, keys):
    got = {item.key for item in nav_items_for(users[role]) if item.key.startswith("routes-")}
    assert got == keys
