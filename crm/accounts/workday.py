"""The working day: an employee who receives leads starts the day, takes a break (and comes
back), ends the day. "Today" is the day in the time zone of the employee's branch.

``is_working(user)`` — started today, not on a break, not ended — is what lead distribution asks;
``workday_states`` answers the same for many users in one query. Starting (or resuming) the day
sends ``workday_started`` after commit, so higher apps (leads) can hand out what was waiting
without this app importing them."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import Branch, WorkDayState, WorkEvent, WorkEventKind, WorkSession
from crm.accounts.roles import Role

#: Roles that receive leads and so keep a working day (buttons in the header).
WORKDAY_ROLES = frozenset({Role.MANAGER, Role.HEAD_OF_SALES})

#: Sent after commit when someone starts the day or comes back from a break: ``user``.
workday_started = Signal()

ABSENT = "absent"  # no working day today (not started): not a stored state


def branch_tz(branch: Branch | None) -> datetime.tzinfo:
    if branch is None:
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return branch.tzinfo


def today_for(branch: Branch | None, now: datetime.datetime | None = None) -> datetime.date:
    """The calendar day in the branch's time zone."""
    return timezone.localtime(now or timezone.now(), branch_tz(branch)).date()


def day_start(branch: Branch | None, day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the branch's time zone (aware)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=branch_tz(branch))


def keeps_workday(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in WORKDAY_ROLES


def current_session(user: Any) -> WorkSession | None:
    return WorkSession.objects.filter(user=user, day=today_for(user.branch)).first()


def workday_state(user: Any) -> str:
    """``working``, ``break``, ``ended`` or ``absent`` (not started today)."""
    session = current_session(user)
    return session.state if session else ABSENT


def is_working(user: Any) -> bool:
    return workday_state(user) == WorkDayState.WORKING


def workday_states(user_ids: Iterable[int], branch: Branch | None) -> dict[int, str]:
    """State of each user today (branch's day) in one query; missing users are ``absent``."""
    ids = list(user_ids)
    rows = WorkSession.objects.filter(user_id__in=ids, day=today_for(branch)).values_list(
        "user_id", "state"
    )
    states = dict.fromkeys(ids, ABSENT)
    states.update(dict(rows))
    return states


def _locked_session(user: Any) -> WorkSession | None:
    return (
        WorkSession.objects.select_for_update()
        .filter(user=user, day=today_for(user.branch))
        .first()
    )


def _event(session: WorkSession, kind: str, now: datetime.datetime) -> None:
    WorkEvent.objects.create(session=session, kind=kind, at=now)


def _require_role(user: Any) -> None:
    if not keeps_workday(user):
        raise PermissionDenied


def _announce_start(user: Any) -> None:
    transaction.on_commit(lambda: workday_started.send(sender=WorkSession, user=user))


@transaction.atomic
def workday_start(*, user: Any) -> WorkSession:
    """Start the working day (again, if it was ended earlier today)."""
    _require_role(user)
    now = timezone.now()
    session = _locked_session(user)
    if session is None:
        session, created = WorkSession.objects.get_or_create(
            user=user,
            day=today_for(user.branch, now),
            defaults={"state": WorkDayState.WORKING, "started_at": now, "changed_at": now},
        )
        if not created:  # a double click raced us: the other request started the day
            raise ValidationError(_("Your working day has already started."))
    elif session.state != WorkDayState.ENDED:
        raise ValidationError(_("Your working day has already started."))
    else:
        session.state = WorkDayState.WORKING
        session.ended_at = None
        session.changed_at = now
        session.save(update_fields=["state", "ended_at", "changed_at"])
    _event(session, WorkEventKind.START, now)
    _announce_start(user)
    return session


def _transition(user: Any, *, allowed_from: set[str], error: str) -> WorkSession:
    session = _locked_session(user)
    if session is None or session.state not in allowed_from:
        raise ValidationError(error)
    return session


@transaction.atomic
def workday_break(*, user: Any) -> WorkSession:
    _require_role(user)
    session = _transition(
        user,
        allowed_from={WorkDayState.WORKING},
        error=_("You can take a break only while working."),
    )
    now = timezone.now()
    session.state = WorkDayState.ON_BREAK
    session.break_started_at = now
    session.changed_at = now
    session.save(update_fields=["state", "break_started_at", "changed_at"])
    _event(session, WorkEventKind.BREAK, now)
    return session


@transaction.atomic
def workday_resume(*, user: Any) -> WorkSession:
    _require_role(user)
    session = _transition(
        user, allowed_from={WorkDayState.ON_BREAK}, error=_("You are not on a break.")
    )
    now = timezone.now()
    session.state = WorkDayState.WORKING
    session.break_started_at = None
    session.changed_at = now
    session.save(update_fields=["state", "break_started_at", "changed_at"])
    _event(session, WorkEventKind.RESUME, now)
    _announce_start(user)
    return session


@transaction.atomic
def workday_end(*, user: Any) -> WorkSession:
    _require_role(user)
    session = _transition(
        user,
        allowed_from={WorkDayState.WORKING, WorkDayState.ON_BREAK},
        error=_("Your working day has not started."),
    )
    now = timezone.now()
    session.state = WorkDayState.ENDED
    session.break_started_at = None
    session.ended_at = now
    session.changed_at = now
    session.save(update_fields=["state", "break_started_at", "ended_at", "changed_at"])
    _event(session, WorkEventKind.END, now)
    return session


WORKDAY_ACTIONS = {
    "start": workday_start,
    "break": workday_break,
    "resume": workday_resume,
    "end": workday_end,
}


def working_now(branch: Branch | None) -> list[dict[str, Any]]:
    """Everyone of the branch who keeps a working day, with today's state (for the board)."""
    from crm.accounts.models import User

    people = User.objects.filter(is_active=True, role__in=WORKDAY_ROLES)
    if branch is not None:
        people = people.filter(branch=branch)
    people = list(people.select_related("branch"))
    sessions = {
        s.user_id: s for s in WorkSession.objects.filter(user__in=people, day=today_for(branch))
    }
    return [{"user": u, "session": sessions.get(u.pk)} for u in people]
