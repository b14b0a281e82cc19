"""Daily: contracts end at midnight, so the contract state on every client is recomputed
(``valid`` → ``expired`` the day after ``ends_on``), which orders, routes and the tablet obey.

Beat entry (``crm/settings``): ``"billing-contract-states": {"task":
"billing.tasks_contracts.sync_contract_states_task", "schedule": crontab(hour=0, minute=10)}``."""

from __future__ import annotations

import datetime

from celery import shared_task

from billing.services.contracts import sync_all_contract_states


@shared_task
def sync_contract_states_task(day: str | None = None) -> int:
    """``day`` (ISO) for tests and catching up; today by default. Returns clients synced."""
    today = datetime.date.fromisoformat(day) if day else None
    return sync_all_contract_states(today)
