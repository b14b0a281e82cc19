"""The driver's tablet pages over HTTP: only his route of today, stops in order with ETAs and
priorities, the stop card, JSON actions that are safe to re-send, GPS batches."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from crm.orders.models import Priority
from routes.models import GpsPosition, RouteStop, StopState
from tests.routes.live_factories import make_live_plan, make_live_route

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def route(branch, users):
    return make_live_route(branch, users, stops=3)


def _stops(route):
    return list(route.stops.order_by("position").select_related("order__client"))


def test_the_driver_sees_his_stops_in_order_with_etas(route, client_for):
    page = client_for("driver").get(reverse("routes:my-route")).content.decode()
    stops = _stops(route)
    positions = [page.index(f'data-stop="{s.pk}"') for s in stops]
    assert positions == sorted(positions)
    assert str(route.vehicle) in page
    assert f"routes.route.{route.pk}" in page  # the live group the tablet joins
    assert 'href="geo:59.940000,30.320000' in page
    assert "Payment taken" in page and "Confirm: done" in page


def test_express_orders_are_framed(branch, users, client_for):
    route = make_live_route(branch, users, stops=2, priority=Priority.EXPRESS)
    page = client_for("driver").get(reverse("routes:my-route")).content.decode()
    assert page.count("tablet-stop state-planned priority") == 2
    assert route.pk


def test_the_page_costs_the_same_queries_for_more_stops(
    branch, users, client_for, django_assert_max_num_queries
):
    make_live_route(branch, users, stops=12)
    client = client_for("driver")
    client.get(reverse("routes:my-route"))  # warm caches (status names, session)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("routes:my-route")).status_code == 200


def test_another_driver_sees_nothing_of_it(route, branch, users, make_user, client_for):
    other = make_user("driver", username="driver-x")
    from django.test import Client

    client = Client()
    client.force_login(other)
    page = client.get(reverse("routes:my-route")).content.decode()
    assert "No published route for you today." in page
    stop = _stops(route)[0]
    assert client.get(reverse("routes:driver-stop", args=[stop.pk])).status_code == 404
    answer = client.post(
        reverse("routes:driver-action"),
        {"kind": "arrived", "stop": stop.pk, "action_id": str(uuid.uuid4())},
        **JSON,
    )
    assert answer.status_code == 404


def test_the_stop_card(route, client_for):
    stop = _stops(route)[0]
    page = client_for("driver").get(reverse("routes:driver-stop", args=[stop.pk])).content.decode()
    assert stop.order.number in page
    assert "stop-card standalone" in page
    assert "Arrived" in page and "Nobody there" in page


def test_a_json_action_resent_is_applied_once(route, client_for):
    client = client_for("driver")
    stop = _stops(route)[0]
    body = {
        "kind": "done",
        "stop": stop.pk,
        "route": route.pk,
        "payment_taken": "cash",
        "amount_taken": "150,50",
        "action_id": str(uuid.uuid4()),
    }
    first = client.post(reverse("routes:driver-action"), body, **JSON)
    again = client.post(reverse("routes:driver-action"), body, **JSON)
    assert first.status_code == again.status_code == 200
    assert first.json()["ok"] and again.json()["duplicate"]
    stop.refresh_from_db()
    assert stop.state == StopState.DONE and str(stop.amount_taken) == "150.50"


def test_a_refused_action_answers_422_with_field_errors(route, client_for):
    stop = _stops(route)[0]
    answer = client_for("driver").post(
        reverse("routes:driver-action"),
        {"kind": "failed", "stop": stop.pk, "action_id": str(uuid.uuid4())},
        **JSON,
    )
    assert answer.status_code == 422
    assert answer.json()["errors"]["fail_reason"] == ["Choose the reason."]


def test_a_bad_action_id_or_kind_is_422(route, client_for):
    client = client_for("driver")
    assert client.post(reverse("routes:driver-action"), {"kind": "done"}, **JSON).status_code == 422
    bad_kind = {"kind": "fly", "action_id": str(uuid.uuid4())}
    answer = client.post(reverse("routes:driver-action"), bad_kind, **JSON)
    assert answer.status_code == 422 and "kind" in answer.json()["errors"]


def test_without_javascript_a_form_post_redirects_with_messages(route, client_for):
    stop = _stops(route)[0]
    client = client_for("driver")
    ok = client.post(
        reverse("routes:driver-action"),
        {"kind": "arrived", "stop": stop.pk, "action_id": str(uuid.uuid4())},
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("routes:my-route")
    refused = client.post(
        reverse("routes:driver-action"),
        {"kind": "failed", "stop": stop.pk, "action_id": str(uuid.uuid4())},
        follow=True,
    )
    assert "Choose the reason." in refused.content.decode()
    assert RouteStop.objects.get(pk=stop.pk).state == StopState.ARRIVED


def test_gps_batches(route, client_for):
    client = client_for("driver")
    url = reverse("routes:driver-positions")
    fixes = {"fixes": [{"lat": 59.93, "lon": 30.31, "accuracy": 5}]}
    answer = client.post(url, json.dumps(fixes), content_type="application/json")
    assert answer.status_code == 200 and answer.json()["stored"] == 1
    assert client.post(url, "{", content_type="application/json").status_code == 400
    bad = client.post(url, json.dumps({"fixes": "x"}), content_type="application/json")
    assert bad.status_code == 422
    assert GpsPosition.objects.filter(route=route).count() == 1


def test_a_manager_is_refused(client_for):
    assert client_for("manager").get(reverse("routes:my-route")).status_code == 403


def test_two_vans_each_driver_only_his(branch, users, make_user, client_for):
    second = make_user("driver", username="driver-2")
    mine, theirs = make_live_plan(branch, users, drivers=[users["driver"], second], stops=1)
    page = client_for("driver").get(reverse("routes:my-route")).content.decode()
    assert str(mine.vehicle) in page and str(theirs.vehicle) not in page
