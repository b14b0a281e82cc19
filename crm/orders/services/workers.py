"""Workers on orders: assign (re-checking eligibility under a lock), start and finish a job (the
worker or the dispatcher), cancel, message a worker and mark messages read."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import TimelineKind
from crm.core.services import notification_send, timeline_add
from crm.orders.models import Order, OrderStatus
from crm.orders.models_workers import (
    ASSIGNMENT_TRANSITIONS,
    AssignmentStatus,
    OrderSkillNeed,
    WorkerAssignment,
    WorkerMessage,
)
from crm.orders.permissions import can_see_order
from crm.orders.roles_workers import ASSIGN
from crm.orders.workers import eligible_workers

CLOSED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)
ACTIONS = {
    "start": AssignmentStatus.STARTED,
    "finish": AssignmentStatus.DONE,
    "cancel": AssignmentStatus.CANCELLED,
}


def can_assign(user: Any, order: Order) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_perm(ASSIGN)
        and (can_see_order(user, order))
    )


def _require_assigner(actor: Any, order: Order) -> None:
    if not can_assign(actor, order):
        raise PermissionDenied


@transaction.atomic
def order_skills_set(*, actor: Any, order: Order, skills: list[Any]) -> None:
    """The skills every worker of the order must have."""
    _require_assigner(actor, order)
    OrderSkillNeed.objects.filter(order=order).exclude(skill__in=skills).delete()
    for skill in skills:
        OrderSkillNeed.objects.get_or_create(order=order, skill=skill)


@transaction.atomic
def worker_assign(*, actor: Any, order: Order, workers: list[Any]) -> list[WorkerAssignment]:
    """Put the chosen workers on the order; each must still be eligible (skills, shift, no
    overlapping active job) at the moment of saving."""
    order = Order.objects.select_for_update().select_related("branch").get(pk=order.pk)
    _require_assigner(actor, order)
    if order.status in CLOSED:
        raise ValidationError(_("The order is closed."))
    if not workers:
        raise ValidationError(_("Choose at least one worker."))
    candidates = {c.worker.pk: c for c in eligible_workers(order)}
    refused = [w.display_name for w in workers if w.pk not in candidates]
    if refused:
        raise ValidationError(
            _("Cannot be assigned any more (skills, shift or another job): %(names)s.")
            % {"names": ", ".join(refused)}
        )
    created = []
    for worker in workers:
        created.append(
            WorkerAssignment.objects.create(
                order=order,
                worker=worker,
                assigned_by=actor,
                travel_minutes=candidates[worker.pk].travel,
            )
        )
        notification_send(
            recipient=worker,
            title=_("New job: order %(number)s on %(date)s")
            % {"number": order.number or order.pk, "date": order.date},
            url=reverse("orders:my-jobs"),
        )
    timeline_add(
        actor=actor,
        target=order,
        kind=TimelineKind.SYSTEM,
        body=_("Workers assigned: %(names)s")
        % {"names": ", ".join(w.display_name for w in workers)},
    )
    return created


def _may_work(actor: Any, assignment: WorkerAssignment) -> bool:
    return assignment.worker_id == actor.pk or can_assign(actor, assignment.order)


@transaction.atomic
def assignment_move(
    *, actor: Any, assignment: WorkerAssignment, action: str, at: datetime.datetime | None = None
) -> WorkerAssignment:
    """Start, finish or cancel one job. The worker sets their own times; the dispatcher may set
    them for the worker (cancelling is the dispatcher's)."""
    locked = (
        WorkerAssignment.objects.select_for_update()
        .select_related("order", "order__branch", "order__client")
        .get(pk=assignment.pk)
    )
    if action not in ACTIONS or not _may_work(actor, locked):
        raise PermissionDenied
    if action == "cancel" and not can_assign(actor, locked.order):
        raise PermissionDenied
    target = ACTIONS[action]
    if target not in ASSIGNMENT_TRANSITIONS[locked.status]:
        raise ValidationError(
            _("The job is %(status)s: this cannot be done now.")
            % {"status": locked.get_status_display().lower()}
        )
    moment = at or timezone.now()
    fields = ["status"]
    if target == AssignmentStatus.STARTED:
        locked.started_at = moment
        fields.append("started_at")
    elif target == AssignmentStatus.DONE:
        if locked.started_at and moment < locked.started_at:
            raise ValidationError(_("The job cannot finish before it started."))
        locked.finished_at = moment
        fields.append("finished_at")
    locked.status = target
    locked.save(update_fields=fields)
    timeline_add(
        actor=actor,
        target=locked.order,
        kind=TimelineKind.SYSTEM,
        body=_("%(worker)s: %(status)s")
        % {"worker": locked.worker.display_name, "status": locked.get_status_display()},
    )
    return locked


@transaction.atomic
def worker_message_send(*, actor: Any, assignment: WorkerAssignment, body: str) -> WorkerMessage:
    _require_assigner(actor, assignment.order)
    body = body.strip()
    if not body:
        raise ValidationError(_("Write the message."))
    message = WorkerMessage.objects.create(assignment=assignment, body=body, sent_by=actor)
    notification_send(
        recipient=assignment.worker,
        title=_("Message about order %(number)s")
        % {"number": assignment.order.number or assignment.order_id},
        body=body,
        url=reverse("orders:my-jobs"),
    )
    return message


def worker_messages_mark_read(*, worker: Any, assignment_ids: list[int]) -> int:
    """The worker opened their jobs: their unread messages count as read now."""
    return WorkerMessage.objects.filter(
        assignment_id__in=assignment_ids, assignment__worker=worker, read_at__isnull=True
    ).update(read_at=timezone.now())
