"""Dates of the lab: norms, the queue, the earliest realistic completion date and urgency.

Earliest realistic completion of a new request of type *k*, asked on day *t*::

    capacity C = max(1, technicians × requests per technician per day)
    queue    Q = requests of the branch waiting for the lab (sent or in work)
    days     n = max(norm_k, ceil((Q + 1) / C))
    earliest   = t + n working days (Monday to Friday)

A request's planned completion is that date computed when it is sent to the lab. It is *overdue*
when it is still at the lab after the earlier of the planned date and the client's deadline, and
*urgent* when that date is at most ``URGENT_DAYS`` away or the client needs it before the lab can
realistically make it."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Least
from django.utils import timezone

from crm.accounts.models import User
from crm.accounts.roles import Role
from labs.models import LabNorms, LabRequest
from labs.workflow import LAB_OPEN

URGENT_DAYS = 2
OVERDUE, URGENT, NORMAL = 0, 1, 2


def branch_today(branch: Any) -> datetime.date:
    return timezone.localtime(timezone.now(), branch.tzinfo).date()


def norms_for(branch: Any) -> LabNorms:
    norms, _created = LabNorms.objects.get_or_create(branch=branch)
    return norms


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    current = start
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def technicians(branch: Any) -> int:
    return User.objects.filter(branch=branch, role=Role.LAB_TECHNICIAN, is_active=True).count()


def capacity(branch: Any, norms: LabNorms | None = None) -> Decimal:
    norms = norms or norms_for(branch)
    return max(Decimal("1"), technicians(branch) * norms.per_technician_per_day)


def queue_length(branch: Any, exclude: LabRequest | None = None) -> int:
    qs = LabRequest.objects.filter(branch=branch, status__in=LAB_OPEN)
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return qs.count()


@dataclass(frozen=True)
class Estimate:
    kind: str
    norm_days: int
    queue: int
    capacity: Decimal
    days: int
    earliest: datetime.date


def estimate(
    branch: Any,
    kind: str,
    *,
    today: datetime.date | None = None,
    exclude: LabRequest | None = None,
) -> Estimate:
    norms = norms_for(branch)
    cap = capacity(branch, norms)
    queue = queue_length(branch, exclude)
    norm = norms.days_for(kind)
    days = max(norm, math.ceil(Decimal(queue + 1) / cap))
    start = today or branch_today(branch)
    return Estimate(kind, norm, queue, cap, days, add_working_days(start, days))


def urgency(request: LabRequest, today: datetime.date) -> int:
    """OVERDUE, URGENT or NORMAL for a request at the lab; NORMAL elsewhere."""
    if request.status not in LAB_OPEN:
        return NORMAL
    due = min(d for d in (request.deadline, request.planned_date) if d is not None)
    if due < today:
        return OVERDUE
    if due <= today + datetime.timedelta(days=URGENT_DAYS):
        return URGENT
    if request.planned_date and request.deadline < request.planned_date:
        return URGENT
    return NORMAL


def with_urgency(qs: QuerySet[LabRequest], today: datetime.date) -> QuerySet[LabRequest]:
    """Annotate ``urgency_rank`` (0 overdue, 1 urgent, 2 normal) and ``due`` in SQL."""
    open_ = Q(status__in=LAB_OPEN)
    return qs.annotate(
        due=Least("deadline", "planned_date"),
    ).annotate(
        urgency_rank=Case(
            When(open_ & Q(due__lt=today), then=Value(OVERDUE)),
            When(
                open_
                & (
                    Q(due__lte=today + datetime.timedelta(days=URGENT_DAYS))
                    | Q(deadline__lt=F("planned_date"))
                ),
                then=Value(URGENT),
            ),
            default=Value(NORMAL),
            output_field=IntegerField(),
        )
    )
