"""The lab on the director's dashboard: open and overdue requests now, and the average
turnaround (sent to the lab → completed) of the requests completed in the period."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from labs.permissions import requests_for
from labs.services.planning import OVERDUE, with_urgency
from labs.workflow import LAB_OPEN
from reports.filters import ReportFilter


def lab_figures(flt: ReportFilter, user: Any) -> dict[str, Any]:
    """Two queries: the open queue (with urgency computed in SQL) and the period's turnaround."""
    base = requests_for(user, flt.branch)
    queue = with_urgency(base.filter(status__in=LAB_OPEN), flt.today).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(urgency_rank=OVERDUE))
    )
    turnaround = ExpressionWrapper(F("completed_at") - F("sent_at"), output_field=DurationField())
    done = (
        base.filter(
            sent_at__isnull=False,
            completed_at__date__gte=flt.date_from,
            completed_at__date__lte=flt.date_to,
        )
        .annotate(t=turnaround)
        .aggregate(avg=Avg("t"), n=Count("id"))
    )
    days = (
        Decimal(done["avg"].total_seconds() / 86400).quantize(Decimal("0.1"))
        if done["avg"] is not None
        else None
    )
    return {**queue, "turnaround_days": days, "completed": done["n"]}
