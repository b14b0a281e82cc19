"""An administrator issues an API key on the Integrations page (shown once), the website posts
a request with it to the running server, and the call appears in the log with its payload; the
lead is on the board. Screenshots of the page and the call."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from crm.leads.models import Lead
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.leads.factories import make_pipeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post(url: str, key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_admin_issues_a_key_and_sees_the_websites_call(make_user, live_url, new_page):
    admin = make_user("admin", username="b_admin", first_name="Ирина")
    make_pipeline(admin.branch)

    page = new_page(width=1280, height=900)
    login(page, live_url, admin.username, TEST_PASSWORD)
    page.goto(f"{live_url}/api/integrations/")
    page.get_by_role("link", name="New API key").click()
    page.locator("#id_name").fill("Сайт")
    page.locator("#key-form button[type=submit]").click()
    raw = page.locator("#new-api-key").inner_text().strip()
    assert raw.startswith("kolo_")

    status, body = _post(
        f"{live_url}/api/v1/leads/",
        raw,
        {"external_id": "web-7", "name": "Пётр Иванов", "phone": "+79112223344"},
    )
    assert status == 201 and Lead.objects.get().pk == body["id"]

    page.goto(f"{live_url}/api/integrations/")
    expect(page.locator("#api-keys tr[data-key]")).to_have_count(1)
    expect(page.locator("#api-keys")).not_to_contain_text(raw)
    calls = page.locator("#api-calls tr[data-call]")
    expect(calls).to_have_count(1)
    expect(calls.first).to_contain_text("web-7")
    screenshot(page, "api-integrations")
    calls.first.get_by_role("link").click()
    expect(page.locator("#call-payload")).to_have_value(re.compile(r'"name": "Пётр Иванов"'))
    screenshot(page, "api-call-detail")
