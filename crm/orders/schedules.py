"""Occurrences of recurring schedules — pure date arithmetic, no ORM, no clocks.

A schedule is described by a :class:`ScheduleSpec` (built from a ``RecurringSchedule`` by the
service layer, or directly in tests). Everything here works on *calendar dates* of the branch:
"today" is decided once by the caller from the branch's time zone
(``crm.orders.services.orders.branch_today``), so a DST change (a 23- or 25-hour day) can neither
duplicate nor drop a date — no datetimes are ever added here.

Rules:

- ``weekly``: every listed weekday (0 = Monday … 6 = Sunday);
- ``every_n_days``: ``start_date``, ``start_date + n``, ``start_date + 2n`` …;
- ``monthly_workday``: the N-th working day of each month, where working days are Monday–Friday
  minus the holidays. A month with fewer than N working days gets its **last** working day (the
  client still gets the monthly visit; never a date in the next month, which would give that
  month two visits).

Holidays only shape "working day" for the monthly rule; weekly and every-N-days dates are not
shifted by holidays (the operator skips or moves that one occurrence from the client card).

Then, per occurrence (the rule's date):

- an explicit exception wins: ``skip`` → no order; ``move`` → the order is made on ``new_date``
  but keeps the occurrence (``Order.scheduled_for``) as its identity, so it is generated once;
- otherwise a pause (inclusive ``date_from``–``date_to``) covering the occurrence suppresses it.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

WEEKLY = "weekly"
EVERY_N_DAYS = "every_n_days"
MONTHLY_WORKDAY = "monthly_workday"

PLANNED = "planned"
MOVED = "moved"
SKIPPED = "skipped"
PAUSED = "paused"

SKIP = "skip"
MOVE = "move"

DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class ScheduleSpec:
    """What the calculation needs to know about a schedule."""

    rule: str
    start_date: datetime.date
    end_date: datetime.date | None = None
    weekdays: tuple[int, ...] = ()
    interval_days: int | None = None
    month_workday: int | None = None
    #: Inclusive ``(date_from, date_to)`` ranges.
    pauses: tuple[tuple[datetime.date, datetime.date], ...] = ()
    #: ``{occurrence: (action, new_date or None)}``.
    exceptions: Mapping[datetime.date, tuple[str, datetime.date | None]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class Occurrence:
    """One date of the rule and what happens on it.

    ``occurrence`` is the identity (``Order.scheduled_for``); ``date`` is when the order is done
    (``new_date`` for a moved one, otherwise the occurrence itself)."""

    occurrence: datetime.date
    date: datetime.date
    state: str

    @property
    def makes_order(self) -> bool:
        return self.state in (PLANNED, MOVED)


def local_date(instant: datetime.datetime, tz: datetime.tzinfo) -> datetime.date:
    """The calendar date of an aware instant in a time zone (the branch's "today")."""
    return instant.astimezone(tz).date()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s month (handles December)."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def working_days(year: int, month: int, holidays: frozenset[datetime.date]) -> list[datetime.date]:
    last = calendar.monthrange(year, month)[1]
    days = (datetime.date(year, month, d) for d in range(1, last + 1))
    return [d for d in days if d.weekday() < 5 and d not in holidays]


def nth_working_day(
    year: int, month: int, n: int, holidays: frozenset[datetime.date]
) -> datetime.date | None:
    """The N-th working day, or the last one when the month has fewer (None: no working day)."""
    days = working_days(year, month, holidays)
    if not days:
        return None
    return days[min(n, len(days)) - 1]


def _clip(
    spec: ScheduleSpec, start: datetime.date, end: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    lo = max(start, spec.start_date)
    hi = end if spec.end_date is None else min(end, spec.end_date)
    return (lo, hi) if lo <= hi else None


def _daily(lo: datetime.date, hi: datetime.date) -> Iterator[datetime.date]:
    day = lo
    while day <= hi:
        yield day
        day += DAY


def rule_dates(
    spec: ScheduleSpec,
    start: datetime.date,
    end: datetime.date,
    holidays: Iterable[datetime.date] = (),
) -> list[datetime.date]:
    """The rule's dates within ``start``–``end`` (inclusive) and the schedule's own dates."""
    bounds = _clip(spec, start, end)
    if bounds is None:
        return []
    lo, hi = bounds
    if spec.rule == WEEKLY:
        weekdays = set(spec.weekdays)
        return [d for d in _daily(lo, hi) if d.weekday() in weekdays]
    if spec.rule == EVERY_N_DAYS:
        n = spec.interval_days or 0
        if n < 1:
            return []
        offset = (lo - spec.start_date).days % n
        first = lo if offset == 0 else lo + datetime.timedelta(days=n - offset)
        step = datetime.timedelta(days=n)
        dates = []
        while first <= hi:
            dates.append(first)
            first += step
        return dates
    if spec.rule == MONTHLY_WORKDAY:
        n = spec.month_workday or 0
        if n < 1:
            return []
        free = frozenset(holidays)
        dates = []
        month = month_start(lo)
        while month <= hi:
            day = nth_working_day(month.year, month.month, n, free)
            if day is not None and lo <= day <= hi:
                dates.append(day)
            month = next_month(month)
        return dates
    return []


def is_rule_date(
    spec: ScheduleSpec, day: datetime.date, holidays: Iterable[datetime.date] = ()
) -> bool:
    return rule_dates(spec, day, day, holidays) == [day]


def _paused(spec: ScheduleSpec, day: datetime.date) -> bool:
    return any(a <= day <= b for a, b in spec.pauses)


def _resolve(spec: ScheduleSpec, day: datetime.date) -> Occurrence:
    action, new_date = spec.exceptions.get(day, ("", None))
    if action == SKIP:
        return Occurrence(day, day, SKIPPED)
    if action == MOVE and new_date is not None:
        return Occurrence(day, new_date, MOVED)
    if _paused(spec, day):
        return Occurrence(day, day, PAUSED)
    return Occurrence(day, day, PLANNED)


def occurrences(
    spec: ScheduleSpec,
    start: datetime.date,
    end: datetime.date,
    holidays: Iterable[datetime.date] = (),
) -> list[Occurrence]:
    """Every occurrence whose *order date* falls in ``start``–``end``, in any state.

    Occurrences of the rule inside the range come with their state (a moved one carries its new
    date, even when that is outside the range: ``Occurrence.date`` says where it went). Moves
    *into* the range of occurrences outside it are added too, so an order moved earlier is
    still generated in time."""
    holidays = frozenset(holidays)
    found = {d: _resolve(spec, d) for d in rule_dates(spec, start, end, holidays)}
    for day, (action, new_date) in spec.exceptions.items():
        if day in found or action != MOVE or new_date is None:
            continue
        if start <= new_date <= end and is_rule_date(spec, day, holidays):
            found[day] = Occurrence(day, new_date, MOVED)
    return sorted(found.values(), key=lambda o: (o.date, o.occurrence))


def orders_due(
    spec: ScheduleSpec,
    start: datetime.date,
    end: datetime.date,
    holidays: Iterable[datetime.date] = (),
) -> list[Occurrence]:
    """The occurrences that need an order dated within ``start``–``end``."""
    return [
        o
        for o in occurrences(spec, start, end, holidays)
        if o.makes_order and start <= o.date <= end
    ]
