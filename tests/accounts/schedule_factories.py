"""Shift templates and schedules for the tests, built through the services."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.models_schedules import ShiftTemplate


def make_template(
    branch: Any,
    cycle: str = "WWOO",
    name: str | None = None,
    starts: datetime.time = datetime.time(8, 0),
    ends: datetime.time = datetime.time(20, 0),
) -> ShiftTemplate:
    return ShiftTemplate.objects.create(
        branch=branch,
        name=name or f"{cycle} {starts:%H}",
        cycle=cycle,
        starts_at=starts,
        ends_at=ends,
    )
