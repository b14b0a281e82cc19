"""Reads of the lab: scoped querysets with what list pages show already joined."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Now

from labs.models import LabRequest, RequestKind, RequestStatus
from labs.permissions import requests_for
from labs.services.planning import with_urgency
from labs.workflow import LAB_DONE, LAB_OPEN

EMPTY_ROW = {"total": 0, "fresh": 0, "week": 0, "old": 0}
LIST_RELATED = ("client", "product", "client__manager", "technician")


def request_list(*, user: Any, branch: Any, today: datetime.date) -> QuerySet[LabRequest]:
    qs = requests_for(user, branch).select_related(*LIST_RELATED)
    return with_urgency(qs, today)


def cabinet_queue(
    *, user: Any, branch: Any, today: datetime.date, show_all: bool = False
) -> QuerySet[LabRequest]:
    """The lab's work in the order to take it: overdue, urgent, the rest; oldest first within."""
    qs = request_list(user=user, branch=branch, today=today)
    if not show_all:
        qs = qs.filter(status__in=LAB_OPEN)
    return qs.order_by("urgency_rank", "created_at", "id")


def client_requests(*, user: Any, client: Any, today: datetime.date) -> QuerySet[LabRequest]:
    qs = requests_for(user).filter(client=client).select_related("product", "technician")
    return with_urgency(qs, today).order_by("-created_at", "-id")


def completed_calculations(*, user: Any, client: Any) -> QuerySet[LabRequest]:
    return (
        requests_for(user)
        .filter(
            client=client,
            kind=RequestKind.CALCULATION,
            status__in=(RequestStatus.CALCULATED, RequestStatus.CLOSED),
        )
        .select_related("product")
        .prefetch_related("components")
        .order_by("-completed_at", "-id")
    )


def control_summary(*, user: Any, branch: Any, today: datetime.date) -> dict[str, Any]:
    """The director's view: requests by status and age, overdue per technician, turnaround."""
    base = request_list(user=user, branch=branch, today=today)
    age = ExpressionWrapper(Now() - F("created_at"), output_field=DurationField())
    week, month = datetime.timedelta(days=7), datetime.timedelta(days=30)
    by_status = {
        row["status"]: row
        for row in base.annotate(age=age)
        .values("status")
        .annotate(
            total=Count("id"),
            fresh=Count("id", filter=Q(age__lt=week)),
            week=Count("id", filter=Q(age__gte=week, age__lt=month)),
            old=Count("id", filter=Q(age__gte=month)),
        )
    }
    statuses = [
        {"status": s, "label": s.label, **by_status.get(s.value, EMPTY_ROW)} for s in RequestStatus
    ]
    overdue = list(
        base.filter(urgency_rank=0)
        .values("technician__id", "technician__first_name", "technician__last_name")
        .annotate(count=Count("id"))
        .order_by("-count")
    )
    turnaround = ExpressionWrapper(F("completed_at") - F("sent_at"), output_field=DurationField())
    done = base.filter(completed_at__isnull=False, sent_at__isnull=False).annotate(t=turnaround)
    averages = []
    for kind in RequestKind:
        avg = done.filter(kind=kind).aggregate(avg=Avg("t"), n=Count("id"))
        days = (
            Decimal(avg["avg"].total_seconds() / 86400).quantize(Decimal("0.1"))
            if avg["avg"]
            else None
        )
        averages.append({"kind": kind, "label": kind.label, "days": days, "count": avg["n"]})
    return {
        "statuses": statuses,
        "overdue": overdue,
        "averages": averages,
        "open_count": base.filter(status__in=LAB_OPEN).count(),
        "done_count": done.filter(status__in=LAB_DONE).count(),
    }
