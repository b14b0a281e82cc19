"""Fair distribution under concurrency, for real against Postgres: 50 leads arriving at once
from several threads (and from two processes) are each assigned exactly once, none is skipped,
and equally weighted managers end up at most one lead apart."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from crm.accounts import workday
from crm.leads import distribution, services
from crm.leads.models import Assignment, Lead

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 50


@pytest.fixture
def team(make_user, pipeline):
    managers = [make_user("manager", username=f"m{i}") for i in range(3)]
    make_user("head_of_sales", username="head")
    distribution.rule_for_pipeline(pipeline)
    for manager in managers:
        workday.workday_start(user=manager)
    return managers


def _in_thread(fn, *args):
    try:
        return fn(*args)
    finally:
        connection.close()


def _create(pipeline_id: int, n: int) -> int:
    from crm.leads.models import Pipeline

    pipeline = Pipeline.objects.select_related("branch").get(pk=pipeline_id)
    lead = services.lead_create(  # distributed on commit, in this thread
        actor=None,
        branch=pipeline.branch,
        pipeline=pipeline,
        automatic=True,
        contact_name=f"Заявка {n}",
    )
    return lead.pk


def _job(job: tuple[str, int]) -> None:
    kind, lead_id = job
    if kind == "sweep":
        distribution.assign_waiting_leads()
    else:
        distribution.distribute_lead(lead_id)


def _assert_fair(managers: list) -> None:
    leads = list(Lead.objects.values_list("pk", "manager_id"))
    assert len(leads) == LEADS
    assert all(manager_id is not None for _, manager_id in leads), "a lead was skipped"
    given = Assignment.objects.exclude(kind="waiting")
    per_lead = Counter(given.values_list("lead_id", flat=True))
    assert set(per_lead.values()) == {1}, "a lead was assigned twice"
    assert len(per_lead) == LEADS
    counts = Counter(manager_id for _, manager_id in leads)
    assert set(counts) == {m.pk for m in managers}
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_fifty_leads_created_at_once_from_threads(team, pipeline):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: _in_thread(_create, pipeline.pk, n), range(LEADS)))
    _assert_fair(team)


def _leads_waiting(pipeline) -> list[int]:
    rule = distribution.rule_for_pipeline(pipeline)
    rule.is_active = False  # created while distribution is off: all 50 wait
    rule.save()
    ids = [_create(pipeline.pk, n) for n in range(LEADS)]
    assert not Lead.objects.filter(manager__isnull=False).exists()
    rule.is_active = True
    rule.save()
    return ids


def _jobs(ids: list[int], seed: int) -> list[tuple[str, int]]:
    """Every lead twice plus a few sweeps, shuffled: maximum contention."""
    jobs = [("lead", pk) for pk in ids] * 2 + [("sweep", 0)] * 5
    random.Random(seed).shuffle(jobs)
    return jobs


def test_the_same_leads_from_threads_and_sweeps_at_once(team, pipeline):
    ids = _leads_waiting(pipeline)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda job: _in_thread(_job, job), _jobs(ids, seed=1)))
    _assert_fair(team)


def _process(ids: list[int], seed: int) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda job: _in_thread(_job, job), _jobs(ids, seed)))
    connections.close_all()


def test_the_same_leads_from_two_processes_at_once(team, pipeline):
    ids = _leads_waiting(pipeline)
    connections.close_all()
    if hasattr(connection, "close_pool"):
        connection.close_pool()  # psycopg's pool must not be inherited: its sockets are shared
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_process, args=(ids, seed)) for seed in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    assert [w.exitcode for w in workers] == [0, 0]
    _assert_fair(team)
