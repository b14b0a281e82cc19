"""The demo schedules: templates, shifts for the staff who work in shifts (drivers work today),
a vacation week, a sick day, a request waiting for HR; running it twice changes nothing."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from crm.accounts.models import User
from crm.accounts.models_schedules import Shift, ShiftTemplate, TimeOff
from crm.accounts.schedules import staff_available_on
from crm.accounts.seed import seed_accounts
from crm.accounts.seed_schedules import seed_schedules
from crm.accounts.workday import today_for

pytestmark = pytest.mark.django_db


def _run() -> SimpleNamespace:
    ctx = SimpleNamespace(rng=random.Random(1), credentials=[])
    seed_accounts(ctx)
    seed_schedules(ctx)
    return ctx


def test_demo_schedules_are_realistic_and_idempotent():
    ctx = _run()
    branch = ctx.branches["spb"]
    today = today_for(branch)
    assert ShiftTemplate.objects.filter(branch=branch).count() == 4
    assert User.objects.get(username="hr").role == "hr"
    drivers = set(
        staff_available_on(branch=branch, day=today, role="driver").values_list(
            "username", flat=True
        )
    )
    assert drivers == {"driver", "driver2"}  # the demo routes of today have their drivers
    assert not Shift.objects.filter(user__username__startswith="manager").exists()
    assert TimeOff.objects.filter(user__username="storekeeper", kind="vacation").count() == 7
    assert TimeOff.objects.filter(user__username="accountant", status="requested").count() == 1
    counts = (Shift.objects.count(), TimeOff.objects.count())
    _run()
    assert (Shift.objects.count(), TimeOff.objects.count()) == counts
