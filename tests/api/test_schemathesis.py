"""Property-based run of the published OpenAPI description against the API (schemathesis
generates the requests from /api/v1/openapi.json; Django's test client sends them inside the
test's transaction): whatever it sends, the API never answers 5xx, and every answer is one the
description documents."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.core import NotSet

from crm.api.services import api_key_create
from tests.leads.factories import make_pipeline
from tests.orders.factories import make_product

OPENAPI = Client().get("/api/v1/openapi.json").json()
schema = schemathesis.openapi.from_dict(OPENAPI)


@pytest.fixture
def api_headers(branch, settings):
    settings.API_RATE_LIMIT = 10_000
    make_pipeline(branch)
    make_product(code="W19", name="Вода 19 л")
    raw = api_key_create(actor=None, name="Schemathesis", branch=branch)[1]
    return {"Authorization": f"Bearer {raw}"}


def _serialise(body: Any) -> bytes | str:
    """The generated body as sent on the wire (schemathesis also tries raw bytes and none)."""
    if isinstance(body, NotSet):
        return ""
    if isinstance(body, (bytes, str)):
        return body
    return json.dumps(body, ensure_ascii=False, default=lambda o: repr(o))


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_answers_5xx(case, api_headers):
    body = _serialise(case.body)
    response = Client().generic(
        case.method,
        case.formatted_path,
        data=body,
        content_type="application/json",
        headers=api_headers,
    )
    assert response.status_code < 500, (case.method, body, response.content[:500])
    operation = OPENAPI["paths"][case.path].get(case.method.lower())
    if operation is None:  # schemathesis also tries methods the path does not have
        assert response.status_code == 405, (case.method, response.status_code)
    else:
        assert str(response.status_code) in operation["responses"], (body, response.content)
