"""The Celery application. Tasks live in each app's ``tasks.py``; the beat schedule in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("kolo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
