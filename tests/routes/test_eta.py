"""ETAs from actual progress: the forecast starts where the van really is, at the real time."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from routes.models import RouteState, StopState
from routes.services.eta import forecast
from routes.services.timing import distance_provider, order_point, order_service_seconds
from tests.routes.live_factories import make_live_route

pytestmark = pytest.mark.django_db


def _at(route, hour: int, minute: int = 0) -> datetime.datetime:
    tz = route.plan.branch.tzinfo
    return datetime.datetime.combine(route.plan.date, datetime.time(hour, minute), tzinfo=tz)


def _stops(route):
    return list(
        route.stops.select_related("order")
        .prefetch_related("order__stops", "order__items__product")
        .order_by("position")
    )


def _travel(a, b) -> int:
    _d, durations = distance_provider().matrix([order_point(a.order), order_point(b.order)])
    return durations[0][1]


@pytest.fixture
def route(branch, users):
    return make_live_route(branch, users, stops=3)


def test_after_a_done_stop_the_next_eta_counts_from_now(route):
    stops = _stops(route)
    now = _at(route, 10)
    stops[0].state, stops[0].finished_at = StopState.DONE, now - datetime.timedelta(minutes=1)
    route.state = RouteState.ON_ROAD
    result = forecast(route, stops, now)
    assert stops[0].pk not in result.etas
    expected = 10 * 3600 + _travel(stops[0], stops[1])
    assert result.etas[stops[1].pk].arrival == expected
    assert result.back_at > result.etas[stops[2].pk].start


def test_a_van_standing_at_a_stop_leaves_after_its_service(route):
    stops = _stops(route)
    now = _at(route, 11)
    stops[0].state, stops[0].arrived_at = StopState.ARRIVED, now - datetime.timedelta(minutes=1)
    route.state = RouteState.ON_ROAD
    result = forecast(route, stops, now)
    leave = 11 * 3600 - 60 + order_service_seconds(stops[0].order)
    assert result.etas[stops[1].pk].arrival == leave + _travel(stops[0], stops[1])


def test_a_stop_whose_window_is_gone_is_running_late(route):
    stops = _stops(route)
    order = stops[2].order
    order.window_from, order.window_to = datetime.time(9), datetime.time(12)
    route.state = RouteState.ON_ROAD
    result = forecast(route, stops, _at(route, 12, 30))
    eta = result.etas[stops[2].pk]
    assert eta.late and eta.minutes_late >= 30 and result.late_count == 1
    early = forecast(route, stops, _at(route, 9))
    assert not early.etas[stops[2].pk].late


def test_a_newer_gps_fix_is_the_starting_point(route):
    stops = _stops(route)
    now = _at(route, 10)
    stops[0].state, stops[0].finished_at = StopState.DONE, now - datetime.timedelta(minutes=30)
    route.state = RouteState.ON_ROAD
    # by GPS the van is 20 km away, so stop 2 is farther than from stop 1
    route.last_latitude, route.last_longitude = Decimal("60.100000"), Decimal("30.600000")
    route.last_position_at = now - datetime.timedelta(minutes=1)
    by_gps = forecast(route, stops, now).etas[stops[1].pk].arrival
    route.last_position_at = None
    by_stop = forecast(route, stops, now).etas[stops[1].pk].arrival
    assert by_gps > by_stop + 20 * 60


def test_another_day_shows_the_planned_times(route):
    stops = _stops(route)
    tomorrow = _at(route, 10) + datetime.timedelta(days=1)
    result = forecast(route, stops, tomorrow)
    assert result.etas[stops[0].pk].start_time == stops[0].service_start
