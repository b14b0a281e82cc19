"""The driver's actions through the live service: exactly-once under re-sends, the order's
status, payments and containers, failures with reasons, breaks, GPS and messages."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.orders.models import OrderStatus
from routes.models import (
    ContainerMove,
    DriverAction,
    DriverMessage,
    GpsPosition,
    RouteState,
    StopState,
)
from routes.services import live
from tests.routes.live_factories import make_live_plan, make_live_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def route(branch, users):
    return make_live_route(branch, users)


def _act(user, route, kind, **data):
    data.setdefault("action_id", str(uuid.uuid4()))
    return live.apply_action(
        user=user, route=route, kind=kind, data=data, action_id=data["action_id"]
    )


def _first_stop(route):
    return route.stops.order_by("position").first()


def test_publishing_put_the_orders_in_work_for_the_driver(route, users):
    orders = [s.order for s in route.stops.select_related("order")]
    assert {o.status for o in orders} == {OrderStatus.IN_WORK}
    assert {o.assignee_id for o in orders} == {users["driver"].pk}


def test_done_twice_with_the_same_action_id_counts_once(route, users):
    stop = _first_stop(route)
    data = {
        "stop": stop.pk,
        "payment_taken": "cash",
        "amount_taken": "200.00",
        "line-0-delivered": "2",
        "line-0-collected": "1",
        "action_id": str(uuid.uuid4()),
    }
    first = _act(users["driver"], route, "done", **data)
    again = _act(users["driver"], route, "done", **data)
    assert first.ok and again.ok and again.duplicate and not first.duplicate
    stop.refresh_from_db()
    assert stop.state == StopState.DONE and stop.amount_taken == Decimal("200.00")
    assert DriverAction.objects.filter(action_id=data["action_id"]).count() == 1
    moves = {m.kind: m.quantity for m in ContainerMove.objects.filter(stop=stop)}
    assert moves == {"delivered": 2, "collected": 1}
    stop.order.refresh_from_db()
    assert stop.order.status == OrderStatus.COMPLETED
    stop.order.client.refresh_from_db()
    assert stop.order.client.containers_held == 1
    route.refresh_from_db()
    assert route.state == RouteState.ON_ROAD and route.started_at is not None


def test_a_second_done_with_a_new_id_is_refused_and_changes_nothing(route, users):
    stop = _first_stop(route)
    _act(users["driver"], route, "done", stop=stop.pk, payment_taken="cash", amount_taken="10")
    second = _act(
        users["driver"], route, "done", stop=stop.pk, payment_taken="cash", amount_taken="99"
    )
    assert not second.ok and "stop" in second.errors
    stop.refresh_from_db()
    assert stop.amount_taken == Decimal("10.00")


def test_bad_counts_and_payment_are_refused_with_field_errors(route, users):
    stop = _first_stop(route)
    result = _act(
        users["driver"],
        route,
        "done",
        stop=stop.pk,
        payment_taken="cash",
        amount_taken="abc",
        **{"line-0-delivered": "-1"},
    )
    assert not result.ok
    assert set(result.errors) == {"amount_taken", "line-0-delivered"}
    stop.refresh_from_db()
    assert stop.state == StopState.PLANNED
    assert not ContainerMove.objects.exists()
    # the refusal is recorded: re-sending it gets the same answer
    replay = live.apply_action(
        user=users["driver"], route=route, kind="done", data={}, action_id=result.action_id
    )
    assert replay.duplicate and not replay.ok and replay.errors == result.errors


def test_amount_without_a_method_and_method_without_amount(route, users):
    stop = _first_stop(route)
    a = _act(users["driver"], route, "done", stop=stop.pk, payment_taken="none", amount_taken="5")
    b = _act(users["driver"], route, "done", stop=stop.pk, payment_taken="card", amount_taken="0")
    assert "payment_taken" in a.errors and "amount_taken" in b.errors


def test_failed_needs_a_reason_and_puts_the_order_on_hold(route, users):
    stop = _first_stop(route)
    missing = _act(users["driver"], route, "failed", stop=stop.pk)
    other = _act(users["driver"], route, "failed", stop=stop.pk, fail_reason="other")
    assert "fail_reason" in missing.errors and "note" in other.errors
    ok = _act(users["driver"], route, "failed", stop=stop.pk, fail_reason="nobody", note="Звонил")
    assert ok.ok and ok.state == StopState.FAILED
    stop.order.refresh_from_db()
    assert stop.order.status == OrderStatus.ON_HOLD
    assert "Nobody there" in stop.order.status_reason and "Звонил" in stop.order.status_reason


def test_done_far_from_the_address_records_the_distance(route, users):
    stop = _first_stop(route)
    # ~1.1 km north of the stop's point
    _act(users["driver"], route, "done", stop=stop.pk, lat="59.950000", lon="30.320000")
    stop.refresh_from_db()
    assert 1000 < stop.marked_distance_m < 1250


def test_arrived_then_done_keeps_the_arrival_time(route, users):
    stop = _first_stop(route)
    taken = (timezone.now() - datetime.timedelta(minutes=7)).isoformat()
    _act(users["driver"], route, "arrived", stop=stop.pk, taken_at=taken)
    _act(users["driver"], route, "done", stop=stop.pk)
    stop.refresh_from_db()
    assert stop.arrived_at < stop.finished_at - datetime.timedelta(minutes=6)


def test_a_future_tablet_clock_is_not_trusted(route, users):
    stop = _first_stop(route)
    future = (timezone.now() + datetime.timedelta(hours=3)).isoformat()
    _act(users["driver"], route, "arrived", stop=stop.pk, taken_at=future)
    stop.refresh_from_db()
    assert stop.arrived_at <= timezone.now()


def test_break_and_resume_and_finish(route, users):
    driver = users["driver"]
    assert "break_reason" in _act(driver, route, "break").errors
    assert _act(driver, route, "break", break_reason="breakdown", note="Колесо").ok
    route.refresh_from_db()
    assert route.state == RouteState.ON_BREAK and route.break_comment == "Колесо"
    _act(driver, route, "resume")
    route.refresh_from_db()
    assert route.state == RouteState.ON_ROAD
    refused = _act(driver, route, "finish")
    assert not refused.ok
    assert _act(driver, route, "finish", confirm="1").ok
    route.refresh_from_db()
    assert route.state == RouteState.FINISHED


def test_another_driver_cannot_act_or_replay(route, users, make_user):
    other = make_user("driver", username="driver-b")
    stop = _first_stop(route)
    with pytest.raises(PermissionDenied):
        _act(other, route, "arrived", stop=stop.pk)
    done = _act(users["driver"], route, "arrived", stop=stop.pk)
    with pytest.raises(PermissionDenied):
        live.apply_action(
            user=users["dispatcher"], route=route, kind="arrived", data={}, action_id=done.action_id
        )


def test_a_stop_of_another_route_is_refused(branch, users, make_user):
    other_driver = make_user("driver", username="driver-c")
    route, other_route = make_live_plan(branch, users, drivers=[users["driver"], other_driver])
    foreign = _first_stop(other_route)
    result = _act(users["driver"], route, "done", stop=foreign.pk)
    assert not result.ok and "stop" in result.errors
    foreign.refresh_from_db()
    assert foreign.state == StopState.PLANNED


def test_positions_are_stored_once_and_move_the_van(route, users):
    now = timezone.now()
    fixes = [
        {
            "lat": 59.93,
            "lon": 30.31,
            "accuracy": 8,
            "at": (now - datetime.timedelta(seconds=90)).isoformat(),
        },
        {
            "lat": 59.94,
            "lon": 30.32,
            "speed": 2.5,
            "at": (now - datetime.timedelta(seconds=45)).isoformat(),
        },
        {"lat": "bad", "lon": 30.32, "at": now.isoformat()},
    ]
    assert live.record_positions(user=users["driver"], route=route, fixes=fixes) == 2
    live.record_positions(user=users["driver"], route=route, fixes=fixes[:2])
    assert GpsPosition.objects.count() == 2
    route.refresh_from_db()
    assert route.last_latitude == Decimal("59.940000")
    assert Decimal("1.0") < route.km_driven < Decimal("1.5")


def test_old_positions_are_purged(route, users):
    old = timezone.now() - datetime.timedelta(days=100)
    live.record_positions(
        user=users["driver"], route=route, fixes=[{"lat": 59.9, "lon": 30.3, "at": old.isoformat()}]
    )
    # a fix older than two days is taken as "now" (a wrong clock), so age it by hand
    GpsPosition.objects.update(recorded_at=old)
    assert live.purge_positions(days=90) == 1


def test_messages_both_ways_and_read_receipts(route, users):
    with pytest.raises(ValidationError):
        live.message_send(actor=users["dispatcher"], route=route, body="  ")
    message = live.message_send(actor=users["dispatcher"], route=route, body="Заедь на склад")
    assert not message.from_driver
    with pytest.raises(PermissionDenied):
        live.message_send(actor=users["manager"], route=route, body="Привет")
    _act(users["driver"], route, "read", messages=str(message.pk))
    message.refresh_from_db()
    assert message.read_at is not None
    _act(users["driver"], route, "reply", body="Понял")
    assert DriverMessage.objects.filter(from_driver=True, body="Понял").exists()


def test_the_driver_corrects_address_and_quantity_of_his_order(route, users):
    from crm.core.models import AuditEntry

    stop = _first_stop(route)
    item = stop.order.items.get()
    total_before = stop.order.total
    result = _act(
        users["driver"],
        route,
        "correct",
        stop=stop.pk,
        address="Санкт-Петербург, Невский пр., 12",
        lat="59.941000",
        lon="30.321000",
        **{f"item-{item.pk}-quantity": "3"},
    )
    assert result.ok, result.errors
    order = stop.order
    order.refresh_from_db()
    place = order.stops.get()
    assert place.address.endswith("12") and place.latitude == Decimal("59.941000")
    assert order.items.get(pk=item.pk).quantity == 3
    assert order.total > total_before
    assert AuditEntry.objects.filter(object_id=order.pk).exists()


def test_a_completed_order_cannot_be_corrected(route, users):
    stop = _first_stop(route)
    _act(users["driver"], route, "done", stop=stop.pk, payment_taken="cash", amount_taken="1")
    item = stop.order.items.get()
    result = _act(
        users["driver"], route, "correct", stop=stop.pk, **{f"item-{item.pk}-quantity": "5"}
    )
    assert not result.ok
    assert stop.order.items.get(pk=item.pk).quantity == 2


def test_a_cancelled_order_leaves_the_live_route(route, users, django_capture_on_commit_callbacks):
    from crm.orders.services.workflow import order_transition

    first = _first_stop(route)
    version = route.sequence_version
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(
            actor=users["dispatcher"], order=first.order, target="cancelled", reason="Отказ"
        )
    route.refresh_from_db()
    assert route.stops.count() == 2
    assert list(route.stops.order_by("position").values_list("position", flat=True)) == [0, 1]
    assert route.sequence_version == version + 1
