"""Schedules: applying templates (across month ends, 5/2 on weekdays, replacing shifts but not
time off), who is available on a day, who is on shift at a moment (night shifts across
midnight), cells of the grid, day-off requests and their decisions, the vacation balance."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.accounts.models_schedules import Shift, StaffProfile, TimeOff, shift_hours
from crm.accounts.schedules import absent_user_ids, is_on_shift, staff_available_on
from crm.accounts.schedules_grid import month_grid, months_worked, vacation_balance
from crm.accounts.services_schedules import (
    schedule_apply,
    schedule_cell_set,
    time_off_decide,
    time_off_request,
)
from crm.core.models import Notification
from tests.accounts.schedule_factories import make_template

pytestmark = pytest.mark.django_db
D = datetime.date
T = datetime.time


@pytest.fixture
def hr(make_user):
    return make_user("hr", username="hr_lena")


@pytest.fixture
def crew(make_user):
    return [make_user("driver", username=f"drv{i}") for i in range(3)]


def _days(user) -> list[datetime.date]:
    return list(Shift.objects.filter(user=user).order_by("day").values_list("day", flat=True))


def test_two_by_two_runs_on_across_the_end_of_the_month(hr, crew, branch):
    template = make_template(branch, "WWOO")
    created = schedule_apply(
        actor=hr, template=template, users=crew, start=D(2026, 1, 30), end=D(2026, 2, 8)
    )
    expected = [
        D(2026, 1, 30),
        D(2026, 1, 31),
        D(2026, 2, 3),
        D(2026, 2, 4),
        D(2026, 2, 7),
        D(2026, 2, 8),
    ]
    assert created == 3 * len(expected)
    for person in crew:
        assert _days(person) == expected
    # the February grid picks the cycle up where January left it
    row = month_grid([crew[0]], 2026, 2)[0]
    assert [c.day.day for c in row.cells if c.shift] == [3, 4, 7, 8]
    assert row.hours == Decimal("48.00")


def test_five_by_two_from_a_monday_leaves_weekends_free(hr, crew, branch):
    template = make_template(branch, "WWWWWOO", starts=T(9), ends=T(18))
    schedule_apply(
        actor=hr, template=template, users=crew[:1], start=D(2026, 3, 30), end=D(2026, 4, 12)
    )
    days = _days(crew[0])
    assert len(days) == 10 and all(d.weekday() < 5 for d in days)
    assert Shift.objects.filter(user=crew[0]).first().hours == Decimal("9.00")


def test_applying_again_replaces_shifts_but_keeps_time_off(hr, crew, branch):
    two_two = make_template(branch, "WWOO")
    night = make_template(branch, "WO", starts=T(20), ends=T(8))
    schedule_apply(
        actor=hr, template=two_two, users=crew[:1], start=D(2026, 5, 1), end=D(2026, 5, 8)
    )
    schedule_cell_set(actor=hr, user=crew[0], day=D(2026, 5, 2), action="sick")
    schedule_apply(actor=hr, template=night, users=crew[:1], start=D(2026, 5, 1), end=D(2026, 5, 4))
    assert _days(crew[0]) == [D(2026, 5, 1), D(2026, 5, 3), D(2026, 5, 5), D(2026, 5, 6)]
    assert Shift.objects.get(user=crew[0], day=D(2026, 5, 1)).template == night
    assert TimeOff.objects.filter(user=crew[0], day=D(2026, 5, 2), kind="sick").exists()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (D(2026, 5, 5), D(2026, 5, 1), "before the first"),
        (D(2026, 1, 1), D(2027, 1, 2), "at most 366"),
    ],
)
def test_apply_refuses_bad_ranges(hr, crew, branch, start, end, message):
    with pytest.raises(ValidationError, match=message):
        schedule_apply(actor=hr, template=make_template(branch), users=crew, start=start, end=end)
    assert not Shift.objects.exists()


def test_apply_refuses_people_of_another_branch_and_non_hr(
    hr, crew, branch, other_branch, make_user
):
    stranger = make_user("driver", username="far", branch=other_branch)
    with pytest.raises(PermissionDenied):
        schedule_apply(
            actor=hr,
            template=make_template(branch),
            users=[stranger],
            start=D(2026, 5, 1),
            end=D(2026, 5, 2),
        )
    with pytest.raises(PermissionDenied):
        schedule_apply(
            actor=crew[0],
            template=make_template(branch, "WO"),
            users=crew,
            start=D(2026, 5, 1),
            end=D(2026, 5, 2),
        )
    assert not Shift.objects.exists()


def test_available_staff_follow_the_schedule(hr, crew, branch, make_user):
    unscheduled = make_user("driver", username="free_rider")
    make_user("driver", username="gone", is_active=False)
    schedule_apply(
        actor=hr,
        template=make_template(branch, "WWOO"),
        users=crew[:2],
        start=D(2026, 6, 1),
        end=D(2026, 6, 30),
    )
    schedule_cell_set(actor=hr, user=crew[1], day=D(2026, 6, 2), action="sick")

    def names(day):
        return set(
            staff_available_on(branch=branch, day=day, role="driver").values_list(
                "username", flat=True
            )
        )

    # no schedule at all: available (a business without schedules sees no change)
    assert names(D(2026, 6, 1)) == {"drv0", "drv1", "drv2", "free_rider"}
    assert names(D(2026, 6, 2)) == {"drv0", "drv2", "free_rider"}  # drv1 is sick
    assert names(D(2026, 6, 3)) == {"drv2", "free_rider"}  # day off by the cycle
    assert "hr_lena" in set(
        staff_available_on(branch=branch, day=D(2026, 6, 3)).values_list("username", flat=True)
    )
    assert absent_user_ids([c.pk for c in crew] + [unscheduled.pk], D(2026, 6, 2)) == {crew[1].pk}
    schedule_cell_set(actor=hr, user=crew[2], day=D(2026, 6, 1), action="vacation")
    assert "drv2" not in names(D(2026, 6, 1))


def test_night_shift_is_on_across_midnight(hr, crew, branch):
    night = make_template(branch, "WO", starts=T(20), ends=T(8))
    schedule_apply(actor=hr, template=night, users=crew[:1], start=D(2026, 7, 1), end=D(2026, 7, 4))
    tz = branch.tzinfo
    at = lambda d, h: datetime.datetime(2026, 7, d, h, 0, tzinfo=tz)  # noqa: E731
    assert is_on_shift(crew[0], at(1, 21))
    assert is_on_shift(crew[0], at(2, 7))  # yesterday's night shift
    assert not is_on_shift(crew[0], at(2, 9))
    assert not is_on_shift(crew[0], at(2, 21))  # the off day of the cycle
    assert is_on_shift(crew[1], at(2, 3))  # no schedule at all
    schedule_cell_set(actor=hr, user=crew[0], day=D(2026, 7, 1), action="unplanned")
    assert not is_on_shift(crew[0], at(2, 7))
    schedule_cell_set(actor=hr, user=crew[1], day=D(2026, 7, 2), action="day_off")
    assert not is_on_shift(crew[1], at(2, 3))


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (T(9), T(18), "9.00"),
        (T(20), T(8), "12.00"),
        (T(8, 30), T(17), "8.50"),
        (T(0), T(0), "24.00"),
    ],
)
def test_shift_hours(start, end, hours):
    assert shift_hours(start, end) == Decimal(hours)


def test_a_cell_changes_the_shift_marks_time_off_and_clears(hr, crew):
    person, day = crew[0], D(2026, 8, 10)
    schedule_cell_set(
        actor=hr, user=person, day=day, action="shift", starts_at=T(10), ends_at=T(16)
    )
    assert Shift.objects.get(user=person, day=day).hours == Decimal("6.00")
    schedule_cell_set(actor=hr, user=person, day=day, action="vacation", note="Отпуск")
    off = TimeOff.objects.get(user=person, day=day)
    assert (off.kind, off.status, off.decided_by) == ("vacation", "approved", hr)
    schedule_cell_set(actor=hr, user=person, day=day, action="sick")
    assert TimeOff.objects.get(user=person, day=day).kind == "sick"  # one live record a day
    schedule_cell_set(actor=hr, user=person, day=day, action="clear")
    assert not Shift.objects.filter(user=person).exists()
    assert not TimeOff.objects.filter(user=person).exists()
    with pytest.raises(ValidationError):
        schedule_cell_set(
            actor=hr, user=person, day=day, action="shift", starts_at=T(9), ends_at=T(9)
        )
    with pytest.raises(PermissionDenied):
        schedule_cell_set(actor=person, user=person, day=day, action="vacation")


def test_request_approve_decline_and_once_only(hr, crew, branch):
    today = datetime.date.today()
    request = time_off_request(
        actor=crew[0], day=today + datetime.timedelta(days=3), note="Свадьба"
    )
    assert request.status == "requested"
    assert Notification.objects.filter(recipient=hr, title__contains="asks for").exists()
    assert not absent_user_ids([crew[0].pk], request.day)  # a request alone keeps nobody away
    with pytest.raises(ValidationError, match="already"):
        time_off_request(actor=crew[0], day=request.day)
    with pytest.raises(PermissionDenied):
        time_off_decide(actor=crew[1], time_off=request, approve=True)
    time_off_decide(actor=hr, time_off=request, approve=True)
    assert absent_user_ids([crew[0].pk], request.day) == {crew[0].pk}
    assert Notification.objects.filter(recipient=crew[0], title__contains="approved").exists()
    time_off_decide(actor=hr, time_off=request, approve=False)  # approved → declined is allowed
    with pytest.raises(ValidationError, match="already been decided"):
        time_off_decide(actor=hr, time_off=request, approve=True)
    other = time_off_request(actor=crew[1], day=today + datetime.timedelta(days=4))
    time_off_decide(actor=hr, time_off=other, approve=False)
    assert TimeOff.objects.get(pk=other.pk).status == "declined"
    assert not absent_user_ids([crew[1].pk], other.day)
    with pytest.raises(ValidationError, match="passed"):
        time_off_request(actor=crew[1], day=today - datetime.timedelta(days=2))


@pytest.mark.parametrize(
    ("since", "as_of", "months"),
    [
        (None, D(2026, 1, 31), 1),
        (None, D(2026, 1, 14), 0),
        (None, D(2026, 1, 15), 1),  # half a month or more counts as a month
        (None, D(2026, 6, 30), 6),
        (None, D(2026, 12, 31), 12),
        (D(2026, 3, 10), D(2026, 5, 9), 2),
        (D(2026, 3, 10), D(2026, 5, 20), 2),
        (D(2026, 3, 10), D(2026, 5, 24), 3),
        (D(2026, 9, 1), D(2026, 8, 1), 0),
        (D(2020, 1, 1), D(2026, 3, 31), 3),
    ],
)
def test_months_worked(since, as_of, months):
    assert months_worked(since, as_of) == months


def test_vacation_balance_accrues_and_counts_taken_days(hr, crew):
    person = crew[0]
    StaffProfile.objects.create(
        user=person, vacation_days_per_year=28, employed_since=D(2020, 5, 1)
    )
    for day in (D(2026, 2, 2), D(2026, 2, 3), D(2025, 12, 30)):
        schedule_cell_set(actor=hr, user=person, day=day, action="vacation")
    TimeOff.objects.create(user=person, day=D(2026, 7, 1), kind="vacation", status="requested")
    balance = vacation_balance(person, D(2026, 4, 30))
    assert balance.accrued == Decimal("9.33")  # 28 × 4 / 12
    assert (balance.taken, balance.requested) == (2, 1)
    assert balance.remaining == Decimal("7.33")
    assert vacation_balance(crew[1], D(2026, 12, 31)).accrued == Decimal("28.00")  # default 28
