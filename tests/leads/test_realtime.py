"""Board viewers receive stage moves live; viewers of another branch cannot subscribe."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from crm.asgi import application
from crm.leads import services
from crm.leads.services import pipeline_group
from tests.leads.factories import make_lead, make_pipeline, open_stages

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


async def test_board_viewer_receives_the_move(make_user):
    manager = await sync_to_async(make_user)("manager", username="m1")
    head = await sync_to_async(make_user)("head_of_sales", username="h1")
    pipeline = await sync_to_async(make_pipeline)(manager.branch)
    lead = await sync_to_async(make_lead)(manager, pipeline)
    target = (await sync_to_async(open_stages)(pipeline))[1]

    viewer = await _connect(head)
    await viewer.send_json_to({"subscribe": [pipeline_group(pipeline.pk)]})
    reply = await viewer.receive_json_from()
    assert reply["groups"] == [pipeline_group(pipeline.pk)]

    await sync_to_async(services.lead_move)(actor=manager, lead=lead, stage=target)
    event = await viewer.receive_json_from(timeout=3)
    assert event["type"] == "lead" and event["op"] == "moved"
    assert event["id"] == lead.pk and event["stage"] == target.pk
    await viewer.disconnect()


async def test_viewer_of_another_branch_cannot_subscribe(make_user, other_branch):
    manager = await sync_to_async(make_user)("manager", username="m1")
    stranger = await sync_to_async(make_user)(
        "head_of_sales", username="stranger", branch=other_branch
    )
    pipeline = await sync_to_async(make_pipeline)(manager.branch)
    lead = await sync_to_async(make_lead)(manager, pipeline)
    target = (await sync_to_async(open_stages)(pipeline))[1]

    spy = await _connect(stranger)
    await spy.send_json_to({"subscribe": [pipeline_group(pipeline.pk)]})
    reply = await spy.receive_json_from()
    assert reply["groups"] == [] and reply["refused"] == [pipeline_group(pipeline.pk)]
    await sync_to_async(services.lead_move)(actor=manager, lead=lead, stage=target)
    assert await spy.receive_nothing(timeout=0.5)
    await spy.disconnect()
