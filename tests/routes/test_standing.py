"""Standing routes, the services: one route per address and weekday, a stable sequence,
who may change what, the insertion suggestions (checked against a brute-force re-simulation) and
the day planner starting the standing sites' orders on their route's van, in its order."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from crm.core.models import AuditEntry
from routes.models import RouteStop, StandingMode, StandingRoute, StandingStop
from routes.services import intake, planning
from routes.services import standing as services
from routes.services.timing import distance_provider
from routes.standing import suggestion_routes_for
from tests.orders.factories import make_order
from tests.routes.factories import make_depot, make_stop_order, make_vehicle
from tests.routes.standing_factories import (
    make_site_client,
    make_standing_route,
    next_monday,
    site_address,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_solver")]

TODAY = datetime.date.today()
MONDAY = next_monday(TODAY)


def _positions(route):
    return list(route.stops.order_by("position").values_list("address_id", "position"))


# --- Membership and sequence --------------------------------------------------------------------
def test_an_address_is_on_one_route_per_weekday(users, branch, fleet):
    dispatcher = users["dispatcher"]
    address = site_address(branch)
    monday = make_standing_route(dispatcher, branch, fleet[0], weekday=0, addresses=[address])
    other_monday = make_standing_route(dispatcher, branch, fleet[1], weekday=0)
    thursday = make_standing_route(dispatcher, branch, fleet[1], weekday=3)

    with pytest.raises(ValidationError, match="already on the route"):
        services.standing_site_add(actor=dispatcher, route=other_monday, address=address)
    services.standing_site_add(actor=dispatcher, route=thursday, address=address)

    assert StandingStop.objects.filter(address=address).count() == 2
    assert not other_monday.stops.exists()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        StandingStop.objects.create(route=other_monday, address=address, weekday=0, position=0)
    assert monday.stops.get().weekday == 0


def test_changing_the_weekday_moves_the_sites_unless_one_clashes(users, branch, fleet):
    dispatcher = users["dispatcher"]
    a, b = site_address(branch), site_address(branch, ("59.95", "30.30"))
    route = make_standing_route(dispatcher, branch, fleet[0], weekday=0, addresses=[a, b])
    make_standing_route(dispatcher, branch, fleet[1], weekday=3, addresses=[b])

    route.weekday = 2
    services.standing_route_save(actor=dispatcher, route=route)
    assert set(route.stops.values_list("weekday", flat=True)) == {2}

    route.weekday = 3
    with pytest.raises(ValidationError) as error:
        services.standing_route_save(actor=dispatcher, route=route)
    assert "weekday" in error.value.message_dict
    route.refresh_from_db()
    assert route.weekday == 2 and set(route.stops.values_list("weekday", flat=True)) == {2}


def test_the_sequence_stays_contiguous_and_stable(users, branch, fleet):
    dispatcher = users["dispatcher"]
    a, b, c, d = (site_address(branch, ("59.9", f"30.{30 + i}")) for i in range(4))
    route = make_standing_route(dispatcher, branch, fleet[0], addresses=[a, b, c])
    assert _positions(route) == [(a.pk, 0), (b.pk, 1), (c.pk, 2)]

    services.standing_site_add(actor=dispatcher, route=route, address=d, position=1)
    assert [x for x, _ in _positions(route)] == [a.pk, d.pk, b.pk, c.pk]

    site_c = route.stops.get(address=c)
    services.standing_site_move(actor=dispatcher, site=site_c, position=0)
    assert _positions(route) == [(c.pk, 0), (a.pk, 1), (d.pk, 2), (b.pk, 3)]

    services.standing_site_remove(actor=dispatcher, site=route.stops.get(address=a))
    assert _positions(route) == [(c.pk, 0), (d.pk, 1), (b.pk, 2)]

    # positions beyond the end go last; the others keep their order
    services.standing_site_move(actor=dispatcher, site=route.stops.get(address=c), position=99)
    assert _positions(route) == [(d.pk, 0), (b.pk, 1), (c.pk, 2)]
    notes = set(
        AuditEntry.objects.filter(
            content_type__model="standingroute", object_id=route.pk
        ).values_list("note", flat=True)
    )
    assert {"Site added", "Site moved", "Site removed"} <= notes


@pytest.mark.parametrize("case", ["no_point", "other_branch", "archived", "inactive"])
def test_sites_that_cannot_be_added(users, branch, other_branch, fleet, case):
    dispatcher = users["dispatcher"]
    route = make_standing_route(dispatcher, branch, fleet[0])
    address = site_address(branch)
    if case == "no_point":
        address = make_site_client(branch, [None]).addresses.get()
    elif case == "other_branch":
        address = site_address(other_branch)
        dispatcher = users["admin"]  # sees every branch, still refused
    elif case == "archived":
        address.client.is_archived = True
        address.client.save(update_fields=["is_archived"])
    else:
        route.is_active = False
        route.save(update_fields=["is_active"])
    with pytest.raises((ValidationError, PermissionDenied)):
        services.standing_site_add(actor=dispatcher, route=route, address=address)
    assert not route.stops.exists()


def test_who_may_add_and_manage(users, branch, make_user, fleet):
    route = make_standing_route(users["dispatcher"], branch, fleet[0])
    own = site_address(branch, manager=users["manager"])
    foreign = site_address(branch, manager=make_user("manager", username="other_manager"))

    services.standing_site_add(actor=users["manager"], route=route, address=own)
    with pytest.raises(PermissionDenied):
        services.standing_site_add(actor=users["manager"], route=route, address=foreign)
    services.standing_site_add(actor=users["operator"], route=route, address=foreign)
    with pytest.raises(PermissionDenied):  # directors look, they do not change routes
        services.standing_site_add(
            actor=users["director"], route=route, address=site_address(branch)
        )
    with pytest.raises(PermissionDenied):
        services.standing_site_remove(actor=users["manager"], site=route.stops.first())
    with pytest.raises(PermissionDenied):
        services.standing_route_save(actor=users["operator"], route=route)
    assert route.stops.count() == 2


def test_a_dispatcher_of_another_branch_changes_nothing(
    users, branch, other_branch, fleet, make_user
):
    route = make_standing_route(
        users["dispatcher"], branch, fleet[0], addresses=[site_address(branch)]
    )
    stranger = make_user("dispatcher", username="msk_dispatcher", branch=other_branch)
    with pytest.raises(PermissionDenied):
        services.standing_site_add(actor=stranger, route=route, address=site_address(branch))
    with pytest.raises(PermissionDenied):
        services.standing_site_move(actor=stranger, site=route.stops.get(), position=0)


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"every_weeks": 2}, "anchor_date"),
        ({"every_weeks": 2, "anchor_date": datetime.date(2025, 1, 2)}, "anchor_date"),  # Thursday
        ({"every_weeks": 9, "anchor_date": datetime.date(2025, 1, 6)}, "every_weeks"),
        ({"max_stops": 0}, "max_stops"),
    ],
)
def test_route_validation(users, branch, fleet, fields, error_field):
    route = StandingRoute(branch=branch, vehicle=fleet[0], weekday=0, name="Пн", **fields)
    with pytest.raises(ValidationError) as error:
        services.standing_route_save(actor=users["dispatcher"], route=route)
    assert error_field in error.value.message_dict
    assert not StandingRoute.objects.exists()


def test_vehicle_and_driver_must_be_of_the_branch(users, branch, other_branch, fleet, make_user):
    foreign_van = make_vehicle(other_branch, make_depot(other_branch))
    route = StandingRoute(branch=branch, vehicle=foreign_van, weekday=0, name="Пн")
    with pytest.raises(ValidationError, match="vehicle of this branch"):
        services.standing_route_save(actor=users["dispatcher"], route=route)
    route = StandingRoute(
        branch=branch, vehicle=fleet[0], weekday=0, name="Пн", driver=users["manager"]
    )
    with pytest.raises(ValidationError, match="driver of this branch"):
        services.standing_route_save(actor=users["dispatcher"], route=route)


def test_every_other_week_runs_from_its_anchor(users, branch, fleet):
    anchor = datetime.date(2025, 1, 6)  # a Monday
    route = make_standing_route(
        users["dispatcher"], branch, fleet[0], weekday=0, every_weeks=2, anchor_date=anchor
    )
    assert route.runs_on(anchor) and route.runs_on(anchor + datetime.timedelta(days=14))
    assert not route.runs_on(anchor + datetime.timedelta(days=7))
    assert not route.runs_on(anchor + datetime.timedelta(days=1))
    assert route.runs_on(anchor - datetime.timedelta(days=14))
    assert route.next_date(anchor + datetime.timedelta(days=1)) == anchor + datetime.timedelta(14)
    assert route.next_date(anchor) == anchor


def test_only_an_empty_route_can_be_deleted(users, branch, fleet):
    route = make_standing_route(
        users["dispatcher"], branch, fleet[0], addresses=[site_address(branch)]
    )
    with pytest.raises(ValidationError):
        services.standing_route_delete(actor=users["dispatcher"], route=route)
    services.standing_site_remove(actor=users["dispatcher"], site=route.stops.get())
    services.standing_route_delete(actor=users["dispatcher"], route=route)
    assert not StandingRoute.objects.exists()


# --- Suggestions against a brute-force re-simulation --------------------------------------------
def _simulate(points, windows, service, depot, start, shift_end):
    """(metres, seconds, feasible) of depot → points → depot, earliest starts."""
    distances, durations = distance_provider().matrix([depot, *points])
    t, node, metres, ok = start, 0, 0.0, True
    for i in range(1, len(points) + 1):
        arrival = t + durations[node][i]
        metres += distances[node][i]
        window = windows[i - 1]
        begin = max(arrival, window[0]) if window else arrival
        ok = ok and (window is None or begin <= window[1])
        t = begin + service
        node = i
    end = t + durations[node][0]
    return metres + distances[node][0], end - start, ok and end <= shift_end


def _brute_force(route, sites, new_point, windows, new_window):
    vehicle = route.vehicle
    depot, start, end = vehicle.depot.point, 8 * 3600, 20 * 3600
    points = [(float(a.latitude), float(a.longitude)) for a in sites]
    base_m, base_s, _ok = _simulate(points, windows, 300, depot, start, end)
    rows = []
    for k in range(len(points) + 1):
        m, s, ok = _simulate(
            [*points[:k], new_point, *points[k:]],
            [*windows[:k], new_window, *windows[k:]],
            300,
            depot,
            start,
            end,
        )
        cost = (
            float(vehicle.cost_per_km) * (m - base_m) / 1000
            + float(vehicle.cost_per_hour) * (s - base_s) / 3600
        )
        rows.append(
            {
                "position": k,
                "km": (m - base_m) / 1000,
                "min": (s - base_s) / 60,
                "cost": cost,
                "feasible": ok,
            }
        )
    return min(rows, key=lambda r: (not r["feasible"], r["cost"]))


def _suggest(user, address):
    return intake.suggest_for_addresses(
        routes=suggestion_routes_for(user, address.client.branch),
        addresses=[address],
        taken={},
        today=TODAY,
    )[address.pk]


def test_the_suggestion_is_the_brute_force_best_place(users, branch, fleet):
    points = [("59.950", "30.300"), ("59.960", "30.350"), ("59.940", "30.380")]
    sites = [site_address(branch, p) for p in points]
    route = make_standing_route(users["dispatcher"], branch, fleet[0], addresses=sites)
    new = site_address(branch, ("59.955", "30.330"))

    [suggestion] = _suggest(users["dispatcher"], new)
    best = _brute_force(route, sites, (59.955, 30.330), [None] * 3, None)

    assert suggestion.route == route and suggestion.feasible
    assert suggestion.position == best["position"] == 1
    assert suggestion.delta_km == pytest.approx(best["km"], abs=0.01)
    assert suggestion.delta_minutes == pytest.approx(best["min"], abs=0.1)
    assert float(suggestion.delta_cost) == pytest.approx(best["cost"], abs=0.01)
    assert suggestion.stops == 3 and suggestion.stops_left == suggestion.max_stops - 3
    assert (suggestion.after, suggestion.before) == (
        f"#1 {sites[0].client}",
        f"#2 {sites[1].client}",
    )


def test_a_window_moves_the_suggestion_to_a_feasible_place(users, branch, fleet):
    """The cheapest place by distance would make the second site miss its window."""
    points = [("59.950", "30.300"), ("59.960", "30.350"), ("59.940", "30.380")]
    sites = [site_address(branch, p) for p in points]
    tight = sites[1]
    tight.window_from, tight.window_to = datetime.time(8, 0), datetime.time(8, 20)
    tight.save(update_fields=["window_from", "window_to"])
    route = make_standing_route(users["dispatcher"], branch, fleet[0], addresses=sites)
    new = site_address(branch, ("59.955", "30.330"))

    [suggestion] = _suggest(users["dispatcher"], new)
    windows = [None, (8 * 3600, 8 * 3600 + 20 * 60), None]
    best = _brute_force(route, sites, (59.955, 30.330), windows, None)
    assert best["feasible"] and best["position"] != 1
    assert suggestion.position == best["position"] and suggestion.feasible
    assert suggestion.delta_km == pytest.approx(best["km"], abs=0.01)


def test_suggestions_rank_routes_and_skip_taken_weekdays(users, branch, fleet):
    near = [site_address(branch, ("59.950", f"30.{300 + i}")) for i in range(3)]
    far = [site_address(branch, ("59.850", f"30.{500 + i}")) for i in range(3)]
    dispatcher = users["dispatcher"]
    monday = make_standing_route(dispatcher, branch, fleet[0], weekday=0, addresses=near)
    tuesday = make_standing_route(dispatcher, branch, fleet[1], weekday=1, addresses=far)
    new = site_address(branch, ("59.951", "30.3015"))

    rows = _suggest(dispatcher, new)
    assert [s.route for s in rows] == [monday, tuesday]
    assert rows[0].delta_km < rows[1].delta_km

    taken = intake.suggest_for_addresses(
        routes=suggestion_routes_for(dispatcher, branch),
        addresses=[new],
        taken={new.pk: {0}},
        today=TODAY,
    )[new.pk]
    assert [s.route for s in taken] == [tuesday]


def test_a_full_route_is_suggested_last_with_its_problem(users, branch, fleet):
    dispatcher = users["dispatcher"]
    full = make_standing_route(
        dispatcher,
        branch,
        fleet[0],
        addresses=[site_address(branch, ("59.95", "30.30"))],
        max_stops=1,
    )
    roomy = make_standing_route(
        dispatcher,
        branch,
        fleet[1],
        weekday=1,
        addresses=[site_address(branch, ("59.80", "30.60"))],
    )
    rows = _suggest(dispatcher, site_address(branch, ("59.951", "30.301")))
    assert [s.route for s in rows] == [roomy, full]
    assert not rows[1].feasible and any("full" in p for p in rows[1].problems)


def test_the_weight_of_a_site_comes_from_its_schedules(users, branch, fleet):
    from crm.orders.models import RecurringSchedule, ScheduleItem
    from tests.orders.factories import make_product

    mat = make_product(weight_kg=Decimal("12.5"), duration_minutes=3)
    site = site_address(branch)
    schedule = RecurringSchedule.objects.create(
        branch=branch, client=site.client, address=site, weekdays=[0], start_date=TODAY
    )
    ScheduleItem.objects.create(schedule=schedule, product=mat, quantity=Decimal("4"))
    make_standing_route(users["dispatcher"], branch, fleet[0], addresses=[site])
    [row] = _suggest(users["dispatcher"], site_address(branch, ("59.941", "30.321")))
    assert row.load_kg == 50 and row.kg_left == fleet[0].capacity_kg - 50


def test_best_route_on_a_date_respects_the_weekday(users, branch, fleet):
    dispatcher = users["dispatcher"]
    monday = make_standing_route(
        dispatcher, branch, fleet[0], weekday=0, addresses=[site_address(branch)]
    )
    routes = suggestion_routes_for(dispatcher, branch)
    candidate = intake.Candidate(key="point", point=(59.941, 30.321))
    assert intake.best_on_date(routes=routes, candidate=candidate, date=MONDAY).route == monday
    tuesday = MONDAY + datetime.timedelta(days=1)
    assert intake.best_on_date(routes=routes, candidate=candidate, date=tuesday) is None


# --- The day planner ----------------------------------------------------------------------------
ZIGZAG = [("59.990", "30.310"), ("59.940", "30.312"), ("59.965", "30.311")]  # far, near, middle


@pytest.fixture
def standing_day(users, branch, fleet, make_user):
    """A Monday route on van 0 with three sites in a zigzag order, an order at each site and
    three orders elsewhere."""
    dispatcher = users["dispatcher"]
    clients = [make_site_client(branch, [p]) for p in ZIGZAG]
    sites = [c.addresses.get() for c in clients]
    standing_driver = make_user("driver", username="standing_driver")
    route = make_standing_route(
        dispatcher, branch, fleet[0], weekday=0, addresses=sites, driver=standing_driver
    )
    site_orders = [make_order(client=c, date=MONDAY) for c in clients]
    other = make_site_client(branch, [("59.92", "30.33")])
    others = [make_stop_order(other, point=(f"59.9{i}", "30.35"), date=MONDAY) for i in range(1, 4)]
    return {"route": route, "site_orders": site_orders, "others": others, "driver": standing_driver}


def _plan(users, fleet, capture, mode=None, date=MONDAY):
    kwargs = {} if mode is None else {"standing_mode": mode}
    with capture(execute=True):
        plan = planning.plan_create(
            actor=users["dispatcher"],
            branch=users["dispatcher"].branch,
            date=date,
            vehicle_ids=[v.pk for v in fleet],
            **kwargs,
        )
    plan.refresh_from_db()
    return plan


def _stop_of(plan, order):
    return RouteStop.objects.select_related("route").get(plan=plan, order=order)


def test_the_planner_keeps_the_standing_sequence_on_the_routes_van(
    users, fleet, standing_day, django_capture_on_commit_callbacks
):
    plan = _plan(users, fleet, django_capture_on_commit_callbacks)  # default: keep

    assert plan.standing_mode == StandingMode.KEEP
    stops = [_stop_of(plan, o) for o in standing_day["site_orders"]]
    assert {s.route.vehicle_id for s in stops} == {fleet[0].pk}
    assert [s.position for s in stops] == sorted(s.position for s in stops)  # far, near, middle
    assert not any(s.is_locked for s in stops)  # not the dispatcher's own locks
    assert RouteStop.objects.filter(plan=plan).count() == 6
    assert plan.stats["standing"] == {"mode": "keep", "routes": 1, "orders": 3}
    assert stops[0].route.driver == standing_day["driver"]


def test_keeping_the_vans_lets_the_optimiser_resequence(
    users, fleet, standing_day, django_capture_on_commit_callbacks
):
    plan = _plan(users, fleet, django_capture_on_commit_callbacks, StandingMode.VANS)
    stops = [_stop_of(plan, o) for o in standing_day["site_orders"]]
    assert {s.route.vehicle_id for s in stops} == {fleet[0].pk}
    assert plan.stats["standing"]["mode"] == "vans"


def test_optimising_freely_plans_every_order(
    users, fleet, standing_day, django_capture_on_commit_callbacks
):
    plan = _plan(users, fleet, django_capture_on_commit_callbacks, StandingMode.FREE)
    assert RouteStop.objects.filter(plan=plan).count() == 6
    assert plan.stats["standing"] == {"mode": "free", "routes": 1, "orders": 3}


def test_an_off_week_of_an_every_other_week_route_is_planned_freely(
    users, fleet, standing_day, django_capture_on_commit_callbacks
):
    route = standing_day["route"]
    route.every_weeks = 2
    route.anchor_date = MONDAY + datetime.timedelta(days=7)
    services.standing_route_save(actor=users["dispatcher"], route=route)
    plan = _plan(users, fleet, django_capture_on_commit_callbacks)
    assert plan.stats["standing"] == {"mode": "keep", "routes": 0, "orders": 0}


def test_reoptimising_keeps_a_dispatchers_move_of_a_standing_stop(
    users, fleet, standing_day, django_capture_on_commit_callbacks
):
    plan = _plan(users, fleet, django_capture_on_commit_callbacks)
    moved = _stop_of(plan, standing_day["site_orders"][1])
    other_route = plan.routes.get(vehicle=fleet[1])
    planning.stop_move(actor=users["dispatcher"], stop=moved, route=other_route, position=0)
    with django_capture_on_commit_callbacks(execute=True):
        planning.plan_reoptimise(actor=users["dispatcher"], plan=plan)
    assert _stop_of(plan, standing_day["site_orders"][1]).route.vehicle_id == fleet[1].pk
    firsts = [_stop_of(plan, standing_day["site_orders"][i]) for i in (0, 2)]
    assert {s.route.vehicle_id for s in firsts} == {fleet[0].pk}
    assert firsts[0].position < firsts[1].position


def test_an_unknown_standing_mode_is_refused(users, fleet):
    with pytest.raises(ValidationError):
        planning.plan_create(
            actor=users["dispatcher"],
            branch=users["dispatcher"].branch,
            date=MONDAY,
            vehicle_ids=[fleet[0].pk],
            standing_mode="sometimes",
        )


def test_the_warm_start_follows_the_standing_order():
    seq = ["7", "3"]
    placed = {7: "1", 3: "1", 9: "2"}
    planning._merge_sequence(seq, ["5", "7", "9", "6", "3", "8"], placed)
    # 5 before 7 (first), 6 after 7 (9 is on another van), 8 after 3
    assert seq == ["5", "7", "6", "3", "8"]


def test_a_network_provider_gets_one_matrix_per_route_with_the_same_answer(
    users, branch, fleet, monkeypatch
):
    """OSRM-like providers are asked for whole matrices; the answer equals the pairwise one."""
    from routes.optimizer import HaversineProvider
    from routes.services import intake as intake_module

    points = [("59.950", "30.300"), ("59.960", "30.350"), ("59.940", "30.380")]
    make_standing_route(
        users["dispatcher"], branch, fleet[0], addresses=[site_address(branch, p) for p in points]
    )
    new = site_address(branch, ("59.955", "30.330"))
    pairwise = _suggest(users["dispatcher"], new)

    calls = []

    class Network:  # not a HaversineProvider: treated like OSRM
        def matrix(self, pts):
            calls.append(len(pts))
            return HaversineProvider().matrix(pts)

    monkeypatch.setattr(intake_module, "distance_provider", lambda: Network())
    by_matrix = _suggest(users["dispatcher"], new)
    assert calls == [5]  # depot, three sites, the address
    assert [(s.position, s.delta_km, s.delta_minutes) for s in by_matrix] == [
        (s.position, s.delta_km, s.delta_minutes) for s in pairwise
    ]
