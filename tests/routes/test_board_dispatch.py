"""The dispatcher's actions on the road: move / reorder with a preview, reassign a driver, an
urgent order on the best route, messages; through the services and through the board's views."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.accounts.roles import Role
from crm.core.models import AuditEntry
from crm.orders.models import Order, OrderStatus
from routes.models import DriverMessage, Route, RoutePlan, RouteStop
from routes.services import dispatch
from tests.clients.factories import make_client
from tests.routes.board_factories import local, make_live_day, mark, start_route
from tests.routes.factories import make_stop_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def drivers(users, make_user):
    return [users["driver"], make_user(Role.DRIVER, username="driver_b")]


@pytest.fixture
def day(branch, users, drivers):
    return make_live_day(branch, users["dispatcher"], drivers)


@pytest.fixture
def events(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "crm.core.realtime.publish", lambda group, event: sent.append((group, event))
    )
    return sent


def _routes(plan):
    return list(plan.routes.select_related("driver").order_by("position"))


def _stops(route):
    return list(route.stops.select_related("order").order_by("position"))


# --- Move / reorder -----------------------------------------------------------------------------
def test_preview_shows_new_etas_and_saves_nothing(branch, users, day):
    a, b = _routes(day)
    stop = _stops(a)[1]
    before = list(RouteStop.objects.order_by("pk").values_list("route_id", "position", "arrival"))
    preview = dispatch.stop_move_preview(
        actor=users["dispatcher"], stop=stop, route=b, position=0, now=local(branch, 8)
    )
    assert preview.target is not None and preview.position == 0
    assert preview.target.after.metres >= preview.target.before.metres
    assert preview.source.after.metres <= preview.source.before.metres
    assert all(s.delta_minutes > 0 for s in preview.target.stops if not s.is_moved)
    assert preview.target.delta_minutes > 0
    moved = [s for s in preview.target.stops if s.is_moved]
    assert len(moved) == 1 and moved[0].after is not None
    assert preview.versions == {a.pk: 0, b.pk: 0}
    after = list(RouteStop.objects.order_by("pk").values_list("route_id", "position", "arrival"))
    assert before == after


def test_move_to_another_route_applies_and_tells_everyone(
    branch, users, day, events, django_capture_on_commit_callbacks
):
    a, b = _routes(day)
    stop = _stops(a)[3]
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.stop_move_apply(
            actor=users["dispatcher"], stop=stop, route=b, position=1, versions={a.pk: 0, b.pk: 0}
        )
    stop.refresh_from_db()
    assert stop.route_id == b.pk and stop.position == 1
    assert [s.position for s in _stops(b)] == list(range(6))
    assert [s.position for s in _stops(a)] == list(range(4))
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.sequence_version, b.sequence_version) == (1, 1)
    assert Order.objects.get(pk=stop.order_id).assignee == b.driver
    kinds = {(e["type"], e.get("what"), e["route"]) for _g, e in events if "route" in e}
    assert ("route.sequence", "removed", a.pk) in kinds
    assert ("route.sequence", "added", b.pk) in kinds
    assert any(e["type"] == "order.assigned" for _g, e in events)
    assert AuditEntry.objects.filter(note="Stop moved on the road").exists()


def test_reorder_within_a_route(branch, users, day):
    a, _b = _routes(day)
    stops = _stops(a)
    dispatch.stop_move_apply(actor=users["dispatcher"], stop=stops[4], route=a, position=0)
    assert [s.pk for s in _stops(a)] == [stops[4].pk] + [s.pk for s in stops[:4]]


def test_done_stops_never_move_and_others_go_behind_the_visited(branch, users, day):
    a, b = _routes(day)
    stops = _stops(a)
    mark(stops[0], "done")
    mark(stops[1], "arrived")
    with pytest.raises(ValidationError):
        dispatch.stop_move_apply(actor=users["dispatcher"], stop=stops[0], route=b, position=0)
    with pytest.raises(ValidationError):
        dispatch.stop_move_apply(actor=users["dispatcher"], stop=stops[1], route=b, position=0)
    dispatch.stop_move_apply(actor=users["dispatcher"], stop=stops[4], route=a, position=0)
    assert [s.pk for s in _stops(a)][:3] == [stops[0].pk, stops[1].pk, stops[4].pk]


def test_a_stale_preview_is_refused(users, day):
    a, b = _routes(day)
    stop = _stops(a)[2]
    Route.objects.filter(pk=b.pk).update(sequence_version=3)
    with pytest.raises(ValidationError):
        dispatch.stop_move_apply(
            actor=users["dispatcher"], stop=stop, route=b, position=0, versions={b.pk: 2}
        )
    assert RouteStop.objects.get(pk=stop.pk).route_id == a.pk


def test_only_planners_act_and_only_on_published_days(branch, users, day):
    a, b = _routes(day)
    stop = _stops(a)[2]
    with pytest.raises(PermissionDenied):
        dispatch.stop_move_preview(actor=users["director"], stop=stop, route=b, position=0)
    RoutePlan.objects.filter(pk=day.pk).update(status=RoutePlan.Status.DRAFT)
    day.refresh_from_db()
    with pytest.raises(ValidationError):
        dispatch.stop_move_apply(actor=users["dispatcher"], stop=stop, route=b, position=0)


def test_a_finished_route_takes_no_stops(users, day):
    a, b = _routes(day)
    start_route(b, local(day.branch, 8), state="finished")
    with pytest.raises(ValidationError):
        dispatch.stop_move_apply(actor=users["dispatcher"], stop=_stops(a)[2], route=b, position=0)


# --- Driver -------------------------------------------------------------------------------------
def test_reassign_driver_moves_open_orders(
    users, make_user, day, events, django_capture_on_commit_callbacks
):
    a, _b = _routes(day)
    stops = _stops(a)
    mark(stops[0], "done")
    Order.objects.filter(pk=stops[0].order_id).update(status=OrderStatus.COMPLETED)
    spare = make_user(Role.DRIVER, username="spare")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.route_driver_reassign(actor=users["dispatcher"], route=a, driver=spare)
    a.refresh_from_db()
    assert a.driver == spare
    assignees = dict(Order.objects.filter(route_stops__route=a).values_list("pk", "assignee"))
    assert assignees[stops[0].order_id] == users["driver"].pk  # done: stays with who did it
    assert all(assignees[s.order_id] == spare.pk for s in stops[1:])
    assert any(e.get("type") == "route.changed" and e.get("what") == "driver" for _g, e in events)


def test_reassign_refuses_a_busy_driver_or_another_branch(users, make_user, other_branch, day):
    a, b = _routes(day)
    start_route(b, local(day.branch, 8))
    with pytest.raises(ValidationError) as error:
        dispatch.route_driver_reassign(actor=users["dispatcher"], route=a, driver=b.driver)
    assert "driver" in error.value.message_dict
    stranger = make_user(Role.DRIVER, branch=other_branch)
    with pytest.raises(ValidationError):
        dispatch.route_driver_reassign(actor=users["dispatcher"], route=a, driver=stranger)
    with pytest.raises(ValidationError):
        dispatch.route_driver_reassign(actor=users["dispatcher"], route=a, driver=users["manager"])


# --- Urgent orders ------------------------------------------------------------------------------
def _urgent(branch, users, point=("59.9362", "30.3151")):
    client = make_client(branch=branch, name="Срочный клиент")
    return make_stop_order(client, point=point, window=(9, 20), confirm_by=users["dispatcher"])


def test_insertion_options_cheapest_first_behind_visited(branch, users, day):
    a, b = _routes(day)
    mark(_stops(a)[0], "done")
    mark(_stops(a)[1], "done")
    order = _urgent(branch, users)
    options = dispatch.insertion_options(
        actor=users["dispatcher"], plan=day, order=order, now=local(branch, 9)
    )
    assert {o.route.pk for o in options} == {a.pk, b.pk}
    assert [o.sort_key for o in options] == sorted(o.sort_key for o in options)
    option_a = next(o for o in options if o.route.pk == a.pk)
    assert option_a.position >= 2
    assert all(o.delta_km >= 0 and o.eta is not None for o in options)
    assert not RouteStop.objects.filter(order=order).exists()


def test_urgent_order_is_added_assigned_and_taken_into_work(
    branch, users, day, events, django_capture_on_commit_callbacks
):
    a, _b = _routes(day)
    order = _urgent(branch, users)
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch.urgent_order_add(
            actor=users["dispatcher"], plan=day, order=order, route=a, position=2, version=0
        )
    stop = result.stop
    stop.refresh_from_db()
    assert stop.route_id == a.pk and stop.position == 2 and stop.arrival is not None
    order.refresh_from_db()
    assert order.assignee == a.driver and order.status == OrderStatus.IN_WORK and result.in_work
    a.refresh_from_db()
    assert a.sequence_version == 1 and a.stops.count() == 6
    assert any(e.get("what") == "added" for _g, e in events)
    with pytest.raises(ValidationError):  # not waiting any more
        dispatch.urgent_order_add(
            actor=users["dispatcher"], plan=day, order=order, route=a, position=0
        )


# --- Views --------------------------------------------------------------------------------------
HX = {"HX-Request": "true"}


def test_move_preview_then_confirm_through_the_panel(client_for, day):
    a, b = _routes(day)
    stop = _stops(a)[2]
    client = client_for("dispatcher")
    url = reverse("routes:board-stop-move", args=[stop.pk])
    assert b'id="move-form"' in client.get(url, headers=HX).content
    preview = client.get(url, {"route": b.pk, "position": 1}, headers=HX)
    assert preview.status_code == 200 and b'id="move-preview"' in preview.content
    assert RouteStop.objects.get(pk=stop.pk).route_id == a.pk  # nothing saved
    done = client.post(
        url, {"route": b.pk, "position": 1, "versions": f"{a.pk}:0 {b.pk}:0"}, headers=HX
    )
    assert done.status_code == 200 and done["HX-Trigger"] == "board:refresh"
    assert RouteStop.objects.get(pk=stop.pk).route_id == b.pk


def test_move_with_bad_input_comes_back_with_errors(client_for, day):
    a, _b = _routes(day)
    stop = _stops(a)[2]
    url = reverse("routes:board-stop-move", args=[stop.pk])
    client = client_for("dispatcher")
    response = client.post(url, {"route": 999999, "position": 0}, headers=HX)
    assert response.status_code == 422 and b"field-error" in response.content
    mark(stop, "done")
    response = client.post(url, {"route": a.pk, "position": 1})
    assert response.status_code == 422 and b"not reached yet" in response.content


def test_plain_post_move_redirects_to_the_board(client_for, day):
    a, b = _routes(day)
    stop = _stops(a)[2]
    response = client_for("dispatcher").post(
        reverse("routes:board-stop-move", args=[stop.pk]), {"route": b.pk}
    )
    assert response.status_code == 302 and reverse("routes:board") in response["Location"]
    assert RouteStop.objects.get(pk=stop.pk).route_id == b.pk


def test_viewers_cannot_act(client_for, day):
    a, b = _routes(day)
    stop = _stops(a)[2]
    client = client_for("director")
    url = reverse("routes:board-stop-move", args=[stop.pk])
    assert client.post(url, {"route": b.pk}).status_code == 403
    assert (
        client.post(reverse("routes:board-messages", args=[a.pk]), {"body": "x"}).status_code == 403
    )
    assert client.get(reverse("routes:board-messages", args=[a.pk])).status_code == 200
    assert RouteStop.objects.get(pk=stop.pk).route_id == a.pk
    assert not DriverMessage.objects.exists()


def test_driver_change_through_the_panel(client_for, make_user, day):
    a, _b = _routes(day)
    spare = make_user(Role.DRIVER, username="spare")
    url = reverse("routes:board-driver", args=[a.pk])
    client = client_for("dispatcher")
    assert client.post(url, {"driver": ""}, headers=HX).status_code == 422
    response = client.post(url, {"driver": spare.pk}, headers=HX)
    assert response.status_code == 200
    assert Route.objects.get(pk=a.pk).driver == spare


def test_message_to_the_driver_and_read_receipt(client_for, users, day):
    a, _b = _routes(day)
    url = reverse("routes:board-messages", args=[a.pk])
    client = client_for("dispatcher")
    assert client.post(url, {"body": ""}, headers=HX).status_code == 422
    response = client.post(url, {"body": "Позвоните клиенту"}, headers=HX)
    assert response.status_code == 200 and "not read yet" in response.content.decode()
    message = DriverMessage.objects.get(route=a)
    assert message.sender == users["dispatcher"] and not message.from_driver
    DriverMessage.objects.filter(pk=message.pk).update(read_at=local(day.branch, 10, 42))
    assert "read 10:42" in client.get(url, headers=HX).content.decode()


def test_urgent_order_through_the_panel(client_for, branch, users, day):
    a, _b = _routes(day)
    order = _urgent(branch, users)
    client = client_for("dispatcher")
    query = f"?date={day.date.isoformat()}"
    listing = client.get(reverse("routes:board-urgent") + query, headers=HX)
    assert order.number.encode() in listing.content
    url = reverse("routes:board-urgent-order", args=[order.pk]) + query
    options = client.get(url, headers=HX)
    assert options.status_code == 200 and b'id="urgent-options"' in options.content
    response = client.post(url, {"route": a.pk, "position": 1, "version": 0}, headers=HX)
    assert response.status_code == 200
    assert RouteStop.objects.get(order=order).route_id == a.pk
    assert client.get(url, headers=HX).status_code == 404  # no longer waiting


def test_yesterday_is_read_only(client_for, branch, users, drivers):
    yesterday = datetime.date.today() - datetime.timedelta(days=3)
    plan = make_live_day(branch, users["dispatcher"], drivers, 2, date=yesterday)
    a, b = _routes(plan)
    response = client_for("dispatcher").post(
        reverse("routes:board-stop-move", args=[_stops(a)[0].pk]), {"route": b.pk}
    )
    assert response.status_code == 422 and b"This day is over" in response.content
