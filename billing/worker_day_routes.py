"""Routes in a worker's day e-mail: route drivers count among the day's workers and get their
route sheet PDF attached. It lives here because orders may not import routes; the natural home
is routes' own wiring (see docs/workforce.md)."""

from __future__ import annotations

import datetime
from typing import Any

from crm.orders.worker_day import DayExtension, register_day_extension
from routes import sheets
from routes.models import Route


def _routes(branch: Any, day: datetime.date):
    return Route.objects.filter(plan__branch=branch, plan__date=day, driver__isnull=False)


def _people(branch: Any, day: datetime.date) -> set[int]:
    return set(_routes(branch, day).values_list("driver_id", flat=True))


def _attachments(user: Any, day: datetime.date) -> list[tuple[str, bytes, str]]:
    routes = list(
        _routes(user.branch, day).filter(driver=user).select_related("plan", "vehicle", "driver")
    )
    return [(f"{sheets.filename(r)}.pdf", sheets.sheet_pdf(r), "application/pdf") for r in routes]


register_day_extension(DayExtension(people=_people, attachments=_attachments))
