"""Live client card: who may join a client's group, and that services publish after commit."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from clients import services
from clients.realtime import client_group
from crm.core.realtime import can_join_group
from crm.core.services import timeline_add
from tests.clients.factories import make_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "own", "allowed"),
    [
        ("manager", True, True),
        ("manager", False, False),  # another manager's client
        ("head_of_sales", False, True),
        ("director", False, True),
        ("driver", False, False),  # no clients at all
    ],
)
def test_only_users_who_see_the_client_join_its_group(users, branch, make_user, role, own, allowed):
    colleague = make_user("manager", username="colleague")
    client = make_client(branch=branch, manager=users["manager"] if own else colleague)
    assert can_join_group(users[role], client_group(client.pk)) is allowed


def test_another_branch_and_garbage_keys_are_refused(users, other_branch, make_user):
    stranger = make_user("manager", username="stranger", branch=other_branch)
    client = make_client(branch=other_branch, manager=stranger)
    assert not can_join_group(users["head_of_sales"], client_group(client.pk))
    assert not can_join_group(users["head_of_sales"], "clients.client.abc")
    assert not can_join_group(users["head_of_sales"], "clients.client.")


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda u, c: services.client_update(actor=u, client=c, name="Новое имя"), "card"),
        (lambda u, c: services.client_set_mood(actor=u, client=c, mood="happy"), "flags"),
        (
            lambda u, c: services.client_set_attention(actor=u, client=c, needs_attention=True),
            "flags",
        ),
        (lambda u, c: timeline_add(actor=u, target=c, body="Перезвонил"), "timeline"),
    ],
)
def test_changes_publish_after_commit_only(
    users, branch, django_capture_on_commit_callbacks, change, what
):
    client = make_client(branch=branch, manager=users["manager"])
    with mock.patch("crm.core.realtime.publish") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            change(users["manager"], client)
        assert not publish.called  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    events = [call.args for call in publish.call_args_list]
    assert (client_group(client.pk), {"type": "client.changed", "id": client.pk, "what": what}) in (
        events
    )


def test_a_change_that_changes_nothing_publishes_nothing(
    users, branch, django_capture_on_commit_callbacks
):
    client = make_client(branch=branch, manager=users["manager"])
    with (
        mock.patch("crm.core.realtime.publish") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.client_set_mood(actor=users["manager"], client=client, mood=client.mood)
    assert not publish.called


def test_card_subscribes_and_refreshes_on_the_live_event(client_for, users, branch):
    client = make_client(branch=branch, manager=users["manager"])
    page = client_for("manager").get(reverse("clients:client-detail", args=[client.pk]))
    html = page.content.decode()
    assert f'data-live-groups="clients.client.{client.pk}"' in html
    assert 'hx-trigger="kolo:client.changed from:body"' in html
    assert 'hx-select="#client-live"' in html
