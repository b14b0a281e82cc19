"""A worker's day: their jobs in order (time, address, client, phone, what to do), the same as
an e-mail with attachments (higher apps add files — routes' sheet PDF for a driver — through
``register_day_extension`` so orders never imports them), and an hour-scale view (12 or 24 h)
of busy and free time with the clients' windows."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from crm.accounts.models_schedules import Shift
from crm.orders.models import OrderStop
from crm.orders.models_workers import AssignmentStatus, WorkerAssignment
from crm.orders.workers import order_span


@dataclass(frozen=True)
class DayExtension:
    """``people(branch, day)``: ids of who else works that day (route drivers);
    ``attachments(user, day)``: ``[(filename, bytes, mimetype)]`` for their e-mail."""

    people: Callable[[Any, datetime.date], set[int]]
    attachments: Callable[[Any, datetime.date], list[tuple[str, bytes, str]]]


_extensions: list[DayExtension] = []


def register_day_extension(extension: DayExtension) -> None:
    _extensions.append(extension)


def day_jobs(worker: Any, day: datetime.date) -> list[WorkerAssignment]:
    return list(
        WorkerAssignment.objects.filter(worker=worker, order__date=day)
        .exclude(status=AssignmentStatus.CANCELLED)
        .select_related("order", "order__client", "order__branch")
        .prefetch_related(
            Prefetch("order__stops", queryset=OrderStop.objects.order_by("position")),
            "order__items",
        )
        .order_by("order__window_from", "pk")
    )


def workers_of_day(branch: Any, day: datetime.date) -> set[int]:
    ids = set(
        WorkerAssignment.objects.filter(order__branch=branch, order__date=day)
        .exclude(status=AssignmentStatus.CANCELLED)
        .values_list("worker_id", flat=True)
    )
    for extension in _extensions:
        ids |= extension.people(branch, day)
    return ids


def worker_day_email(worker: Any, day: datetime.date) -> EmailMessage | None:
    """The e-mail of the day for one worker (None: no e-mail address or nothing to do)."""
    if not worker.email:
        return None
    jobs = day_jobs(worker, day)
    files = [f for extension in _extensions for f in extension.attachments(worker, day)]
    if not jobs and not files:
        return None
    body = render_to_string(
        "orders/workers/day_email.txt", {"worker": worker, "day": day, "jobs": jobs, "files": files}
    )
    message = EmailMessage(
        subject=_("Your jobs on %(day)s") % {"day": day.strftime("%d.%m.%Y")},
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[worker.email],
    )
    for name, content, mimetype in files:
        message.attach(name, content, mimetype)
    return message


def worker_day_send(*, workers: list[Any], day: datetime.date) -> int:
    """Send each worker their day; returns how many e-mails went out."""
    sent = 0
    for worker in workers:
        message = worker_day_email(worker, day)
        if message is not None:
            sent += message.send()
    return sent


# --- The hour scale ------------------------------------------------------------------------------
@dataclass
class Block:
    left: float
    width: float
    label: str
    kind: str  # "busy" (a job), "window" (the client's window), "shift"
    title: str = ""


@dataclass
class DayLane:
    day: datetime.date
    blocks: list[Block] = field(default_factory=list)
    busy_minutes: int = 0


def _block(start, end, origin, span_minutes: int, **kw: Any) -> Block | None:
    a = max(0.0, (start - origin).total_seconds() / 60)
    b = min(float(span_minutes), (end - origin).total_seconds() / 60)
    if b <= a:
        return None
    return Block(
        left=round(a * 100 / span_minutes, 3), width=round((b - a) * 100 / span_minutes, 3), **kw
    )


def hour_lanes(worker: Any, days: list[datetime.date], hours: int) -> list[DayLane]:
    """One lane per day: from 08:00 for a 12-hour scale (from 00:00 for 24), with the shift,
    the jobs (busy) and the clients' windows."""
    tz = worker.branch.tzinfo
    first_hour = 8 if hours == 12 else 0
    span = hours * 60
    jobs = list(
        WorkerAssignment.objects.filter(worker=worker, order__date__range=(days[0], days[-1]))
        .exclude(status=AssignmentStatus.CANCELLED)
        .select_related("order", "order__client", "order__branch")
    )
    shifts = {s.day: s for s in Shift.objects.filter(user=worker, day__range=(days[0], days[-1]))}
    lanes = []
    for day in days:
        origin = datetime.datetime.combine(day, datetime.time(first_hour), tzinfo=tz)
        lane = DayLane(day=day)
        shift = shifts.get(day)
        if shift is not None:
            start, end = shift.span(tz)
            block = _block(start, end, origin, span, label="", kind="shift", title=_("Shift"))
            if block:
                lane.blocks.append(block)
        for job in (j for j in jobs if j.order.date == day):
            window = order_span(job.order)
            busy = (job.started_at or window[0], job.finished_at or window[1])
            name = str(job.order.client)
            for kind, (start, end) in (("window", window), ("busy", busy)):
                block = _block(
                    start,
                    end,
                    origin,
                    span,
                    label=name,
                    kind=kind,
                    title=f"{start:%H:%M}–{end:%H:%M} {name}",
                )
                if block:
                    lane.blocks.append(block)
            lane.busy_minutes += int((busy[1] - busy[0]).total_seconds() // 60)
        lanes.append(lane)
    return lanes


def hour_ticks(hours: int) -> list[tuple[float, str]]:
    first = 8 if hours == 12 else 0
    step = 1 if hours == 12 else 2
    return [(round(i * 100 / hours, 3), f"{(first + i) % 24:02d}") for i in range(0, hours, step)]
