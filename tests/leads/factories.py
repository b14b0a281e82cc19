"""Test data for the leads app, built through its services where one exists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from crm.leads import services
from crm.leads.models import Lead, LossReason, Pipeline, Source, Stage, Task
from crm.leads.seed import PIPELINES


def make_pipeline(branch: Any, name: str = "Продажи") -> Pipeline:
    pipeline = Pipeline.objects.create(branch=branch, name=name)
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=n, kind=k, color=c, position=i)
        for i, (n, k, c) in enumerate(PIPELINES[0][1])
    )
    return pipeline


def open_stages(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.filter(kind=Stage.Kind.OPEN))


def make_source(branch: Any, name: str = "Сайт") -> Source:
    return Source.objects.get_or_create(branch=branch, name=name)[0]


def make_reason(branch: Any, name: str = "Дорого") -> LossReason:
    return LossReason.objects.get_or_create(branch=branch, name=name)[0]


def make_lead(actor: Any, pipeline: Pipeline, **fields: Any) -> Lead:
    fields.setdefault("contact_name", "Анна Орлова")
    return services.lead_create(actor=actor, branch=pipeline.branch, pipeline=pipeline, **fields)


def make_task(actor: Any, hours: int = 2, **fields: Any) -> Task:
    fields.setdefault("title", "Перезвонить")
    return services.task_create(
        actor=actor,
        branch=actor.branch,
        due_at=timezone.now() + timedelta(hours=hours),
        **fields,
    )
