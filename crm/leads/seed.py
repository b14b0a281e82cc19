"""Demo leads for ``manage.py seed_demo``: two pipelines per branch, sources, loss reasons,
about three leads per ten clients spread over the stages, tasks and this month's sales plans.
Deterministic from ``ctx.rng``; rows are created in bulk."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from crm.core.registry import register_seeder
from crm.leads.models import Lead, LossReason, Pipeline, SalesPlan, Source, Stage, Task

PIPELINES = [
    (
        "Продажи",
        [
            ("Новый", "open", "#1f6feb"),
            ("Квалификация", "open", "#8250df"),
            ("Предложение", "open", "#bf8700"),
            ("Переговоры", "open", "#d4a72c"),
            ("Успешно", "won", "#1a7f37"),
            ("Проиграно", "lost", "#cf222e"),
        ],
    ),
    (
        "Опт",
        [
            ("Заявка", "open", "#1f6feb"),
            ("Образцы", "open", "#8250df"),
            ("Договор", "open", "#bf8700"),
            ("Успешно", "won", "#1a7f37"),
            ("Проиграно", "lost", "#cf222e"),
        ],
    ),
]
SOURCES = ["Сайт", "Звонок", "Рекомендация", "Выставка", "Авито"]
LOSS_REASONS = ["Дорого", "Выбрали конкурента", "Нет бюджета", "Не отвечает"]
NAMES = ["Анна", "Игорь", "Светлана", "Павел", "Ольга", "Денис", "Ирина", "Максим", "Юлия", "Роман"]
SURNAMES = ["Орлов", "Белова", "Зайцев", "Комарова", "Лебедев", "Соловьёва", "Гусев", "Крылова"]
COMPANIES = ["", "", "ООО «Чистый дом»", "АО «Невские воды»", "ИП Сергеев", "ООО «Балт-Сервис»"]
WANTS = [
    "Коврики на вход, замена раз в неделю",
    "Вода 19 л, 10 бутылей в неделю",
    "Пробная партия моющего средства",
    "Расчёт стоимости на 3 офиса",
    "Доставка на склад по вторникам",
]
TASKS = ["Перезвонить", "Отправить КП", "Встреча в офисе", "Уточнить объём", "Выставить счёт"]


def ensure_pipelines(branch: Any) -> list[Pipeline]:
    pipelines = []
    for position, (name, stages) in enumerate(PIPELINES):
        pipeline, created = Pipeline.objects.get_or_create(
            branch=branch, name=name, defaults={"position": position}
        )
        if created:
            Stage.objects.bulk_create(
                Stage(pipeline=pipeline, name=n, kind=k, color=c, position=i)
                for i, (n, k, c) in enumerate(stages)
            )
        pipelines.append(pipeline)
    for name in SOURCES:
        Source.objects.get_or_create(branch=branch, name=name)
    for name in LOSS_REASONS:
        LossReason.objects.get_or_create(branch=branch, name=name)
    return pipelines


def make_leads(
    rng: Any, *, branch: Any, managers: list[Any], count: int, clients: list[Any] | None = None
) -> list[Lead]:
    """``count`` unsaved leads over the branch's pipelines (mostly the first), some closed."""
    pipelines = ensure_pipelines(branch)
    stages = {p.pk: list(p.stages.all()) for p in pipelines}
    sources = list(Source.objects.filter(branch=branch))
    reasons = list(LossReason.objects.filter(branch=branch))
    now = timezone.now()
    rows = []
    for i in range(count):
        pipeline = pipelines[0] if rng.random() < 0.75 else pipelines[-1]
        stage = rng.choice(stages[pipeline.pk])
        created = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
        status = {"open": "open", "won": "won", "lost": "lost"}[stage.kind]
        closed = created + timedelta(days=rng.randint(0, 20)) if status != "open" else None
        if closed and closed > now:
            closed = now
        client = clients[i % len(clients)] if clients and status == "won" else None
        rows.append(
            Lead(
                branch=branch,
                pipeline=pipeline,
                stage=stage,
                status=status,
                contact_name=f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}",
                phone=f"+7921{rng.randint(1000000, 9999999)}",
                company=rng.choice(COMPANIES),
                need=rng.choice(WANTS),
                source=rng.choice(sources),
                manager=managers[i % len(managers)],
                amount=Decimal(rng.randint(5, 400) * 1000),
                is_new_unseen=status == "open" and rng.random() < 0.1,
                loss_reason=rng.choice(reasons) if status == "lost" else None,
                client=client,
                closed_at=closed,
                created_at=created,
            )
        )
    return rows


@register_seeder("leads", order=30)
def seed_leads(ctx: Any) -> None:
    rng = ctx.rng
    spb = ctx.branches["spb"]
    managers = [ctx.users["manager"], ctx.users["manager2"]]
    clients = [c for c in getattr(ctx, "clients", []) if c.branch_id == spb.pk]
    n_clients = len(getattr(ctx, "clients", [])) or 200
    count = max(30, n_clients * 3 // 10)
    for start in range(0, count, 2000):
        Lead.objects.bulk_create(
            make_leads(
                rng, branch=spb, managers=managers, count=min(2000, count - start), clients=clients
            )
        )
    if "msk" in ctx.branches and "manager_msk" in ctx.users:
        Lead.objects.bulk_create(
            make_leads(
                rng, branch=ctx.branches["msk"], managers=[ctx.users["manager_msk"]], count=10
            )
        )
    now = timezone.now()
    open_leads = list(Lead.objects.filter(branch=spb, status="open").order_by("pk")[:40])
    Task.objects.bulk_create(
        Task(
            branch=spb,
            title=rng.choice(TASKS),
            due_at=now + timedelta(hours=rng.randint(-48, 96)),
            assignee=lead.manager,
            priority=rng.choice(["low", "normal", "normal", "high"]),
            lead=lead,
            created_by=lead.manager,
        )
        for lead in open_leads
    )
    month = now.date().replace(day=1)
    for manager in managers:
        SalesPlan.objects.update_or_create(
            manager=manager, month=month, defaults={"amount": Decimal(rng.randint(10, 30) * 100000)}
        )
