"""Kolo project package: settings, URLs, ASGI, Celery and the nested core apps."""

from crm.celery import app as celery_app

__all__ = ["celery_app"]
