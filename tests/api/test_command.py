"""``manage.py create_api_key NAME [--branch CODE]`` prints a working key as its last line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from crm.api.models import ApiKey
from crm.api.services import api_key_authenticate, hash_key

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_command_prints_the_key_last_and_stores_only_its_hash(branch, other_branch):
    raw = _run("Сайт", "--branch", "msk")
    key = ApiKey.objects.get()
    assert key.name == "Сайт" and key.branch == other_branch
    assert key.key_hash == hash_key(raw) and raw not in (key.key_hash, key.prefix)
    assert raw.startswith(key.prefix) and len(raw) > 40
    assert api_key_authenticate(raw) == key


def test_command_defaults_to_the_first_branch_and_refuses_an_unknown_one(branch):
    _run("АТС")
    assert ApiKey.objects.get().branch == branch
    with pytest.raises(CommandError):
        _run("АТС", "--branch", "nowhere")


def test_key_works_with_the_api(branch, client):
    raw = _run("Скрипт")
    response = client.post(
        "/api/v1/leads/",
        data={"external_id": "1"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422  # authenticated; the body is what is wrong
