"""The live socket: session auth, origin check, group authorisation, events only after commit."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from crm.asgi import application
from crm.core.realtime import branch_group, publish_on_commit, user_group

pytestmark = [pytest.mark.django_db(transaction=True)]


def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _connect(user=None, origin: bytes = b"http://testserver"):
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_session_cookie)(user)))
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_anonymous_socket_is_refused():
    communicator, connected, code = await _connect()
    assert not connected and code == 4401
    await communicator.disconnect()


async def test_foreign_origin_is_refused(make_user):
    user = await sync_to_async(make_user)("manager")
    communicator, connected, _code = await _connect(user, origin=b"http://evil.example.com")
    assert not connected
    await communicator.disconnect()


async def test_event_published_on_commit_reaches_the_user(make_user):
    user = await sync_to_async(make_user)("manager")
    communicator, connected, _code = await _connect(user)
    assert connected
    hello = await communicator.receive_json_from()
    assert hello == {"type": "hello", "groups": [user_group(user.pk)]}

    def publish_inside_transaction():
        with transaction.atomic():
            publish_on_commit(user_group(user.pk), {"type": "ping-test", "n": 1})
            # Not sent while the transaction is open.
            return True

    await sync_to_async(publish_inside_transaction)()
    assert await communicator.receive_json_from(timeout=3) == {"type": "ping-test", "n": 1}
    await communicator.disconnect()


async def test_rolled_back_change_is_never_published(make_user):
    user = await sync_to_async(make_user)("manager")
    communicator, _connected, _code = await _connect(user)
    await communicator.receive_json_from()

    def publish_then_roll_back():
        try:
            with transaction.atomic():
                publish_on_commit(user_group(user.pk), {"type": "ghost"})
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    await sync_to_async(publish_then_roll_back)()
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_socket_gets_nothing_from_groups_it_may_not_join(make_user, other_branch):
    user = await sync_to_async(make_user)("manager")
    stranger = await sync_to_async(make_user)("manager", branch=other_branch)
    communicator, _connected, _code = await _connect(user)
    await communicator.receive_json_from()

    forbidden = [user_group(stranger.pk), branch_group(other_branch.pk), "nonsense", "routes.x"]
    await communicator.send_json_to({"subscribe": [*forbidden, branch_group(user.branch_id)]})
    reply = await communicator.receive_json_from()
    assert reply["groups"] == [branch_group(user.branch_id)]
    assert sorted(reply["refused"]) == sorted(forbidden)

    await sync_to_async(lambda: publish_on_commit(user_group(stranger.pk), {"type": "secret"}))()
    await sync_to_async(
        lambda: publish_on_commit(branch_group(other_branch.pk), {"type": "secret"})
    )()
    assert await communicator.receive_nothing(timeout=0.5)
    await sync_to_async(
        lambda: publish_on_commit(branch_group(user.branch_id), {"type": "branch-news"})
    )()
    assert (await communicator.receive_json_from(timeout=3))["type"] == "branch-news"
    await communicator.disconnect()


async def test_director_may_join_any_branch_group(make_user, other_branch):
    director = await sync_to_async(make_user)("director")
    communicator, _connected, _code = await _connect(director)
    await communicator.receive_json_from()
    await communicator.send_json_to({"subscribe": branch_group(other_branch.pk)})
    assert (await communicator.receive_json_from())["groups"] == [branch_group(other_branch.pk)]
    await communicator.disconnect()


def test_publish_survives_an_unreachable_channel_layer(settings):
    from channels.layers import channel_layers

    from crm.core.realtime import publish

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        assert publish("user.1", {"type": "x"}) is False
    finally:
        channel_layers.backends.clear()
