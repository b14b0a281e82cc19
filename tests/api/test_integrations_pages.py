"""The Integrations page: issue a key (shown once), revoke it, the call log with filters and
no N+1, a call's payload and errors, retry of a failed call; administrators only."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.api.models import ApiCall, ApiKey, CallState
from crm.api.services import api_call_log, api_key_authenticate, api_key_create
from crm.leads.models import Lead
from tests.leads.factories import make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client_for):
    return client_for("admin")


def _calls(key, n, **fields):
    for i in range(n):
        api_call_log(
            key=key,
            method="POST",
            path="/api/v1/leads/",
            endpoint="leads",
            status_code=fields.get("status_code", 201),
            state=fields.get("state", CallState.ACCEPTED),
            payload={"external_id": f"e{i}", "name": "Анна"},
            external_id=f"e{i}",
        )


def test_admin_issues_a_key_that_is_shown_once_and_works(admin, branch):
    response = admin.post(reverse("api:key-create"), {"name": "Сайт", "branch": branch.pk})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = response.context["raw"]
    assert raw in response.content.decode()
    key = ApiKey.objects.get()
    assert key.created_by.username == "admin" and api_key_authenticate(raw) == key
    page = admin.get(reverse("api:integrations")).content.decode()
    assert key.prefix in page and raw not in page


def test_key_form_errors(admin):
    response = admin.post(reverse("api:key-create"), {"name": "", "branch": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert not ApiKey.objects.exists()
    assert admin.get(reverse("api:key-create")).status_code == 200


def test_admin_revokes_a_key(admin, branch):
    key, raw = api_key_create(actor=None, name="Сайт", branch=branch)
    response = admin.post(reverse("api:key-revoke", args=[key.pk]))
    assert response.status_code == 302
    key.refresh_from_db()
    assert not key.is_active and key.revoked_at is not None
    assert api_key_authenticate(raw) is None


def test_call_log_filters_by_key_state_status_and_date(admin, branch):
    site = api_key_create(actor=None, name="Сайт", branch=branch)[0]
    pbx = api_key_create(actor=None, name="АТС", branch=branch)[0]
    _calls(site, 2)
    _calls(pbx, 1, status_code=422, state=CallState.REJECTED)
    old = ApiCall.objects.filter(key=site).first()
    ApiCall.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=10))
    url = reverse("api:integrations")

    def ids(**params):
        return {c.pk for c in admin.get(url, params).context["page"]}

    assert len(ids()) == 3
    assert ids(key=pbx.pk) == set(ApiCall.objects.filter(key=pbx).values_list("pk", flat=True))
    assert len(ids(state="rejected")) == 1 and len(ids(status_code=201)) == 2
    today = timezone.localdate().isoformat()
    assert old.pk not in ids(date_from=today) and len(ids(date_from=today, date_to=today)) == 2
    assert admin.get(url, {"state": "nonsense"}).context["form"].errors


def test_call_log_queries_do_not_grow_with_rows(admin, branch):
    key = api_key_create(actor=None, name="Сайт", branch=branch)[0]
    url = reverse("api:integrations")
    _calls(key, 2)
    with CaptureQueriesContext(connection) as few:
        assert admin.get(url).status_code == 200
    _calls(api_key_create(actor=None, name="АТС", branch=branch)[0], 20)
    with CaptureQueriesContext(connection) as many:
        assert admin.get(url).status_code == 200
    assert len(many) == len(few)


def test_call_detail_shows_payload_and_errors(admin, branch):
    key = api_key_create(actor=None, name="Сайт", branch=branch)[0]
    call = api_call_log(
        key=key,
        method="POST",
        path="/api/v1/leads/",
        endpoint="leads",
        status_code=422,
        state=CallState.REJECTED,
        errors=[{"loc": ["phone"], "msg": "Неверный телефон", "type": "value_error"}],
        payload={"external_id": "1", "name": "Анна Кузнецова"},
    )
    page = admin.get(reverse("api:call-detail", args=[call.pk])).content.decode()
    assert "Анна Кузнецова" in page and "Неверный телефон" in page
    assert reverse("api:call-retry", args=[call.pk]) not in page  # nothing to retry


def test_admin_retries_a_failed_call(admin, branch, client):
    _key, raw = api_key_create(actor=None, name="Сайт", branch=branch)
    body = {"external_id": "f-1", "name": "Анна", "phone": "+79115550000"}
    response = client.post(
        "/api/v1/leads/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 202
    call = ApiCall.objects.get()
    detail = admin.get(reverse("api:call-detail", args=[call.pk])).content.decode()
    assert reverse("api:call-retry", args=[call.pk]) in detail

    retry = admin.post(reverse("api:call-retry", args=[call.pk]))  # still no pipeline
    assert retry.status_code == 302
    call.refresh_from_db()
    assert call.state == CallState.FAILED and call.attempts == 2

    make_pipeline(branch)
    admin.post(reverse("api:call-retry", args=[call.pk]))
    call.refresh_from_db()
    assert call.state == CallState.RETRIED and call.result_id == Lead.objects.get().pk
    again = admin.post(reverse("api:call-retry", args=[call.pk]), follow=True)
    assert Lead.objects.count() == 1 and again.status_code == 200


def test_integrations_is_in_the_admins_navigation(admin, client_for):
    url = reverse("api:integrations")
    assert url in admin.get(reverse("home")).content.decode()
    assert url not in client_for("director").get(reverse("home")).content.decode()
