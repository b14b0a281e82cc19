"""A manager creates a lead, drags it across two stages of the kanban, reloads (the move is
saved), wins it into a client, then finds that client in the list by its phone typed another way
and opens the card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.leads.models import Lead
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.leads.factories import make_lead, make_pipeline, open_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _box(page, selector: str) -> dict:
    for _attempt in range(20):  # a column may be re-rendering right now
        box = page.locator(selector).bounding_box()
        if box:
            return box
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} is not on the page")


def _drag(page, card_selector: str, stage_id: int) -> None:
    page.wait_for_load_state("networkidle")
    card = _box(page, card_selector)
    target = _box(page, f'.kanban-cards[data-stage="{stage_id}"]')
    page.mouse.move(card["x"] + card["width"] / 2, card["y"] + card["height"] / 2)
    page.mouse.down()
    page.mouse.move(card["x"] + card["width"] / 2 + 10, card["y"] + card["height"] / 2, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=20)
    with page.expect_response(lambda r: "/move/" in r.url) as response:
        page.mouse.up()
    assert response.value.status == 204


def test_manager_drags_a_lead_across_the_board_and_wins_it(make_user, live_url, new_page):
    user = make_user("manager", username="b_leads")
    pipeline = make_pipeline(user.branch)
    stages = open_stages(pipeline)
    for i, name in enumerate(["Ирина Белова", "Павел Зайцев", "Юлия Крылова"]):
        make_lead(user, pipeline, contact_name=name, amount=(i + 1) * 25000, company="ООО Лента")
    page = new_page()
    login(page, live_url, user.username, TEST_PASSWORD)

    page.goto(f"{live_url}/leads/new/?pipeline={pipeline.pk}")
    page.fill("#id_contact_name", "Денис Гусев")
    page.fill("#id_phone", "8 921 555-12-34")
    page.fill("#id_company", "ООО «Невские воды»")
    page.fill("#id_amount", "120000")
    page.click("#lead-form button[type=submit]")
    page.wait_for_selector("#lead-move-form")
    lead = Lead.objects.get(contact_name="Денис Гусев")
    assert lead.phone == "+79215551234"

    page.goto(f"{live_url}/leads/?pipeline={pipeline.pk}")
    page.wait_for_selector(f"#lead-{lead.pk}")
    _drag(page, f"#lead-{lead.pk}", stages[1].pk)
    expect(page.locator(f"#col-{stages[1].pk} #lead-{lead.pk}")).to_be_visible()
    _drag(page, f"#lead-{lead.pk}", stages[2].pk)
    expect(page.locator(f"#col-{stages[2].pk} #lead-{lead.pk}")).to_be_visible()
    lead.refresh_from_db()
    assert lead.stage_id == stages[2].pk

    page.reload()
    expect(page.locator(f"#col-{stages[2].pk} #lead-{lead.pk}")).to_be_visible()
    screenshot(page, "kanban")

    page.click(f"#lead-{lead.pk} .lead-card-title")
    page.wait_for_selector("#lead-win-form")
    page.click("#lead-win-form button[type=submit]")
    expect(page.locator("#lead-client a")).to_contain_text("Невские воды")
    lead.refresh_from_db()
    assert lead.status == "won" and lead.client is not None
    screenshot(page, "lead-won")

    page.goto(f"{live_url}/")  # a manager's home is the dashboard
    page.wait_for_selector("#dash-plan")
    page.wait_for_timeout(500)  # the chart draws after its data arrives
    screenshot(page, "leads-dashboard")

    # The new client is found by its phone typed differently from the stored +79215551234.
    page.goto(f"{live_url}/clients/")
    page.fill("#client-search", "8 (921) 555-12-34")
    expect(page.locator("#client-table .client-link")).to_have_count(1)
    expect(page.locator("#client-table .client-link")).to_contain_text("Невские воды")
    page.click("#client-table .client-link")
    expect(page.locator("#client-name")).to_contain_text("Невские воды")
    expect(page.locator("#client-live")).to_have_attribute(
        "data-live-groups", f"clients.client.{lead.client_id}"
    )
    screenshot(page, "client-found-by-phone")
