"""The driver's money: a stop marked done with cash or card taken on the tablet
(``routes.services.live.apply_action``) becomes a billing Payment after commit — source
"driver's tablet", linked to the stop, allocated oldest first, recorded once however often the
tablet re-sends or the signal repeats; no payment without money taken."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from billing.models import DocStatus, Payment, PaymentMethod, PaymentSource
from billing.reactions import record_stop_payment, stop_external_key
from routes.services import live
from tests.billing.core_factories import make_invoice, make_organisation
from tests.routes.live_factories import make_live_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def route(branch, users):
    make_organisation(branch)
    return make_live_route(branch, users)


def _stop(route, n=0):
    return route.stops.select_related("order__client").order_by("position")[n]


def _done(users, route, stop, commit, **data):
    data = {"stop": stop.pk, "line-0-delivered": "2", "line-0-collected": "1", **data}
    action_id = data.setdefault("action_id", str(uuid.uuid4()))
    with commit(execute=True):
        return live.apply_action(
            user=users["driver"], route=route, kind="done", data=data, action_id=action_id
        )


def test_cash_taken_at_a_stop_becomes_a_payment_allocated_oldest_first(
    route, users, django_capture_on_commit_callbacks
):
    stop = _stop(route)
    client = stop.order.client
    invoice = make_invoice(client, amount="300.00")
    result = _done(
        users,
        route,
        stop,
        django_capture_on_commit_callbacks,
        payment_taken="cash",
        amount_taken="500.00",
    )
    assert result.ok, result.errors
    payment = Payment.objects.get()
    assert payment.client_id == client.pk and payment.amount == Decimal("500.00")
    assert payment.source == PaymentSource.DRIVER and payment.method == PaymentMethod.CASH
    assert payment.external_key == stop_external_key(stop.pk)
    assert payment.route_stop_id == stop.pk
    assert payment.created_by_id == users["driver"].pk
    invoice.refresh_from_db()
    assert invoice.status == DocStatus.PAID
    client.refresh_from_db()
    assert client.balance == Decimal("200.00")


def test_a_resent_action_or_a_repeated_signal_records_once(
    route, users, django_capture_on_commit_callbacks
):
    stop = _stop(route)
    action_id = str(uuid.uuid4())
    for _attempt in range(2):
        _done(
            users,
            route,
            stop,
            django_capture_on_commit_callbacks,
            payment_taken="card",
            amount_taken="120.00",
            action_id=action_id,
        )
    live.stop_payment_taken.send(
        sender=None,
        stop_id=stop.pk,
        client_id=stop.order.client_id,
        amount=Decimal("120.00"),
        method="card",
        action_id=action_id,
    )
    assert Payment.objects.count() == 1
    assert Payment.objects.get().method == PaymentMethod.CARD


def test_no_money_taken_no_payment(route, users, django_capture_on_commit_callbacks):
    _done(users, route, _stop(route), django_capture_on_commit_callbacks, payment_taken="none")
    assert not Payment.objects.exists()
    assert record_stop_payment(stop_id=1, client_id=1, amount=Decimal("0"), method="cash") is None
    assert record_stop_payment(stop_id=1, client_id=1, amount=Decimal("5"), method="bank") is None


def test_a_rejected_action_sends_nothing(route, users, django_capture_on_commit_callbacks):
    stop = _stop(route)
    result = _done(
        users,
        route,
        stop,
        django_capture_on_commit_callbacks,
        payment_taken="cash",
        amount_taken="-5",
    )
    assert not result.ok
    assert not Payment.objects.exists()


def test_the_receiver_is_connected_once():
    receivers = [r for r in live.stop_payment_taken.receivers if "billing" in str(r[0])]
    assert len(receivers) == 1
