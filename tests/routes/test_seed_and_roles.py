"""The demo fleet seeder and the role wiring of the routes app."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crm.accounts.roles import Role
from crm.core.registry import nav_items_for, seeders
from routes.models import Depot, Vehicle
from routes.seed import seed_routes

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
    ("role", "keys"),
    [
        (Role.DISPATCHER, {"routes-plan", "routes-vehicles"}),
        (Role.DRIVER, {"routes-my-route"}),
        (Role.MANAGER, set()),
    ],
)
def test_navigation(users, role, keys):
    got = {item.key for item in nav_items_for(users[role]) if item.key.startswith("routes-")}
    assert got == keys
