"""Fair distribution: the on-commit hook, least loaded working manager with weights and ties,
break and absence, sticky owner, nobody working → waiting → start of the day, the recorded
reason and the head of sales' notifications."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.accounts import workday
from crm.core.models import AuditEntry, Notification, TimelineEntry
from crm.leads import distribution, services
from crm.leads.models import Assignment, DistributionParticipant, Lead
from tests.clients.factories import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return {
        "anna": make_user("manager", username="anna", first_name="Анна"),
        "boris": make_user("manager", username="boris", first_name="Борис"),
        "head": make_user("head_of_sales", username="head"),
    }


@pytest.fixture
def rule(pipeline, staff):
    return distribution.rule_for_pipeline(pipeline)


def new_lead(pipeline, **fields) -> Lead:
    """An automatic lead (web form / API): no actor, no manager; not distributed yet."""
    fields.setdefault("contact_name", "Заявка с сайта")
    return services.lead_create(
        actor=None, branch=pipeline.branch, pipeline=pipeline, automatic=True, **fields
    )


def give(pipeline, **fields):
    lead = new_lead(pipeline, **fields)
    return distribution.distribute_lead(lead.pk), Lead.objects.get(pk=lead.pk)


def heads_notes(staff) -> list[str]:
    return list(
        Notification.objects.filter(recipient=staff["head"])
        .order_by("pk")
        .values_list("title", flat=True)
    )


def test_the_rule_starts_with_every_manager_of_the_branch(rule, staff):
    managers = set(rule.participants.values_list("manager__username", flat=True))
    assert managers == {"anna", "boris"}


def test_a_new_unassigned_lead_is_distributed_on_commit(
    rule, staff, pipeline, django_capture_on_commit_callbacks
):
    workday.workday_start(user=staff["anna"])
    with django_capture_on_commit_callbacks(execute=True):
        lead = new_lead(pipeline)
    lead.refresh_from_db()
    assert lead.manager == staff["anna"]
    assert lead.is_new_unseen


def test_a_managers_own_lead_is_not_distributed(
    rule, staff, pipeline, django_capture_on_commit_callbacks
):
    workday.workday_start(user=staff["anna"])
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_create(
            actor=staff["boris"], branch=pipeline.branch, pipeline=pipeline, contact_name="Свой"
        )
    assert Lead.objects.get(pk=lead.pk).manager == staff["boris"]
    assert not Assignment.objects.exists()


def test_least_loaded_working_manager_gets_it_with_the_reason(rule, staff, pipeline):
    workday.workday_start(user=staff["anna"])
    workday.workday_start(user=staff["boris"])
    services.lead_create(
        actor=staff["anna"], branch=pipeline.branch, pipeline=pipeline, contact_name="У Анны"
    )
    assignment, lead = give(pipeline)
    assert lead.manager == staff["boris"]
    assert assignment.kind == "load"
    by_name = {c["name"]: c for c in assignment.figures["candidates"]}
    assert by_name[staff["anna"].display_name]["open"] == 1
    assert by_name[staff["boris"].display_name]["load"] == "0.000"
    assert assignment.figures["chosen"] == staff["boris"].pk
    assert "Least loaded of 2 working" in assignment.reason
    assert staff["anna"].display_name in assignment.reason  # the runner-up is named
    # the lead's own history: audit row and a timeline line with the reason
    assert AuditEntry.objects.filter(object_id=lead.pk, changes__has_key="manager").exists()
    assert TimelineEntry.objects.filter(object_id=lead.pk, body__contains="Least loaded").exists()
    # the head of sales is told, with the reason; the manager gets the lead
    note = Notification.objects.filter(recipient=staff["head"]).latest("pk")
    assert staff["boris"].display_name in note.title and "Least loaded" in note.body
    assert Notification.objects.filter(recipient=staff["boris"], title__contains="New lead")


def test_ties_go_to_whoever_waited_longest(rule, staff, pipeline):
    workday.workday_start(user=staff["anna"])
    workday.workday_start(user=staff["boris"])
    DistributionParticipant.objects.filter(manager=staff["anna"]).update(
        last_assigned_at=timezone.now() - timedelta(hours=1)
    )
    DistributionParticipant.objects.filter(manager=staff["boris"]).update(
        last_assigned_at=timezone.now() - timedelta(hours=3)
    )
    assignment, lead = give(pipeline)
    assert lead.manager == staff["boris"]
    assert "waited longest" in assignment.reason
    _, second = give(pipeline)  # now Boris has one more: Anna
    assert second.manager == staff["anna"]


def test_break_and_absence_get_no_new_leads(rule, staff, pipeline, make_user):
    carl = make_user("manager", username="carl")
    DistributionParticipant.objects.create(rule=rule, manager=carl)
    workday.workday_start(user=staff["anna"])
    workday.workday_start(user=staff["boris"])
    workday.workday_break(user=staff["boris"])
    workday.workday_start(user=carl)
    workday.workday_end(user=carl)
    managers = {give(pipeline)[1].manager for _ in range(4)}
    assert managers == {staff["anna"]}


def test_weights_share_the_leads(rule, staff, pipeline):
    DistributionParticipant.objects.filter(manager=staff["anna"]).update(weight=Decimal("2"))
    workday.workday_start(user=staff["anna"])
    workday.workday_start(user=staff["boris"])
    got = [give(pipeline)[1].manager.username for _ in range(9)]
    assert got.count("anna") == 6 and got.count("boris") == 3


def test_load_weights_of_the_rule_count(rule, staff, pipeline):
    """With only "received this month" weighing, open leads in work do not matter."""
    rule.weight_open, rule.weight_today, rule.weight_month = 0, 0, 1
    rule.save()
    workday.workday_start(user=staff["anna"])
    workday.workday_start(user=staff["boris"])
    for _ in range(3):
        services.lead_create(
            actor=staff["anna"], branch=pipeline.branch, pipeline=pipeline, contact_name="Своя"
        )
    got = [give(pipeline)[1].manager.username for _ in range(4)]
    assert sorted(got) == ["anna", "anna", "boris", "boris"]


def test_sticky_owner_gets_a_repeat_clients_lead_even_on_a_break(rule, staff, pipeline, branch):
    client = make_client(branch=branch, manager=staff["anna"], phones=["+79110000001"])
    workday.workday_start(user=staff["anna"])
    workday.workday_break(user=staff["anna"])
    workday.workday_start(user=staff["boris"])
    assignment, lead = give(pipeline, phone="+7 911 000-00-01")
    assert lead.client == client
    assert lead.manager == staff["anna"]
    assert assignment.kind == "sticky"
    assert assignment.figures["owner"]["state"] == "break"
    assert "Repeat client" in assignment.reason


def test_absent_owner_sends_the_lead_to_the_pool_and_tells_the_head(rule, staff, pipeline, branch):
    make_client(branch=branch, manager=staff["anna"], phones=["+79110000002"])
    workday.workday_start(user=staff["boris"])
    assignment, lead = give(pipeline, phone="+79110000002")
    assert lead.manager == staff["boris"]
    assert assignment.kind == "load"
    assert "has not started the day" in assignment.reason
    assert any("absent" in t for t in heads_notes(staff))


def test_sticky_owner_off_uses_the_pool(rule, staff, pipeline, branch):
    rule.sticky_owner = False
    rule.save()
    make_client(branch=branch, manager=staff["anna"], phones=["+79110000003"])
    workday.workday_start(user=staff["anna"])
    workday.workday_start(user=staff["boris"])
    services.lead_create(
        actor=staff["anna"], branch=pipeline.branch, pipeline=pipeline, contact_name="Своя"
    )
    assert give(pipeline, phone="+79110000003")[1].manager == staff["boris"]


def test_nobody_working_waits_then_starting_the_day_hands_leads_out(
    rule, staff, pipeline, django_capture_on_commit_callbacks
):
    assert give(pipeline)[0] is None
    assert give(pipeline)[0] is None
    assert not Lead.objects.filter(manager__isnull=False).exists()
    assert Assignment.objects.filter(kind="waiting").count() == 2
    waiting_notes = [t for t in heads_notes(staff) if "waiting" in t]
    assert len(waiting_notes) == 1  # told once, not per lead
    assert distribution.assign_waiting_leads() == 0  # the sweep finds nobody either
    assert Assignment.objects.filter(kind="waiting").count() == 2  # and logs nothing new
    with django_capture_on_commit_callbacks(execute=True):
        workday.workday_start(user=staff["boris"])  # → the sweep runs
    assert set(Lead.objects.values_list("manager", flat=True)) == {staff["boris"].pk}
    rule.refresh_from_db()
    assert rule.waiting_notified_at is None  # the next quiet spell is reported again


def test_the_beat_task_assigns_waiting_leads(rule, staff, pipeline):
    from crm.leads.tasks import assign_waiting_leads_task

    lead = new_lead(pipeline)
    workday.workday_start(user=staff["anna"])  # on_commit not run: only the sweep can help
    assert assign_waiting_leads_task() == 1
    assert Lead.objects.get(pk=lead.pk).manager == staff["anna"]
    assert assign_waiting_leads_task() == 0  # idempotent


def test_distribution_off_leaves_leads_to_the_head(rule, staff, pipeline):
    rule.is_active = False
    rule.save()
    workday.workday_start(user=staff["anna"])
    assert give(pipeline)[0] is None
    assert distribution.assign_waiting_leads() == 0
    assert not Lead.objects.filter(manager__isnull=False).exists()


def test_an_assigned_or_missing_lead_is_left_alone(rule, staff, pipeline):
    workday.workday_start(user=staff["anna"])
    _assignment, lead = give(pipeline)
    assert distribution.distribute_lead(lead.pk) is None
    assert Assignment.objects.filter(lead=lead).count() == 1
    assert distribution.distribute_lead(10**9) is None
