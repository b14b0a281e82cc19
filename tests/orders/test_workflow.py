"""The order state machine per role: allowed moves, refused moves, reasons, the prepayment guard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.orders.models import Order, OrderStatus, OrderStatusChange
from crm.orders.services import order_record_prepayment, order_transition
from crm.orders.workflow import CORE_MOVES, available_moves, find_move
from tests.orders.factories import make_order

S = OrderStatus
pytestmark = pytest.mark.django_db


def _order_in(status: str, client, **fields) -> Order:
    order = make_order(client=client, **fields)
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


# (role, from, to, allowed)
CASES = [
    ("operator", S.NEW, S.CONFIRMED, True),
    ("manager", S.NEW, S.CONFIRMED, True),
    ("dispatcher", S.NEW, S.CONFIRMED, True),
    ("driver", S.NEW, S.CONFIRMED, False),
    ("accountant", S.NEW, S.CONFIRMED, False),
    ("dispatcher", S.CONFIRMED, S.IN_WORK, True),
    ("operator", S.CONFIRMED, S.IN_WORK, True),
    ("manager", S.CONFIRMED, S.IN_WORK, False),
    ("driver", S.IN_WORK, S.COMPLETED, True),  # assigned to them below
    ("dispatcher", S.IN_WORK, S.COMPLETED, True),
    ("manager", S.IN_WORK, S.COMPLETED, False),
    ("driver", S.IN_WORK, S.ON_HOLD, True),
    ("driver", S.CONFIRMED, S.ON_HOLD, False),
    ("manager", S.NEW, S.CANCELLED, True),
    ("manager", S.IN_WORK, S.CANCELLED, False),
    ("operator", S.CANCELLED, S.NEW, True),
    ("dispatcher", S.CANCELLED, S.NEW, False),
    ("admin", S.ON_HOLD, S.IN_WORK, True),
    ("storekeeper", S.ON_HOLD, S.IN_WORK, False),
]


@pytest.mark.parametrize(("role", "source", "target", "allowed"), CASES)
def test_moves_per_role(role, source, target, allowed, users, own_client):
    order = _order_in(source, own_client, assignee=users["driver"])
    reason = "Клиента нет дома" if target in (S.ON_HOLD, S.CANCELLED) else ""
    if allowed:
        order = order_transition(actor=users[role], order=order, target=target, reason=reason)
        assert order.status == target
        change = OrderStatusChange.objects.get(order=order)
        assert (change.from_status, change.to_status, change.actor) == (
            source,
            target,
            users[role],
        )
        assert change.reason == reason
    else:
        with pytest.raises(PermissionDenied):
            order_transition(actor=users[role], order=order, target=target, reason=reason)
        order.refresh_from_db()
        assert order.status == source
        assert not OrderStatusChange.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("source", "target"),
    [(S.NEW, S.IN_WORK), (S.NEW, S.COMPLETED), (S.COMPLETED, S.NEW), (S.CANCELLED, S.COMPLETED)],
)
def test_moves_outside_the_core_graph_are_refused(source, target, users, own_client):
    order = _order_in(source, own_client)
    with pytest.raises(ValidationError, match="cannot go from"):
        order_transition(actor=users["admin"], order=order, target=target)
    order.refresh_from_db()
    assert order.status == source


@pytest.mark.parametrize("target", [S.ON_HOLD, S.CANCELLED])
def test_hold_and_cancel_need_a_reason(target, users, own_client):
    order = _order_in(S.CONFIRMED, own_client)
    with pytest.raises(ValidationError) as err:
        order_transition(actor=users["operator"], order=order, target=target, reason="   ")
    assert "reason" in err.value.message_dict
    order = order_transition(actor=users["operator"], order=order, target=target, reason="Ремонт")
    assert order.status_reason == "Ремонт"


def test_driver_moves_only_own_orders(users, make_user, own_client):
    other_driver = make_user("driver", username="driver-2")
    order = _order_in(S.IN_WORK, own_client, assignee=other_driver)
    with pytest.raises(PermissionDenied):
        order_transition(actor=users["driver"], order=order, target=S.COMPLETED)
    assert available_moves(users["driver"], order) == []


def test_prepayment_guard_blocks_work_until_recorded(users, own_client):
    order = _order_in(
        S.CONFIRMED, own_client, prepayment_required=True, prepayment_amount=Decimal("500.00")
    )
    with pytest.raises(ValidationError, match=r"Prepayment of 500\.00"):
        order_transition(actor=users["dispatcher"], order=order, target=S.IN_WORK)
    order_record_prepayment(actor=users["operator"], order=order, amount=Decimal("200.00"))
    with pytest.raises(ValidationError, match=r"Prepayment of 300\.00"):
        order_transition(actor=users["dispatcher"], order=order, target=S.IN_WORK)
    order_record_prepayment(actor=users["operator"], order=order, amount=Decimal("300.00"))
    order = order_transition(actor=users["dispatcher"], order=order, target=S.IN_WORK)
    assert order.status == S.IN_WORK


def test_type_overrides_change_who_may_move(users, own_client):
    freight = _order_in(S.CONFIRMED, own_client, order_type="freight")
    delivery = _order_in(S.CONFIRMED, own_client, order_type="delivery")
    assert (
        find_move("freight", S.CONFIRMED, S.IN_WORK).roles
        != find_move("delivery", S.CONFIRMED, S.IN_WORK).roles
    )
    order_transition(actor=users["manager"], order=freight, target=S.IN_WORK)
    with pytest.raises(PermissionDenied):
        order_transition(actor=users["manager"], order=delivery, target=S.IN_WORK)


def test_every_core_move_needs_a_reason_only_into_hold_or_cancel():
    assert {m.target for m in CORE_MOVES} == set(S.values) - set()
    assert all(m.source != m.target for m in CORE_MOVES)


def test_completion_is_written_to_the_client_timeline(users, own_client):
    from crm.core.models import TimelineEntry

    order = _order_in(S.IN_WORK, own_client, assignee=users["driver"])
    order_transition(actor=users["driver"], order=order, target=S.COMPLETED)
    entry = TimelineEntry.objects.filter(object_id=own_client.pk, kind="status").latest("pk")
    assert order.number in entry.body and "Completed" in entry.body
