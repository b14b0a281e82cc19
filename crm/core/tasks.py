"""Celery tasks of the shared kernel: thin wrappers that call services."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import registry
from crm.core.models import Job, Notification
from crm.core.services import job_fail, job_files_purge, job_finish, job_progress, job_start

logger = logging.getLogger(__name__)


@shared_task(name="crm.core.tasks.job_execute_task")
def job_execute_task(job_id: str) -> None:
    """Run a job's registered handler with a progress callback. Idempotent: a finished job is
    left alone when the task is delivered twice."""
    job = job_start(job_id=job_id)
    if job is None:
        return
    handler = registry.job_handler(job.kind)

    def progress(percent: int, message: str = "") -> None:
        job_progress(job=job, percent=percent, message=message)

    try:
        result = handler(job, progress) or {}
    except ValidationError as exc:
        job_fail(job=job, error="; ".join(exc.messages))
        return
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job_fail(job=job, error=_("Unexpected error: %(error)s") % {"error": exc})
        return
    job_finish(job=job, result=result)


@shared_task(name="crm.core.tasks.job_fail_stale_task")
def job_fail_stale_task(hours: int = 2) -> int:
    """Jobs left "running" by a crashed worker for hours are marked failed so nobody waits."""
    stale = Job.objects.filter(
        status=Job.Status.RUNNING, updated_at__lt=timezone.now() - timedelta(hours=hours)
    )
    count = 0
    for job in stale:
        job_fail(job=job, error=_("The job stopped responding; start it again."))
        count += 1
    return count


@shared_task(name="crm.core.tasks.notification_purge_task")
def notification_purge_task(days: int = 90) -> int:
    """Read notifications older than ``days`` are deleted to keep the bell fast."""
    deleted, _details = Notification.objects.filter(
        read_at__isnull=False, created_at__lt=timezone.now() - timedelta(days=days)
    ).delete()
    return deleted


@shared_task(name="crm.core.tasks.job_files_purge_task")
def job_files_purge_task(days: int = 7) -> int:
    """Exports and other job files are kept a week, then deleted (the job row stays)."""
    return job_files_purge(older_than=timezone.now() - timedelta(days=days))
