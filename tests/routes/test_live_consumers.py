"""The live socket and the routes groups: who may join the dispatcher's board
(``routes.branch.<id>``) and a route (``routes.route.<id>``), and that route events reach the
sockets only after the change commits. Through ``crm.asgi.application`` (session auth, origin
check, the live consumer) on the configured channel layer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from crm.accounts.roles import Role
from crm.asgi import application
from routes.models import RoutePlan
from routes.realtime import board_group, publish_route_event, route_group
from tests.clients.factories import make_client
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

pytestmark = [pytest.mark.django_db(transaction=True)]

TODAY = datetime.date.today()


@dataclass
class World:
    """Today's published plan (the driver's route and a colleague's), a draft plan of tomorrow
    with a route of the driver, and a published route of another branch."""

    users: dict[str, Any]
    branch: Any
    other_branch: Any
    mine: Any
    colleagues: Any
    draft: Any
    foreign: Any


def _orders(branch: Any, count: int, date: datetime.date) -> list[Any]:
    client = make_client(branch=branch)
    return [make_stop_order(client, point=("59.94", "30.32"), date=date) for _ in range(count)]


@pytest.fixture
def world(branch, other_branch, users, make_user) -> World:
    users = {
        **users,
        "colleague": make_user(Role.DRIVER, username="driver-b"),
        "foreign_dispatcher": make_user(Role.DISPATCHER, username="disp-msk", branch=other_branch),
        "foreign_driver": make_user(Role.DRIVER, username="driver-msk", branch=other_branch),
    }
    depot = make_depot(branch)
    van = make_vehicle(branch, depot, driver=users["driver"])
    van_b = make_vehicle(branch, depot, driver=users["colleague"])
    published = make_manual_plan(
        branch,
        [van, van_b],
        [_orders(branch, 1, TODAY), _orders(branch, 1, TODAY)],
        status=RoutePlan.Status.PUBLISHED,
    )
    tomorrow = TODAY + datetime.timedelta(days=1)
    draft = make_manual_plan(branch, [van], [_orders(branch, 1, tomorrow)])
    foreign_van = make_vehicle(
        other_branch, make_depot(other_branch), driver=users["foreign_driver"]
    )
    foreign = make_manual_plan(
        other_branch,
        [foreign_van],
        [_orders(other_branch, 1, TODAY)],
        status=RoutePlan.Status.PUBLISHED,
    )
    return World(
        users=users,
        branch=branch,
        other_branch=other_branch,
        mine=published.routes.get(vehicle=van),
        colleagues=published.routes.get(vehicle=van_b),
        draft=draft.routes.get(),
        foreign=foreign.routes.get(),
    )


def _groups(world: World) -> dict[str, str]:
    return {
        "board": board_group(world.branch.pk),
        "other_board": board_group(world.other_branch.pk),
        "my_route": route_group(world.mine.pk),
        "colleagues_route": route_group(world.colleagues.pk),
        "draft_route": route_group(world.draft.pk),
        "foreign_route": route_group(world.foreign.pk),
    }


def _session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def _connect(user: Any = None) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(_session_cookie)(user)))
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def _socket(user: Any) -> WebsocketCommunicator:
    communicator, connected, _code = await _connect(user)
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


async def _subscribe(communicator: WebsocketCommunicator, groups: list[str]) -> dict[str, Any]:
    await communicator.send_json_to({"subscribe": groups})
    reply = await communicator.receive_json_from(timeout=3)
    assert reply["type"] == "subscribed"
    return reply


# role → the groups it may join; it is refused every other group of ``_groups``
ACCESS = {
    "dispatcher": {"board", "my_route", "colleagues_route", "draft_route"},
    "foreign_dispatcher": {"other_board", "foreign_route"},
    "driver": {"my_route"},
    "colleague": {"colleagues_route"},
    "manager": set(),
    "storekeeper": set(),
    # a director works in every branch and reads every plan
    "director": {
        "board",
        "other_board",
        "my_route",
        "colleagues_route",
        "draft_route",
        "foreign_route",
    },
}


@pytest.mark.parametrize("who", sorted(ACCESS))
async def test_who_may_join_which_routes_group(world: World, who: str) -> None:
    groups = _groups(world)
    communicator = await _socket(world.users[who])
    reply = await _subscribe(communicator, list(groups.values()))
    allowed = {name for name, group in groups.items() if group in reply["groups"]}
    refused = {name for name, group in groups.items() if group in reply["refused"]}
    assert allowed == ACCESS[who]
    assert refused == set(groups) - ACCESS[who]
    await communicator.disconnect()


async def test_a_driver_never_joins_the_board_even_alone(world: World) -> None:
    communicator = await _socket(world.users["driver"])
    reply = await _subscribe(communicator, [board_group(world.branch.pk)])
    assert reply["groups"] == [] and reply["refused"] == [board_group(world.branch.pk)]
    await communicator.disconnect()


@pytest.mark.parametrize("key", ["abc", "", "999999999", "-1", "1.5"])
async def test_garbage_route_and_branch_keys_are_refused(world: World, key: str) -> None:
    communicator = await _socket(world.users["dispatcher"])
    wanted = [f"routes.route.{key}", f"routes.branch.{key}"]
    reply = await _subscribe(communicator, wanted)
    assert reply["groups"] == []
    await communicator.disconnect()


async def test_anonymous_socket_is_closed_with_4401() -> None:
    communicator, connected, code = await _connect()
    assert not connected and code == 4401
    await communicator.disconnect()


async def _board_and_route_sockets(world: World) -> list[WebsocketCommunicator]:
    board = await _socket(world.users["dispatcher"])
    await _subscribe(board, [board_group(world.branch.pk)])
    tablet = await _socket(world.users["driver"])
    await _subscribe(tablet, [route_group(world.mine.pk)])
    return [board, tablet]


def _stop_done(route: Any, *, roll_back: bool) -> None:
    stop = route.stops.get()
    try:
        with transaction.atomic():
            publish_route_event(route, "route.stop", stop=stop.pk, state="done")
            if roll_back:
                raise RuntimeError("roll back")
    except RuntimeError:
        pass


async def test_a_rolled_back_change_sends_nothing(world: World) -> None:
    sockets = await _board_and_route_sockets(world)
    await sync_to_async(_stop_done)(world.mine, roll_back=True)
    for communicator in sockets:
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()


async def test_a_committed_change_reaches_the_board_and_the_route(world: World) -> None:
    sockets = await _board_and_route_sockets(world)
    stop_id = await sync_to_async(lambda: world.mine.stops.get().pk)()
    await sync_to_async(_stop_done)(world.mine, roll_back=False)
    expected = {"type": "route.stop", "route": world.mine.pk, "stop": stop_id, "state": "done"}
    for communicator in sockets:
        assert await communicator.receive_json_from(timeout=3) == expected
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()


async def test_sockets_of_other_groups_hear_nothing(world: World) -> None:
    colleague = await _socket(world.users["colleague"])
    await _subscribe(colleague, [route_group(world.colleagues.pk)])
    foreign = await _socket(world.users["foreign_dispatcher"])
    await _subscribe(foreign, [board_group(world.other_branch.pk)])
    await sync_to_async(_stop_done)(world.mine, roll_back=False)
    for communicator in (colleague, foreign):
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()
