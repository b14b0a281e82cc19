"""A manager creates a client, finds it by the phone typed another way, and opens the card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_creates_finds_and_opens_a_client(make_user, live_url, new_page):
    user = make_user("manager", username="b_clients", language="ru")
    page = new_page()
    login(page, live_url, user.username, TEST_PASSWORD)
    page.goto(f"{live_url}/clients/new/")
    page.fill("#id_name", "ООО «Балтийский лён»")
    page.select_option("#id_kind", "company")
    page.fill("#id_phones-0-number", "+7 911 234-56-78")
    page.fill("#id_emails", "info@baltlen.ru")
    page.fill("#id_addresses-0-city", "Санкт-Петербург")
    page.fill("#id_addresses-0-address", "Невский пр., 28")
    page.locator("[data-map-picker]").first.click(position={"x": 150, "y": 120})
    assert page.input_value("#id_addresses-0-latitude")  # the map picker set the point
    screenshot(page, "client-form")
    page.click("#client-save")
    page.wait_for_selector("#client-name")
    assert "Балтийский лён" in page.inner_text("#client-name")

    page.goto(f"{live_url}/clients/")
    page.fill("#client-search", "8(911)2345678")
    page.wait_for_url("**/clients/?q=*")
    expect(page.locator("#client-table .client-link")).to_have_count(1)
    screenshot(page, "client-list")
    page.click("#client-table .client-link")
    page.wait_for_selector("#client-name")
    page.click("[data-tab-link=contacts]")
    page.wait_for_selector("[data-tab=contacts] .leaflet-marker-icon")
    screenshot(page, "client-card-contacts")
    page.click("[data-tab-link=about]")
    page.wait_for_selector("[data-tab=about]")
    assert "+7 911 234-56-78" in page.inner_text("main")
    screenshot(page, "client-card")
