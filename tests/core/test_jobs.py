"""Background jobs: progress recorded and shown, failures reported, redelivery harmless, and a
real Celery worker on the Redis broker runs them."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from crm.core.models import Job
from crm.core.registry import register_job_handler
from crm.core.services import job_create
from crm.core.tasks import job_execute_task

SEEN_PROGRESS: list[int] = []


@register_job_handler("test.count")
def _count(job, progress):
    total = int(job.params.get("total", 4))
    for i in range(1, total + 1):
        progress(i * 100 // total, f"{i} of {total}")
        SEEN_PROGRESS.append(Job.objects.get(pk=job.pk).progress)
    return {"counted": total, "url": "/", "label": "Open"}


@register_job_handler("test.fail")
def _fail(job, progress):
    progress(30, "working")
    raise ValueError("the file has no header row")


@pytest.mark.django_db
def test_job_runs_and_records_progress(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    SEEN_PROGRESS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(actor=user, kind="test.count", title="Count", params={"total": 4})
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.progress == 100
    assert job.result["counted"] == 4
    assert SEEN_PROGRESS == [25, 50, 75, 100]
    assert job.started_at and job.finished_at


@pytest.mark.django_db
def test_failing_job_is_marked_failed_with_the_reason(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(actor=user, kind="test.fail", title="Fail")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "no header row" in job.error
    assert job.progress == 30


@pytest.mark.django_db
def test_redelivered_task_does_not_run_a_finished_job_again(make_user):
    user = make_user()
    job = Job.objects.create(
        kind="test.count",
        title="Done",
        owner=user,
        status="done",
        progress=100,
        result={"counted": 1},
    )
    job_execute_task(str(job.pk))
    job.refresh_from_db()
    assert job.result == {"counted": 1}


@pytest.mark.django_db
def test_progress_partial_polls_while_running_and_stops_when_done(make_user):
    user = make_user()
    job = Job.objects.create(
        kind="test.count", title="Run", owner=user, status="running", progress=40, message="2 of 5"
    )
    client = Client()
    client.force_login(user)
    url = reverse("core:job-progress", args=[job.pk])
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'aria-valuenow="40"' in body and "hx-trigger" in body and "2 of 5" in body
    Job.objects.filter(pk=job.pk).update(status="done", progress=100)
    body = client.get(url).content.decode()
    assert 'aria-valuenow="100"' in body and "hx-trigger" not in body


@pytest.mark.django_db
def test_someone_elses_job_is_not_found(make_user):
    owner, other = make_user(), make_user()
    job = Job.objects.create(kind="test.count", title="Mine", owner=owner)
    client = Client()
    client.force_login(other)
    assert client.get(reverse("core:job-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:job-list")).content.decode().count("Mine") == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_celery_worker_runs_a_job_over_the_redis_broker(make_user, settings):
    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point at a real Redis for this test")
    from celery.contrib.testing.worker import start_worker

    from crm.celery import app

    user = make_user()
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            job = job_create(actor=user, kind="test.count", title="Real", params={"total": 2})
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.is_finished:
                    break
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    assert job.status == Job.Status.DONE, job.error
    assert job.result["counted"] == 2
