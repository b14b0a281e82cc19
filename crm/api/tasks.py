"""Background work of the intake API."""

from __future__ import annotations

from celery import shared_task

from crm.api.services import api_call_retry_failed


@shared_task
def api_call_retry_failed_task() -> int:
    """Hourly: process again the calls whose processing failed (payload kept). Idempotent: a
    call already processed, or whose record exists, is never processed twice."""
    return api_call_retry_failed()
