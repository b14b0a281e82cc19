"""Two windows a day in the route timing, the ETA and the planner: a van that misses the first
window waits for the second instead of counting the stop late; after both it is late."""

from __future__ import annotations

import datetime

import pytest

from routes.optimizer.feasibility import check_routes
from routes.services import planning
from routes.services.timing import order_point, order_windows, service_start
from tests.clients.factories import make_client
from tests.routes.factories import make_depot, make_stop_order, make_vehicle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_solver")]
H = 3600
DAY = datetime.date.today() + datetime.timedelta(days=5)


@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        (8 * H, (9 * H, False, 12 * H)),  # early: wait for the first window
        (10 * H, (10 * H, False, 12 * H)),  # inside the first
        (13 * H, (14 * H, False, 17 * H)),  # between: wait for the second, not late
        (18 * H, (18 * H, True, 17 * H)),  # after both: late against the last
    ],
)
def test_service_starts_in_the_first_window_still_open(arrival, expected):
    assert service_start(arrival, [(9 * H, 12 * H), (14 * H, 17 * H)]) == expected


def test_no_window_means_any_time():
    assert service_start(5 * H, []) == (5 * H, False, -1)


def test_the_planner_gives_the_optimiser_both_windows_and_keeps_them(
    users, branch, django_capture_on_commit_callbacks
):
    dispatcher = users["dispatcher"]
    depot = make_depot(branch)
    van = make_vehicle(branch, depot, driver=users["driver"])
    client = make_client(branch=branch)
    morning = make_stop_order(
        client, point=("59.95", "30.33"), window=(9, 10), date=DAY, confirm_by=dispatcher
    )
    both = make_stop_order(
        client,
        point=("59.91", "30.29"),
        window=(9, 10),
        date=DAY,
        confirm_by=dispatcher,
        window2_from=datetime.time(15),
        window2_to=datetime.time(16),
    )
    assert order_windows(both) == [(9 * H, 10 * H), (15 * H, 16 * H)]

    with django_capture_on_commit_callbacks(execute=True):
        plan = planning.plan_create(actor=dispatcher, branch=branch, date=DAY, vehicle_ids=[van.pk])
    plan.refresh_from_db()

    stops = {s.order_id: s for s in plan.stops.all()}
    assert set(stops) == {morning.pk, both.pk}
    for order in (morning, both):
        start = stops[order.pk].service_start
        assert not stops[order.pk].is_late
        assert any(a <= start <= b for a, b in order.windows)
    vehicles = list(plan.vehicles.select_related("depot"))
    orders = list(planning.plan_orders(plan))
    problem = planning.build_problem(vehicles, [(o, order_point(o)) for o in orders], {}, {})
    assert [len(s.time_windows) for s in problem.stops if s.id == str(both.pk)] == [2]
    sequence = [str(s.order_id) for s in plan.stops.order_by("position")]
    assert check_routes(problem, {str(van.pk): sequence}) == []
