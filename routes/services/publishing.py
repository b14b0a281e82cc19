"""Publishing a day's plan to the drivers, and withdrawing it again before anybody has started.

Publishing assigns each route's driver to its orders and takes confirmed, prepaid orders into
work. Withdrawing (``plan_unpublish``) is the dispatcher's undo for a plan published too early or
with a mistake: allowed while no van of the plan has left (every route *not started*, every stop
*planned*); the plan becomes a draft again, its routes and stops stay as they were, the orders
publishing took into work are remembered on the plan so that re-optimising keeps them, and each
driver is told at once (notification + the route's live group, which reloads the tablet)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.services import audit_record, notification_send
from crm.orders.models import Order, OrderStatus
from crm.orders.services.orders import publish_order_changed
from crm.orders.services.workflow import order_transition
from routes.models import Route, RoutePlan, RouteState, StopState
from routes.permissions import can_publish
from routes.realtime import publish_route_event
from routes.services.planning import _check_actor, _check_idle

REASON_MAX_LENGTH = 500


def _locked_plan(plan: RoutePlan) -> RoutePlan:
    return RoutePlan.objects.select_for_update(of=("self",)).select_related("job").get(pk=plan.pk)


def plan_publish(*, actor: Any, plan: RoutePlan) -> dict[str, int]:
    """Assign each route's driver to its orders and take confirmed, prepaid orders into work.

    Orders has no "assign" service, so the assignment is a bulk update here (plus the live
    event each order page listens to); status moves go through ``order_transition`` with the
    dispatcher as actor, so the state machine and its guards stay the single rule."""
    if not can_publish(actor):
        raise PermissionDenied
    with transaction.atomic():
        plan = _locked_plan(plan)
        _check_actor(actor, plan)
        _check_idle(plan)
        routes = list(plan.routes.select_related("vehicle", "driver").prefetch_related("stops"))
        used = [r for r in routes if r.stops.all()]
        missing = [str(r) for r in used if r.driver_id is None]
        if missing:
            raise ValidationError(
                _("Choose a driver for: %(routes)s.") % {"routes": ", ".join(missing)}
            )
        summary = {"orders": 0, "in_work": 0, "waiting": 0}
        now = timezone.now()
        for route in used:
            _publish_route(actor, plan, route, now, summary)
        republished = bool(plan.withdrawn_orders)
        plan.status = RoutePlan.Status.PUBLISHED
        plan.published_at = now
        plan.published_by = actor
        plan.withdrawn_orders = []
        plan.save(
            update_fields=[
                "status",
                "published_at",
                "published_by",
                "withdrawn_orders",
                "updated_at",
            ]
        )
        note = _("Published: %(orders)s orders, %(in_work)s taken into work") % summary
        audit_record(
            actor=actor,
            instance=plan,
            changes={"status": [RoutePlan.Status.DRAFT, RoutePlan.Status.PUBLISHED]},
            note=_("Published again") + " — " + note if republished else note,
        )
    return summary


def _publish_route(
    actor: Any, plan: RoutePlan, route: Route, now: Any, summary: dict[str, int]
) -> None:
    # an order cancelled or completed since planning keeps its state and its assignee
    live = Order.objects.filter(pk__in=[s.order_id for s in route.stops.all()]).exclude(
        status__in=[OrderStatus.CANCELLED, OrderStatus.COMPLETED]
    )
    ids = list(live.values_list("pk", flat=True))
    Order.objects.filter(pk__in=ids).update(assignee=route.driver, updated_at=now)
    summary["orders"] += len(ids)
    for order in Order.objects.filter(pk__in=ids):
        _start_work(actor, order, summary)
        publish_order_changed(order, "assigned")
    notification_send(
        recipient=route.driver,
        title=_("Your route for %(date)s") % {"date": plan.date.strftime("%d.%m.%Y")},
        body=_("%(count)s stops") % {"count": len(ids)},
        url=reverse("routes:my-route"),
    )
    publish_route_event(route, "route.sequence", what="published")


def _start_work(actor: Any, order: Order, summary: dict[str, int]) -> None:
    """Confirmed → in work when no prepayment is outstanding; otherwise it waits (counted)."""
    if order.status != OrderStatus.CONFIRMED:
        return
    if order.prepayment_outstanding > 0:
        summary["waiting"] += 1
        return
    try:
        order_transition(actor=actor, order=order, target=OrderStatus.IN_WORK)
    except (ValidationError, PermissionDenied):
        summary["waiting"] += 1
        return
    order.status = OrderStatus.IN_WORK
    summary["in_work"] += 1


def plan_unpublish(*, actor: Any, plan: RoutePlan, reason: str = "") -> RoutePlan:
    """Withdraw a published plan from the drivers so the dispatcher can change it and publish
    it again. Refused once any van of the plan has started or any stop has moved on."""
    if not can_publish(actor):
        raise PermissionDenied
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    with transaction.atomic():
        plan = _locked_plan(plan)
        if not plan.is_published:
            raise ValidationError(_("The plan is not published."))
        routes = list(
            Route.objects.select_for_update(of=("self",))
            .filter(plan=plan)
            .select_related("vehicle", "driver")
            .order_by("pk")
        )
        for route in routes:
            route.plan = plan
        _check_nobody_started(plan, routes)
        in_work = list(
            Order.objects.filter(route_stops__plan=plan, status=OrderStatus.IN_WORK)
            .values_list("pk", flat=True)
            .distinct()
        )
        plan.status = RoutePlan.Status.DRAFT
        plan.published_at = None
        plan.published_by = None
        plan.withdrawn_orders = sorted(in_work)
        plan.save(
            update_fields=[
                "status",
                "published_at",
                "published_by",
                "withdrawn_orders",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            instance=plan,
            changes={"status": [RoutePlan.Status.PUBLISHED, RoutePlan.Status.DRAFT]},
            note=_("Withdrawn from the drivers") + (f": {reason}" if reason else ""),
        )
        for route in routes:
            _tell_driver_withdrawn(plan, route, reason)
    return plan


def _check_nobody_started(plan: RoutePlan, routes: list[Route]) -> None:
    started = [str(r) for r in routes if r.state != RouteState.PLANNED]
    moved = plan.stops.exclude(state=StopState.PLANNED).exists()
    if started or moved:
        raise ValidationError(
            _(
                "A van of this plan is already on the road (%(routes)s): change the live routes "
                "on the dispatcher's board instead."
            )
            % {"routes": ", ".join(started) or _("stops already visited")}
        )


def _tell_driver_withdrawn(plan: RoutePlan, route: Route, reason: str) -> None:
    if route.driver_id is None:
        return
    notification_send(
        recipient=route.driver,
        title=_("Your route for %(date)s was withdrawn") % {"date": plan.date.strftime("%d.%m.%Y")},
        body=reason or _("The dispatcher is changing it; wait for the new version."),
        url=reverse("routes:my-route"),
    )
    publish_route_event(route, "route.sequence", what="withdrawn")
