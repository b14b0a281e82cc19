"""Status moves: checked against ``crm.orders.workflow``, recorded (actor, time, reason), told to
the branch live, and announced to higher apps with the ``order_status_changed`` signal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import TimelineKind
from crm.core.services import timeline_add
from crm.orders.models import Order, OrderStatus, OrderStatusChange
from crm.orders.permissions import can_see_order
from crm.orders.services.orders import publish_order_changed
from crm.orders.workflow import NEEDS_REASON, find_move, role_may

#: Sent after commit: ``sender=Order, order=…, source=…, target=…, actor=…``. Billing and routes
#: subscribe in their AppConfig (orders never imports them).
order_status_changed = Signal()


def status_label(order: Order, status: str) -> str:
    from crm.orders.selectors import status_names

    return status_names().get((order.order_type, status)) or str(OrderStatus(status).label)


def _guard(order: Order, target: str) -> None:
    if target == OrderStatus.IN_WORK and order.prepayment_outstanding > 0:
        raise ValidationError(
            _("Prepayment of %(amount)s %(currency)s is not recorded yet.")
            % {"amount": order.prepayment_outstanding, "currency": order.currency}
        )


def _after_completion(order: Order) -> None:
    from crm.orders.services.pricing import bonus_on_completed

    bonus_on_completed(order)


@transaction.atomic
def order_transition(*, actor: Any, order: Order, target: str, reason: str = "") -> Order:
    order = Order.objects.select_for_update().select_related("client", "branch").get(pk=order.pk)
    if not can_see_order(actor, order):
        raise PermissionDenied
    source = order.status
    move = find_move(order.order_type, source, target)
    if move is None:
        raise ValidationError(
            _("An order cannot go from “%(source)s” to “%(target)s”.")
            % {"source": status_label(order, source), "target": status_label(order, target)}
        )
    if not role_may(actor, move, order):
        raise PermissionDenied(_("Your role may not make this move."))
    reason = (reason or "").strip()
    if target in NEEDS_REASON and not reason:
        raise ValidationError({"reason": [_("Give the reason.")]})
    _guard(order, target)

    order.status = target
    order.status_reason = reason if target in NEEDS_REASON else ""
    order.status_changed_at = timezone.now()
    order.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    OrderStatusChange.objects.create(
        order=order, from_status=source, to_status=target, actor=actor, reason=reason[:500]
    )
    body = _("Order %(number)s: %(source)s → %(target)s") % {
        "number": order.number,
        "source": status_label(order, source),
        "target": status_label(order, target),
    }
    if reason:
        body = f"{body}. {reason}"
    timeline_add(
        actor=actor,
        target=order.client,
        kind=TimelineKind.STATUS,
        body=body[:2000],
        data={"order": order.pk, "from": source, "to": target},
    )
    if target == OrderStatus.COMPLETED:
        _after_completion(order)
    publish_order_changed(order)
    transaction.on_commit(
        lambda: order_status_changed.send(
            sender=Order, order=order, source=source, target=target, actor=actor
        )
    )
    return order
