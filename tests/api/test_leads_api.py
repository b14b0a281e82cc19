"""POST /api/v1/leads/: created once, idempotent, strictly validated, logged, branch-scoped."""

from __future__ import annotations

import pytest

from crm.api.models import ApiCall, CallState
from crm.api.services import api_key_create, api_key_revoke
from crm.leads.models import Lead
from tests.leads.factories import make_pipeline, make_source

pytestmark = pytest.mark.django_db

LEAD = {
    "external_id": "form-1",
    "name": "Ольга Петрова",
    "phone": "+7 911 555-12-34",
    "email": "Olga@Example.ru",
    "message": "Нужна доставка воды в офис",
    "source": "Сайт",
    "utm_source": "yandex",
    "utm_campaign": "весна",
}


def test_lead_is_created_highlighted_with_utm_in_the_need(post, pipeline, branch):
    make_source(branch, "Сайт")
    response = post("leads/", LEAD)
    assert response.status_code == 201, response.content
    body = response.json()
    lead = Lead.objects.get(pk=body["id"])
    assert body == {"status": "created", "kind": "lead", "id": lead.pk}
    assert lead.branch == branch and lead.pipeline == pipeline
    assert lead.contact_name == "Ольга Петрова" and lead.phone == "+79115551234"
    assert lead.email == "olga@example.ru" and lead.source.name == "Сайт"
    assert lead.is_new_unseen
    assert "Нужна доставка" in lead.need and "utm_campaign: весна" in lead.need
    call = ApiCall.objects.get()
    assert call.state == CallState.ACCEPTED and call.status_code == 201
    assert call.result_kind == "lead" and call.result_id == lead.pk
    assert call.payload["name"] == "Ольга Петрова" and call.external_id == "form-1"


def test_unknown_source_is_kept_in_the_need(post, pipeline):
    response = post("leads/", {**LEAD, "source": "Инстаграм"})
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.source is None and "Инстаграм" in lead.need


def test_retry_with_the_same_external_id_returns_the_same_lead(post, pipeline):
    first = post("leads/", LEAD)
    again = post("leads/", {**LEAD, "name": "Другое имя"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "exists"
    assert Lead.objects.count() == 1
    assert ApiCall.objects.filter(state=CallState.ACCEPTED).count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"external_id": ""}, "external_id"),
        ({"email": "not-an-email"}, "email"),
        ({"message": "я" * 4001}, "message"),
        ({"utm_source": 5}, "utm_source"),
        ({"phone": "", "email": ""}, "__all__"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_each_validation_error_is_422_with_the_field(post, pipeline, change, field):
    response = post("leads/", {**LEAD, **change})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Lead.objects.exists()
    call = ApiCall.objects.get()
    assert call.state == CallState.REJECTED and call.status_code == 422 and call.errors


def test_missing_field_and_bad_phone_are_422(post, pipeline):
    body = dict(LEAD)
    del body["name"]
    assert "name" in post("leads/", body).json()["errors"]
    bad_phone = post("leads/", {**LEAD, "phone": "12"})
    assert bad_phone.status_code == 422 and "phone" in bad_phone.json()["errors"]
    assert not Lead.objects.exists()


def test_malformed_json_is_rejected_and_logged(post, pipeline):
    response = post("leads/", "{not json")
    assert 400 <= response.status_code < 500
    assert ApiCall.objects.get().state == CallState.REJECTED


@pytest.mark.parametrize("token", [None, "", "kolo_wrong-key-0123456789", "x"])
def test_missing_or_wrong_key_is_401(post, pipeline, token):
    response = post("leads/", LEAD, key=token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert not Lead.objects.exists()
    call = ApiCall.objects.get()
    assert call.key is None and call.status_code == 401 and call.payload is None


def test_revoked_key_is_401(post, pipeline, branch):
    key, raw = api_key_create(actor=None, name="Старый сайт", branch=branch)
    api_key_revoke(actor=None, key=key)
    assert post("leads/", LEAD, key=raw).status_code == 401
    assert not Lead.objects.exists()


def test_a_key_of_another_branch_creates_records_in_its_branch(post, pipeline, other_branch):
    make_pipeline(other_branch, "Москва")
    _key, raw = api_key_create(actor=None, name="Сайт Москвы", branch=other_branch)
    response = post("leads/", LEAD, key=raw)
    assert response.status_code == 201
    assert Lead.objects.get().branch == other_branch
    # the same external id in another branch is another request
    assert post("leads/", LEAD).status_code == 201
    assert sorted(Lead.objects.values_list("branch__code", flat=True)) == ["msk", "spb"]


def test_oversized_body_is_413(post, pipeline, settings):
    settings.API_MAX_BODY_BYTES = 2000
    response = post("leads/", {**LEAD, "message": "я" * 1500})
    assert response.status_code == 413
    assert not Lead.objects.exists()
    assert ApiCall.objects.get().status_code == 413


def test_rate_limit_per_key_is_429_with_retry_after(post, pipeline, settings, branch):
    settings.API_RATE_LIMIT = 3
    codes = [post("leads/", {**LEAD, "external_id": f"r{n}"}).status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = post("leads/", {**LEAD, "external_id": "r9"})
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert Lead.objects.count() == 3
    # another key has its own window
    _key, raw = api_key_create(actor=None, name="Второй сайт", branch=branch)
    assert post("leads/", {**LEAD, "external_id": "other"}, key=raw).status_code == 201


def test_failed_processing_is_kept_and_retried(post, branch):
    """No pipeline yet: the request is kept (202 queued) and processed on retry."""
    response = post("leads/", LEAD)
    assert response.status_code == 202 and response.json()["status"] == "queued"
    call = ApiCall.objects.get()
    assert call.state == CallState.FAILED and call.payload["external_id"] == "form-1"
    assert "pipeline" in call.last_error

    from crm.api.services import api_call_retry, api_call_retry_failed

    assert api_call_retry_failed() == 0  # still failing: the attempt is counted
    call.refresh_from_db()
    assert call.state == CallState.FAILED and call.attempts == 2

    make_pipeline(branch)
    call = api_call_retry(actor=None, call=call)
    assert call.state == CallState.RETRIED and call.result_kind == "lead"
    lead = Lead.objects.get()
    assert call.result_id == lead.pk
    # the sender's own retry now gets the same lead
    again = post("leads/", LEAD)
    assert again.status_code == 200 and again.json()["id"] == lead.pk


def test_hourly_task_retries_failed_calls(post, branch):
    from crm.api.tasks import api_call_retry_failed_task

    post("leads/", LEAD)
    make_pipeline(branch)
    assert api_call_retry_failed_task() == 1
    assert ApiCall.objects.get().state == CallState.RETRIED
    assert api_call_retry_failed_task() == 0
    assert Lead.objects.count() == 1


def test_openapi_is_public_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/leads/", "/api/v1/orders/", "/api/v1/telephony/events/"} <= set(paths)
