"""Who works when: the one place every app asks (lead distribution, the route planner, worker
assignment).

- ``staff_available_on(branch=, day=, role=)`` — active staff of the branch not absent that day
  (approved time off of any kind) and, if they have any schedule at all, with a shift that day.
  Someone without a single planned shift counts as available, so a business that does not keep
  schedules sees no change.
- ``is_on_shift(user, at)`` — the same rule at a moment: inside a shift (one that started the
  evening before counts), or no schedule at all and not absent.
- ``absent_user_ids`` — the many-users shape for callers that already hold their candidates.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from crm.accounts.models import Branch, User
from crm.accounts.models_schedules import Shift, TimeOff, TimeOffStatus
from crm.accounts.workday import branch_tz


def _absent_on(day: datetime.date) -> Exists:
    return Exists(
        TimeOff.objects.filter(user=OuterRef("pk"), day=day, status=TimeOffStatus.APPROVED)
    )


def staff_available_on(
    *, branch: Branch, day: datetime.date, role: str | None = None
) -> QuerySet[User]:
    """Active users of ``branch`` (and ``role``) who may be given work on ``day``."""
    qs = User.objects.filter(branch=branch, is_active=True)
    if role is not None:
        qs = qs.filter(role=role)
    has_schedule = Exists(Shift.objects.filter(user=OuterRef("pk")))
    shift_that_day = Exists(Shift.objects.filter(user=OuterRef("pk"), day=day))
    return qs.filter(~_absent_on(day)).filter(~has_schedule | shift_that_day)


def absent_user_ids(user_ids: Iterable[int], day: datetime.date) -> set[int]:
    """Of ``user_ids``, those the schedule keeps away on ``day`` (two queries)."""
    ids = list(user_ids)
    if not ids:
        return set()
    off = set(
        TimeOff.objects.filter(user_id__in=ids, day=day, status=TimeOffStatus.APPROVED).values_list(
            "user_id", flat=True
        )
    )
    no_shift_that_day = (
        Shift.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(that_day=Count("id", filter=Q(day=day)))
        .filter(that_day=0)
        .values_list("user_id", flat=True)
    )
    return off | set(no_shift_that_day)


def is_absent(user: Any, day: datetime.date) -> bool:
    return user.pk in absent_user_ids([user.pk], day)


def shift_covering(user: Any, at: datetime.datetime) -> Shift | None:
    """The planned shift of ``user`` running at ``at`` (yesterday's night shift included)."""
    tz = branch_tz(user.branch)
    local = at.astimezone(tz)
    days = [local.date(), local.date() - datetime.timedelta(days=1)]
    for shift in Shift.objects.filter(user=user, day__in=days):
        start, end = shift.span(tz)
        if start <= local < end:
            return shift
    return None


def is_on_shift(user: Any, at: datetime.datetime) -> bool:
    """Whether ``user`` works at the moment ``at``."""
    tz = branch_tz(user.branch)
    shift = shift_covering(user, at)
    if shift is not None:
        return not TimeOff.objects.filter(
            user=user, day=shift.day, status=TimeOffStatus.APPROVED
        ).exists()
    if Shift.objects.filter(user=user).exists():
        return False
    return not TimeOff.objects.filter(
        user=user, day=at.astimezone(tz).date(), status=TimeOffStatus.APPROVED
    ).exists()


def schedule_rows(
    users: Iterable[Any], first: datetime.date, last: datetime.date
) -> tuple[dict, dict]:
    """Shifts and live time off of ``users`` between two days, keyed ``(user_id, day)``."""
    ids = [u.pk for u in users]
    shifts = {
        (s.user_id, s.day): s
        for s in Shift.objects.filter(user_id__in=ids, day__range=(first, last))
    }
    offs = {
        (t.user_id, t.day): t
        for t in TimeOff.objects.filter(user_id__in=ids, day__range=(first, last)).exclude(
            status=TimeOffStatus.DECLINED
        )
    }
    return shifts, offs


__all__ = [
    "absent_user_ids",
    "is_absent",
    "is_on_shift",
    "schedule_rows",
    "shift_covering",
    "staff_available_on",
]


def on_shift_ids(users: Iterable[Any], at: datetime.datetime) -> set[int]:
    """``is_on_shift`` for many users of one branch in three queries."""
    people = list(users)
    if not people:
        return set()
    ids = [u.pk for u in people]
    tz = branch_tz(people[0].branch)
    local = at.astimezone(tz)
    days = [local.date(), local.date() - datetime.timedelta(days=1)]
    off = set(
        TimeOff.objects.filter(
            user_id__in=ids, day__in=days, status=TimeOffStatus.APPROVED
        ).values_list("user_id", "day")
    )
    covering: dict[int, datetime.date] = {}
    for shift in Shift.objects.filter(user_id__in=ids, day__in=days):
        start, end = shift.span(tz)
        if start <= local < end:
            covering[shift.user_id] = shift.day
    scheduled = set(
        Shift.objects.filter(user_id__in=ids).values_list("user_id", flat=True).distinct()
    )
    result = set()
    for uid in ids:
        if uid in covering:
            if (uid, covering[uid]) not in off:
                result.add(uid)
        elif uid not in scheduled and (uid, local.date()) not in off:
            result.add(uid)
    return result
