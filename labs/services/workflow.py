"""Status moves of lab requests: checked against ``labs.workflow.TRANSITIONS``, logged on the
request (actor, time, reason) and on the client's timeline, told to the other side live."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.accounts.roles import Role
from crm.core.models import TimelineKind
from crm.core.realtime import publish_on_commit, user_group
from crm.core.services import notification_send, timeline_add
from labs.models import LabRequest, LabStatusChange, RequestKind, RequestStatus
from labs.permissions import can_see_request
from labs.services.planning import estimate
from labs.services.requests import _check_shipping, validate_composition
from labs.workflow import LAB_DONE, Move, find_move, role_may

S = RequestStatus


def lab_group(branch_id: int) -> str:
    """Everyone working in the branch's lab (the cabinet refreshes on its events)."""
    return f"labs.branch.{branch_id}"


def _label(status: str) -> str:
    return str(S(status).label)


def _guard(request: LabRequest, target: str) -> None:
    """What must be true before a move: a sample's shipping data to send it, the lab's answer to
    complete a calculation or a sample."""
    if target == S.SENT and request.is_sample:
        _check_shipping(request.client, request.ship_address, request.receiver)
    if target in LAB_DONE:
        components = [{"name": c.name, "percent": c.percent} for c in request.components.all()]
        validate_composition(components, required=True)
    if target == S.CALCULATED and request.cost_per_unit is None:
        raise ValidationError({"cost_per_unit": [_("Give the cost per unit first.")]})


def _apply(request: LabRequest, target: str, actor: Any, reason: str) -> list[str]:
    now = timezone.now()
    request.status = target
    request.status_reason = reason
    request.status_changed_at = now
    fields = ["status", "status_reason", "status_changed_at", "updated_at"]
    if target == S.SENT:
        request.sent_at = now
        request.planned_date = estimate(request.branch, request.kind, exclude=request).earliest
        request.completed_at = None
        fields += ["sent_at", "planned_date", "completed_at"]
    elif target == S.IN_WORK and getattr(actor, "role", None) == Role.LAB_TECHNICIAN:
        request.technician = actor
        fields.append("technician")
    elif target in LAB_DONE:
        request.completed_at = now
        fields.append("completed_at")
    return fields


def _other_side(request: LabRequest, move: Move, actor: Any) -> list[Any]:
    """Who is told: the client's manager about the lab's moves; the technician on the request
    (or, before anyone took it, every technician of the branch) about the manager's moves."""
    if move.side == "lab" or move.target in (S.RECEIVED,):
        people = [request.client.manager] if request.client.manager_id else []
    elif request.technician_id:
        people = [request.technician]
    else:
        people = list(
            User.objects.filter(
                branch_id=request.branch_id, role=Role.LAB_TECHNICIAN, is_active=True
            )
        )
    actor_id = getattr(actor, "pk", None)
    return [p for p in people if p is not None and p.pk != actor_id]


def _tell(request: LabRequest, move: Move, actor: Any, source: str, reason: str) -> None:
    url = reverse("labs:request-detail", args=[request.pk])
    title = _("Lab request %(number)s: %(status)s") % {
        "number": request.number,
        "status": _label(request.status),
    }
    body = f"{request.client.name} · {request.product.name}"
    if reason:
        body = f"{body}\n{_('Reason')}: {reason}"
    level = "warning" if move.reason else "info"
    for person in _other_side(request, move, actor):
        notification_send(recipient=person, title=title, body=body, url=url, level=level)
        publish_on_commit(user_group(person.pk), {"type": "labrequest", "id": request.pk})
    publish_on_commit(
        lab_group(request.branch_id),
        {"type": "labrequest", "id": request.pk, "from": source, "to": request.status},
    )


@transaction.atomic
def lab_request_transition(
    *, actor: Any, request: LabRequest, target: str, reason: str = ""
) -> LabRequest:
    """Move ``request`` to ``target``. ``actor=None`` is the system (a delivered sample)."""
    request = (
        LabRequest.objects.select_for_update(of=("self",))
        .select_related("client", "branch", "product", "client__manager", "technician")
        .get(pk=request.pk)
    )
    if actor is not None and not can_see_request(actor, request):
        raise PermissionDenied
    source = request.status
    move = find_move(request.kind, source, target)
    if move is None:
        raise ValidationError(
            _("A request cannot go from “%(source)s” to “%(target)s”.")
            % {"source": _label(source), "target": _label(target)}
        )
    if actor is not None and not role_may(actor, move):
        raise PermissionDenied(_("Your role may not make this move."))
    reason = (reason or "").strip()[:500]
    if move.reason and not reason:
        raise ValidationError({"reason": [_("Give the reason: the other side will see it.")]})
    _guard(request, target)
    fields = _apply(request, target, actor, reason)
    request.save(update_fields=fields)
    LabStatusChange.objects.create(
        request=request,
        from_status=source,
        to_status=target,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
    )
    body = _("Lab request %(number)s (%(kind)s): %(source)s → %(target)s") % {
        "number": request.number,
        "kind": RequestKind(request.kind).label,
        "source": _label(source),
        "target": _label(target),
    }
    if reason:
        body = f"{body}. {reason}"
    timeline_add(
        actor=actor,
        target=request.client,
        kind=TimelineKind.STATUS,
        body=body[:2000],
        data={"lab_request": request.pk, "from": source, "to": target},
    )
    _tell(request, move, actor, source, reason)
    return request
