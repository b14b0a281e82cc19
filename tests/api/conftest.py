from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from crm.api.services import api_key_create
from tests.leads.factories import make_pipeline


@pytest.fixture
def pipeline(branch):
    return make_pipeline(branch)


@pytest.fixture
def raw_key(branch) -> str:
    return api_key_create(actor=None, name="Сайт", branch=branch)[1]


@pytest.fixture
def post(raw_key) -> Callable[..., Any]:
    """POST JSON to the API with the branch's key (or ``key=`` another / None)."""

    def call(path: str, body: Any, key: str | None = "default", **extra: Any) -> Any:
        headers = {}
        token = raw_key if key == "default" else key
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        data = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
        return Client().post(
            f"/api/v1/{path}", data=data, content_type="application/json", **headers, **extra
        )

    return call
