"""Occurrences of recurring schedules: pure, table-driven (rules, month ends, holidays, pauses,
skips, moves, and calendar dates across DST changes)."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from crm.orders import schedules as calc
from crm.orders.schedules import ScheduleSpec

D = datetime.date
JAN_1 = D(2026, 1, 1)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def weekly(*days: int, start: D = JAN_1, **kw) -> ScheduleSpec:
    return ScheduleSpec(rule=calc.WEEKLY, start_date=start, weekdays=days, **kw)


def every(n: int, start: D, **kw) -> ScheduleSpec:
    return ScheduleSpec(rule=calc.EVERY_N_DAYS, start_date=start, interval_days=n, **kw)


def monthly(n: int, start: D = JAN_1, **kw) -> ScheduleSpec:
    return ScheduleSpec(rule=calc.MONTHLY_WORKDAY, start_date=start, month_workday=n, **kw)


@pytest.mark.parametrize(
    ("spec", "start", "end", "holidays", "expected"),
    [
        # Tue/Fri across a month end (31 March → April)
        (
            weekly(TUE, FRI),
            D(2026, 3, 27),
            D(2026, 4, 7),
            (),
            [D(2026, 3, 27), D(2026, 3, 31), D(2026, 4, 3), D(2026, 4, 7)],
        ),
        # DST weekend in Europe (29 March 2026): Sunday is a plain calendar day
        (
            weekly(SAT, SUN, MON),
            D(2026, 3, 28),
            D(2026, 3, 30),
            (),
            [D(2026, 3, 28), D(2026, 3, 29), D(2026, 3, 30)],
        ),
        (weekly(SUN), D(2026, 10, 24), D(2026, 10, 26), (), [D(2026, 10, 25)]),
        # weekly ignores holidays (the operator skips/moves that one occurrence)
        (weekly(FRI), D(2026, 1, 1), D(2026, 1, 2), (D(2026, 1, 2),), [D(2026, 1, 2)]),
        # start and end clip the range
        (
            weekly(TUE, start=D(2026, 3, 10), end_date=D(2026, 3, 24)),
            D(2026, 3, 1),
            D(2026, 3, 31),
            (),
            [D(2026, 3, 10), D(2026, 3, 17), D(2026, 3, 24)],
        ),
        (weekly(), D(2026, 3, 1), D(2026, 3, 31), (), []),
        # every N days counts from start_date, whatever the range's start
        (
            every(3, D(2026, 2, 26)),
            D(2026, 2, 27),
            D(2026, 3, 8),
            (),
            [D(2026, 3, 1), D(2026, 3, 4), D(2026, 3, 7)],
        ),
        # leap year: 28 Feb 2028 + 1 day steps through 29 Feb
        (
            every(1, D(2028, 2, 28)),
            D(2028, 2, 27),
            D(2028, 3, 1),
            (),
            [D(2028, 2, 28), D(2028, 2, 29), D(2028, 3, 1)],
        ),
        (
            every(7, D(2026, 10, 18)),
            D(2026, 10, 18),
            D(2026, 11, 1),
            (),
            [D(2026, 10, 18), D(2026, 10, 25), D(2026, 11, 1)],
        ),
        (every(0, D(2026, 1, 1)), D(2026, 1, 1), D(2026, 1, 9), (), []),
        # 1st working day: 1 Feb 2026 is a Sunday → Monday 2 Feb; 1 Mar 2026 Sunday → 2 Mar
        (monthly(1), D(2026, 1, 15), D(2026, 3, 31), (), [D(2026, 2, 2), D(2026, 3, 2)]),
        # holidays: 1–9 January are holidays → the first working day is 12 January
        (
            monthly(1),
            D(2026, 1, 1),
            D(2026, 1, 31),
            tuple(D(2026, 1, d) for d in range(1, 10)),
            [D(2026, 1, 12)],
        ),
        # 1 May holiday (Friday) → 4 May
        (monthly(1), D(2026, 5, 1), D(2026, 5, 31), (D(2026, 5, 1),), [D(2026, 5, 4)]),
        # February 2027 has 20 working days: the 23rd becomes the last one (26 Feb), not March
        (monthly(23), D(2027, 2, 1), D(2027, 3, 3), (), [D(2027, 2, 26)]),
        # December → January (year end)
        (monthly(2), D(2026, 12, 1), D(2027, 1, 31), (), [D(2026, 12, 2), D(2027, 1, 4)]),
        # an occurrence before start_date is not one
        (monthly(1, start=D(2026, 6, 2)), D(2026, 6, 1), D(2026, 7, 31), (), [D(2026, 7, 1)]),
    ],
)
def test_rule_dates(spec, start, end, holidays, expected):
    assert calc.rule_dates(spec, start, end, holidays) == expected


def test_month_without_working_days_has_no_occurrence():
    all_days = [D(2026, 2, d) for d in range(1, 29)]
    assert calc.rule_dates(monthly(1), D(2026, 2, 1), D(2026, 2, 28), all_days) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            weekly(TUE, FRI),
            [("2026-03-03", "2026-03-03", "planned"), ("2026-03-06", "2026-03-06", "planned")],
        ),
        # pause is inclusive on both ends
        (
            weekly(TUE, FRI, pauses=((D(2026, 3, 3), D(2026, 3, 6)),)),
            [("2026-03-03", "2026-03-03", "paused"), ("2026-03-06", "2026-03-06", "paused")],
        ),
        (
            weekly(TUE, FRI, exceptions={D(2026, 3, 3): ("skip", None)}),
            [("2026-03-03", "2026-03-03", "skipped"), ("2026-03-06", "2026-03-06", "planned")],
        ),
        # moved within the range
        (
            weekly(TUE, FRI, exceptions={D(2026, 3, 3): ("move", D(2026, 3, 4))}),
            [("2026-03-03", "2026-03-04", "moved"), ("2026-03-06", "2026-03-06", "planned")],
        ),
        # moved out of the range: still listed, with where it went
        (
            weekly(TUE, FRI, exceptions={D(2026, 3, 6): ("move", D(2026, 3, 9))}),
            [("2026-03-03", "2026-03-03", "planned"), ("2026-03-06", "2026-03-09", "moved")],
        ),
        # moved into the range from a later occurrence
        (
            weekly(TUE, FRI, exceptions={D(2026, 3, 10): ("move", D(2026, 3, 5))}),
            [
                ("2026-03-03", "2026-03-03", "planned"),
                ("2026-03-10", "2026-03-05", "moved"),
                ("2026-03-06", "2026-03-06", "planned"),
            ],
        ),
        # an explicit move wins over a pause
        (
            weekly(
                TUE,
                pauses=((D(2026, 3, 1), D(2026, 3, 31)),),
                exceptions={D(2026, 3, 3): ("move", D(2026, 2, 28))},
            ),
            [("2026-03-03", "2026-02-28", "moved")],
        ),
        # a "move" of a date that is not an occurrence is ignored
        (
            weekly(TUE, exceptions={D(2026, 3, 11): ("move", D(2026, 3, 5))}),
            [("2026-03-03", "2026-03-03", "planned")],
        ),
    ],
)
def test_occurrences_with_pauses_and_exceptions(spec, expected):
    got = calc.occurrences(spec, D(2026, 3, 1), D(2026, 3, 7))
    assert [(o.occurrence.isoformat(), o.date.isoformat(), o.state) for o in got] == expected


def test_orders_due_only_dates_in_range_that_make_orders():
    spec = weekly(
        TUE,
        FRI,
        exceptions={D(2026, 3, 3): ("skip", None), D(2026, 3, 6): ("move", D(2026, 3, 9))},
        pauses=((D(2026, 3, 13), D(2026, 3, 13)),),
    )
    due = calc.orders_due(spec, D(2026, 3, 1), D(2026, 3, 14))
    assert [(o.occurrence, o.date) for o in due] == [
        (D(2026, 3, 6), D(2026, 3, 9)),
        (D(2026, 3, 10), D(2026, 3, 10)),
    ]


def test_consecutive_windows_cover_each_occurrence_exactly_once():
    """Generating day by day (each run: today … today+13) yields every occurrence, none twice,
    across both DST changes and every month end of a year."""
    spec = every(2, D(2026, 1, 1), exceptions={D(2026, 3, 29): ("move", D(2026, 3, 30))})
    seen: dict[D, int] = {}
    day = D(2026, 1, 1)
    generated: set[D] = set()
    while day <= D(2026, 12, 31):
        for o in calc.orders_due(spec, day, day + datetime.timedelta(days=13)):
            if o.occurrence not in generated:  # what the DB's existing-check does
                generated.add(o.occurrence)
                seen[o.occurrence] = seen.get(o.occurrence, 0) + 1
        day += datetime.timedelta(days=1)
    expected = calc.rule_dates(spec, D(2026, 1, 1), D(2027, 1, 13))
    assert sorted(seen) == expected
    assert set(seen.values()) == {1}


@pytest.mark.parametrize("tz", ["Europe/Kyiv", "Europe/Berlin"])
@pytest.mark.parametrize(
    "utc_day",
    [D(2026, 3, 28), D(2026, 10, 24)],  # the nights of 28→29 March and 24→25 October 2026
)
def test_branch_dates_around_dst_are_contiguous(tz, utc_day):
    """Hour by hour through a DST night, the branch's "today" steps by one day at local
    midnight: no date is skipped or repeated out of order."""
    zone = zoneinfo.ZoneInfo(tz)
    start = datetime.datetime.combine(utc_day, datetime.time(12), tzinfo=datetime.UTC)
    dates = [calc.local_date(start + datetime.timedelta(hours=h), zone) for h in range(60)]
    distinct = sorted(set(dates))
    assert distinct == [utc_day + datetime.timedelta(days=i) for i in range(len(distinct))]
    assert dates == sorted(dates)
    # the DST Sunday itself lasts 23 (March) or 25 (October) local hours
    sunday = utc_day + datetime.timedelta(days=1)
    assert dates.count(sunday) == (23 if utc_day.month == 3 else 25)


def test_is_rule_date():
    assert calc.is_rule_date(weekly(TUE), D(2026, 3, 3))
    assert not calc.is_rule_date(weekly(TUE), D(2026, 3, 4))
    assert calc.is_rule_date(monthly(1), D(2026, 2, 2))
    assert not calc.is_rule_date(monthly(1), D(2026, 2, 1))
