"""Staff pay: each rule kind table-driven, night hours split across midnight, weekend and night
surcharges, rounding; computing a period twice adds nothing; a payout is recorded once (same key
→ same payout; paid accruals cannot be paid again) and advances are deducted."""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing.models_pay import PayAccrual, Payout, PayRule
from billing.services.pay import Work, night_minutes, pay_compute, payout_record, rule_amount
from crm.accounts.models_schedules import StaffProfile
from crm.orders.models_workers import WorkerAssignment
from tests.clients.factories import make_client
from tests.orders.factories import make_order

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
T = datetime.time


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=MSK)  # 2–6 March: Mon–Fri


def rule(**fields) -> PayRule:
    fields.setdefault("rate", Decimal("300"))
    return PayRule(name="r", **fields)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (at(2, 9), at(2, 18), 0),
        (at(2, 20), at(3, 8), 480),  # 22:00–06:00 across midnight
        (at(3, 4), at(3, 7), 120),
        (at(2, 23, 30), at(3, 0, 30), 60),
        (at(2, 21), at(4, 9), 960),  # two nights
    ],
)
def test_night_minutes(start, end, minutes):
    assert night_minutes(start, end, T(22), T(6)) == minutes


@pytest.mark.parametrize(
    ("fields", "work", "quantity", "amount"),
    [
        (
            {"kind": "job_fixed", "rate": Decimal("1500")},
            Work(at(2, 10), at(2, 12)),
            "1.00",
            "1500.00",
        ),
        (
            {"kind": "job_percent", "rate": Decimal("12.5")},
            Work(at(2, 10), at(2, 12), Decimal("3333.33")),
            "3333.33",
            "416.67",
        ),
        (
            {"kind": "hour", "rate": Decimal("300")},
            Work(at(2, 9), at(2, 17, 30)),
            "8.50",
            "2550.00",
        ),
        # 20:00–08:00: 4 h by day (20–22, 06–08) at 300, 8 h at night at 450
        (
            {"kind": "hour", "rate": Decimal("300"), "night_rate": Decimal("450")},
            Work(at(2, 20), at(3, 8)),
            "12.00",
            "4800.00",
        ),
        (
            {"kind": "hour", "rate": Decimal("250.55")},
            Work(at(2, 9), at(2, 9, 20)),
            "0.33",
            "83.52",
        ),
        (
            {"kind": "km", "rate": Decimal("12.50")},
            Work(at(2, 8), at(2, 18), km=Decimal("187.35")),
            "187.35",
            "2341.88",
        ),
        (
            {"kind": "stop", "rate": Decimal("80")},
            Work(at(2, 8), at(2, 18), stops=23),
            "23.00",
            "1840.00",
        ),
        # Saturday 7 March: +50 %
        (
            {"kind": "job_fixed", "rate": Decimal("1000"), "weekend_surcharge_pct": Decimal("50")},
            Work(at(7, 10), at(7, 12)),
            "1.00",
            "1500.00",
        ),
        # a job starting at 23:00: +20 % night surcharge on per-job pay
        (
            {"kind": "job_fixed", "rate": Decimal("1000"), "night_surcharge_pct": Decimal("20")},
            Work(at(2, 23), at(3, 1)),
            "1.00",
            "1200.00",
        ),
    ],
)
def test_rule_amounts(fields, work, quantity, amount):
    assert rule_amount(rule(**fields), work) == (Decimal(quantity), Decimal(amount))


@pytest.fixture
def done_job(db, branch, users, make_user):
    worker = make_user("storekeeper", username="loader")
    StaffProfile.objects.create(user=worker, category="Грузчик")
    client = make_client(branch=branch, manager=users["manager"], name="Переезд")
    order = make_order(client=client, date=datetime.date(2026, 3, 2), allow_past=True)
    return WorkerAssignment.objects.create(
        order=order, worker=worker, status="done", started_at=at(2, 10), finished_at=at(2, 13)
    )


@pytest.mark.django_db
def test_compute_matches_role_and_category_and_is_idempotent(done_job, branch, users):
    PayRule.objects.create(
        branch=branch, name="Час грузчика", kind="hour", rate=Decimal("400"), category="Грузчик"
    )
    PayRule.objects.create(
        branch=branch, name="Выход", kind="job_fixed", rate=Decimal("500"), role="storekeeper"
    )
    PayRule.objects.create(
        branch=branch, name="Водителям", kind="job_fixed", rate=Decimal("999"), role="driver"
    )
    PayRule.objects.create(
        branch=branch, name="Такелажникам", kind="hour", rate=Decimal("999"), category="Такелажник"
    )
    accountant = users["accountant"]
    period = {"start": datetime.date(2026, 3, 1), "end": datetime.date(2026, 3, 31)}
    assert pay_compute(actor=accountant, branch=branch, **period) == 2
    amounts = sorted(PayAccrual.objects.values_list("amount", flat=True))
    assert amounts == [Decimal("500.00"), Decimal("1200.00")]
    assert pay_compute(actor=accountant, branch=branch, **period) == 0
    assert PayAccrual.objects.count() == 2
    with pytest.raises(PermissionDenied):
        pay_compute(actor=users["dispatcher"], branch=branch, **period)


@pytest.mark.django_db
def test_payout_is_recorded_once_and_deducts_advances(done_job, branch, users):
    PayRule.objects.create(branch=branch, name="Выход", kind="job_fixed", rate=Decimal("2000"))
    accountant, worker = users["accountant"], done_job.worker
    period = {"start": datetime.date(2026, 3, 1), "end": datetime.date(2026, 3, 31)}
    pay_compute(actor=accountant, branch=branch, **period)
    advance = payout_record(
        actor=accountant,
        branch=branch,
        employee=worker,
        key=uuid.uuid4(),
        kind="advance",
        amount=Decimal("500"),
        **period,
    )
    key = uuid.uuid4()
    payout = payout_record(actor=accountant, branch=branch, employee=worker, key=key, **period)
    assert payout.amount == Decimal("1500.00")
    assert (
        payout_record(actor=accountant, branch=branch, employee=worker, key=key, **period) == payout
    )
    with pytest.raises(ValidationError, match="Nothing is left"):
        payout_record(actor=accountant, branch=branch, employee=worker, key=uuid.uuid4(), **period)
    assert Payout.objects.filter(kind="payout").count() == 1
    advance.refresh_from_db()
    assert advance.settled_by == payout
    assert set(PayAccrual.objects.values_list("payout", flat=True)) == {payout.pk}
    with pytest.raises(PermissionDenied):
        payout_record(actor=worker, branch=branch, employee=worker, key=uuid.uuid4(), **period)
