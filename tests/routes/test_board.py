"""The dispatcher's live board: the selectors (summary, exceptions, map) in a fixed number of
queries, and the pages: who sees them, htmx partials, another branch's routes invisible."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.accounts.roles import Role
from routes import board
from routes.models import DriverMessage, Route, RouteState
from tests.routes.board_factories import cash, local, make_live_day, mark, start_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def drivers(users, make_user):
    return [users["driver"], make_user(Role.DRIVER, username="driver_b")]


@pytest.fixture
def day(branch, users, drivers):
    return make_live_day(branch, users["dispatcher"], drivers)


def _routes(plan):
    return list(plan.routes.order_by("position"))


def _stops(route):
    return list(route.stops.order_by("position"))


def _progress(plan, branch, now):
    """Route A on the road: 2 done (cash, card), 1 failed, one done 650 m away; route B on a
    breakdown since 40 minutes, standing still; a driver's message not read yet."""
    a, b = _routes(plan)
    start_route(a, now - datetime.timedelta(hours=2), last_moved_at=now)
    sa = _stops(a)
    mark(sa[0], "done", now - datetime.timedelta(minutes=50), **cash("1200.50"))
    mark(
        sa[1],
        "done",
        now - datetime.timedelta(minutes=30),
        payment_taken="card",
        amount_taken=Decimal("800"),
        marked_distance_m=650,
    )
    mark(sa[2], "failed", now - datetime.timedelta(minutes=10), fail_reason="nobody")
    start_route(
        b,
        now - datetime.timedelta(hours=2),
        state=RouteState.ON_BREAK,
        break_reason="breakdown",
        break_since=now - datetime.timedelta(minutes=40),
        last_moved_at=now - datetime.timedelta(minutes=45),
    )
    DriverMessage.objects.create(route=b, sender=b.driver, from_driver=True, body="Колесо")
    return a, b


# --- Selectors ----------------------------------------------------------------------------------
def test_board_summarises_each_route(branch, users, day):
    now = local(branch, 11)
    _progress(day, branch, now)
    result = board.board_read(user=users["dispatcher"], branch=branch, date=day.date, now=now)
    row_a, row_b = result.rows
    assert (row_a.done, row_a.failed, row_a.left, row_a.total) == (2, 1, 2, 5)
    assert [m.amount for m in row_a.cash] == [Decimal("1200.50")]
    assert [m.amount for m in row_a.card] == [Decimal("800.00")]
    assert (row_b.done, row_b.failed, row_b.left) == (0, 0, 5)
    assert row_a.back_time is not None
    totals = result.totals
    assert totals["done"] == 2 and totals["failed"] == 1 and totals["stops"] == 10
    assert totals["cash"][0].currency == "RUB"


def test_exceptions_are_sorted_most_urgent_first(branch, users, day, settings):
    settings.ROUTES_IDLE_MINUTES = 20
    now = local(branch, 11)
    a, b = _progress(day, branch, now)
    start_route(a, now - datetime.timedelta(hours=2), last_moved_at=now)
    result = board.board_read(user=users["dispatcher"], branch=branch, date=day.date, now=now)
    kinds = [(e.kind, e.route.pk) for e in result.exceptions]
    assert kinds[0] == (board.Kind.BREAK, b.pk)  # a breakdown comes first
    assert (board.Kind.FAILED, a.pk) in kinds
    assert (board.Kind.FAR, a.pk) in kinds
    assert (board.Kind.MESSAGE, b.pk) in kinds
    assert (board.Kind.IDLE, a.pk) not in kinds  # moved just now
    levels = [e.level for e in result.exceptions]
    assert levels == sorted(levels, reverse=True)


def test_late_stops_and_idle_vans_are_exceptions(branch, users, drivers, settings):
    settings.ROUTES_IDLE_MINUTES = 20
    plan = make_live_day(branch, users["dispatcher"], drivers, window=(9, 10))
    now = local(branch, 12)
    a, _b = _routes(plan)
    start_route(
        a, now - datetime.timedelta(hours=3), last_moved_at=now - datetime.timedelta(minutes=25)
    )
    result = board.board_read(user=users["dispatcher"], branch=branch, date=plan.date, now=now)
    late = [e for e in result.exceptions if e.kind == board.Kind.LATE]
    assert len(late) == 10 and all(e.minutes >= 120 for e in late)
    assert all(e.level == 3 for e in late)
    idle = [e for e in result.exceptions if e.kind == board.Kind.IDLE]
    assert [e.route.pk for e in idle] == [a.pk] and idle[0].minutes == 25


def test_done_far_threshold_is_a_setting(branch, users, day, settings):
    now = local(branch, 11)
    _progress(day, branch, now)
    settings.ROUTES_DONE_FAR_METRES = 700
    result = board.board_read(user=users["dispatcher"], branch=branch, date=day.date, now=now)
    assert not [e for e in result.exceptions if e.kind == board.Kind.FAR]


def test_map_data_has_lines_states_and_vans(branch, users, day):
    now = local(branch, 11)
    a, _b = _progress(day, branch, now)
    Route.objects.filter(pk=a.pk).update(
        last_latitude=Decimal("59.94"), last_longitude=Decimal("30.32"), last_position_at=now
    )
    result = board.board_read(user=users["dispatcher"], branch=branch, date=day.date, now=now)
    data = board.map_data(result.rows)
    route_a = next(r for r in data["routes"] if r["id"] == a.pk)
    assert [s["state"] for s in route_a["stops"]][:3] == ["done", "done", "failed"]
    assert route_a["van"]["point"] == [59.94, 30.32]
    assert data["depots"]


def test_board_read_does_not_grow_with_routes_and_stops(branch, users, make_user, settings):
    def count(n_routes, n_stops, date):
        drivers = [make_user(Role.DRIVER) for _ in range(n_routes)]
        plan = make_live_day(branch, users["dispatcher"], drivers, n_stops, date=date)
        for route in plan.routes.all():
            mark(route.stops.first(), "done", **cash("10"))
            DriverMessage.objects.create(route=route, sender=users["dispatcher"], body="hi")
        with CaptureQueriesContext(connection) as ctx:
            result = board.board_read(user=users["dispatcher"], branch=branch, date=plan.date)
            board.map_data(result.rows)
        return len(ctx.captured_queries)

    today = datetime.date.today()
    small = count(1, 2, today + datetime.timedelta(days=1))
    big = count(4, 8, today + datetime.timedelta(days=2))
    assert small == big <= 10


def test_another_branch_sees_no_plan(other_branch, make_user, day):
    dispatcher = make_user(Role.DISPATCHER, branch=other_branch)
    result = board.board_read(user=dispatcher, branch=other_branch, date=day.date)
    assert result.plan is None and result.rows == []


# --- Pages --------------------------------------------------------------------------------------
def test_dispatcher_opens_the_board(client_for, branch, day):
    response = client_for("dispatcher").get(reverse("routes:board"))
    assert response.status_code == 200
    html = response.content.decode()
    for route in day.routes.select_related("vehicle"):
        assert route.vehicle.plate in html
    assert 'id="board-live"' in html and "board-map-data" in html
    assert f'data-live-groups="routes.branch.{branch.pk}"' in html
    assert 'data-live="1"' in html and 'id="live-status"' in html


def test_board_live_partial_for_htmx(client_for, day):
    url = reverse("routes:board-live") + f"?date={day.date.isoformat()}"
    response = client_for("director").get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board-live"') and "<html" not in html


def test_board_of_a_day_without_a_published_plan(client_for):
    url = reverse("routes:board") + "?date=2001-01-01"
    response = client_for("dispatcher").get(url)
    assert response.status_code == 200 and b'id="board-empty"' in response.content


@pytest.mark.parametrize("role", [Role.DRIVER, Role.MANAGER, Role.OPERATOR, Role.ACCOUNTANT])
def test_board_is_refused_to_other_roles(client_for, day, role):
    client = client_for(role)
    assert client.get(reverse("routes:board")).status_code == 403
    route = day.routes.first()
    assert client.get(reverse("routes:board-route", args=[route.pk])).status_code == 403


def test_route_panel_with_and_without_htmx(client_for, branch, day):
    route = day.routes.first()
    client = client_for("dispatcher")
    url = reverse("routes:board-route", args=[route.pk])
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and b'id="panel-route"' in partial.content
    assert b"<html" not in partial.content
    page = client.get(url)
    assert (
        page.status_code == 200 and b"<html" in page.content and b'id="panel-route"' in page.content
    )


def test_another_branchs_route_is_invisible(other_branch, make_user, day):
    from django.test import Client

    client = Client()
    client.force_login(make_user(Role.DISPATCHER, branch=other_branch))
    route = day.routes.first()
    stop = route.stops.first()
    assert client.get(reverse("routes:board-route", args=[route.pk])).status_code == 404
    assert client.get(reverse("routes:board-messages", args=[route.pk])).status_code == 404
    assert client.get(reverse("routes:board-stop-move", args=[stop.pk])).status_code == 404
    assert client.get(reverse("routes:board-driver", args=[route.pk])).status_code == 404


def test_dispatcher_lands_on_the_board(client_for, day):
    from crm.core.registry import home_url_name_for

    assert home_url_name_for(Role.DISPATCHER) == "routes:board"
