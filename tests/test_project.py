"""Project-level promises: production settings fail fast, deploy checks pass, compose is sound,
the demo seeds, the catalogues are compiled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
    )


def test_production_mode_refuses_to_start_without_secret_key():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="kolo.example.com")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DEBUG="0", SECRET_KEY="x" * 60)
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_deploy_check_has_no_warnings_in_production_mode():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k3y-" + "ab12" * 15,
        ALLOWED_HOSTS="kolo.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_docker_compose_defines_the_stack_on_one_image_and_env():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    app = [services[name] for name in ("web", "worker", "beat")]
    assert len({s["image"] for s in app}) == 1
    assert all(s["env_file"] == ".env" for s in app)
    assert all(s["environment"] == app[0]["environment"] for s in app)
    assert "migrate" in services["web"]["command"]
    assert "celery" in " ".join(services["worker"]["command"])
    assert "beat" in services["beat"]["command"]
    assert (ROOT / ".env.example").exists() and (ROOT / "Dockerfile").exists()


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_compiled_catalogues_exist_and_translate_the_login_page(language, db):
    assert (ROOT / "locale" / language / "LC_MESSAGES" / "django.mo").exists()
    client = Client()
    client.cookies["django_language"] = language
    page = client.get("/accounts/login/").content.decode()
    assert {"ru": "Войти", "uk": "Увійти"}[language] in page


@pytest.mark.django_db
def test_seed_demo_creates_a_user_per_role_deterministically(capsys):
    from crm.accounts.models import User
    from crm.accounts.roles import Role

    call_command("seed_demo", "--seed", "7")
    out = capsys.readouterr().out
    assert {u.role for u in User.objects.all()} == {r.value for r in Role}
    assert "kolo-demo-2026" in out
    phones = list(User.objects.order_by("username").values_list("phone", flat=True))
    call_command("seed_demo", "--if-empty")
    assert "already there" in capsys.readouterr().out
    assert list(User.objects.order_by("username").values_list("phone", flat=True)) == phones
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": "dispatcher", "password": "kolo-demo-2026"}
        ).status_code
        == 302
    )
