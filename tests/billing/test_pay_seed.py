"""The demo workforce: skills and categories, pay rules, the loader's jobs (done yesterday,
assigned today and tomorrow), the month's accruals, an advance and a closed cash day; running
the seeders twice changes nothing."""

from __future__ import annotations

import datetime
import random
from types import SimpleNamespace

import pytest

from billing.models_cash import CashClosing, CashEntry
from billing.models_pay import PayAccrual, Payout, PayRule
from billing.seed_workforce import seed_workforce
from crm.accounts.seed import seed_accounts
from crm.accounts.seed_schedules import seed_schedules
from crm.accounts.workday import today_for
from crm.orders.models_workers import WorkerAssignment
from tests.clients.factories import make_client
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db


def _ctx() -> SimpleNamespace:
    ctx = SimpleNamespace(rng=random.Random(1), credentials=[])
    seed_accounts(ctx)
    seed_schedules(ctx)
    return ctx


def test_demo_workforce_is_realistic_and_idempotent():
    ctx = _ctx()
    branch = ctx.branches["spb"]
    today = today_for(branch)
    client = make_client(branch=branch, manager=ctx.users["manager"], name="Демо-клиент")
    for offset in (-1, -1, -1, 0, 1, 1):
        make_order(client=client, date=today + datetime.timedelta(days=offset), allow_past=True)
    seed_workforce(ctx)
    assert PayRule.objects.filter(branch=branch).count() == 5
    jobs = WorkerAssignment.objects.filter(worker__username="storekeeper")
    assert jobs.filter(status="done").count() == 3 and jobs.filter(status="assigned").count() == 3
    assert PayAccrual.objects.filter(employee__username="storekeeper").exists()
    assert Payout.objects.filter(kind="advance").count() == 1
    assert CashClosing.objects.filter(day=today - datetime.timedelta(days=1)).exists()
    counts = (
        WorkerAssignment.objects.count(),
        PayAccrual.objects.count(),
        CashEntry.objects.count(),
    )
    seed_workforce(ctx)
    assert (
        WorkerAssignment.objects.count(),
        PayAccrual.objects.count(),
        CashEntry.objects.count(),
    ) == counts
