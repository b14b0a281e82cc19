"""Celery tasks of the routes app (thin: they call a service and are safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from routes.services.live import purge_positions


@shared_task(name="routes.tasks.gps_purge_task")
def gps_purge_task() -> int:
    """Delete GPS positions older than ROUTES_GPS_RETENTION_DAYS."""
    return purge_positions()
