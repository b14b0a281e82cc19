"""The day screen's live group: an order change reaches a subscribed operator after commit; an
operator of another branch (or a manager) cannot join the branch's group."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from crm.asgi import application
from crm.orders.services import order_transition
from crm.orders.services.orders import order_group
from tests.clients.factories import make_client
from tests.orders.factories import make_order

pytestmark = [pytest.mark.django_db(transaction=True)]


def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _connect(user):
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", await sync_to_async(_session_cookie)(user)),
    ]
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _code = await communicator.connect()
    assert connected
    await communicator.receive_json_from()  # hello
    return communicator


def _order(operator):
    client = make_client(branch=operator.branch)
    return make_order(client=client, actor=operator)


async def test_operator_receives_created_and_changed_events(make_user):
    operator = await sync_to_async(make_user)("operator", username="op1")
    viewer = await _connect(operator)
    group = order_group(operator.branch_id)
    await viewer.send_json_to({"subscribe": [group]})
    assert (await viewer.receive_json_from())["groups"] == [group]

    order = await sync_to_async(_order)(operator)
    event = await viewer.receive_json_from(timeout=3)
    assert event["type"] == "order.created" and event["order_id"] == order.pk
    assert event["date"] == order.date.isoformat()

    await sync_to_async(order_transition)(actor=operator, order=order, target="confirmed")
    event = await viewer.receive_json_from(timeout=3)
    assert event == {
        "type": "order.changed",
        "order_id": order.pk,
        "status": "confirmed",
        "date": order.date.isoformat(),
    }
    await viewer.disconnect()


@pytest.mark.parametrize("role, same_branch", [("operator", False), ("manager", True)])
async def test_outsiders_cannot_join_the_branch_group(make_user, other_branch, role, same_branch):
    operator = await sync_to_async(make_user)("operator", username="op1")
    kwargs = {} if same_branch else {"branch": other_branch}
    stranger = await sync_to_async(make_user)(role, username="stranger", **kwargs)
    group = order_group(operator.branch_id)
    spy = await _connect(stranger)
    await spy.send_json_to({"subscribe": [group]})
    reply = await spy.receive_json_from()
    assert reply["groups"] == [] and reply["refused"] == [group]
    await sync_to_async(_order)(operator)
    assert await spy.receive_nothing(timeout=0.5)
    await spy.disconnect()


async def test_a_manager_hears_about_orders_of_own_clients_only(make_user):
    operator = await sync_to_async(make_user)("operator", username="op1")
    manager = await sync_to_async(make_user)("manager", username="m1")
    colleague = await sync_to_async(make_user)("manager", username="m2")
    mine = await _connect(manager)
    theirs = await _connect(colleague)

    def order_for_manager():
        client = make_client(branch=operator.branch, manager=manager)
        return make_order(client=client, actor=operator)

    order = await sync_to_async(order_for_manager)()
    event = await mine.receive_json_from(timeout=3)
    assert event["type"] == "order.created" and event["order_id"] == order.pk
    assert await theirs.receive_nothing(timeout=0.5)
    await mine.disconnect()
    await theirs.disconnect()
