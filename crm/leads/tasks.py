"""Celery tasks of the leads app: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from crm.leads.services import task_remind_due


@shared_task
def task_remind_due_task() -> int:
    """Every 5 minutes from beat: notify assignees of tasks that fell due (once per task)."""
    return task_remind_due()
