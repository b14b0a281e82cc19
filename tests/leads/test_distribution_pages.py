"""The fairness page and the rules pages over HTTP: what they show, who may change what,
another branch's pipeline is a 404, and the fairness page's queries do not grow with rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.accounts import workday
from crm.core.services import timeline_add
from crm.leads import distribution, services
from crm.leads.models import DistributionParticipant
from tests.leads.factories import make_pipeline

pytestmark = pytest.mark.django_db


def _lead(pipeline):
    lead = services.lead_create(
        actor=None, branch=pipeline.branch, pipeline=pipeline, automatic=True, contact_name="Лид"
    )
    return distribution.distribute_lead(lead.pk)


def _page(client_for) -> tuple[str, int]:
    client = client_for("head_of_sales")
    client.get(reverse("leads:distribution-fairness"))  # warm caches (content types, perms)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("leads:distribution-fairness"))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_fairness_page_shows_each_manager_and_the_reasons(users, client_for, pipeline, make_user):
    manager = users["manager"]
    distribution.rule_for_pipeline(pipeline)
    workday.workday_start(user=manager)
    assignment = _lead(pipeline)
    timeline_add(actor=manager, target=assignment.lead, body="Позвонил")  # first response
    html, few = _page(client_for)
    assert f'data-manager="{manager.pk}"' in html
    assert "Working" in html and "Least loaded" in html and "under a minute" in html
    assert "First response: the average time" in html  # the definition is on the page
    for n in range(4):  # more managers, more assignments: same number of queries
        extra = make_user("manager", username=f"extra{n}")
        DistributionParticipant.objects.create(
            rule=distribution.rule_for_pipeline(pipeline), manager=extra
        )
        workday.workday_start(user=extra)
        _lead(pipeline)
    html, many = _page(client_for)
    assert html.count("data-manager=") == 5
    assert many <= few


def test_fairness_page_is_not_for_managers_and_is_in_the_nav(client_for):
    assert client_for("manager").get(reverse("leads:distribution-fairness")).status_code == 403
    page = client_for("head_of_sales").get(reverse("leads:distribution-fairness"))
    assert 'data-nav="lead-distribution"' in page.content.decode()
    assert 'id="distribution-rules-link"' in page.content.decode()
    page = client_for("director").get(reverse("leads:distribution-fairness"))
    assert 'id="distribution-rules-link"' not in page.content.decode()


def test_rules_are_configured_on_the_page(users, client_for, pipeline, make_user):
    second = make_user("manager", username="second")
    url = reverse("leads:distribution-rule-edit", args=[pipeline.pk])
    client = client_for("head_of_sales")
    form = client.get(url)
    assert form.status_code == 200 and f'name="take_{second.pk}"' in form.content.decode()
    response = client.post(
        url,
        {
            "is_active": "on",
            "weight_open": "1",
            "weight_today": "2",
            "weight_month": "0.5",
            f"take_{users['manager'].pk}": "on",
            f"weight_{users['manager'].pk}": "3",
            f"weight_{second.pk}": "1",
        },
    )
    assert response.status_code == 302
    rule = distribution.rule_for_pipeline(pipeline)
    assert rule.sticky_owner is False and rule.weight_today == Decimal("2")
    active = dict(rule.participants.filter(is_active=True).values_list("manager", "weight"))
    assert active == {users["manager"].pk: Decimal("3")}
    listing = client.get(reverse("leads:distribution-rules"))
    assert pipeline.name in listing.content.decode()


def test_a_bad_weight_is_shown_and_nothing_changes(users, client_for, pipeline):
    url = reverse("leads:distribution-rule-edit", args=[pipeline.pk])
    response = client_for("admin").post(
        url, {"weight_open": "-1", "weight_today": "1", "weight_month": "0"}
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert distribution.rule_for_pipeline(pipeline).weight_open == Decimal("1")


def test_another_branchs_pipeline_is_hidden(client_for, other_branch):
    foreign = make_pipeline(other_branch, name="Чужая")
    url = reverse("leads:distribution-rule-edit", args=[foreign.pk])
    assert client_for("head_of_sales").get(url).status_code == 404
    assert client_for("head_of_sales").post(url, {"weight_open": "5"}).status_code == 404
