"""An admin creates a zone surcharge: the rule form shows only the zone's fields, three clicks on
the Leaflet map make the polygon, undo removes a corner, and the saved rule keeps the points."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.orders.models import PriceRule
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_draws_a_zone_and_saves_the_rule(make_user, live_url, new_page):
    user = make_user("admin", username="b_pricing")
    page = new_page()
    login(page, live_url, user.username, TEST_PASSWORD)
    page.goto(f"{live_url}/orders/pricing/rules/new/")
    expect(page.locator("#row-client_rate")).to_be_visible()  # per km: its rates
    expect(page.locator("#row-polygon")).to_be_hidden()
    page.select_option("#id_kind", "zone")
    expect(page.locator("#row-polygon")).to_be_visible()
    expect(page.locator("#row-client_rate")).to_be_hidden()
    page.fill("#id_name", "Центр")
    page.fill("#id_amount", "200")
    page.locator("[data-zone-map]").scroll_into_view_if_needed()
    box = page.locator("[data-zone-map]").bounding_box()
    for dx, dy in ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        page.wait_for_timeout(150)
    page.click("[data-zone-undo]")
    expect(page.locator("[data-zone-count]")).to_contain_text("3")
    screenshot(page, "pricing-zone-rule")
    page.click("#rule-form button[type=submit]")
    page.wait_for_url("**/orders/pricing/rules/")
    rule = PriceRule.objects.get(name="Центр")
    assert rule.kind == "zone" and len(rule.polygon) == 3
    assert all(59 < lat < 61 and 29 < lon < 32 for lat, lon in rule.polygon)
