"""The daily dunning run (Celery beat): mark invoices past their due date overdue, then walk
the ladder (``billing.services.dunning.run_dunning``). Idempotent: a step is never done twice
for an invoice, so a second run the same day does nothing."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="billing.tasks_dunning.run_dunning_task")
def run_dunning_task() -> dict[str, Any]:
    from billing.services.documents import mark_overdue
    from billing.services.dunning import run_dunning

    today = timezone.localdate()
    marked = mark_overdue(today)
    result = run_dunning(today)
    result["marked_overdue"] = marked
    logger.info("dunning run %s: %s", today, result)
    return result
