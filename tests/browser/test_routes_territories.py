"""A dispatcher draws a territory on the map and gives it a van; the plan of the day then sends
the orders inside it to that van, shows the area on the map; after publishing, the dispatcher
withdraws the plan and publishes it again. Screenshots of both maps."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from routes.models import RoutePlan, Territory
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.clients.factories import make_client
from tests.routes.factories import make_depot, make_stop_order, make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_solver(monkeypatch):
    monkeypatch.setenv("ROUTES_TIME_LIMIT_SECONDS", "2")
    monkeypatch.setenv("ROUTES_SOLVER_WORKERS", "1")


def test_dispatcher_draws_a_territory_plans_withdraws_and_publishes_again(
    make_user, live_url, new_page
):
    dispatcher = make_user("dispatcher", username="b_territory")
    driver = make_user("driver", username="b_territory_driver")
    depot = make_depot(dispatcher.branch)
    # the territory's van costs more a day: without the territory it would stay in the depot
    vans = [
        make_vehicle(dispatcher.branch, depot, driver=driver, fixed_cost=cost)
        for cost in (Decimal("500"), Decimal("4000"))
    ]
    day = datetime.date.today() + datetime.timedelta(days=1)
    client = make_client(branch=dispatcher.branch, name="Кафе «Остров»")
    for i in range(12):
        point = (f"{59.90 + (i % 4) * 0.02:.3f}", f"{30.26 + (i // 4) * 0.04:.3f}")
        make_stop_order(client, point=point, date=day, confirm_by=dispatcher)

    page = new_page(width=1500, height=950)
    login(page, live_url, dispatcher.username, TEST_PASSWORD)
    page.goto(f"{live_url}/routes/territories/new/")
    page.fill("#id_name", "Север")
    page.locator("#id_vehicles input[type=checkbox]").nth(1).check()
    zone = page.locator(".zone-map")
    zone.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # tiles and the map's size
    box = zone.bounding_box()
    # the map opens on the depot (59.93, 30.31): the upper half of the view is the north
    for fx, fy in ((0.05, 0.05), (0.95, 0.05), (0.95, 0.45), (0.05, 0.45)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(150)
    expect(page.locator("[data-zone-count]")).to_contain_text("4")
    screenshot(page, "routes-territory-form")
    page.click("form[data-rule-form] button[type=submit]")
    page.wait_for_url("**/routes/territories/")
    territory = Territory.objects.get()
    assert len(territory.polygon) == 4 and list(territory.vehicles.all()) == [vans[1]]

    page.goto(f"{live_url}/routes/plan/")
    page.fill("#id_date", day.isoformat())
    page.click("form[action$='/routes/plan/'] button[type=submit]")
    page.wait_for_selector("#routes-map .leaflet-marker-icon", timeout=30_000)
    expect(page.locator("#routes-map path.leaflet-interactive").first).to_be_visible()
    plan = RoutePlan.objects.get()
    north = [
        s
        for s in plan.stops.select_related("order", "route")
        if float(s.order.stops.first().latitude) > 59.93
    ]
    assert north and all(s.route.vehicle_id == vans[1].pk for s in north)
    screenshot(page, "routes-plan-territory")

    page.click("form[action$='/publish/'] button")
    page.wait_for_load_state("networkidle")
    page.locator("details.withdraw-plan summary").click()
    page.fill("#withdraw-reason", "Поменяем водителя")
    page.click("details.withdraw-plan button[type=submit]")
    page.wait_for_load_state("networkidle")
    plan.refresh_from_db()
    assert plan.status == RoutePlan.Status.DRAFT
    expect(page.get_by_role("button", name="Publish again")).to_be_visible()
    page.get_by_role("button", name="Publish again").click()
    page.wait_for_load_state("networkidle")
    plan.refresh_from_db()
    assert plan.is_published
