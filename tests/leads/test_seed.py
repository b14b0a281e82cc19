"""The demo seed: pipelines, directories, leads over the stages, tasks and plans, deterministic."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command

from crm.leads.models import Lead, LossReason, Pipeline, SalesPlan, Source, Task
from crm.leads.seed import make_leads

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_leads_deterministically():
    call_command("seed_demo", clients=100, seed=3, verbosity=0)
    assert Pipeline.objects.filter(name="Продажи").exists()
    assert Pipeline.objects.filter(name="Продажи").first().stages.filter(kind="won").exists()
    assert Source.objects.filter(name="Авито").exists()
    assert LossReason.objects.filter(name="Не отвечает").exists()
    assert Lead.objects.filter(manager__username="manager").exists()
    assert Lead.objects.filter(manager__username="manager2").exists()
    assert Lead.objects.values("stage").distinct().count() > 4
    assert not Lead.objects.filter(status="lost", loss_reason__isnull=True).exists()
    assert Task.objects.exists() and SalesPlan.objects.count() == 2
    pipeline = Pipeline.objects.filter(name="Продажи").first()
    managers = list(pipeline.leads.values_list("manager", flat=True).distinct()[:1])
    from crm.accounts.models import User

    manager = User.objects.get(pk=managers[0])

    def rows(seed):
        leads = make_leads(
            random.Random(seed), branch=pipeline.branch, managers=[manager], count=20
        )
        return [(lead.contact_name, lead.stage_id, lead.amount) for lead in leads]

    assert rows(5) == rows(5)


def test_bench_suite_runs_on_a_small_database():
    from django.conf import settings

    if not settings.DB_IS_POSTGRES:
        pytest.skip("the benchmark needs Postgres")
    from crm.leads.bench import bench_clients

    result = bench_clients(clients=30, runs=1)
    assert result["clients"] >= 30 and result["leads"] >= 60
    assert result["kanban_ms"] > 0 and result["client_search_ms"] > 0
    assert result["kanban_queries"] > 0
