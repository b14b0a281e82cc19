"""A manager editing a client's address asks "Which standing route?" before saving and sees
the best route with its extra km, minutes and cost. Screenshot of the answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.routes.factories import make_depot, make_vehicle
from tests.routes.standing_factories import make_site_client, make_standing_route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_sees_the_best_standing_route_for_an_address_before_saving(
    make_user, live_url, new_page
):
    manager = make_user("manager", username="b_route_helper")
    dispatcher = make_user("dispatcher", username="b_route_helper_d")
    van = make_vehicle(manager.branch, make_depot(manager.branch))
    sites = [
        make_site_client(manager.branch, [p]).addresses.get()
        for p in (("59.95", "30.31"), ("59.96", "30.32"), ("59.97", "30.31"))
    ]
    make_standing_route(
        dispatcher, manager.branch, van, weekday=2, addresses=sites, name="Среда · Север"
    )
    client = make_site_client(manager.branch, [("59.955", "30.315")], manager=manager)

    page = new_page(width=1366, height=1000)
    login(page, live_url, manager.username, TEST_PASSWORD)
    page.goto(f"{live_url}/clients/{client.pk}/edit/")
    helper = page.locator("[data-address-helper-run]").first
    helper.scroll_into_view_if_needed()
    helper.click()
    answer = page.locator(".address-helper-result").first
    expect(answer).to_contain_text("Среда · Север")
    expect(answer).to_contain_text("km")
    screenshot(page, "client-address-route-helper")
