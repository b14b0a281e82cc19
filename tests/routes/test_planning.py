"""The planning service on a small day: orders with coordinates become routes within their
windows, the rest is unassigned with a reason; moves, locks, re-optimisation and publishing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.core.models import AuditEntry, Job
from crm.orders.models import Order, OrderStatus
from routes.models import Route, RoutePlan, RouteStop
from routes.optimizer.feasibility import check_routes
from routes.services import planning, publishing
from routes.services.timing import order_point
from tests.clients.factories import make_client
from tests.orders.factories import make_product
from tests.routes.factories import make_depot, make_stop_order, make_vehicle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_solver")]

DAY = datetime.date.today() + datetime.timedelta(days=3)
POINTS = [
    (("59.945", "30.320"), (9, 11)),
    (("59.950", "30.300"), (9, 12)),
    (("59.920", "30.340"), (10, 13)),
    (("59.915", "30.290"), (12, 15)),
    (("59.960", "30.350"), (13, 16)),
    (("59.935", "30.360"), (15, 18)),
]


@pytest.fixture
def day(users, branch):
    """Two vans with default drivers, six confirmed orders with windows, one without a point."""
    dispatcher = users["dispatcher"]
    depot = make_depot(branch)
    vans = [
        make_vehicle(branch, depot, driver=users["driver"]),
        make_vehicle(branch, depot, driver=users["driver"]),
    ]
    client = make_client(branch=branch, name="ООО «Вода»")
    orders = [
        make_stop_order(client, point=p, window=w, date=DAY, confirm_by=dispatcher)
        for p, w in POINTS
    ]
    lost = make_stop_order(client, point=None, date=DAY, confirm_by=dispatcher)
    return {"vans": vans, "orders": orders, "lost": lost, "depot": depot}


def _plan(actor, branch, vans, capture) -> RoutePlan:
    with capture(execute=True):
        plan = planning.plan_create(
            actor=actor, branch=branch, date=DAY, vehicle_ids=[v.pk for v in vans]
        )
    plan.refresh_from_db()
    return plan


def _problem_of(plan: RoutePlan):
    vehicles = list(plan.vehicles.select_related("depot").order_by("plate"))
    orders = list(planning.plan_orders(plan))
    located = [(o, order_point(o)) for o in orders if order_point(o)]
    return planning.build_problem(vehicles, located, {}, {})


def _sequences(plan: RoutePlan) -> dict[str, list[str]]:
    return {
        str(r.vehicle_id): [str(s.order_id) for s in r.stops.order_by("position")]
        for r in plan.routes.all()
    }


def test_a_small_day_is_planned_within_the_windows(
    users, branch, day, django_capture_on_commit_callbacks
):
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)

    assert plan.job.status == Job.Status.DONE, plan.job.error
    planned = set(RouteStop.objects.filter(plan=plan).values_list("order_id", flat=True))
    assert planned == {o.pk for o in day["orders"]}
    # the independent checker of the optimiser package, on the stored sequences
    assert check_routes(_problem_of(plan), list(_sequences(plan).items())) == []
    for stop in RouteStop.objects.filter(plan=plan).select_related("order"):
        assert not stop.is_late
        assert stop.order.window_from <= stop.service_start <= stop.order.window_to
    used = [r for r in plan.routes.all() if r.stops.exists()]
    assert all(r.km > 0 and r.cost > 0 and r.minutes > 0 for r in used)
    assert plan.stats["orders"] == 7
    assert AuditEntry.objects.filter(
        content_type__model="routeplan", object_id=plan.pk, action="create"
    ).exists()


def test_orders_without_a_point_or_too_heavy_are_unassigned_with_a_reason(
    users, branch, day, django_capture_on_commit_callbacks
):
    heavy = make_product(weight_kg=Decimal("1500"))
    client = make_client(branch=branch)
    too_heavy = make_stop_order(
        client, point=("59.94", "30.31"), date=DAY, product=heavy, confirm_by=users["dispatcher"]
    )
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)

    reasons = {row["order_id"]: row["reason"] for row in plan.unassigned}
    assert reasons == {day["lost"].pk: planning.NO_COORDINATES, too_heavy.pk: "capacity"}
    assert "no point on the map" in planning.reason_text(planning.NO_COORDINATES)


def test_cancelled_and_other_days_orders_are_not_planned(
    users, branch, day, django_capture_on_commit_callbacks
):
    client = make_client(branch=branch)
    make_stop_order(client, point=("59.94", "30.31"), date=DAY + datetime.timedelta(days=1))
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)
    assert plan.stats["orders"] == 7


def test_moving_a_stop_retimes_both_routes_and_warns_about_a_broken_window(
    users, branch, day, django_capture_on_commit_callbacks
):
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)
    # the morning stop moved to the end of the other route is late: allowed, with a warning
    first = Order.objects.get(pk=day["orders"][0].pk)
    stop = RouteStop.objects.get(plan=plan, order=first)
    other = plan.routes.exclude(pk=stop.route_id).get()
    source = stop.route
    source_km = source.km
    warnings = planning.stop_move(
        actor=users["dispatcher"], stop=stop, route=other, position=other.stops.count()
    )
    stop.refresh_from_db()
    source.refresh_from_db()
    assert stop.route_id == other.pk and stop.position == other.stops.count() - 1
    assert stop.is_late
    assert any("window" in w for w in warnings)
    assert source.km != source_km or not source.stops.exists()
    positions = list(other.stops.order_by("position").values_list("position", flat=True))
    assert positions == list(range(len(positions)))


def test_reoptimise_keeps_locked_routes_and_locked_stops(
    users, branch, day, django_capture_on_commit_callbacks
):
    dispatcher = users["dispatcher"]
    plan = _plan(dispatcher, branch, day["vans"], django_capture_on_commit_callbacks)
    routes = list(plan.routes.order_by("position"))
    # make both routes hold stops: move one stop over if the solver used one van only
    if not routes[1].stops.exists():
        planning.stop_move(
            actor=dispatcher, stop=routes[0].stops.last(), route=routes[1], position=0
        )
    locked_route, free_route = routes
    planning.route_lock(actor=dispatcher, route=locked_route, locked=True)
    kept = list(locked_route.stops.order_by("position").values_list("order_id", flat=True))
    free_stop = free_route.stops.order_by("position").first()
    planning.stop_lock(actor=dispatcher, stop=free_stop, locked=True)

    with django_capture_on_commit_callbacks(execute=True):
        planning.plan_reoptimise(actor=dispatcher, plan=plan)
    plan.refresh_from_db()
    assert plan.job.status == Job.Status.DONE, plan.job.error
    assert list(locked_route.stops.order_by("position").values_list("order_id", flat=True)) == kept
    again = RouteStop.objects.get(plan=plan, order_id=free_stop.order_id)
    assert again.route_id == free_route.pk and again.is_locked
    assert RouteStop.objects.filter(plan=plan).count() == len(day["orders"])


def test_locked_routes_refuse_moves(users, branch, day, django_capture_on_commit_callbacks):
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)
    stop = RouteStop.objects.filter(plan=plan).first()
    planning.route_lock(actor=users["dispatcher"], route=stop.route, locked=True)
    other = plan.routes.exclude(pk=stop.route_id).get()
    with pytest.raises(ValidationError):
        planning.stop_move(actor=users["dispatcher"], stop=stop, route=other, position=0)


def test_publish_assigns_drivers_and_takes_prepaid_confirmed_orders_into_work(
    users, branch, day, django_capture_on_commit_callbacks
):
    dispatcher = users["dispatcher"]
    waiting = day["orders"][1]
    Order.objects.filter(pk=waiting.pk).update(
        prepayment_required=True, prepayment_amount=Decimal("100.00")
    )
    plan = _plan(dispatcher, branch, day["vans"], django_capture_on_commit_callbacks)

    summary = publishing.plan_publish(actor=dispatcher, plan=plan)

    plan.refresh_from_db()
    assert plan.status == RoutePlan.Status.PUBLISHED and plan.published_by == dispatcher
    planned = Order.objects.filter(pk__in=[o.pk for o in day["orders"]])
    assert set(planned.values_list("assignee", flat=True)) == {users["driver"].pk}
    assert Order.objects.get(pk=waiting.pk).status == OrderStatus.CONFIRMED
    assert planned.filter(status=OrderStatus.IN_WORK).count() == len(day["orders"]) - 1
    assert summary == {"orders": 6, "in_work": 5, "waiting": 1}
    assert Order.objects.get(pk=day["lost"].pk).assignee_id is None
    with pytest.raises(ValidationError):
        planning.stop_move(
            actor=dispatcher,
            stop=RouteStop.objects.filter(plan=plan).first(),
            route=plan.routes.first(),
            position=0,
        )


def test_publish_needs_a_driver_on_every_used_route(
    users, branch, day, django_capture_on_commit_callbacks
):
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)
    Route.objects.filter(plan=plan).update(driver=None)
    with pytest.raises(ValidationError):
        publishing.plan_publish(actor=users["dispatcher"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == RoutePlan.Status.DRAFT


@pytest.mark.parametrize("role", ["manager", "director", "driver", "operator"])
def test_only_planners_may_plan(users, branch, day, role):
    with pytest.raises(PermissionDenied):
        planning.plan_create(
            actor=users[role], branch=branch, date=DAY, vehicle_ids=[day["vans"][0].pk]
        )
    assert not RoutePlan.objects.exists()


def test_vehicles_of_another_branch_are_refused(users, branch, other_branch, day):
    foreign = make_vehicle(other_branch, make_depot(other_branch))
    with pytest.raises(ValidationError):
        planning.plan_create(
            actor=users["dispatcher"], branch=branch, date=DAY, vehicle_ids=[foreign.pk]
        )


def test_publish_leaves_an_order_cancelled_since_planning_alone(
    users, branch, day, django_capture_on_commit_callbacks
):
    from crm.orders.services.workflow import order_transition

    dispatcher = users["dispatcher"]
    plan = _plan(dispatcher, branch, day["vans"], django_capture_on_commit_callbacks)
    gone = order_transition(
        actor=dispatcher, order=day["orders"][2], target="cancelled", reason="Клиент отказался"
    )
    summary = publishing.plan_publish(actor=dispatcher, plan=plan)
    gone.refresh_from_db()
    assert gone.status == OrderStatus.CANCELLED and gone.assignee_id is None
    assert summary["orders"] == 5


def test_moving_within_a_route_reorders_it(users, branch, day, django_capture_on_commit_callbacks):
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)
    route = max(plan.routes.all(), key=lambda r: r.stops.count())
    before = list(route.stops.order_by("position").values_list("order_id", flat=True))
    stop = route.stops.get(position=len(before) - 1)
    planning.stop_move(actor=users["dispatcher"], stop=stop, route=route, position=0)
    after = list(route.stops.order_by("position").values_list("order_id", flat=True))
    assert after == [before[-1], *before[:-1]]


def test_an_unassigned_order_is_put_on_a_route_by_hand(
    users, branch, day, django_capture_on_commit_callbacks
):
    heavy = make_product(weight_kg=Decimal("1500"))
    client = make_client(branch=branch)
    too_heavy = make_stop_order(
        client, point=("59.94", "30.31"), date=DAY, product=heavy, confirm_by=users["dispatcher"]
    )
    plan = _plan(users["dispatcher"], branch, day["vans"], django_capture_on_commit_callbacks)
    route = plan.routes.first()
    warnings = planning.stop_add(
        actor=users["dispatcher"], plan=plan, order_id=too_heavy.pk, route=route, position=0
    )
    plan.refresh_from_db()
    assert RouteStop.objects.get(plan=plan, order=too_heavy).position == 0
    assert [r["order_id"] for r in plan.unassigned] == [day["lost"].pk]
    assert any("capacity" in w for w in warnings)
    with pytest.raises(ValidationError):  # no point on the map
        planning.stop_add(
            actor=users["dispatcher"], plan=plan, order_id=day["lost"].pk, route=route, position=0
        )
    with pytest.raises(ValidationError):  # already on a route
        planning.stop_add(
            actor=users["dispatcher"], plan=plan, order_id=too_heavy.pk, route=route, position=0
        )
