"""A manager's working day in the header, and fair distribution end to end: before the day is
started a website lead waits; "Start the day" hands it to her at once (the waiting-leads sweep),
and the next one arrives straight away; a break stops new leads. Screenshot of the header."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.leads.models import Lead
from crm.leads.services import lead_create
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.leads.factories import make_pipeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _web_lead(pipeline, name: str) -> Lead:
    return lead_create(
        actor=None, branch=pipeline.branch, pipeline=pipeline, automatic=True, contact_name=name
    )


def test_manager_starts_the_day_and_receives_the_waiting_lead(make_user, live_url, new_page):
    manager = make_user("manager", username="b_dist_manager", first_name="Анна")
    pipeline = make_pipeline(manager.branch)
    waiting = _web_lead(pipeline, "Ждущий лид")
    waiting.refresh_from_db()
    assert waiting.manager_id is None  # nobody works yet

    page = new_page(width=1280, height=800)
    login(page, live_url, manager.username, TEST_PASSWORD)
    workday = page.locator("#workday")
    expect(workday.locator("[data-workday-state='absent']")).to_be_visible()
    workday.get_by_role("button", name="Start the day").click()
    expect(workday.locator("[data-workday-state='working']")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.manager_id == manager.pk

    fresh = _web_lead(pipeline, "Новый лид")
    fresh.refresh_from_db()
    assert fresh.manager_id == manager.pk
    page.goto(f"{live_url}/leads/")
    board = page.locator("main")
    expect(board.get_by_text("Новый лид").first).to_be_visible()
    expect(board.get_by_text("Ждущий лид").first).to_be_visible()
    screenshot(page, "workday-manager-leads")

    page.locator("#workday").get_by_role("button", name="Break").click()
    expect(page.locator("#workday [data-workday-state='break']")).to_be_visible()
    on_break = _web_lead(pipeline, "Во время перерыва")
    on_break.refresh_from_db()
    assert on_break.manager_id is None
