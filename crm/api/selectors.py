"""Reads of the Integrations page."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from crm.api.models import ApiCall, ApiKey


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("branch", "created_by")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def api_call_list(*, filters: dict[str, Any]) -> QuerySet[ApiCall]:
    calls = ApiCall.objects.select_related("key", "key__branch").defer("payload")
    if filters.get("key"):
        calls = calls.filter(key=filters["key"])
    if filters.get("state"):
        calls = calls.filter(state=filters["state"])
    if filters.get("status_code"):
        calls = calls.filter(status_code=filters["status_code"])
    if filters.get("date_from"):
        calls = calls.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        calls = calls.filter(at__lt=_day_start(filters["date_to"] + datetime.timedelta(days=1)))
    return calls.order_by("-at", "-pk")
