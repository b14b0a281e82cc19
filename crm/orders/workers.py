"""Who can do an order: field staff of the branch with every skill the order needs, on shift at
the order's start, with no overlapping active job; each with the estimated travel time from
their last job of the day (the routing distance provider, straight line × road factor) and their
rating. Sorted by fit (shortest travel first, unknown travel last), then rating.

The rating: 5.00, minus 0.20 per job started more than 15 minutes after the window opened and
0.50 per complaint on the timeline of an order they completed (last 180 days), plus the logged
manual adjustments, kept between 1.00 and 5.00."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, Sum
from django.utils import timezone

from crm.accounts.models import User
from crm.accounts.models_schedules import StaffProfile
from crm.accounts.models_skills import RatingAdjustment
from crm.accounts.roles import Role
from crm.accounts.schedules import on_shift_ids
from crm.core.models import TimelineEntry, TimelineKind
from crm.orders.models import Order
from crm.orders.models_workers import ACTIVE_ASSIGNMENT, AssignmentStatus, WorkerAssignment
from routes.optimizer.distance import HaversineProvider

#: roles offered as workers even without skills on file
FIELD_ROLES = (Role.DRIVER, Role.STOREKEEPER)
DEFAULT_JOB = datetime.timedelta(hours=2)
LATE_AFTER = datetime.timedelta(minutes=15)
RATING_TOP, RATING_FLOOR = Decimal("5.00"), Decimal("1.00")
LATE_PENALTY, COMPLAINT_PENALTY = Decimal("0.20"), Decimal("0.50")
RATING_WINDOW = datetime.timedelta(days=180)


def order_span(order: Order) -> tuple[datetime.datetime, datetime.datetime]:
    """When the job takes place (branch time): the window, else the branch's working day."""
    tz = order.branch.tzinfo
    start_t = order.window_from or order.branch.workday_start
    start = datetime.datetime.combine(order.date, start_t, tzinfo=tz)
    if order.window_to and order.window_to > start_t:
        end = datetime.datetime.combine(order.date, order.window_to, tzinfo=tz)
    elif order.window_from:
        end = start + DEFAULT_JOB
    else:
        end = datetime.datetime.combine(order.date, order.branch.workday_end, tzinfo=tz)
    return start, end


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def worker_ratings(user_ids: list[int]) -> dict[int, Decimal]:
    """The rating of each user (four queries whatever the number)."""
    since = timezone.now() - RATING_WINDOW
    done = list(
        WorkerAssignment.objects.filter(
            worker_id__in=user_ids, status=AssignmentStatus.DONE, finished_at__gte=since
        ).select_related("order", "order__branch")
    )
    late: dict[int, int] = defaultdict(int)
    orders_of: dict[int, set[int]] = defaultdict(set)
    for job in done:
        orders_of[job.worker_id].add(job.order_id)
        if job.started_at and job.started_at > order_span(job.order)[0] + LATE_AFTER:
            late[job.worker_id] += 1
    order_ids = {oid for ids in orders_of.values() for oid in ids}
    complaints = dict(
        TimelineEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Order),
            object_id__in=order_ids,
            kind=TimelineKind.COMPLAINT,
        )
        .values("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )
    manual = dict(
        RatingAdjustment.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(total=Sum("delta"))
        .values_list("user_id", "total")
    )
    ratings = {}
    for uid in user_ids:
        n_complaints = sum(complaints.get(oid, 0) for oid in orders_of.get(uid, ()))
        value = (
            RATING_TOP
            - LATE_PENALTY * late.get(uid, 0)
            - COMPLAINT_PENALTY * n_complaints
            + (manual.get(uid) or Decimal("0"))
        )
        ratings[uid] = min(RATING_TOP, max(RATING_FLOOR, value)).quantize(Decimal("0.01"))
    return ratings


def _first_point(order: Order) -> tuple[float, float] | None:
    stops = [s for s in order.stops.all() if s.latitude is not None and s.longitude is not None]
    return (float(stops[0].latitude), float(stops[0].longitude)) if stops else None


def travel_minutes(
    origin: tuple[float, float] | None, target: tuple[float, float] | None
) -> int | None:
    if origin is None or target is None:
        return None
    seconds = HaversineProvider().matrix([origin, target])[1][0][1]
    return math.ceil(seconds / 60)


@dataclass
class Candidate:
    worker: Any
    rating: Decimal
    skills: list[str] = field(default_factory=list)
    travel: int | None = None
    from_job: Any = None

    @property
    def sort_key(self) -> tuple:
        return (self.travel is None, self.travel or 0, -self.rating, self.worker.display_name)


def _busy_and_last(
    order: Order, span: tuple, ids: list[int]
) -> tuple[set[int], dict[int, WorkerAssignment]]:
    """Workers with an overlapping active job, and each one's last job ending before ``span``."""
    jobs = (
        WorkerAssignment.objects.filter(
            worker_id__in=ids,
            order__date__range=(order.date - datetime.timedelta(days=1), order.date),
        )
        .exclude(order=order)
        .exclude(status=AssignmentStatus.CANCELLED)
        .select_related("order", "order__branch")
        .prefetch_related("order__stops")
    )
    busy, last = set(), {}
    for job in jobs:
        other = order_span(job.order)
        if job.status in ACTIVE_ASSIGNMENT and _overlaps(span, other):
            busy.add(job.worker_id)
        elif other[1] <= span[0]:
            best = last.get(job.worker_id)
            if best is None or order_span(best.order)[1] < other[1]:
                last[job.worker_id] = job
    return busy, last


def eligible_workers(order: Order) -> list[Candidate]:
    """Who can take ``order``, best first."""
    needed = set(order.skill_needs.values_list("skill_id", flat=True))
    taken = set(
        order.worker_assignments.exclude(status=AssignmentStatus.CANCELLED).values_list(
            "worker_id", flat=True
        )
    )
    profiles = {
        p.user_id: p
        for p in StaffProfile.objects.filter(user__branch=order.branch).prefetch_related("skills")
    }
    skilled = [uid for uid, p in profiles.items() if p.skills.all()]
    people = (
        User.objects.filter(branch=order.branch, is_active=True)
        .filter(Q(role__in=FIELD_ROLES) | Q(pk__in=skilled))
        .exclude(pk__in=taken)
        .select_related("branch")
    )
    span = order_span(order)
    people = list(people)
    working = on_shift_ids(people, span[0])
    pool = []
    for person in people:
        profile = profiles.get(person.pk)
        has = {s.pk for s in profile.skills.all()} if profile else set()
        if needed - has or person.pk not in working:
            continue
        pool.append((person, profile))
    ids = [p.pk for p, _ in pool]
    busy, last = _busy_and_last(order, span, ids)
    ratings = worker_ratings(ids)
    target = _first_point(order)
    result = []
    for person, profile in pool:
        if person.pk in busy:
            continue
        previous = last.get(person.pk)
        origin = _first_point(previous.order) if previous else None
        result.append(
            Candidate(
                worker=person,
                rating=ratings[person.pk],
                skills=[s.name for s in profile.skills.all()] if profile else [],
                travel=travel_minutes(origin, target),
                from_job=previous.order if previous else None,
            )
        )
    return sorted(result, key=lambda c: c.sort_key)
