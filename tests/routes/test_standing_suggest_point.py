"""The client form's "Which standing route?" for an address row's point, before saving: the
best standing routes of any weekday with Δkm / Δmin / Δcost; only for those who may see
suggestions; a missing point says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.routes.factories import make_depot, make_vehicle
from tests.routes.standing_factories import make_site_client, make_standing_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday_route(users, branch):
    van = make_vehicle(branch, make_depot(branch))
    sites = [
        make_site_client(branch, [p]).addresses.get()
        for p in (("59.95", "30.31"), ("59.96", "30.32"))
    ]
    return make_standing_route(
        users["dispatcher"], branch, van, weekday=0, addresses=sites, name="Понедельник · Север"
    )


def test_a_point_gets_the_best_standing_routes(client_for, monday_route):
    response = client_for("manager").get(
        reverse("routes:standing-suggest-point"), {"lat": "59.955", "lon": "30.315"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Понедельник · Север" in body and f'data-suggestion-route="{monday_route.pk}"' in body
    assert "km" in body and "<html" not in body  # a fragment for the form


def test_a_missing_point_says_so(client_for, monday_route):
    body = client_for("manager").get(reverse("routes:standing-suggest-point")).content.decode()
    assert "point on the map" in body


def test_without_routes_the_answer_says_there_are_none(client_for):
    body = (
        client_for("operator")
        .get(reverse("routes:standing-suggest-point"), {"lat": "59.95", "lon": "30.31"})
        .content.decode()
    )
    assert "No active standing route" in body


def test_the_client_form_offers_the_helper_to_those_who_may_see_suggestions(
    client_for, users, branch
):
    client = make_site_client(branch, [("59.95", "30.31")], manager=users["manager"])
    url = reverse("clients:client-edit", args=[client.pk])
    page = client_for("manager").get(url).content.decode()
    assert reverse("routes:standing-suggest-point") in page
    assert "Which standing route?" in page
    accountant = client_for("accountant").get(url)
    assert reverse("routes:standing-suggest-point") not in accountant.content.decode()
