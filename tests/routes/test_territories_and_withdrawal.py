"""Equipment, permits and territories decide which van may carry an order (planner, warnings,
the board's urgent insertion); fuel enters the cost of a km; a published plan can be withdrawn
while no van has started, changed and published again."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.core.models import AuditEntry, Notification
from crm.orders.models import Order, OrderStatus
from routes.models import ProductRequirement, Route, RoutePlan, RouteState, StopState, Territory
from routes.services import dispatch, planning, publishing
from routes.services.requirements import load_requirements
from routes.services.territories import clean_polygon, requirement_add, territory_save
from routes.services.timing import retime
from tests.clients.factories import make_client
from tests.orders.factories import make_product
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_solver")]

DAY = datetime.date.today() + datetime.timedelta(days=4)
#: a square around the north of the demo city; the depot (59.93, 30.31) is outside it
NORTH = [[59.95, 30.25], [59.95, 30.40], [60.05, 30.40], [60.05, 30.25]]


@pytest.fixture
def fleet(users, branch):
    depot = make_depot(branch)
    plain = make_vehicle(branch, depot, driver=users["driver"], fixed_cost=Decimal("0"))
    special = make_vehicle(
        branch, depot, driver=users["driver"], skills=["adr"], fixed_cost=Decimal("5000")
    )
    return {"depot": depot, "plain": plain, "special": special}


def _plan(actor, branch, vans, capture, date=DAY) -> RoutePlan:
    with capture(execute=True):
        plan = planning.plan_create(
            actor=actor, branch=branch, date=date, vehicle_ids=[v.pk for v in vans]
        )
    plan.refresh_from_db()
    return plan


def _van_of(plan: RoutePlan, order: Order) -> int | None:
    stop = plan.stops.filter(order=order).select_related("route").first()
    return stop.route.vehicle_id if stop else None


def test_an_order_of_a_dangerous_product_goes_only_to_the_adr_van(
    users, branch, fleet, django_capture_on_commit_callbacks
):
    solvent = make_product(name="Растворитель")
    requirement_add(actor=users["dispatcher"], product=solvent, skill="adr")
    client = make_client(branch=branch)
    dispatcher = users["dispatcher"]
    dangerous = make_stop_order(
        client, point=("59.94", "30.32"), date=DAY, product=solvent, confirm_by=dispatcher
    )
    ordinary = make_stop_order(client, point=("59.92", "30.30"), date=DAY, confirm_by=dispatcher)

    plan = _plan(
        dispatcher, branch, [fleet["plain"], fleet["special"]], django_capture_on_commit_callbacks
    )

    # the special van costs 5000 a day: without the rule both orders would ride the plain one
    assert _van_of(plan, dangerous) == fleet["special"].pk
    assert _van_of(plan, ordinary) is not None


def test_without_an_adr_van_the_order_is_unassigned_with_the_reason(
    users, branch, fleet, django_capture_on_commit_callbacks
):
    solvent = make_product(name="Растворитель")
    ProductRequirement.objects.create(product=solvent, skill="adr")
    client = make_client(branch=branch)
    dangerous = make_stop_order(
        client, point=("59.94", "30.32"), date=DAY, product=solvent, confirm_by=users["dispatcher"]
    )

    plan = _plan(users["dispatcher"], branch, [fleet["plain"]], django_capture_on_commit_callbacks)

    assert plan.unassigned == [{"order_id": dangerous.pk, "reason": "no_vehicle_with_skill"}]
    assert "special van" in str(planning.reason_text("no_vehicle_with_skill"))


def test_an_order_inside_a_territory_goes_to_its_van_even_when_another_is_cheaper(
    users, branch, fleet, django_capture_on_commit_callbacks
):
    dispatcher = users["dispatcher"]
    territory = territory_save(
        actor=dispatcher,
        territory=Territory(branch=branch, name="Север", polygon=NORTH),
        vehicles=[fleet["special"]],
    )
    client = make_client(branch=branch)
    north = make_stop_order(client, point=("59.99", "30.30"), date=DAY, confirm_by=dispatcher)
    south = make_stop_order(client, point=("59.90", "30.30"), date=DAY, confirm_by=dispatcher)

    plan = _plan(
        dispatcher, branch, [fleet["plain"], fleet["special"]], django_capture_on_commit_callbacks
    )

    # the special van costs 5000 a day: without the territory the plain van would take both
    assert _van_of(plan, north) == fleet["special"].pk
    assert _van_of(plan, south) is not None
    # a territory without vans restricts nothing
    territory.vehicles.clear()
    rules = load_requirements(branch_id=branch.pk)
    assert rules.areas == []


def test_a_manual_move_of_a_dangerous_order_to_a_plain_van_is_allowed_with_a_warning(
    users, branch, fleet
):
    solvent = make_product(name="Растворитель")
    ProductRequirement.objects.create(product=solvent, skill="adr")
    client = make_client(branch=branch)
    order = make_stop_order(client, point=("59.94", "30.32"), date=DAY, product=solvent)
    plan = make_manual_plan(branch, [fleet["special"], fleet["plain"]], [[order], []])
    special_route, plain_route = plan.routes.order_by("position")

    warnings = planning.stop_move(
        actor=users["dispatcher"], stop=plan.stops.get(), route=plain_route, position=0
    )

    assert any("may not take" in w for w in warnings)
    plain_route = Route.objects.prefetch_related("stops__order__items", "stops__order__stops").get(
        pk=plain_route.pk
    )
    [stop] = plain_route.stops.all()
    assert planning.route_warnings(plain_route)
    assert stop.requirement_problems == ["needs a van with: Dangerous goods (ADR)"]
    assert planning.route_warnings(Route.objects.get(pk=special_route.pk)) == []


def test_the_board_offers_an_urgent_order_only_to_vans_that_may_carry_it(users, branch, fleet):
    solvent = make_product(name="Растворитель")
    ProductRequirement.objects.create(product=solvent, skill="adr")
    client = make_client(branch=branch)
    today = datetime.date.today()
    first = make_stop_order(client, point=("59.94", "30.32"), date=today)
    second = make_stop_order(client, point=("59.92", "30.30"), date=today)
    plan = make_manual_plan(
        branch,
        [fleet["plain"], fleet["special"]],
        [[first], [second]],
        status=RoutePlan.Status.PUBLISHED,
    )
    urgent = make_stop_order(client, point=("59.93", "30.33"), date=today, product=solvent)

    options = dispatch.insertion_options(actor=users["dispatcher"], plan=plan, order=urgent)

    assert [o.route.vehicle_id for o in options] == [fleet["special"].pk]


def test_fuel_makes_a_km_dearer_in_the_route_cost(users, branch, fleet):
    van = fleet["plain"]
    client = make_client(branch=branch)
    order = make_stop_order(client, point=("59.94", "30.32"), date=DAY)
    plan = make_manual_plan(branch, [van], [[order]])
    route = plan.routes.get()
    without_fuel = route.cost

    van.fuel_per_100km = Decimal("12.50")
    van.fuel_price = Decimal("64.00")
    van.save()
    retime(Route.objects.select_related("vehicle").get(pk=route.pk))
    route.refresh_from_db()

    assert van.fuel_cost_per_km == Decimal("8.0000")
    assert van.km_cost == Decimal("28.0000")
    assert route.km > 0
    assert abs(route.cost - without_fuel - Decimal(str(route.km)) * 8) < Decimal("0.50")


def test_polygons_are_checked():
    with pytest.raises(ValidationError):
        clean_polygon([[59.9, 30.2], [59.9, 30.3]])
    with pytest.raises(ValidationError):
        clean_polygon([[99, 30.2], [59.9, 30.3], [60, 30.3]])
    with pytest.raises(ValidationError):
        clean_polygon("nonsense")
    assert clean_polygon(NORTH[:3]) == NORTH[:3]


# --- Withdrawing a published plan -------------------------------------------------------------
@pytest.fixture
def published(users, branch, fleet, django_capture_on_commit_callbacks):
    dispatcher = users["dispatcher"]
    client = make_client(branch=branch)
    orders = [
        make_stop_order(client, point=p, date=DAY, confirm_by=dispatcher)
        for p in [("59.94", "30.32"), ("59.92", "30.30"), ("59.95", "30.35")]
    ]
    plan = _plan(dispatcher, branch, [fleet["plain"]], django_capture_on_commit_callbacks)
    publishing.plan_publish(actor=dispatcher, plan=plan)
    plan.refresh_from_db()
    return plan, orders


def test_a_published_plan_is_withdrawn_changed_and_published_again(
    users, branch, fleet, published, django_capture_on_commit_callbacks
):
    plan, orders = published
    dispatcher = users["dispatcher"]
    assert (
        Order.objects.filter(pk__in=[o.pk for o in orders], status=OrderStatus.IN_WORK).count() == 3
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publishing.plan_unpublish(actor=dispatcher, plan=plan, reason="Другой водитель")

    plan.refresh_from_db()
    assert plan.status == RoutePlan.Status.DRAFT and plan.published_at is None
    assert sorted(plan.withdrawn_orders) == sorted(o.pk for o in orders)
    assert callbacks  # the tablet is told over the route's group after commit
    note = Notification.objects.filter(recipient=users["driver"]).order_by("-pk").first()
    assert "withdrawn" in note.title and note.body == "Другой водитель"
    assert AuditEntry.objects.filter(object_id=plan.pk, note__contains="Другой водитель").exists()
    # the orders taken into work stay this plan's: re-optimising keeps every one of them
    with django_capture_on_commit_callbacks(execute=True):
        planning.plan_reoptimise(actor=dispatcher, plan=plan)
    plan.refresh_from_db()
    assert set(plan.stops.values_list("order_id", flat=True)) == {o.pk for o in orders}
    assert plan.unassigned == []

    publishing.plan_publish(actor=dispatcher, plan=plan)
    plan.refresh_from_db()
    assert plan.status == RoutePlan.Status.PUBLISHED and plan.withdrawn_orders == []
    assert AuditEntry.objects.filter(object_id=plan.pk, note__startswith="Published again").exists()


def test_a_plan_cannot_be_withdrawn_once_a_van_has_started(users, published):
    plan, _orders = published
    Route.objects.filter(plan=plan).update(state=RouteState.ON_ROAD)
    with pytest.raises(ValidationError, match="already on the road"):
        publishing.plan_unpublish(actor=users["dispatcher"], plan=plan)
    Route.objects.filter(plan=plan).update(state=RouteState.PLANNED)
    plan.stops.filter(pk=plan.stops.first().pk).update(state=StopState.DONE)
    with pytest.raises(ValidationError):
        publishing.plan_unpublish(actor=users["dispatcher"], plan=plan)
    plan.refresh_from_db()
    assert plan.is_published


@pytest.mark.parametrize("role", ["driver", "director", "manager"])
def test_only_publishers_may_withdraw(users, published, role):
    plan, _orders = published
    with pytest.raises(PermissionDenied):
        publishing.plan_unpublish(actor=users[role], plan=plan)
    plan.refresh_from_db()
    assert plan.is_published


def test_a_draft_cannot_be_withdrawn(users, branch, fleet):
    client = make_client(branch=branch)
    plan = make_manual_plan(
        branch, [fleet["plain"]], [[make_stop_order(client, point=("59.94", "30.32"), date=DAY)]]
    )
    with pytest.raises(ValidationError):
        publishing.plan_unpublish(actor=users["dispatcher"], plan=plan)


def test_withdraw_through_http(client, users, published):
    plan, _orders = published
    client.force_login(users["dispatcher"])
    page = client.get(reverse("routes:plan-detail", args=[plan.pk]))
    assert reverse("routes:plan-unpublish", args=[plan.pk]) in page.content.decode()

    response = client.post(
        reverse("routes:plan-unpublish", args=[plan.pk]), {"reason": "Ошибка"}, follow=True
    )

    plan.refresh_from_db()
    assert plan.status == RoutePlan.Status.DRAFT
    body = response.content.decode()
    assert "Publish again" in body
    assert reverse("routes:plan-unpublish", args=[plan.pk]) not in body
