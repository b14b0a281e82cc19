"""Celery tasks of the leads app: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from crm.leads.services import task_remind_due


@shared_task
def task_remind_due_task() -> int:
    """Every 5 minutes from beat: notify assignees of tasks that fell due (once per task)."""
    return task_remind_due()


@shared_task
def assign_waiting_leads_task(branch_id: int | None = None) -> int:
    """Every 10 minutes from beat, and when someone starts the day: hand out the leads that
    wait because nobody was working (idempotent: assigned leads are not waiting any more)."""
    from crm.leads.distribution import assign_waiting_leads

    return assign_waiting_leads(branch_id=branch_id)
