"""POST /api/v1/orders/: an online order on the matched client's card (or a new client)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from clients.models import Client
from crm.api.models import ApiCall, CallState
from crm.orders.models import Order
from crm.orders.services.orders import branch_today
from tests.clients.factories import make_client
from tests.orders.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(db):
    return make_product(code="W19", name="Вода 19 л", price=Decimal("300.00"))


def _order(branch, **changes):
    body = {
        "external_id": "shop-1001",
        "client": {"name": "Иван Смирнов", "phone": "+79117770011", "email": "ivan@example.ru"},
        "address": {
            "address": "ул. Садовая, 5",
            "city": "Санкт-Петербург",
            "latitude": "59.93",
            "longitude": "30.31",
            "apartment": "12",
            "comment": "Домофон 12",
        },
        "items": [{"code": "W19", "quantity": 2}, {"name": "Помпа", "quantity": 1}],
        "date": (branch_today(branch) + datetime.timedelta(days=1)).isoformat(),
        "window_from": "10:00",
        "window_to": "14:00",
        "payment_method": "card",
    }
    body.update(changes)
    return body


def test_order_for_a_new_client_creates_the_client_and_a_new_order(post, branch, water):
    response = post("orders/", _order(branch, paid_online=True, paid_amount="600.00"))
    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["id"])
    assert order.branch == branch and order.source == "api" and not order.is_seen
    assert order.external_id == "shop-1001"
    assert order.payment_method == "online" and order.prepayment_paid == Decimal("600.00")
    assert order.prepayment_paid_at is not None
    assert order.window_from == datetime.time(10) and order.driver_comment == ""
    client = order.client
    assert client.name == "Иван Смирнов" and client.source == "website"
    assert client.phones.get().number == "+79117770011"
    assert client.addresses.get().address == "ул. Садовая, 5"
    lines = list(order.items.filter(is_gift=False).order_by("position"))
    assert [(i.product, i.name, i.quantity) for i in lines] == [
        (water, "Вода 19 л", Decimal("2")),
        (None, "Помпа", Decimal("1")),
    ]
    assert lines[0].unit_price == Decimal("300.00")
    stop = order.stops.get()
    assert stop.address == "ул. Садовая, 5" and stop.access_notes == "Домофон 12"
    assert stop.receiver_phone == "+79117770011"


def test_order_for_a_known_phone_goes_on_that_clients_card(post, branch, water):
    known = make_client(branch=branch, name="Постоянный клиент", phones=["8 911 777-00-11"])
    response = post("orders/", _order(branch, comment="Позвонить за час"))
    order = Order.objects.get(pk=response.json()["id"])
    assert order.client == known and order.driver_comment == "Позвонить за час"
    assert Client.objects.count() == 1


def test_order_retry_returns_the_same_order(post, branch, water):
    first = post("orders/", _order(branch))
    again = post("orders/", _order(branch))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1 and Client.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"quantity": 1}]}, "items.0"),
        ({"items": [{"code": "W19", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"code": "NOPE", "quantity": 1}]}, "items"),
        ({"items": [{"code": "W19", "quantity": 1, "colour": "red"}]}, "items.0.colour"),
        ({"date": "завтра"}, "date"),
        ({"date": "2001-01-01"}, "date"),
        ({"window_from": "05:00", "window_to": "06:00"}, "window_from"),
        ({"window_from": "12:00", "window_to": None}, "window_to"),
        ({"payment_method": "barter"}, "payment_method"),
        ({"paid_online": True}, "__all__"),
        ({"client": {"name": "Без контактов"}}, "client"),
        ({"address": {"address": ""}}, "address.address"),
        ({"address": {"address": "x", "latitude": "91", "longitude": "1"}}, "address.latitude"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_order_validation_errors_are_422_with_the_field(post, branch, water, change, field):
    response = post("orders/", _order(branch, **change))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Order.objects.exists() and not Client.objects.exists()
    assert ApiCall.objects.get().state == CallState.REJECTED
