"""Every URL pattern × every role (and anonymous): allowed or refused exactly as designed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve

from crm.core.models import Job
from crm.core.services import attachment_add, job_store_file, notification_send
from tests.access import CTX_EXTENDERS, DENIED, HIDDEN, LOGIN, MATRIX, OK, ROLES

EXCLUDED_NAMESPACES = {"admin"}  # Django's own admin: is_staff only, checked separately below


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _url_names(pattern, ns)
        elif isinstance(pattern, URLPattern):
            if pattern.callback is serve:  # DEBUG-only media files, not a page of ours
                continue
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            names.add(prefix + pattern.name)
    return names


def test_every_url_pattern_is_in_the_matrix():
    names = _url_names()
    assert names - set(MATRIX) == set(), "URL patterns missing from tests/access.py"
    assert set(MATRIX) - names == set(), "rows in tests/access.py for URLs that do not exist"


def _outcome(response, login_url: str) -> str:
    if response.status_code == 403:
        return DENIED
    if response.status_code == 404:
        return HIDDEN
    if response.status_code in (301, 302):
        return LOGIN if response["Location"].startswith(login_url) else OK
    assert response.status_code < 400 or response.status_code == 405, response.status_code
    return OK


@pytest.fixture
def ctx(users, make_user, other_branch):
    colleague = make_user("manager", username="colleague")
    attachment = attachment_add(
        actor=users["admin"],
        target=colleague,
        upload=SimpleUploadedFile("справка.pdf", b"%PDF-1.4 test", "application/pdf"),
    )
    ctx = SimpleNamespace(
        users=users,
        branch=users["admin"].branch,
        other_branch=other_branch,
        colleague=colleague,
        attachment=attachment,
        admin_notification=notification_send(recipient=users["admin"], title="Hi"),
        admin_job=_job_with_a_file(users["admin"]),
    )
    for extend in CTX_EXTENDERS:
        extend(ctx)
    return ctx


def _job_with_a_file(owner):
    job = Job.objects.create(kind="test", title="Admin's job", owner=owner)
    job.result = job_store_file(job=job, filename="export.pdf", content=b"%PDF-1.4 test")
    job.save(update_fields=["result"])
    return job


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(name, ctx):
    rule = MATRIX[name]
    url = reverse(name, kwargs=rule.kwargs(ctx) if rule.kwargs else None)
    login_url = reverse("accounts:login")
    wrong = {}
    # Refused roles go first: an allowed POST (a delete) may remove the object afterwards.
    order = sorted(["anonymous", *ROLES], key=lambda r: rule.expected(r) == OK)
    for role in order:
        client = Client()
        if role != "anonymous":
            client.force_login(ctx.users[role])
        data = rule.data(ctx) if rule.data else {}
        response = getattr(client, rule.method)(url, data)
        got, expected = _outcome(response, login_url), rule.expected(role)
        if got != expected:
            wrong[role] = f"expected {expected}, got {got} ({response.status_code})"
    assert not wrong, f"{name} {url}: {wrong}"


@pytest.mark.django_db
def test_django_admin_is_for_staff_flag_only(users):
    client = Client()
    client.force_login(users["manager"])
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]
