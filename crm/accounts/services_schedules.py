"""Writes of the staff schedules: apply a shift template to many people, set one cell of the
month grid, request time off and decide on a request. Each checks the actor's right itself."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.accounts.models_schedules import (
    TIME_OFF_TRANSITIONS,
    Shift,
    ShiftTemplate,
    TimeOff,
    TimeOffKind,
    TimeOffStatus,
)
from crm.accounts.permissions_schedules import can_manage_schedules, schedule_staff_for
from crm.accounts.workday import today_for
from crm.core.models import AuditEntry
from crm.core.services import audit_record, notification_send

#: The longest stretch one "apply" may fill (a year and a day).
MAX_APPLY_DAYS = 366
SHIFT, CLEAR = "shift", "clear"
CELL_ACTIONS = (SHIFT, CLEAR, *TimeOffKind.values)


def _require_manager(actor: Any, users: Iterable[Any]) -> None:
    if not can_manage_schedules(actor):
        raise PermissionDenied
    ids = {u.pk for u in users}
    if ids and schedule_staff_for(actor).filter(pk__in=ids).count() != len(ids):
        raise PermissionDenied


@transaction.atomic
def schedule_apply(
    *,
    actor: Any,
    template: ShiftTemplate,
    users: list[User],
    start: datetime.date,
    end: datetime.date,
) -> int:
    """Replace the shifts of ``users`` from ``start`` to ``end`` (inclusive) with the template's
    cycle counted from ``start``. Time off already marked stays. Returns the shifts created."""
    _require_manager(actor, users)
    if not users:
        raise ValidationError(_("Choose at least one employee."))
    if end < start:
        raise ValidationError(_("The last day is before the first one."))
    days = (end - start).days + 1
    if days > MAX_APPLY_DAYS:
        raise ValidationError(
            _("Apply a template to at most %(days)s days at once.") % {"days": MAX_APPLY_DAYS}
        )
    if any(u.branch_id != template.branch_id for u in users):
        raise ValidationError(_("The template and the employees must be of the same branch."))
    ids = [u.pk for u in users]
    Shift.objects.filter(user_id__in=ids, day__range=(start, end)).delete()
    rows = [
        Shift(
            user_id=uid,
            day=start + datetime.timedelta(days=offset),
            starts_at=template.starts_at,
            ends_at=template.ends_at,
            template=template,
        )
        for uid in ids
        for offset in range(days)
        if template.works_on(offset)
    ]
    Shift.objects.bulk_create(rows)
    for user in users:
        audit_record(
            actor=actor,
            instance=user,
            action=AuditEntry.Action.UPDATE,
            changes={"schedule": [None, f"{template.name} {start}…{end}"]},
            note=_("Shift template applied"),
        )
    return len(rows)


def _live_time_off(user: User, day: datetime.date) -> TimeOff | None:
    return (
        TimeOff.objects.select_for_update()
        .filter(user=user, day=day)
        .exclude(status=TimeOffStatus.DECLINED)
        .first()
    )


@transaction.atomic
def schedule_cell_set(
    *,
    actor: Any,
    user: User,
    day: datetime.date,
    action: str,
    starts_at: datetime.time | None = None,
    ends_at: datetime.time | None = None,
    note: str = "",
) -> None:
    """One click on the month grid: plan or change the shift, mark a kind of time off
    (approved at once), or clear the day."""
    _require_manager(actor, [user])
    if action not in CELL_ACTIONS:
        raise ValidationError(_("Unknown action."))
    current = _live_time_off(user, day)
    if action == SHIFT:
        if starts_at is None or ends_at is None:
            raise ValidationError(_("Give the shift's start and end."))
        if starts_at == ends_at:
            raise ValidationError(_("A shift cannot start and end at the same time."))
        Shift.objects.update_or_create(
            user=user, day=day, defaults={"starts_at": starts_at, "ends_at": ends_at}
        )
        if current is not None:
            current.delete()
    elif action == CLEAR:
        Shift.objects.filter(user=user, day=day).delete()
        if current is not None:
            current.delete()
    else:
        if current is not None:
            current.kind, current.status, current.note = action, TimeOffStatus.APPROVED, note
            current.decided_by, current.decided_at = actor, timezone.now()
            current.save(update_fields=["kind", "status", "note", "decided_by", "decided_at"])
        else:
            TimeOff.objects.create(
                user=user,
                day=day,
                kind=action,
                status=TimeOffStatus.APPROVED,
                note=note,
                created_by=actor,
                decided_by=actor,
                decided_at=timezone.now(),
            )
    audit_record(
        actor=actor,
        instance=user,
        changes={"schedule": [str(day), action]},
        note=_("Schedule changed"),
    )


@transaction.atomic
def time_off_request(
    *, actor: Any, day: datetime.date, kind: str = TimeOffKind.DAY_OFF, note: str = ""
) -> TimeOff:
    """The employee asks for a day off (or vacation); HR and admins are told."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if kind not in (TimeOffKind.DAY_OFF, TimeOffKind.VACATION):
        raise ValidationError(_("Ask for a day off or a vacation day."))
    if day < today_for(actor.branch):
        raise ValidationError(_("The day has passed."))
    if TimeOff.objects.filter(user=actor, day=day).exclude(status=TimeOffStatus.DECLINED).exists():
        raise ValidationError(_("There is already a day off or a request for that day."))
    request = TimeOff.objects.create(
        user=actor,
        day=day,
        kind=kind,
        status=TimeOffStatus.REQUESTED,
        note=note,
        created_by=actor,
    )
    deciders = User.objects.filter(
        branch_id=actor.branch_id, is_active=True, role__in=["hr", "admin"]
    ).exclude(pk=actor.pk)
    for decider in deciders:
        notification_send(
            recipient=decider,
            title=_("%(name)s asks for %(kind)s on %(day)s")
            % {"name": actor.display_name, "kind": request.get_kind_display(), "day": day},
            body=note,
            url=reverse("accounts:time-off-requests"),
        )
    return request


@transaction.atomic
def time_off_decide(*, actor: Any, time_off: TimeOff, approve: bool) -> TimeOff:
    """HR/admin approve or decline a request (a lock keeps two deciders from racing)."""
    locked = TimeOff.objects.select_for_update().select_related("user").get(pk=time_off.pk)
    _require_manager(actor, [locked.user])
    target = TimeOffStatus.APPROVED if approve else TimeOffStatus.DECLINED
    if target not in TIME_OFF_TRANSITIONS[locked.status]:
        raise ValidationError(_("This request has already been decided."))
    before = locked.status
    locked.status, locked.decided_by, locked.decided_at = target, actor, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, instance=locked, changes={"status": [before, target]})
    notification_send(
        recipient=locked.user,
        title=(_("Day off on %(day)s approved") if approve else _("Day off on %(day)s declined"))
        % {"day": locked.day},
        url=reverse("accounts:my-schedule"),
        level="info" if approve else "warning",
    )
    return locked
