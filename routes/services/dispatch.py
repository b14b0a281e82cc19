"""The dispatcher's actions on a published plan while the vans are on the road (the live board):
move a stop to another route or another place (a preview first: old and new ETAs, Δkm, Δmin,
nothing saved; then the same move applied), give a route another driver, and put an urgent
order on the route where it costs least (cheapest insertion among the stops not yet visited).

Rules: only planned stops move (a stop the driver stands at, has done or failed stays where it
is) and only behind the stops already visited; finished routes take nothing; a day that is over
is read-only. Each change locks the routes it touches, is re-timed with the planner's
``routes.services.timing.retime``, bumps the route's ``sequence_version`` (the tablet shows a
banner), re-assigns the open orders to the route's driver, writes an audit row on the plan and
is announced to the board and the tablets after commit (``routes.realtime``)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.services import audit_record, notification_send
from crm.orders.models import Order, OrderStatus
from crm.orders.services.orders import branch_today, publish_order_changed
from crm.orders.services.workflow import order_transition
from routes.board import INSERTABLE, board_routes
from routes.models import Route, RoutePlan, RouteState, RouteStop, StopState
from routes.permissions import can_plan
from routes.realtime import publish_route_event
from routes.services.eta import forecast
from routes.services.requirements import load_requirements, product_ids_of
from routes.services.timing import (
    distance_provider,
    order_point,
    retime,
    schedule,
    time_of,
    vehicle_ready,
)

CLOSED_ORDERS = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)
#: positions of a route fully re-timed when looking for the best place of an urgent order
INSERTION_CANDIDATES = 3


# --- Checks -------------------------------------------------------------------------------------
def _check_actor(actor: Any) -> None:
    if not can_plan(actor):
        raise PermissionDenied


def check_plan(plan: RoutePlan) -> None:
    """A published plan of today or later (a day that is over is history)."""
    if not plan.is_published:
        raise ValidationError(_("The plan is not published; change it on the planning page."))
    if plan.date < branch_today(plan.branch):
        raise ValidationError(_("This day is over; its routes can no longer be changed."))


def _check_versions(routes: Sequence[Route], versions: Mapping[int, int] | None) -> None:
    """The routes must still be as the dispatcher saw them in the preview."""
    for route in routes:
        expected = (versions or {}).get(route.pk)
        if expected is not None and int(expected) != route.sequence_version:
            raise ValidationError(
                _("The route %(route)s has changed since the preview; check the new figures.")
                % {"route": route}
            )


def first_free_position(stops: Sequence[RouteStop]) -> int:
    """Stops go behind the last stop the driver has reached (arrived, done or failed)."""
    return max((i + 1 for i, s in enumerate(stops) if s.state != StopState.PLANNED), default=0)


def _clamp(position: int | None, stops: Sequence[RouteStop]) -> int:
    low, high = first_free_position(stops), len(stops)
    if position is None:
        return high
    return max(low, min(int(position), high))


# --- Figures of a sequence ----------------------------------------------------------------------
@dataclass
class Figures:
    """ETAs (service start, seconds after midnight) by stop key, lateness, km and return time."""

    starts: dict[Any, int]
    late: set[Any]
    metres: float
    back: int | None


#: the key of an urgent order being tried on a route (the forecast keys ETAs by stop pk)
TRIAL = -1


def _key(stop: RouteStop) -> Any:
    return stop.pk


def figures(route: Route, stops: Sequence[RouteStop], now: datetime.datetime) -> Figures:
    """Today: ETAs from actual progress (``eta.forecast``); another day: the planned schedule.
    km: the planned length of the whole sequence (what ``retime`` stores)."""
    planned = schedule(
        depot_point=route.vehicle.depot.point,
        ready=vehicle_ready(route),
        orders=[s.order for s in stops],
    )
    if route.plan.date == timezone.localtime(now, route.plan.branch.tzinfo).date():
        result = forecast(route, stops, now)
        starts = {s.pk: result.etas[s.pk].start for s in stops if s.pk in result.etas}
        late = {s.pk for s in stops if s.pk in result.etas and result.etas[s.pk].late}
        back = result.back_at if result.back_at is not None else (planned.end if stops else None)
        return Figures(starts, late, planned.metres, back)
    starts, late = {}, set()
    for stop, times in zip(stops, planned.stops, strict=True):
        if stop.state in (StopState.PLANNED, StopState.ARRIVED):
            starts[_key(stop)] = times.start
            if times.late:
                late.add(_key(stop))
    return Figures(starts, late, planned.metres, planned.end if stops else None)


@dataclass
class StopChange:
    stop: RouteStop
    before: int | None  # seconds after midnight
    after: int | None
    late_before: bool
    late_after: bool
    is_moved: bool = False

    @property
    def before_time(self) -> datetime.time | None:
        return time_of(self.before) if self.before is not None else None

    @property
    def after_time(self) -> datetime.time | None:
        return time_of(self.after) if self.after is not None else None

    @property
    def delta_minutes(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return round((self.after - self.before) / 60)

    @property
    def changed(self) -> bool:
        return self.is_moved or self.late_before != self.late_after or bool(self.delta_minutes)


@dataclass
class RouteChange:
    route: Route
    before: Figures
    after: Figures
    stops: list[StopChange] = field(default_factory=list)

    @property
    def delta_km(self) -> float:
        return round((self.after.metres - self.before.metres) / 1000.0, 1)

    @property
    def delta_minutes(self) -> int:
        if self.before.back is None or self.after.back is None:
            return 0
        return round((self.after.back - self.before.back) / 60)

    @property
    def back_before(self) -> datetime.time | None:
        return time_of(self.before.back) if self.before.back is not None else None

    @property
    def back_after(self) -> datetime.time | None:
        return time_of(self.after.back) if self.after.back is not None else None

    @property
    def new_late(self) -> int:
        return len(self.after.late - self.before.late)

    @property
    def changed_stops(self) -> list[StopChange]:
        return [s for s in self.stops if s.changed]


def _route_change(
    route: Route,
    old: Sequence[RouteStop],
    new: Sequence[RouteStop],
    now: datetime.datetime,
    moved: Any = None,
) -> RouteChange:
    before, after = figures(route, old, now), figures(route, new, now)
    change = RouteChange(route, before, after)
    for stop in new:
        key = _key(stop)
        if key not in after.starts:
            continue
        change.stops.append(
            StopChange(
                stop,
                before.starts.get(key),
                after.starts.get(key),
                key in before.late,
                key in after.late,
                is_moved=key == moved,
            )
        )
    return change


# --- Move / reorder -----------------------------------------------------------------------------
@dataclass
class MovePreview:
    stop: RouteStop
    position: int  # 0-based, in the target route
    source: RouteChange
    target: RouteChange | None  # None: reordered within its route
    sequences: dict[int, list[RouteStop]]

    @property
    def changes(self) -> list[RouteChange]:
        return [self.source] + ([self.target] if self.target else [])

    @property
    def versions(self) -> dict[int, int]:
        return {c.route.pk: c.route.sequence_version for c in self.changes}

    @property
    def delta_km(self) -> float:
        return round(sum(c.delta_km for c in self.changes), 1)

    @property
    def new_late(self) -> int:
        return sum(c.new_late for c in self.changes)


def _movable(stop: RouteStop, source: Route, target: Route) -> None:
    if stop.state != StopState.PLANNED:
        raise ValidationError(_("Only a stop the driver has not reached yet can be moved."))
    for route in {source.pk: source, target.pk: target}.values():
        if route.state == RouteState.FINISHED:
            raise ValidationError(
                _("The route %(route)s is finished; it takes no stops.") % {"route": route}
            )


def _preview(
    plan: RoutePlan, stop: RouteStop, target_id: int, position: int | None, now: datetime.datetime
) -> MovePreview:
    routes = {r.pk: r for r in board_routes(plan, sorted({stop.route_id, target_id}))}
    if target_id not in routes or stop.route_id not in routes:
        raise ValidationError({"route": [_("Choose a route of this day.")]})
    source, target = routes[stop.route_id], routes[target_id]
    old_source = list(source.stops.all())
    stop = next(s for s in old_source if s.pk == stop.pk)
    _movable(stop, source, target)
    rest = [s for s in old_source if s.pk != stop.pk]
    if source.pk == target.pk:
        new_target = list(rest)
        position = _clamp(position, new_target)
        new_target.insert(position, stop)
        change = _route_change(source, old_source, new_target, now, moved=stop.pk)
        return MovePreview(stop, position, change, None, {source.pk: new_target})
    old_target = list(target.stops.all())
    new_target = list(old_target)
    position = _clamp(position, new_target)
    new_target.insert(position, stop)
    return MovePreview(
        stop,
        position,
        _route_change(source, old_source, rest, now),
        _route_change(target, old_target, new_target, now, moved=stop.pk),
        {source.pk: rest, target.pk: new_target},
    )


def stop_move_preview(
    *,
    actor: Any,
    stop: RouteStop,
    route: Route,
    position: int | None,
    now: datetime.datetime | None = None,
) -> MovePreview:
    """What moving ``stop`` to ``position`` (0-based; None = the end) of ``route`` would do to
    the ETAs, km and return times of both routes. Nothing is saved."""
    _check_actor(actor)
    plan = RoutePlan.objects.select_related("branch").get(pk=stop.plan_id)
    check_plan(plan)
    if route.plan_id != plan.pk:
        raise ValidationError({"route": [_("Choose a route of this day.")]})
    return _preview(plan, stop, route.pk, position, now or timezone.now())


def stop_move_apply(
    *,
    actor: Any,
    stop: RouteStop,
    route: Route,
    position: int | None,
    versions: Mapping[int, int] | None = None,
    now: datetime.datetime | None = None,
) -> MovePreview:
    """Move the stop as previewed: lock both routes, check they are unchanged since the preview
    (``versions``: route id → sequence_version seen), re-time them, re-assign the order, bump
    the versions and tell the board and the tablets."""
    _check_actor(actor)
    now = now or timezone.now()
    with transaction.atomic():
        stop = RouteStop.objects.select_for_update().get(pk=stop.pk)
        plan = RoutePlan.objects.select_related("branch").get(pk=stop.plan_id)
        check_plan(plan)
        ids = sorted({stop.route_id, route.pk})
        locked = list(Route.objects.select_for_update().filter(plan=plan, pk__in=ids))
        if len(locked) != len(ids):
            raise ValidationError({"route": [_("Choose a route of this day.")]})
        _check_versions(locked, versions)
        preview = _preview(plan, stop, route.pk, position, now)
        before = [str(preview.source.route), preview.stop.position + 1]
        RouteStop.objects.filter(pk=stop.pk).update(route_id=route.pk)
        for change in preview.changes:
            retime(change.route, preview.sequences[change.route.pk])
        for change in preview.changes:
            _bump(change.route)
        target = preview.target.route if preview.target else preview.source.route
        if preview.target is not None:
            _reassign_orders([preview.stop.order], target.driver)
        audit_record(
            actor=actor,
            instance=plan,
            changes={
                f"order {preview.stop.order.number or preview.stop.order_id}": [
                    before,
                    [str(target), preview.position + 1],
                ]
            },
            note=_("Stop moved on the road"),
        )
        if preview.target is None:
            _announce(preview.source.route, "moved")
        else:
            _announce(preview.source.route, "removed")
            _announce(preview.target.route, "added")
    return preview


def _bump(route: Route) -> None:
    Route.objects.filter(pk=route.pk).update(sequence_version=F("sequence_version") + 1)
    route.refresh_from_db(fields=["sequence_version"])


def _announce(route: Route, what: str) -> None:
    publish_route_event(route, "route.sequence", version=route.sequence_version, what=what)


def _reassign_orders(orders: Sequence[Order], driver: Any) -> None:
    """Open orders follow the route's driver (the order pages and his tablet are told)."""
    ids = [o.pk for o in orders]
    live = Order.objects.filter(pk__in=ids).exclude(status__in=CLOSED_ORDERS)
    live = live.exclude(assignee=driver) if driver is not None else live
    changed = list(live)
    if not changed:
        return
    Order.objects.filter(pk__in=[o.pk for o in changed]).update(
        assignee=driver, updated_at=timezone.now()
    )
    for order in changed:
        order.assignee = driver
        publish_order_changed(order, "assigned")


# --- Driver -------------------------------------------------------------------------------------
def route_driver_reassign(*, actor: Any, route: Route, driver: Any) -> Route:
    """Give an unfinished route another driver of the branch: its open orders follow, the new
    driver is notified, the board and both tablets are told (``route.changed``, what=driver)."""
    _check_actor(actor)
    with transaction.atomic():
        route = (
            Route.objects.select_for_update(of=("self",))
            .select_related("plan__branch", "driver", "vehicle")
            .get(pk=route.pk)
        )
        plan = route.plan
        check_plan(plan)
        if route.state == RouteState.FINISHED:
            raise ValidationError(_("The route is finished."))
        if (
            driver is None
            or driver.role != "driver"
            or driver.branch_id != plan.branch_id
            or not driver.is_active
        ):
            raise ValidationError({"driver": [_("Choose a driver of this branch.")]})
        if driver.pk == route.driver_id:
            raise ValidationError({"driver": [_("This driver already drives the route.")]})
        busy = (
            Route.objects.filter(
                plan=plan, driver=driver, state__in=[RouteState.ON_ROAD, RouteState.ON_BREAK]
            )
            .exclude(pk=route.pk)
            .first()
        )
        if busy is not None:
            raise ValidationError(
                {"driver": [_("This driver is on the road with %(route)s.") % {"route": busy}]}
            )
        before = str(route.driver or "")
        route.driver = driver
        route.save(update_fields=["driver"])
        open_orders = Order.objects.filter(
            route_stops__route=route,
            route_stops__state__in=[StopState.PLANNED, StopState.ARRIVED],
        )
        _reassign_orders(list(open_orders), driver)
        notification_send(
            recipient=driver,
            title=_("You drive %(route)s on %(date)s")
            % {"route": route.vehicle, "date": plan.date.strftime("%d.%m.%Y")},
            body=_("The dispatcher gave you this route."),
            url=reverse("routes:my-route"),
        )
        audit_record(
            actor=actor,
            instance=plan,
            changes={f"driver of {route.vehicle}": [before, str(driver)]},
            note=_("Driver changed on the road"),
        )
        publish_route_event(route, "route.changed", what="driver")
    return route


# --- Urgent orders ------------------------------------------------------------------------------
@dataclass
class InsertionOption:
    route: Route
    position: int  # 0-based
    change: RouteChange
    eta: datetime.time | None
    order_late: bool

    @property
    def delta_km(self) -> float:
        return self.change.delta_km

    @property
    def delta_minutes(self) -> int:
        return self.change.delta_minutes

    @property
    def breaks_windows(self) -> int:
        """Stops (the new one included) that would start after their window closes."""
        return self.change.new_late

    @property
    def version(self) -> int:
        return self.route.sequence_version

    @property
    def after_stop(self) -> RouteStop | None:
        stops = list(self.route.stops.all())
        return stops[self.position - 1] if self.position > 0 else None

    @property
    def sort_key(self) -> tuple[int, float, int]:
        return (self.breaks_windows, self.delta_km, self.delta_minutes)


def insertable_order(plan: RoutePlan, order_id: int) -> Order:
    """An order of the plan's branch and day, new or confirmed, on no route of the plan, with a
    point on the map."""
    order = (
        Order.objects.filter(
            pk=order_id, branch_id=plan.branch_id, date=plan.date, status__in=INSERTABLE
        )
        .exclude(route_stops__plan=plan)
        .select_related("client")
        .prefetch_related("stops", "items__product")
        .first()
    )
    if order is None:
        raise ValidationError(_("This order is not waiting for a route of this day."))
    if order_point(order) is None:
        raise ValidationError(_("The address has no point on the map."))
    return order


def _cheapest_positions(route: Route, stops: Sequence[RouteStop], order: Order) -> list[int]:
    """Positions among the stops not yet visited, cheapest added distance first."""
    depot = route.vehicle.depot.point
    new_point = order_point(order) or depot
    points = [depot] + [order_point(s.order) or depot for s in stops] + [new_point]
    distances, _durations = distance_provider().matrix(points)
    new = len(points) - 1
    added = []
    for position in range(first_free_position(stops), len(stops) + 1):
        prev = position  # stops[position - 1] is point index ``position``; 0 is the depot
        nxt = position + 1 if position < len(stops) else 0
        delta = distances[prev][new] + distances[new][nxt] - distances[prev][nxt]
        added.append((delta, position))
    return [p for _d, p in sorted(added)]


def _best_insertion(route: Route, order: Order, now: datetime.datetime) -> InsertionOption | None:
    if route.state == RouteState.FINISHED:
        return None
    stops = list(route.stops.all())
    best: InsertionOption | None = None
    for position in _cheapest_positions(route, stops, order)[:INSERTION_CANDIDATES]:
        candidate = RouteStop(
            pk=TRIAL, plan_id=route.plan_id, route=route, order=order, position=position
        )
        new = list(stops)
        new.insert(position, candidate)
        change = _route_change(route, stops, new, now, moved=TRIAL)
        start = change.after.starts.get(TRIAL)
        option = InsertionOption(
            route, position, change, time_of(start) if start else None, TRIAL in change.after.late
        )
        if best is None or option.sort_key < best.sort_key:
            best = option
    return best


def insertion_options(
    *, actor: Any, plan: RoutePlan, order: Order, now: datetime.datetime | None = None
) -> list[InsertionOption]:
    """For every route still running, the cheapest place for ``order`` among the stops not yet
    visited (the few cheapest by distance, re-timed from actual progress; fewest broken windows
    first, then the fewest km), best route first. Nothing is saved."""
    _check_actor(actor)
    check_plan(plan)
    order = insertable_order(plan, order.pk)
    now = now or timezone.now()
    rules = load_requirements(branch_id=plan.branch_id, product_ids=product_ids_of([order]))
    point = order_point(order)
    options = [
        option
        for route in board_routes(plan)
        if not rules.problems(order, point, route.vehicle)
        and (option := _best_insertion(route, order, now)) is not None
    ]
    return sorted(options, key=lambda o: o.sort_key)


@dataclass
class Insertion:
    stop: RouteStop
    in_work: bool


def urgent_order_add(
    *,
    actor: Any,
    plan: RoutePlan,
    order: Order,
    route: Route,
    position: int | None,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Insertion:
    """Put ``order`` on ``route`` at ``position`` (behind the visited stops), re-time the route,
    assign the driver and take a confirmed order into work when no prepayment is outstanding."""
    _check_actor(actor)
    now = now or timezone.now()
    with transaction.atomic():
        plan = (
            RoutePlan.objects.select_for_update(of=("self",))
            .select_related("branch")
            .get(pk=plan.pk)
        )
        check_plan(plan)
        locked = Route.objects.select_for_update().filter(plan=plan, pk=route.pk).first()
        if locked is None:
            raise ValidationError({"route": [_("Choose a route of this day.")]})
        _check_versions([locked], {locked.pk: version} if version is not None else None)
        order = insertable_order(plan, order.pk)
        route = board_routes(plan, [locked.pk])[0]
        if route.state == RouteState.FINISHED:
            raise ValidationError(_("The route is finished; it takes no stops."))
        stops = list(route.stops.all())
        position = _clamp(position, stops)
        stop = RouteStop.objects.create(plan=plan, route=route, order=order, position=len(stops))
        stops.insert(position, stop)
        retime(route, stops)
        _bump(route)
        plan.unassigned = [r for r in plan.unassigned or [] if r.get("order_id") != order.pk]
        plan.save(update_fields=["unassigned", "updated_at"])
        _reassign_orders([order], route.driver)
        in_work = _start_work(actor, order)
        audit_record(
            actor=actor,
            instance=plan,
            changes={f"order {order.number or order.pk}": [None, [str(route), position + 1]]},
            note=_("Urgent order put on a route"),
        )
        _announce(route, "added")
    return Insertion(stop, in_work)


def _start_work(actor: Any, order: Order) -> bool:
    """Confirmed → in work when no prepayment is outstanding (the order's state machine decides;
    a refusal leaves the order as it is)."""
    order.refresh_from_db()
    if order.status != OrderStatus.CONFIRMED or order.prepayment_outstanding > 0:
        return False
    try:
        order_transition(actor=actor, order=order, target=OrderStatus.IN_WORK)
    except (ValidationError, PermissionDenied):
        return False
    return True
