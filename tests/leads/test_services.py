"""Lead services: stage moves, closing, reopening, dedupe against clients, tasks, reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clients.services import client_create
from crm.core.models import AuditEntry, Notification, TimelineEntry
from crm.leads import services
from crm.leads.models import Lead, Task
from tests.leads.factories import make_lead, make_task, open_stages

pytestmark = pytest.mark.django_db


def test_lead_create_normalises_phone_and_assigns_the_manager(users, pipeline):
    lead = make_lead(users["manager"], pipeline, phone="8 (911) 123-45-67", email=" A@B.RU ")
    assert lead.phone == "+79111234567"
    assert lead.email == "a@b.ru"
    assert lead.manager == users["manager"]
    assert lead.stage == open_stages(pipeline)[0]
    assert AuditEntry.objects.filter(object_id=lead.pk, action="create").exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"contact_name": ""},
        {"contact_name": "x" * 201},
        {"phone": "not a phone"},
        {"email": "nope"},
        {"amount": "-5"},
    ],
)
def test_lead_create_rejects_bad_input(users, pipeline, fields):
    with pytest.raises(ValidationError):
        make_lead(users["manager"], pipeline, **fields)
    assert not Lead.objects.exists()


def test_lead_create_links_an_existing_client_by_phone(users, pipeline, branch):
    client = client_create(
        actor=users["manager"], name="ООО Ромашка", phones=["+79111234567"], branch=branch
    )
    lead = make_lead(users["manager"], pipeline, phone="89111234567")
    assert lead.client == client


def test_stage_move_is_saved_with_timeline_audit_and_broadcast_on_commit(
    users, pipeline, django_capture_on_commit_callbacks
):
    lead = make_lead(users["manager"], pipeline)
    target = open_stages(pipeline)[2]
    with mock.patch("crm.core.realtime.publish") as publish:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.lead_move(actor=users["manager"], lead=lead, stage=target)
        publish.assert_not_called()
        for callback in callbacks:
            callback()
    lead.refresh_from_db()
    assert lead.stage == target
    entry = TimelineEntry.objects.filter(object_id=lead.pk, kind="status").get()
    assert target.name in entry.body
    assert AuditEntry.objects.filter(object_id=lead.pk, changes__has_key="stage").exists()
    group, event = publish.call_args.args
    assert group == f"leads.pipeline.{pipeline.pk}"
    assert event["type"] == "lead" and event["id"] == lead.pk and event["stage"] == target.pk


def test_manager_cannot_move_another_managers_lead(users, make_user, pipeline):
    other = make_user("manager", username="other")
    lead = make_lead(other, pipeline)
    with pytest.raises(PermissionDenied):
        services.lead_move(actor=users["manager"], lead=lead, stage=open_stages(pipeline)[1])


def test_move_to_a_closing_stage_is_refused(users, pipeline):
    lead = make_lead(users["manager"], pipeline)
    won = pipeline.stages.get(kind="won")
    with pytest.raises(ValidationError):
        services.lead_move(actor=users["manager"], lead=lead, stage=won)


def test_lost_requires_a_reason(users, pipeline, reason):
    lead = make_lead(users["manager"], pipeline)
    with pytest.raises(ValidationError):
        services.lead_lose(actor=users["manager"], lead=lead, reason=None)
    lead.refresh_from_db()
    assert lead.status == "open"
    services.lead_lose(actor=users["manager"], lead=lead, reason=reason, comment="дорого 😢")
    lead.refresh_from_db()
    assert lead.status == "lost" and lead.loss_reason == reason and lead.closed_at
    assert lead.stage.kind == "lost"


def test_won_converts_the_lead_to_a_client(users, pipeline):
    lead = make_lead(
        users["manager"], pipeline, phone="+79110001122", company="ООО Вода", amount="1500.50"
    )
    services.lead_win(actor=users["manager"], lead=lead, note="Подписали")
    lead.refresh_from_db()
    assert lead.status == "won" and lead.closed_at and lead.stage.kind == "won"
    assert lead.client.name == "ООО Вода"
    assert lead.client.manager == users["manager"]
    assert lead.client.phones.filter(number="+79110001122").exists()
    with pytest.raises(ValidationError):
        services.lead_win(actor=users["manager"], lead=lead)


def test_reopen_returns_a_closed_lead_to_the_funnel(users, pipeline, reason):
    lead = make_lead(users["manager"], pipeline)
    services.lead_lose(actor=users["manager"], lead=lead, reason=reason)
    services.lead_reopen(actor=users["manager"], lead=lead)
    lead.refresh_from_db()
    assert lead.status == "open" and lead.closed_at is None and lead.loss_reason is None
    assert lead.stage == open_stages(pipeline)[0]


def test_opening_by_the_responsible_manager_clears_the_new_flag(users, pipeline):
    lead = make_lead(None, pipeline, manager=users["manager"], automatic=True)
    assert lead.is_new_unseen
    services.lead_mark_seen(actor=users["head_of_sales"], lead=lead)
    assert Lead.objects.get(pk=lead.pk).is_new_unseen
    services.lead_mark_seen(actor=users["manager"], lead=lead)
    assert not Lead.objects.get(pk=lead.pk).is_new_unseen


def test_manager_cannot_assign_tasks_to_others(users, make_user):
    other = make_user("manager", username="other")
    with pytest.raises(ValidationError):
        make_task(users["manager"], assignee=other)
    task = make_task(users["head_of_sales"], assignee=other)
    assert task.assignee == other
    assert Notification.objects.filter(recipient=other).exists()


def test_reminder_task_is_idempotent(users):
    manager = users["manager"]
    due = make_task(manager, hours=-1)
    make_task(manager, hours=5)
    done = make_task(manager, hours=-2)
    services.task_set_done(actor=manager, task=done)
    from crm.leads.tasks import task_remind_due_task

    assert task_remind_due_task() == 1
    assert task_remind_due_task() == 0
    notes = Notification.objects.filter(recipient=manager, title__contains=due.title)
    assert notes.count() == 1
    assert Task.objects.get(pk=due.pk).reminded_at is not None


def test_sales_plan_is_set_once_per_month(users):
    month = timezone.localdate()
    services.sales_plan_set(
        actor=users["head_of_sales"], manager=users["manager"], month=month, amount="1000"
    )
    plan = services.sales_plan_set(
        actor=users["head_of_sales"], manager=users["manager"], month=month, amount="2000"
    )
    assert plan.amount == Decimal("2000.00") and plan.month.day == 1
    with pytest.raises(PermissionDenied):
        services.sales_plan_set(
            actor=users["manager"], manager=users["manager"], month=month, amount="1"
        )


def test_stage_reorder_and_shift(users, pipeline):
    admin = users["admin"]
    stages = list(pipeline.stages.all())
    services.stage_shift(actor=admin, stage=stages[1], delta=-1)
    assert pipeline.stages.first() == stages[1]
    ids = [s.pk for s in reversed(stages)]
    services.stage_reorder(actor=admin, pipeline=pipeline, stage_ids=ids)
    assert [s.pk for s in pipeline.stages.all()] == ids
    with pytest.raises(PermissionDenied):
        services.stage_reorder(actor=users["manager"], pipeline=pipeline, stage_ids=ids)


def test_plan_vs_fact_counts_leads_won_this_month(users, pipeline):
    from crm.leads.selectors import plan_vs_fact

    manager = users["manager"]
    services.sales_plan_set(
        actor=users["head_of_sales"], manager=manager, month=timezone.localdate(), amount="1000"
    )
    lead = make_lead(manager, pipeline, amount="250")
    services.lead_win(actor=manager, lead=lead)
    old = make_lead(manager, pipeline, amount="999")
    services.lead_win(actor=manager, lead=old)
    Lead.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=62))
    result = plan_vs_fact(user=manager, branch=manager.branch, day=timezone.localdate())
    assert result["fact"] == Decimal("250.00") and result["percent"] == 25
