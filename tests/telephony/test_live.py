"""The pop-up on the live socket: two operators connected at once each receive only the calls
pushed to them (their own ``user.<id>`` group), and neither may join the other's group.
Through ``crm.asgi.application`` on the configured channel layer (Redis when REDIS_URL is set)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from crm.accounts.roles import Role
from crm.asgi import application
from crm.core.realtime import user_group
from crm.telephony.services import handle_call_event
from tests.telephony.factories import make_extension

pytestmark = [pytest.mark.django_db(transaction=True)]


def _cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _socket(user: Any) -> WebsocketCommunicator:
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", await sync_to_async(_cookie)(user)),
    ]
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _code = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


def _ring(branch: Any, call_id: str, called: str) -> Any:
    with transaction.atomic():
        return handle_call_event(
            branch=branch, event="incoming", call_id=call_id, caller="+79111234567", called=called
        )


@pytest.fixture
def operators(make_user):
    one = make_user(Role.OPERATOR, username="live-op1")
    two = make_user(Role.OPERATOR, username="live-op2")
    make_extension(one, "101")
    make_extension(two, "102")
    return one, two


async def test_two_operators_each_get_only_their_own_pop_up(branch, operators) -> None:
    one, two = operators
    sock_one, sock_two = await _socket(one), await _socket(two)

    call_one = await sync_to_async(_ring)(branch, "live-1", "101")
    call_two = await sync_to_async(_ring)(branch, "live-2", "102")

    got_one = await sock_one.receive_json_from(timeout=3)
    got_two = await sock_two.receive_json_from(timeout=3)
    assert (got_one["type"], got_one["call"]) == ("call.incoming", call_one.pk)
    assert (got_two["type"], got_two["call"]) == ("call.incoming", call_two.pk)
    assert await sock_one.receive_nothing(timeout=0.3)
    assert await sock_two.receive_nothing(timeout=0.3)

    # A call to a line with no extension rings for both, each on their own socket.
    shared = await sync_to_async(_ring)(branch, "live-3", "74950000000")
    assert (await sock_one.receive_json_from(timeout=3))["call"] == shared.pk
    assert (await sock_two.receive_json_from(timeout=3))["call"] == shared.pk
    await sock_one.disconnect()
    await sock_two.disconnect()


async def test_an_operator_cannot_join_another_operators_group(operators) -> None:
    one, two = operators
    sock = await _socket(one)
    await sock.send_json_to({"subscribe": [user_group(two.pk)]})
    reply = await sock.receive_json_from(timeout=3)
    assert reply == {"type": "subscribed", "groups": [], "refused": [user_group(two.pk)]}
    await sock.disconnect()
