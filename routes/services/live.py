"""On the road: what a driver does from the tablet (arrived, done, failed, break, finish), the
tablet's GPS positions and the messages between the dispatcher and the driver.

Every driver action carries an id the tablet made (``action_id``). Tablets lose the network in
lifts and basements; their queue re-sends until an answer arrives, so the same action may arrive
twice. ``apply_action`` records each id once (a unique ``DriverAction.action_id``, written in the
same transaction as the effect): a repeat returns the first answer and changes nothing, so a
payment or a container count is never doubled.

Each change is committed first and then told to the dispatcher's board and the route's tablet
(``routes.realtime``)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from crm.core.services import audit_record
from crm.orders.models import Order, OrderStatus
from crm.orders.services.orders import publish_order_changed
from crm.orders.services.workflow import order_transition
from routes.models import (
    OPEN_STOP_STATES,
    BreakReason,
    DriverAction,
    DriverMessage,
    FailReason,
    GpsPosition,
    PaymentTaken,
    Route,
    RoutePlan,
    RouteState,
    RouteStop,
    StopState,
)
from routes.optimizer.distance import haversine_m
from routes.realtime import publish_route_event
from routes.services.containers import ContainerLine, expected_lines, record_stop_containers
from routes.services.timing import order_point

MAX_PHOTO_BYTES = 4 * 1024 * 1024
MAX_FIXES_PER_REQUEST = 200
MAX_CONTAINERS_PER_LINE = 10_000


def done_far_metres() -> int:
    return int(getattr(settings, "ROUTES_DONE_FAR_METRES", 300))


def idle_radius_metres() -> int:
    return int(getattr(settings, "ROUTES_IDLE_RADIUS_M", 150))


# --- Which route is the driver's ----------------------------------------------------------------
def driver_routes(user: Any, branch: Any, date: datetime.date) -> Any:
    """The published routes ``user`` drives on ``date`` in ``branch`` (usually one)."""
    return Route.objects.filter(
        plan__branch=branch,
        plan__date=date,
        plan__status=RoutePlan.Status.PUBLISHED,
        driver=user,
    ).select_related("plan__branch", "vehicle__depot")


def _own_route(user: Any, route: Route) -> Route:
    if route.driver_id != user.pk or route.plan.status != RoutePlan.Status.PUBLISHED:
        raise PermissionDenied
    return route


# --- Actions ------------------------------------------------------------------------------------
@dataclass
class ActionResult:
    action_id: str
    kind: str
    ok: bool
    duplicate: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    stop_id: int | None = None
    state: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "kind": self.kind,
            "ok": self.ok,
            "duplicate": self.duplicate,
            "errors": self.errors,
            "stop": self.stop_id,
            "state": self.state,
        }


@dataclass
class ActionContext:
    user: Any
    route: Route
    stop: RouteStop | None
    data: Mapping[str, Any]
    at: datetime.datetime


Handler = Callable[[ActionContext], str]


def parse_action_id(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValidationError({"action_id": [_("The action has no valid id.")]}) from exc


def _taken_at(value: Any, now: datetime.datetime) -> datetime.datetime:
    """The tablet's time of the tap; a missing, bad or future time (a wrong clock) is now."""
    moment = parse_datetime(str(value)) if value else None
    if moment is None:
        return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now or moment < now - datetime.timedelta(days=2):
        return now
    return moment


def apply_action(
    *, user: Any, route: Route, kind: str, data: Mapping[str, Any], action_id: Any
) -> ActionResult:
    """Apply one tablet action exactly once (see the module docstring)."""
    aid = parse_action_id(action_id)
    _own_route(user, route)
    previous = DriverAction.objects.filter(action_id=aid).first()
    if previous is not None:
        return _replay(user, previous)
    handler = HANDLERS.get(kind)
    if handler is None:
        raise ValidationError({"kind": [_("Unknown action.")]})
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = (
                Route.objects.select_for_update().select_related("plan__branch").get(pk=route.pk)
            )
            stop = _stop_of(locked, data.get("stop"), kind)
            ctx = ActionContext(user, locked, stop, data, _taken_at(data.get("taken_at"), now))
            state = handler(ctx)
            if kind == "done":
                _announce_payment(stop, aid)
            DriverAction.objects.create(
                action_id=aid,
                kind=kind,
                user=user,
                route=locked,
                stop=stop,
                payload=_loggable(data),
                taken_at=ctx.at,
            )
    except ValidationError as exc:
        return _rejected(user, route, kind, data, aid, exc)
    except IntegrityError:
        # the same action arrived twice at once: the other request applied it
        previous = DriverAction.objects.filter(action_id=aid).first()
        if previous is None:
            raise
        return _replay(user, previous)
    return ActionResult(str(aid), kind, True, stop_id=stop.pk if stop else None, state=state)


def _replay(user: Any, previous: DriverAction) -> ActionResult:
    if previous.user_id != user.pk:
        raise PermissionDenied
    state = ""
    if previous.stop_id:
        state = RouteStop.objects.filter(pk=previous.stop_id).values_list("state", flat=True)[0]
    return ActionResult(
        str(previous.action_id),
        previous.kind,
        previous.ok,
        duplicate=True,
        errors=previous.errors,
        stop_id=previous.stop_id,
        state=state,
    )


def _rejected(
    user: Any, route: Route, kind: str, data: Mapping[str, Any], aid: uuid.UUID, exc: Exception
) -> ActionResult:
    """A refused action is recorded too, so its re-send gets the same answer."""
    errors = _error_dict(exc)
    stop_id = _int_or_none(data.get("stop"))
    if stop_id is not None and not RouteStop.objects.filter(pk=stop_id, route=route).exists():
        stop_id = None
    with contextlib.suppress(IntegrityError), transaction.atomic():
        DriverAction.objects.create(
            action_id=aid,
            kind=kind[:20],
            user=user,
            route=route,
            stop_id=stop_id,
            payload=_loggable(data),
            ok=False,
            errors=errors,
        )
    return ActionResult(str(aid), kind, False, errors=errors, stop_id=stop_id)


def _error_dict(exc: Any) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: [str(m) for m in exc.message_dict[key]] for key in exc.message_dict}
    return {"__all__": [str(m) for m in getattr(exc, "messages", [str(exc)])]}


def _loggable(data: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as recorded: without the photo's bytes and the CSRF token."""
    skip = {"photo_data", "csrfmiddlewaretoken"}
    return {k: str(v)[:500] for k, v in data.items() if k not in skip}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _stop_of(route: Route, value: Any, kind: str) -> RouteStop | None:
    if kind not in STOP_ACTIONS:
        return None
    stop_id = _int_or_none(value)
    stop = (
        RouteStop.objects.select_for_update(of=("self",))
        .select_related("order__client", "route__plan")
        .prefetch_related("order__items__product", "order__stops")
        .filter(pk=stop_id, route=route)
        .first()
        if stop_id is not None
        else None
    )
    if stop is None:
        raise ValidationError({"stop": [_("This stop is not on your route any more.")]})
    return stop


def _start_route(ctx: ActionContext) -> None:
    route = ctx.route
    if route.state == RouteState.PLANNED:
        route.state = RouteState.ON_ROAD
        route.started_at = ctx.at
        route.save(update_fields=["state", "started_at"])
        publish_route_event(route, "route.changed", what="started")


def _require_open(stop: RouteStop) -> None:
    if stop.state not in OPEN_STOP_STATES:
        raise ValidationError(
            {
                "stop": [
                    _("This stop is already marked “%(state)s”.")
                    % {"state": stop.get_state_display()}
                ]
            }
        )


def _stop_changed(ctx: ActionContext, stop: RouteStop) -> str:
    publish_route_event(ctx.route, "route.stop", stop=stop.pk, state=stop.state)
    return stop.state


# arrived ----------------------------------------------------------------------------------------
def _arrived(ctx: ActionContext) -> str:
    stop = ctx.stop
    assert stop is not None
    if stop.state == StopState.ARRIVED:
        return stop.state
    _require_open(stop)
    _start_route(ctx)
    stop.state = StopState.ARRIVED
    stop.arrived_at = ctx.at
    stop.save(update_fields=["state", "arrived_at"])
    return _stop_changed(ctx, stop)


# done -------------------------------------------------------------------------------------------
def _decimal(value: Any, name: str, errors: dict[str, list[str]]) -> Decimal:
    text = str(value or "0").strip().replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.setdefault(name, []).append(_("Enter an amount, e.g. 1250.50."))
        return Decimal("0")
    if amount < 0 or amount >= Decimal("1e10") or amount != amount.quantize(Decimal("0.01")):
        errors.setdefault(name, []).append(_("Enter an amount, e.g. 1250.50."))
        return Decimal("0")
    return amount


def _count(value: Any, name: str, errors: dict[str, list[str]]) -> int:
    text = str(value if value not in (None, "") else "0").strip()
    if not text.isdigit() or int(text) > MAX_CONTAINERS_PER_LINE:
        errors.setdefault(name, []).append(_("Enter a whole number, 0 or more."))
        return 0
    return int(text)


def container_lines(order: Order, data: Mapping[str, Any]) -> tuple[list[ContainerLine], dict]:
    """The counts the driver entered for the order's container lines (``line-<i>-delivered``…);
    a line the form did not send keeps the order's expected figures."""
    errors: dict[str, list[str]] = {}
    lines = expected_lines(order)
    for index, line in enumerate(lines):
        prefix = f"line-{index}-"
        if not any(key.startswith(prefix) for key in data):
            continue
        line.delivered = _count(data.get(prefix + "delivered"), prefix + "delivered", errors)
        line.collected = _count(data.get(prefix + "collected"), prefix + "collected", errors)
        line.damaged = _count(data.get(prefix + "damaged"), prefix + "damaged", errors)
        line.missing = _count(data.get(prefix + "missing"), prefix + "missing", errors)
    return lines, errors


def _payment(
    order: Order, data: Mapping[str, Any], errors: dict[str, list[str]]
) -> tuple[str, Decimal]:
    method = str(data.get("payment_taken") or PaymentTaken.NONE)
    if method not in PaymentTaken.values:
        errors.setdefault("payment_taken", []).append(_("Choose how the client paid."))
        return PaymentTaken.NONE, Decimal("0")
    amount = _decimal(data.get("amount_taken"), "amount_taken", errors)
    if method == PaymentTaken.NONE and amount:
        errors.setdefault("payment_taken", []).append(
            _("Choose cash or card for the amount taken.")
        )
    if method != PaymentTaken.NONE and not amount and "amount_taken" not in errors:
        errors.setdefault("amount_taken", []).append(_("Enter the amount taken."))
    return method, amount


def _photo(data: Mapping[str, Any], errors: dict[str, list[str]]) -> ContentFile | None:
    """The tablet sends the photo as a (downscaled) JPEG data URL, so it fits in the queue."""
    raw = str(data.get("photo_data") or "")
    if not raw:
        return None
    header, _sep, encoded = raw.partition(",")
    if not header.startswith("data:image/") or not encoded:
        errors.setdefault("photo", []).append(_("The photo could not be read."))
        return None
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        errors.setdefault("photo", []).append(_("The photo could not be read."))
        return None
    if len(content) > MAX_PHOTO_BYTES or not content.startswith((b"\xff\xd8", b"\x89PNG")):
        errors.setdefault("photo", []).append(_("Send a JPEG or PNG photo under 4 MB."))
        return None
    extension = "png" if content.startswith(b"\x89PNG") else "jpg"
    return ContentFile(content, name=f"stop.{extension}")


def _mark_position(stop: RouteStop, data: Mapping[str, Any]) -> None:
    """Where the tablet was when the driver tapped, and how far that is from the address."""
    point = _point(data.get("lat"), data.get("lon"))
    if point is None:
        return
    stop.marked_latitude = Decimal(str(round(point[0], 6)))
    stop.marked_longitude = Decimal(str(round(point[1], 6)))
    target = order_point(stop.order)
    if target is not None:
        stop.marked_distance_m = round(haversine_m(point, target))


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        point = (float(lat), float(lon))
    except (TypeError, ValueError):
        return None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180) or point == (0.0, 0.0):
        return None
    return point


def _complete_order(ctx: ActionContext, order: Order) -> None:
    if order.status == OrderStatus.COMPLETED:
        return
    if order.status != OrderStatus.IN_WORK:
        raise ValidationError(
            _("The order is not in work (status: %(status)s). Call the dispatcher.")
            % {"status": order.get_status_display()}
        )
    order_transition(actor=ctx.user, order=order, target=OrderStatus.COMPLETED)


def _done(ctx: ActionContext) -> str:
    stop = ctx.stop
    assert stop is not None
    _require_open(stop)
    order = stop.order
    lines, errors = container_lines(order, ctx.data)
    method, amount = _payment(order, ctx.data, errors)
    photo = _photo(ctx.data, errors)
    if errors:
        raise ValidationError(errors)
    _start_route(ctx)
    _complete_order(ctx, order)
    stop.state = StopState.DONE
    stop.arrived_at = stop.arrived_at or ctx.at
    stop.finished_at = ctx.at
    stop.payment_taken = method
    stop.amount_taken = amount
    stop.driver_note = str(ctx.data.get("note") or "").strip()[:1000]
    _mark_position(stop, ctx.data)
    if photo is not None:
        stop.photo.save(photo.name, photo, save=False)
    stop.save()
    record_stop_containers(stop=stop, driver=ctx.user, lines=lines)
    return _stop_changed(ctx, stop)


#: sent after commit when a driver marks a stop done with cash or card taken (billing records the
#: payment); kwargs: stop_id, client_id, amount (Decimal), method ("cash"/"card"), action_id (str)
stop_payment_taken = Signal()


def _announce_payment(stop: RouteStop | None, aid: uuid.UUID) -> None:
    if stop is None or stop.payment_taken not in (PaymentTaken.CASH, PaymentTaken.CARD):
        return
    if not stop.amount_taken or stop.amount_taken <= 0:
        return
    kwargs = {
        "stop_id": stop.pk,
        "client_id": stop.order.client_id,
        "amount": stop.amount_taken,
        "method": str(stop.payment_taken),
        "action_id": str(aid),
    }
    transaction.on_commit(lambda: stop_payment_taken.send(sender=RouteStop, **kwargs))


# failed -----------------------------------------------------------------------------------------
def _failed(ctx: ActionContext) -> str:
    stop = ctx.stop
    assert stop is not None
    _require_open(stop)
    reason = str(ctx.data.get("fail_reason") or "")
    note = str(ctx.data.get("note") or "").strip()[:1000]
    errors: dict[str, list[str]] = {}
    if reason not in FailReason.values:
        errors["fail_reason"] = [_("Choose the reason.")]
    elif reason == FailReason.OTHER and not note:
        errors["note"] = [_("Say what happened.")]
    if errors:
        raise ValidationError(errors)
    _start_route(ctx)
    stop.state = StopState.FAILED
    stop.arrived_at = stop.arrived_at or ctx.at
    stop.finished_at = ctx.at
    stop.fail_reason = reason
    stop.driver_note = note
    _mark_position(stop, ctx.data)
    stop.save()
    if stop.order.status == OrderStatus.IN_WORK:
        text = str(FailReason(reason).label) + (f". {note}" if note else "")
        order_transition(
            actor=ctx.user,
            order=stop.order,
            target=OrderStatus.ON_HOLD,
            reason=_("Failed at the stop: %(reason)s") % {"reason": text},
        )
    return _stop_changed(ctx, stop)


# break / resume / finish ------------------------------------------------------------------------
def _break(ctx: ActionContext) -> str:
    route = ctx.route
    reason = str(ctx.data.get("break_reason") or "")
    comment = str(ctx.data.get("note") or "").strip()[:500]
    if reason not in BreakReason.values:
        raise ValidationError({"break_reason": [_("Choose the reason.")]})
    if reason == BreakReason.OTHER and not comment:
        raise ValidationError({"note": [_("Say what happened.")]})
    if route.state == RouteState.FINISHED:
        raise ValidationError(_("The route is finished."))
    route.started_at = route.started_at or ctx.at
    route.state = RouteState.ON_BREAK
    route.break_reason = reason
    route.break_comment = comment
    route.break_since = ctx.at
    route.save(
        update_fields=["state", "started_at", "break_reason", "break_comment", "break_since"]
    )
    audit_record(
        actor=ctx.user,
        instance=route.plan,
        changes={f"route {route}": [RouteState.ON_ROAD, RouteState.ON_BREAK]},
        note=str(BreakReason(reason).label) + (f": {comment}" if comment else ""),
    )
    publish_route_event(route, "route.changed", what="break")
    return route.state


def _resume(ctx: ActionContext) -> str:
    route = ctx.route
    if route.state != RouteState.ON_BREAK:
        return route.state
    route.state = RouteState.ON_ROAD
    route.break_since = None
    route.save(update_fields=["state", "break_since"])
    publish_route_event(route, "route.changed", what="resumed")
    return route.state


def _finish(ctx: ActionContext) -> str:
    route = ctx.route
    if route.state == RouteState.FINISHED:
        return route.state
    open_stops = route.stops.filter(state__in=OPEN_STOP_STATES).count()
    if open_stops and ctx.data.get("confirm") != "1":
        raise ValidationError(
            _("%(count)s stop(s) are not marked yet. Mark them or confirm finishing.")
            % {"count": open_stops}
        )
    route.state = RouteState.FINISHED
    route.finished_at = ctx.at
    route.break_since = None
    route.save(update_fields=["state", "finished_at", "break_since"])
    publish_route_event(route, "route.changed", what="finished")
    return route.state


def _message_read(ctx: ActionContext) -> str:
    ids = [
        i for i in (_int_or_none(v) for v in str(ctx.data.get("messages") or "").split(",")) if i
    ]
    messages_mark_read(user=ctx.user, route=ctx.route, ids=ids, at=ctx.at)
    return ""


def _reply(ctx: ActionContext) -> str:
    message_send(actor=ctx.user, route=ctx.route, body=str(ctx.data.get("body") or ""))
    return ""


# correct ----------------------------------------------------------------------------------------
ADDRESS_FIELDS = ("address", "entrance", "floor", "apartment", "access_notes")


def _correct(ctx: ActionContext) -> str:
    """The driver fixes the address or the quantities of his own new / in-work order on site
    (logged on the order's history and the client's timeline; the order is re-priced)."""
    from crm.orders.services.pricing import order_reprice
    from crm.orders.workflow import EDITABLE

    stop = ctx.stop
    assert stop is not None
    order = Order.objects.select_for_update().get(pk=stop.order_id)
    if order.assignee_id != ctx.user.pk or order.status not in EDITABLE:
        raise ValidationError(_("Only your own new or in-work orders can be corrected."))
    changes = _correct_address(order, ctx.data) | _correct_quantities(order, ctx.data)
    if not changes:
        return stop.state
    if any(key.startswith("item") for key in changes):
        order_reprice(order)
    audit_record(actor=ctx.user, instance=order, changes=changes, note=_("Corrected by the driver"))
    _timeline_correction(ctx.user, order, changes)
    publish_order_changed(order)
    publish_route_event(ctx.route, "route.stop", stop=stop.pk, state=stop.state)
    return stop.state


def _correct_address(order: Order, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    place = order.stops.order_by("position").first()
    if place is None:
        return {}
    changes: dict[str, list[Any]] = {}
    for name in ADDRESS_FIELDS:
        if name not in data:
            continue
        value = str(data.get(name) or "").strip()
        limit = place._meta.get_field(name).max_length
        if name == "address" and not value:
            raise ValidationError({"address": [_("The address cannot be empty.")]})
        if len(value) > limit:
            raise ValidationError({name: [_("Too long.")]})
        if value != getattr(place, name):
            changes[f"stop {name}"] = [getattr(place, name), value]
            setattr(place, name, value)
    point = _point(data.get("lat"), data.get("lon"))
    if "stop address" in changes and point is not None:
        # the driver stands at the right place: it becomes the address's point on the map
        place.latitude = Decimal(str(round(point[0], 6)))
        place.longitude = Decimal(str(round(point[1], 6)))
        changes["stop point"] = [None, f"{point[0]:.6f},{point[1]:.6f}"]
    if changes:
        place.save()
    return changes


def _correct_quantities(order: Order, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    errors: dict[str, list[str]] = {}
    items = [i for i in order.items.filter(is_gift=False) if f"item-{i.pk}-quantity" in data]
    for item in items:
        key = f"item-{item.pk}-quantity"
        value = _decimal(data.get(key), key, errors)
        if key in errors:
            continue
        if value <= 0:
            errors[key] = [_("Enter a quantity above zero.")]
        elif value != item.quantity:
            changes[f"item {item.name}"] = [str(item.quantity.normalize()), str(value.normalize())]
            item.quantity = value
            item.save(update_fields=["quantity"])
    if errors:
        raise ValidationError(errors)
    return changes


def _timeline_correction(user: Any, order: Order, changes: dict[str, list[Any]]) -> None:
    from crm.core.services import timeline_add

    lines = [f"{key}: {before} → {after}" for key, (before, after) in changes.items()]
    body = _("Order %(number)s corrected by the driver") % {"number": order.number}
    timeline_add(actor=user, target=order.client, body=body + "\n" + "\n".join(lines))


STOP_ACTIONS = frozenset({"arrived", "done", "failed", "correct"})
HANDLERS: dict[str, Handler] = {
    "arrived": _arrived,
    "done": _done,
    "failed": _failed,
    "break": _break,
    "resume": _resume,
    "finish": _finish,
    "read": _message_read,
    "reply": _reply,
    "correct": _correct,
}


# --- GPS ----------------------------------------------------------------------------------------
def record_positions(*, user: Any, route: Route, fixes: list[Mapping[str, Any]]) -> int:
    """Store the tablet's fixes (a batch: it queues them while offline); a repeated fix (same
    driver and instant) is ignored. Moves the van's last position and, when it moved more than
    ROUTES_IDLE_RADIUS_M, its "last moved" time; adds the hops to the km driven."""
    _own_route(user, route)
    if route.state == RouteState.FINISHED:
        return 0
    now = timezone.now()
    rows = []
    for fix in fixes[:MAX_FIXES_PER_REQUEST]:
        point = _point(fix.get("lat"), fix.get("lon"))
        if point is None:
            continue
        rows.append(
            GpsPosition(
                driver=user,
                route=route,
                vehicle_id=route.vehicle_id,
                latitude=Decimal(str(round(point[0], 6))),
                longitude=Decimal(str(round(point[1], 6))),
                accuracy_m=_bounded(fix.get("accuracy"), 100_000),
                speed_kmh=_bounded(fix.get("speed"), 300),
                recorded_at=_taken_at(fix.get("at"), now),
            )
        )
    if not rows:
        return 0
    rows.sort(key=lambda r: r.recorded_at)
    with transaction.atomic():
        created = GpsPosition.objects.bulk_create(rows, ignore_conflicts=True)
        locked = Route.objects.select_for_update().select_related("plan").get(pk=route.pk)
        _advance_position(locked, rows)
    last = rows[-1]
    publish_route_event(
        locked,
        "route.position",
        lat=float(last.latitude),
        lon=float(last.longitude),
        at=last.recorded_at.isoformat(),
    )
    return len(created)


def _bounded(value: Any, upper: int) -> int | None:
    number = _int_or_none(round(float(value))) if _is_number(value) else None
    return number if number is not None and 0 <= number <= upper else None


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _advance_position(route: Route, rows: list[GpsPosition]) -> None:
    fields = ["last_latitude", "last_longitude", "last_position_at", "last_moved_at", "km_driven"]
    metres = 0.0
    previous = (
        (float(route.last_latitude), float(route.last_longitude))
        if route.last_latitude is not None and route.last_longitude is not None
        else None
    )
    anchor_at = route.last_position_at
    for row in rows:
        if anchor_at is not None and row.recorded_at <= anchor_at:
            continue  # a late fix from an older batch: the track already went past it
        point = (float(row.latitude), float(row.longitude))
        hop = haversine_m(previous, point) if previous else 0.0
        if previous is None or hop > idle_radius_metres() or route.last_moved_at is None:
            route.last_moved_at = row.recorded_at
        if previous is not None and hop > idle_radius_metres():
            metres += hop
            previous = point
        elif previous is None:
            previous = point
        route.last_latitude, route.last_longitude = row.latitude, row.longitude
        route.last_position_at = anchor_at = row.recorded_at
    route.km_driven = route.km_driven + Decimal(str(round(metres / 1000.0, 2)))
    route.save(update_fields=fields)


def purge_positions(days: int | None = None) -> int:
    """Delete fixes older than ROUTES_GPS_RETENTION_DAYS (the nightly beat task)."""
    keep = days if days is not None else int(getattr(settings, "ROUTES_GPS_RETENTION_DAYS", 90))
    cutoff = timezone.now() - datetime.timedelta(days=keep)
    deleted, _by_model = GpsPosition.objects.filter(recorded_at__lt=cutoff).delete()
    return deleted


# --- Messages -----------------------------------------------------------------------------------
def message_send(*, actor: Any, route: Route, body: str) -> DriverMessage:
    """A message to the route's driver (from the office) or to the office (from the driver)."""
    from routes.permissions import can_plan

    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write the message.")]})
    if len(body) > 1000:
        raise ValidationError({"body": [_("Keep it under 1000 characters.")]})
    from_driver = route.driver_id == actor.pk
    if not from_driver and not can_plan(actor):
        raise PermissionDenied
    message = DriverMessage.objects.create(
        route=route, sender=actor, from_driver=from_driver, body=body
    )
    publish_route_event(route, "route.message", message=message.pk, from_driver=from_driver)
    return message


def messages_mark_read(*, user: Any, route: Route, ids: list[int], at: datetime.datetime) -> int:
    """The driver has seen the office's messages (or the office the driver's)."""
    from_driver = route.driver_id != user.pk
    count = DriverMessage.objects.filter(
        route=route, pk__in=ids, from_driver=from_driver, read_at__isnull=True
    ).update(read_at=at)
    if count:
        publish_route_event(route, "route.message", message=None, read=count)
    return count
