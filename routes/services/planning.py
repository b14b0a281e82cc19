"""Daily route planning: build the optimiser's problem from the day's orders, run it in a
background job, store the routes; let the dispatcher move and lock stops, re-optimise the rest
and publish the plan to the drivers.

Decisions (see docs/routes.md): one plan per branch and date; a published plan is read-only; a
manual move that breaks a window or a capacity is *allowed* and shown as a warning (the
dispatcher knows things the model does not); locked routes are left out of a re-optimisation
entirely, locked stops keep their vehicle and their order. Orders of standing-route sites start
on their route's van in the route's sequence (``RoutePlan.standing_mode`` says how far the
optimiser may depart from it)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.models import AuditEntry, Job
from crm.core.registry import register_job_handler
from crm.core.services import audit_record, job_create
from crm.orders.models import Order, OrderStatus
from routes import optimizer as opt
from routes.models import ROUTE_COLOURS, Route, RoutePlan, RouteStop, StandingMode, Vehicle
from routes.permissions import can_plan
from routes.services.requirements import Requirements, load_requirements, product_ids_of
from routes.services.standing import StandingStart, standing_start
from routes.services.timing import (
    distance_provider,
    order_point,
    order_service_seconds,
    order_weight_kg,
    order_windows,
    retime,
    seconds_of,
)

JOB_KIND = "routes.optimise"
PLANNABLE = (OrderStatus.NEW, OrderStatus.CONFIRMED)
NO_COORDINATES = "no_coordinates"
NO_VEHICLE = "no_vehicle"
#: capacity of a dimension a vehicle does not count (containers = 0)
UNLIMITED = 10**9

REASONS = {
    NO_COORDINATES: gettext_lazy("The address has no point on the map."),
    NO_VEHICLE: gettext_lazy("No unlocked van is left for it."),
    opt.UnassignedReason.CAPACITY: gettext_lazy("Heavier or bigger than any chosen van."),
    opt.UnassignedReason.WINDOW_UNREACHABLE: gettext_lazy(
        "The window cannot be reached within the vans' shifts."
    ),
    opt.UnassignedReason.NO_VEHICLE_WITH_SKILL: gettext_lazy(
        "Needs a special van (equipment, permit or its territory's van) and none is in the plan."
    ),
    opt.UnassignedReason.DROPPED_BY_OPTIMISER: gettext_lazy(
        "Does not fit into the routes (time or capacity)."
    ),
}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


def time_limit() -> float:
    """Seconds the optimiser may run: setting, else environment, else 10."""
    default = os.environ.get("ROUTES_TIME_LIMIT_SECONDS", "10")
    return float(getattr(settings, "ROUTES_TIME_LIMIT_SECONDS", default))


def _workers() -> int:
    """Parallel searches (0 = one per core, at most 2); a Celery worker gets one anyway."""
    default = os.environ.get("ROUTES_SOLVER_WORKERS", "0")
    return int(getattr(settings, "ROUTES_SOLVER_WORKERS", default))


# --- Which orders -------------------------------------------------------------------------------
def plan_orders(plan: RoutePlan) -> QuerySet[Order]:
    """The day's new and confirmed orders of the branch (narrowed by the plan's filters), and
    the orders its withdrawn publication had taken into work."""
    qs = Order.objects.filter(branch_id=plan.branch_id, date=plan.date).filter(
        Q(status__in=PLANNABLE) | Q(pk__in=plan.withdrawn_orders or [], status=OrderStatus.IN_WORK)
    )
    types = (plan.order_filters or {}).get("order_types") or []
    if types:
        qs = qs.filter(order_type__in=types)
    return qs.select_related("client").prefetch_related("stops", "items__product")


def _check_actor(actor: Any, plan: RoutePlan | None = None) -> None:
    if not can_plan(actor):
        raise PermissionDenied
    if plan is not None and plan.is_published:
        raise ValidationError(_("The plan is published; it can no longer be changed."))


def _check_idle(plan: RoutePlan) -> None:
    if plan.job_id and not plan.job.is_finished:
        raise ValidationError(_("The optimiser is still working on this plan."))


# --- Create and run -----------------------------------------------------------------------------
def plan_create(
    *,
    actor: Any,
    branch: Any,
    date: Any,
    vehicle_ids: Iterable[int],
    order_filters: dict | None = None,
    standing_mode: str = StandingMode.KEEP,
) -> RoutePlan:
    """Start (or restart) the plan of a day: the routes are built by a background job.
    ``standing_mode``: what the optimiser may do with orders of standing-route sites."""
    _check_actor(actor)
    if standing_mode not in StandingMode.values:
        raise ValidationError({"standing_mode": [_("Choose how to use the standing routes.")]})
    ids = {int(v) for v in vehicle_ids}
    vehicles = list(Vehicle.objects.filter(branch=branch, is_active=True, pk__in=ids))
    if not vehicles or len(vehicles) != len(ids):
        raise ValidationError({"vehicles": [_("Choose at least one active vehicle.")]})
    with transaction.atomic():
        plan, created = RoutePlan.objects.select_for_update().get_or_create(
            branch=branch, date=date, defaults={"created_by": actor}
        )
        _check_actor(actor, plan)
        if not created:
            _check_idle(plan)
            plan.routes.all().delete()
        plan.order_filters = order_filters or {}
        plan.standing_mode = standing_mode
        plan.vehicles.set(vehicles)
        _start_job(actor, plan)
        audit_record(
            actor=actor,
            instance=plan,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            changes={"vehicles": [None, sorted(ids)]},
            note=_("Route planning started"),
        )
    return plan


def plan_reoptimise(*, actor: Any, plan: RoutePlan) -> RoutePlan:
    """Run the optimiser again over the unlocked part of the plan (warm start from it)."""
    with transaction.atomic():
        plan = (
            RoutePlan.objects.select_for_update(of=("self",)).select_related("job").get(pk=plan.pk)
        )
        _check_actor(actor, plan)
        _check_idle(plan)
        _start_job(actor, plan)
        audit_record(
            actor=actor,
            instance=plan,
            changes={"job": [None, str(plan.job_id)]},
            note=_("Re-optimised"),
        )
    return plan


def _start_job(actor: Any, plan: RoutePlan) -> None:
    plan.job = job_create(
        actor=actor,
        kind=JOB_KIND,
        title=_("Routes for %(date)s") % {"date": plan.date.strftime("%d.%m.%Y")},
        params={"plan_id": plan.pk},
    )
    plan.save(update_fields=["order_filters", "standing_mode", "job", "updated_at"])


@register_job_handler(JOB_KIND)
def optimise_job(job: Job, progress: Callable[[int, str], None]) -> dict:
    plan = RoutePlan.objects.get(pk=job.params["plan_id"])
    limit = time_limit()
    last = [0.0]

    def on_progress(best_cost: float, elapsed: float) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5:  # the solver reports often; the page needs 2 updates a second
            return
        last[0] = now
        percent = min(95, int(elapsed / max(limit, 0.1) * 100))
        progress(percent, _("Best cost so far: %(cost)s") % {"cost": f"{best_cost:,.0f}"})

    plan_optimise(plan, progress=on_progress)
    return {
        "url": reverse("routes:plan-detail", args=[plan.pk]),
        "label": str(_("Open the plan")),
    }


# --- The optimiser run --------------------------------------------------------------------------
def _vehicle_input(
    vehicle: Vehicle, depot_index: int, skills: frozenset[str] = frozenset()
) -> opt.Vehicle:
    return opt.Vehicle(
        id=str(vehicle.pk),
        capacity=(vehicle.capacity_kg, vehicle.capacity_containers or UNLIMITED),
        shift_start=seconds_of(vehicle.shift_start),
        shift_end=seconds_of(vehicle.shift_end),
        start_depot=depot_index,
        end_depot=depot_index,
        cost_per_km=float(vehicle.km_cost),
        cost_per_hour=float(vehicle.cost_per_hour),
        fixed_cost=float(vehicle.fixed_cost),
        skills=skills,
    )


def _stop_input(
    order: Order,
    point: tuple[float, float],
    pinned: str | None,
    locked: bool | None = None,
    skills: frozenset[str] = frozenset(),
) -> opt.Stop:
    """``pinned``: the only van allowed; ``locked`` (default: when pinned) also keeps its order
    relative to the other locked stops of that van (taken from the warm start)."""
    return opt.Stop(
        id=str(order.pk),
        location=point,
        demand=(order_weight_kg(order), order.containers_to_deliver),
        time_windows=order_windows(order),
        service_time=order_service_seconds(order),
        required_skills=skills,
        priority=2 if order.priority == Order.Priority.EXPRESS else 1,
        pinned_vehicle=pinned,
        locked=pinned is not None if locked is None else locked,
    )


def build_problem(
    vehicles: list[Vehicle],
    orders: list[tuple[Order, tuple[float, float]]],
    locked: dict[int, str],
    initial: dict[str, list[str]],
    pinned: dict[int, str] | None = None,
    requirements: Requirements | None = None,
) -> opt.Problem:
    """The optimiser's input. ``locked``: order id → vehicle id of a locked stop; ``pinned``:
    order id → the only vehicle allowed, order free (standing sites re-sequenced);
    ``requirements``: equipment and territories, as skills."""
    rules = requirements or Requirements()
    depots = list({v.depot_id: v.depot for v in vehicles}.values())
    depot_index = {d.pk: i for i, d in enumerate(depots)}
    opt_depots = [
        opt.Depot(
            id=str(d.pk),
            location=d.point,
            time_window=(seconds_of(d.opens_at), seconds_of(d.closes_at)),
        )
        for d in depots
    ]
    opt_vehicles = [
        _vehicle_input(v, depot_index[v.depot_id], rules.vehicle_skills(v)) for v in vehicles
    ]
    pinned = pinned or {}
    stops = [
        _stop_input(o, p, locked.get(o.pk), skills=rules.order_skills(o, p))
        if o.pk in locked or o.pk not in pinned
        else _stop_input(o, p, pinned[o.pk], locked=False, skills=rules.order_skills(o, p))
        for o, p in orders
    ]
    points = [d.location for d in opt_depots] + [s.location for s in stops]
    matrix = opt.Matrix(*distance_provider().matrix(points))
    costs = any(v.cost_per_km or v.cost_per_hour or v.fixed_cost for v in opt_vehicles)
    options = opt.Options(
        time_limit_seconds=time_limit(),
        objective=opt.Objective.COST if costs else opt.Objective.HIERARCHICAL,
        workers=_workers(),
    )
    return opt.Problem(opt_depots, opt_vehicles, stops, matrix, options, initial or None)


def plan_optimise(plan: RoutePlan, progress: opt.model.ProgressCallback | None = None) -> None:
    """Solve the unlocked part of ``plan`` and store it. Locked routes stay exactly as they are;
    locked stops of other routes keep their van and their order."""
    existing = {
        r.vehicle_id: r
        for r in plan.routes.select_related("vehicle__depot").prefetch_related("stops")
    }
    frozen = {vid for vid, r in existing.items() if r.is_locked}
    frozen_orders = {s.order_id for vid in frozen for s in existing[vid].stops.all()}
    vehicles = [
        v for v in plan.vehicles.select_related("depot").order_by("plate") if v.pk not in frozen
    ]
    orders = [o for o in plan_orders(plan) if o.pk not in frozen_orders]
    located = [(o, p) for o in orders if (p := order_point(o)) is not None]
    unassigned = [
        {"order_id": o.pk, "reason": NO_COORDINATES} for o in orders if order_point(o) is None
    ]
    wanted = {o.pk for o, _p in located}
    locked: dict[int, str] = {}
    initial: dict[str, list[str]] = {}
    for vid, route in existing.items():
        if vid in frozen:
            continue
        stops = sorted(route.stops.all(), key=lambda s: s.position)
        initial[str(vid)] = [str(s.order_id) for s in stops if s.order_id in wanted]
        locked.update({s.order_id: str(vid) for s in stops if s.is_locked and s.order_id in wanted})
    standing = standing_start(
        branch=plan.branch_id, date=plan.date, orders=[o for o, _p in located]
    )
    on_standing = _standing_warm_start(standing, {v.pk for v in vehicles}, initial, locked)
    keep = plan.standing_mode == StandingMode.KEEP
    pin = plan.standing_mode == StandingMode.VANS
    solution = None
    if located and vehicles:
        problem = build_problem(
            vehicles,
            located,
            {**(on_standing if keep else {}), **locked},
            initial,
            on_standing if pin else None,
            load_requirements(
                branch_id=plan.branch_id, product_ids=product_ids_of(o for o, _p in located)
            ),
        )
        solution = opt.solve(problem, progress)
        unassigned += [
            {"order_id": int(u.stop_id), "reason": u.reason} for u in solution.unassigned
        ]
    elif located:
        unassigned += [{"order_id": o.pk, "reason": NO_VEHICLE} for o, _p in located]
    sequences = {
        int(r.vehicle_id): [int(i) for i in r.stop_ids]
        for r in (solution and solution.routes) or []
    }
    _store(plan, vehicles, existing, sequences, locked, standing.drivers)
    plan.unassigned = unassigned
    plan.stats = _stats(solution, len(orders))
    plan.stats["standing"] = {
        "mode": plan.standing_mode,
        "routes": standing.routes,
        "orders": len(on_standing),
    }
    plan.save(update_fields=["unassigned", "stats", "updated_at"])


def _standing_warm_start(
    standing: StandingStart,
    usable: set[int],
    initial: dict[str, list[str]],
    locked: dict[int, str],
) -> dict[int, str]:
    """Put the orders of standing sites into the warm start on their route's van, in the route's
    sequence, and return order id → van for them (the dispatcher's own locks excepted). A van's
    existing draft route wins, so the dispatcher's moves survive a re-optimisation. Vans that are
    not in the plan (or whose route is locked) leave their standing orders to the optimiser."""
    placed = {int(oid): vid for vid, seq in initial.items() for oid in seq}
    on_standing: dict[int, str] = {}
    for vehicle_id, order_ids in standing.sequences.items():
        if vehicle_id not in usable:
            continue
        seq = initial.setdefault(str(vehicle_id), [])
        _merge_sequence(seq, [str(i) for i in order_ids], placed)
        for order_id in order_ids:
            placed.setdefault(order_id, str(vehicle_id))
            if order_id not in locked:
                on_standing[order_id] = placed[order_id]
    return on_standing


def _merge_sequence(seq: list[str], standing: list[str], placed: dict[int, str]) -> None:
    """Insert the standing orders missing from ``seq`` right after their predecessor in the
    standing sequence (or first), so the warm start follows the route's order."""
    previous: str | None = None
    for order_id in standing:
        if int(order_id) in placed:
            previous = order_id if order_id in seq else previous
            continue
        index = seq.index(previous) + 1 if previous in seq else 0
        seq.insert(index, order_id)
        previous = order_id


def _stats(solution: opt.Solution | None, orders: int) -> dict:
    if solution is None:
        return {"orders": orders}
    return {
        "orders": orders,
        "seconds": round(solution.seconds, 2),
        "objective": round(solution.objective, 2),
        "feasible": solution.feasible,
        "violations": solution.violations[:20],
        "vehicles_used": solution.vehicles_used,
    }


@transaction.atomic
def _store(
    plan: RoutePlan,
    vehicles: list[Vehicle],
    existing: dict[int, Route],
    sequences: dict[int, list[int]],
    locked: dict[int, str],
    drivers: dict[int, int] | None = None,
) -> None:
    """Replace the stops of every unlocked route by the solver's sequences, then re-time them.
    A new route's driver: its standing route's (``drivers``: vehicle id → driver id), else the
    van's default driver."""
    RouteStop.objects.filter(route__plan=plan, route__is_locked=False).delete()
    routes: list[Route] = []
    for index, vehicle in enumerate(vehicles):
        route = existing.get(vehicle.pk)
        if route is None:
            route = Route.objects.create(
                plan=plan,
                vehicle=vehicle,
                driver_id=(drivers or {}).get(vehicle.pk, vehicle.driver_id),
                position=index,
                colour=ROUTE_COLOURS[index % len(ROUTE_COLOURS)],
            )
        route.vehicle = vehicle
        routes.append(route)
    new_stops = [
        RouteStop(
            plan=plan,
            route=route,
            order_id=order_id,
            position=position,
            is_locked=order_id in locked,
        )
        for route in routes
        for position, order_id in enumerate(sequences.get(route.vehicle_id, []))
    ]
    RouteStop.objects.bulk_create(new_stops)
    for route in routes:
        retime(route)


# --- Manual edits -------------------------------------------------------------------------------
def _editable(actor: Any, stop_or_route: Any) -> RoutePlan:
    plan = RoutePlan.objects.select_related("job").get(pk=stop_or_route.plan_id)
    _check_actor(actor, plan)
    _check_idle(plan)
    return plan


def stop_move(*, actor: Any, stop: RouteStop, route: Route, position: int) -> list[str]:
    """Move a stop to ``position`` of ``route`` (the same or another route of the plan) and re-time
    both routes. Returns warnings (late stops, overload); never refuses for them."""
    with transaction.atomic():
        stop = RouteStop.objects.select_for_update().select_related("route").get(pk=stop.pk)
        plan = _editable(actor, stop)
        route = Route.objects.select_for_update().select_related("vehicle__depot").get(pk=route.pk)
        source = Route.objects.select_related("vehicle__depot").get(pk=stop.route_id)
        if route.plan_id != plan.pk:
            raise ValidationError(_("The route belongs to another plan."))
        if route.is_locked or source.is_locked:
            raise ValidationError(_("Unlock the route first."))
        before = [str(source), stop.position + 1]
        _reorder(stop, source, route, position)
        changed = [source] if source.pk == route.pk else [source, route]
        for r in changed:
            retime(r)
        audit_record(
            actor=actor,
            instance=plan,
            changes={f"order {stop.order_id}": [before, [str(route), stop.position + 1]]},
            note=_("Stop moved"),
        )
    return route_warnings(route)


def stop_add(
    *, actor: Any, plan: RoutePlan, order_id: int, route: Route, position: int
) -> list[str]:
    """Put an unassigned order of the plan onto ``route`` by hand (re-timed; warnings, as for a
    move). Orders without a point on the map cannot be routed and are refused."""
    with transaction.atomic():
        plan = (
            RoutePlan.objects.select_for_update(of=("self",)).select_related("job").get(pk=plan.pk)
        )
        _check_actor(actor, plan)
        _check_idle(plan)
        route = Route.objects.select_for_update().select_related("vehicle__depot").get(pk=route.pk)
        if route.plan_id != plan.pk:
            raise ValidationError(_("The route belongs to another plan."))
        if route.is_locked:
            raise ValidationError(_("Unlock the route first."))
        rows = [r for r in plan.unassigned if r["order_id"] != order_id]
        order = plan_orders(plan).filter(pk=order_id).first()
        if len(rows) == len(plan.unassigned) or order is None:
            raise ValidationError(_("This order is not waiting for a route in this plan."))
        if order_point(order) is None:
            raise ValidationError(_("The address has no point on the map."))
        stops = list(route.stops.order_by("position"))
        stop = RouteStop(plan=plan, route=route, order=order, position=len(stops))
        stop.save()
        stops.insert(max(0, min(int(position), len(stops))), stop)
        for i, s in enumerate(stops):
            s.position = i
        RouteStop.objects.bulk_update(stops, ["position"])
        retime(route)
        plan.unassigned = rows
        plan.save(update_fields=["unassigned", "updated_at"])
        audit_record(
            actor=actor,
            instance=plan,
            changes={f"order {order_id}": [None, [str(route), stop.position + 1]]},
            note=_("Unassigned order put on a route"),
        )
    return route_warnings(route)


def _reorder(stop: RouteStop, source: Route, target: Route, position: int) -> None:
    """Take the stop out of its route and put it at ``position`` of ``target``; renumber both
    (the position constraint is deferred, so the intermediate duplicates are fine)."""
    rest = [s for s in source.stops.order_by("position") if s.pk != stop.pk]
    if source.pk == target.pk:
        dest = rest
    else:
        for i, s in enumerate(rest):
            s.position = i
        RouteStop.objects.bulk_update(rest, ["position"])
        dest = list(target.stops.order_by("position"))
    position = max(0, min(int(position), len(dest)))
    dest.insert(position, stop)
    stop.route = target
    for i, s in enumerate(dest):
        s.position = i
    RouteStop.objects.bulk_update(dest, ["position", "route"])


def route_warnings(route: Route, requirements: Requirements | None = None) -> list[str]:
    """What is wrong with a route as it stands (manual moves may break the rules: the
    dispatcher decides). Stops a van may not carry get ``stop.requirement_problems``."""
    warnings = []
    rules = requirements or load_requirements(branch_id=route.vehicle.branch_id)
    unfit = 0
    stops = list(route.stops.all())
    for stop in stops:
        stop.requirement_problems = rules.problems(
            stop.order, order_point(stop.order), route.vehicle
        )
        unfit += bool(stop.requirement_problems)
    if unfit:
        warnings.append(
            _("%(count)s stop(s) this van may not take (equipment, permit or territory).")
            % {"count": unfit}
        )
    late = sum(1 for stop in stops if stop.is_late)
    if late:
        warnings.append(_("%(count)s stop(s) after the window closes.") % {"count": late})
    if route.over_capacity:
        warnings.append(_("The load exceeds the van's capacity."))
    if route.ends_at and route.ends_at > route.vehicle.shift_end:
        warnings.append(_("The route ends after the shift."))
    return warnings


def route_lock(*, actor: Any, route: Route, locked: bool) -> Route:
    with transaction.atomic():
        _editable(actor, route)
        Route.objects.filter(pk=route.pk).update(is_locked=locked)
        audit_record(
            actor=actor,
            instance=route.plan,
            changes={f"route {route}": [not locked, locked]},
            note=_("Route locked") if locked else _("Route unlocked"),
        )
    route.is_locked = locked
    return route


def stop_lock(*, actor: Any, stop: RouteStop, locked: bool) -> RouteStop:
    with transaction.atomic():
        _editable(actor, stop)
        RouteStop.objects.filter(pk=stop.pk).update(is_locked=locked)
        audit_record(
            actor=actor,
            instance=stop.plan,
            changes={f"order {stop.order_id}": [not locked, locked]},
            note=_("Stop locked") if locked else _("Stop unlocked"),
        )
    stop.is_locked = locked
    return stop


def route_set_driver(*, actor: Any, route: Route, driver: Any | None) -> Route:
    with transaction.atomic():
        _editable(actor, route)
        if driver is not None and (
            driver.role != "driver" or driver.branch_id != route.plan.branch_id
        ):
            raise ValidationError({"driver": [_("Choose a driver of this branch.")]})
        before = str(route.driver or "")
        Route.objects.filter(pk=route.pk).update(driver=driver)
        route.driver = driver
        audit_record(
            actor=actor,
            instance=route.plan,
            changes={f"driver of {route}": [before, str(driver or "")]},
        )
    return route
