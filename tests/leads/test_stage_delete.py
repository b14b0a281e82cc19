"""Deleting a pipeline stage: empty ones go, ones with leads move them in bulk to a chosen stage
of the same pipeline, won/lost stages and the last in-progress stage stay; audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.core.models import AuditEntry
from crm.leads import services
from crm.leads.models import Lead, Stage
from tests.leads.factories import make_lead, make_pipeline, open_stages

pytestmark = pytest.mark.django_db


def _url(stage: Stage) -> str:
    return reverse("leads:stage-delete", args=[stage.pk])


def test_empty_stage_is_deleted_and_audited(client_for, pipeline):
    stage = open_stages(pipeline)[2]
    http = client_for("admin")
    page = http.get(_url(stage))
    assert page.status_code == 200 and "stage-delete-confirm" in page.content.decode()
    response = http.post(_url(stage))
    assert response.status_code == 302
    assert not Stage.objects.filter(pk=stage.pk).exists()
    entry = AuditEntry.objects.filter(object_id=pipeline.pk).latest("pk")
    assert stage.name in entry.note


def test_stage_with_leads_asks_where_and_moves_them_in_bulk(client_for, users, pipeline):
    first, second = open_stages(pipeline)[:2]
    leads = [make_lead(users["manager"], pipeline, contact_name=f"L{i}") for i in range(3)]
    http = client_for("admin")
    page = http.get(_url(first)).content.decode()
    assert 'name="move_to"' in page and second.name in page
    assert http.post(_url(first)).status_code == 400  # no target chosen
    assert Stage.objects.filter(pk=first.pk).exists()
    assert http.post(_url(first), {"move_to": second.pk}).status_code == 302
    assert set(
        Lead.objects.filter(pk__in=[x.pk for x in leads]).values_list("stage", flat=True)
    ) == {second.pk}
    assert not Stage.objects.filter(pk=first.pk).exists()


def test_target_must_be_an_open_stage_of_the_same_pipeline(users, pipeline, branch):
    first = open_stages(pipeline)[0]
    make_lead(users["manager"], pipeline)
    other = open_stages(make_pipeline(branch, name="Другая"))[0]
    won = pipeline.stages.get(kind="won")
    for target in (other, won, first, None):
        with pytest.raises(ValidationError):
            services.stage_delete(actor=users["admin"], stage=first, move_to=target)
    assert Stage.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize("kind", ["won", "lost"])
def test_closing_stages_cannot_be_deleted(client_for, pipeline, kind):
    stage = pipeline.stages.get(kind=kind)
    http = client_for("admin")
    assert "stage-delete-confirm" not in http.get(_url(stage)).content.decode()
    assert http.post(_url(stage)).status_code == 400
    assert Stage.objects.filter(pk=stage.pk).exists()


def test_the_last_open_stage_stays(users, pipeline):
    stages = open_stages(pipeline)
    for stage in stages[1:]:
        services.stage_delete(actor=users["admin"], stage=stage)
    with pytest.raises(ValidationError):
        services.stage_delete(actor=users["admin"], stage=stages[0])


def test_other_branch_stage_is_404_and_managers_403(client_for, other_branch, pipeline):
    foreign = open_stages(make_pipeline(other_branch))[0]
    assert client_for("head_of_sales").get(_url(foreign)).status_code == 403
    assert client_for("admin").get(_url(foreign)).status_code == 404
    assert client_for("manager").get(_url(open_stages(pipeline)[1])).status_code == 403
