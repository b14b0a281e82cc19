"""Celery tasks of billing: thin wrappers that call services.

A bulk run itself executes as a ``core.Job`` (``crm.core.tasks.job_execute_task`` calls
``billing.services.bulk.bulk_job``, registered in ``billing.wiring_bulk``), which gives it the
shared live progress bar; the task here resumes a run from the shell or a beat schedule."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="billing.tasks.bulk_run_resume_task")
def bulk_run_resume_task(run_id: int) -> dict:
    """Finish a bulk run without a job (after a crash): creates what is missing, renders the
    missing PDFs, sends the unsent e-mails. Idempotent."""
    from billing.models import BulkRun
    from billing.services.bulk import bulk_run_execute

    run = BulkRun.objects.select_related("branch").get(pk=run_id)
    return bulk_run_execute(run, actor=run.created_by)
