"""Celery tasks of the orders app: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from crm.orders.services.schedules import generate_orders


@shared_task
def generate_scheduled_orders_task() -> dict[str, Any]:
    """Hourly from beat: orders of recurring schedules for the next days. Idempotent — an
    occurrence has at most one order (a DB constraint), and a run that overlaps another waits
    for it and then creates nothing new. Hourly so a branch's new day (its own time zone) is
    picked up soon after its midnight."""
    result = generate_orders()
    return {k: v for k, v in result.items() if k != "branches"}
