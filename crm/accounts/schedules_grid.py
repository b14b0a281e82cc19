"""Read models of the schedule pages: the branch month grid (people × days), one employee's
calendar, and the vacation balance (accrued pro rata over whole months, taken = approved
vacation days of the year)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm.accounts.models_schedules import Shift, StaffProfile, TimeOff, TimeOffKind, TimeOffStatus
from crm.accounts.schedules import schedule_rows

DEFAULT_VACATION_DAYS = 28  # the Russian Labour Code's minimum annual paid leave


@dataclass
class Cell:
    user_id: int
    day: datetime.date
    shift: Shift | None = None
    time_off: TimeOff | None = None

    @property
    def hours(self) -> Decimal:
        if self.shift is None or self.absent:
            return Decimal("0")
        return self.shift.hours

    @property
    def absent(self) -> bool:
        return self.time_off is not None and self.time_off.status == TimeOffStatus.APPROVED

    @property
    def requested(self) -> bool:
        return self.time_off is not None and self.time_off.status == TimeOffStatus.REQUESTED

    @property
    def css(self) -> str:
        if self.absent:
            return f"off-{self.time_off.kind}"
        if self.shift is not None:
            return "shift"
        return "free"

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5


@dataclass
class Row:
    user: Any
    cells: list[Cell] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((c.hours for c in self.cells), Decimal("0"))

    @property
    def shifts(self) -> int:
        return sum(1 for c in self.cells if c.shift is not None and not c.absent)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


def month_days(year: int, month: int) -> list[datetime.date]:
    first, last = month_bounds(year, month)
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


def month_grid(users: list[Any], year: int, month: int) -> list[Row]:
    """One row per user with a cell per day of the month (two queries whatever the size)."""
    days = month_days(year, month)
    shifts, offs = schedule_rows(users, days[0], days[-1])
    return [
        Row(
            user=u,
            cells=[Cell(u.pk, d, shifts.get((u.pk, d)), offs.get((u.pk, d))) for d in days],
        )
        for u in users
    ]


@dataclass(frozen=True)
class VacationBalance:
    year: int
    allowance: int
    accrued: Decimal
    taken: int
    requested: int

    @property
    def remaining(self) -> Decimal:
        return self.accrued - self.taken


def _add_month(day: datetime.date) -> datetime.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def months_worked(since: datetime.date | None, as_of: datetime.date) -> int:
    """Months worked this year up to ``as_of`` inclusive, by the Labour Code's rule: whole
    months, and a remainder of half a month (15 days) or more counts as one more."""
    start = datetime.date(as_of.year, 1, 1)
    if since is not None and since > start:
        start = since
    end = as_of + datetime.timedelta(days=1)
    count, anchor = 0, start
    while _add_month(anchor) <= end:
        count, anchor = count + 1, _add_month(anchor)
    if anchor < end and (end - anchor).days >= 15:
        count += 1
    return min(count, 12)


def vacation_balance(user: Any, as_of: datetime.date) -> VacationBalance:
    """Days accrued this year so far (allowance / 12 per whole month worked), days taken
    (approved vacation), days asked for and not yet decided."""
    profile = StaffProfile.objects.filter(user=user).first()
    allowance = profile.vacation_days_per_year if profile else DEFAULT_VACATION_DAYS
    since = profile.employed_since if profile else None
    months = months_worked(since, as_of)
    accrued = (Decimal(allowance) * months / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
    year_days = TimeOff.objects.filter(user=user, kind=TimeOffKind.VACATION, day__year=as_of.year)
    return VacationBalance(
        year=as_of.year,
        allowance=allowance,
        accrued=accrued,
        taken=year_days.filter(status=TimeOffStatus.APPROVED).count(),
        requested=year_days.filter(status=TimeOffStatus.REQUESTED).count(),
    )
