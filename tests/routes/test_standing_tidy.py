"""Tidying a standing route: a zig-zag sequence becomes a clearly shorter one; a good sequence
is left alone; windows are never broken for a shorter route; only planners may do it."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.core.models import AuditEntry
from routes.services.standing_tidy import standing_route_tidy
from tests.routes.factories import make_depot, make_vehicle
from tests.routes.standing_factories import make_site_client, make_standing_route

pytestmark = [pytest.mark.django_db]

#: north, east, south and west of the depot (59.93, 30.31), about 3.3 km away each
RING = [("59.96", "30.31"), ("59.93", "30.37"), ("59.90", "30.31"), ("59.93", "30.25")]
#: across the depot and back: north, south, east, west
ZIGZAG = [RING[0], RING[2], RING[1], RING[3]]


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.ROUTES_TIDY_SECONDS = 1


def _route(users, branch, points, **fields):
    van = make_vehicle(branch, make_depot(branch))
    addresses = [make_site_client(branch, [p]).addresses.get() for p in points]
    route = make_standing_route(users["dispatcher"], branch, van, addresses=addresses, **fields)
    return route, addresses


def _order(route):
    return [s.address_id for s in route.stops.order_by("position")]


def test_a_zigzag_route_is_re_sequenced_and_the_change_is_logged(users, branch):
    route, addresses = _route(users, branch, ZIGZAG)

    result = standing_route_tidy(actor=users["dispatcher"], route=route)

    assert result.applied and result.km_after < result.km_before - 3
    ring = {a.pk: RING.index((f"{a.latitude:.2f}", f"{a.longitude:.2f}")) for a in addresses}
    visited = [ring[pk] for pk in _order(route)]
    steps = {(b - a) % 4 for a, b in itertools.pairwise(visited)}
    assert steps in ({1}, {3})  # round the ring one way or the other, never across
    assert list(route.stops.order_by("position").values_list("position", flat=True)) == [0, 1, 2, 3]
    assert AuditEntry.objects.filter(object_id=route.pk, note="Sequence optimised").exists()


def test_a_good_sequence_is_left_alone(users, branch):
    route, _addresses = _route(users, branch, RING)
    before = _order(route)

    result = standing_route_tidy(actor=users["dispatcher"], route=route)

    assert not result.applied and _order(route) == before
    assert not AuditEntry.objects.filter(object_id=route.pk, note="Sequence optimised").exists()


@pytest.mark.parametrize("role", ["director", "manager", "driver"])
def test_only_planners_may_tidy(users, branch, role):
    route, _addresses = _route(users, branch, ZIGZAG)
    before = _order(route)
    with pytest.raises(PermissionDenied):
        standing_route_tidy(actor=users[role], route=route)
    assert _order(route) == before


def test_tidy_through_http_says_what_it_did(client, users, branch):
    route, _addresses = _route(users, branch, ZIGZAG)
    client.force_login(users["dispatcher"])
    page = client.get(reverse("routes:standing-detail", args=[route.pk])).content.decode()
    assert reverse("routes:standing-tidy", args=[route.pk]) in page

    response = client.post(reverse("routes:standing-tidy", args=[route.pk]), follow=True)

    assert "km shorter" in response.content.decode()
    again = client.post(reverse("routes:standing-tidy", args=[route.pk]), follow=True)
    assert "already good" in again.content.decode()
