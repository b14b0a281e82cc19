"""A dispatcher plans a day (40 stops, 3 vans), moves a stop to another route, publishes; a
screenshot of the map. The optimiser runs inside the request (Celery is eager in tests)."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from crm.orders.models import Order
from routes.models import RoutePlan, RouteStop
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.clients.factories import make_client
from tests.routes.factories import make_depot, make_stop_order, make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_solver(monkeypatch):
    monkeypatch.setenv("ROUTES_TIME_LIMIT_SECONDS", "2")
    monkeypatch.setenv("ROUTES_SOLVER_WORKERS", "1")


def test_dispatcher_plans_moves_and_publishes(make_user, live_url, new_page):
    dispatcher = make_user("dispatcher", username="b_routes")
    driver = make_user("driver", username="b_driver")
    depot = make_depot(dispatcher.branch)
    vans = [make_vehicle(dispatcher.branch, depot, driver=driver) for _ in range(3)]
    day = datetime.date.today() + datetime.timedelta(days=1)
    client = make_client(branch=dispatcher.branch, name="Кафе «Север»")
    for i in range(40):
        lat = f"{59.90 + (i % 8) * 0.012:.3f}"
        lon = f"{30.25 + (i // 8) * 0.03:.3f}"
        window = (9 + (i % 4) * 2, 12 + (i % 4) * 2)
        make_stop_order(client, point=(lat, lon), window=window, date=day, confirm_by=dispatcher)

    page = new_page(width=1600, height=1000)
    login(page, live_url, dispatcher.username, TEST_PASSWORD)
    page.goto(f"{live_url}/routes/plan/")
    page.fill("#id_date", day.isoformat())
    page.click("form[action$='/routes/plan/'] button[type=submit]")
    page.wait_for_selector("#routes-map .leaflet-marker-icon", timeout=30_000)
    plan = RoutePlan.objects.get()
    assert RouteStop.objects.filter(plan=plan).count() == 40
    expect(page.locator(".route-marker")).to_have_count(40)
    screenshot(page, "routes-plan")

    stop = RouteStop.objects.filter(plan=plan).order_by("route__position", "position").first()
    target = plan.routes.exclude(pk=stop.route_id).first()
    row = page.locator(f"form[action$='/stops/{stop.pk}/move/']")
    row.locator("select[name=route]").select_option(str(target.pk))
    row.locator("input[name=position]").fill("1")
    row.locator("button").click()
    page.wait_for_load_state("networkidle")
    stop.refresh_from_db()
    assert stop.route_id == target.pk and stop.position == 0

    # drag-and-drop (SortableJS): the third stop of the busiest route onto its first row
    busy = max(plan.routes.all(), key=lambda r: r.stops.count())
    last = busy.stops.get(position=2)
    handle = page.locator(f"tr[data-move-url$='/stops/{last.pk}/move/'] .drag-handle")
    first_row = page.locator(f"tbody[data-sortable-route='{busy.pk}'] tr.stop-row").first
    first_row.scroll_into_view_if_needed()
    src, dst = handle.bounding_box(), first_row.bounding_box()
    page.mouse.move(src["x"] + 3, src["y"] + 3)
    page.mouse.down()
    page.mouse.move(src["x"] + 3, src["y"] - 10, steps=5)
    page.mouse.move(dst["x"] + 10, dst["y"] + 4, steps=25)
    # SortableJS animates rows for 120 ms and only re-evaluates on the next dragover: let the
    # rows settle, then nudge the pointer over the top edge of the first row again.
    for nudge in (3, 2, 3, 2):
        page.wait_for_timeout(250)
        page.mouse.move(dst["x"] + 10, dst["y"] + nudge, steps=2)
    with page.expect_navigation():  # the page reloads once the server re-timed the route
        page.mouse.up()
    page.wait_for_load_state("networkidle")
    last.refresh_from_db()
    assert last.route_id == busy.pk and last.position == 0
    screenshot(page, "routes-plan-after-drag")

    page.click("form[action$='/publish/'] button")
    page.wait_for_load_state("networkidle")
    plan.refresh_from_db()
    assert plan.is_published
    assert set(Order.objects.values_list("assignee", flat=True)) == {driver.pk}
    assert len(vans) == 3
