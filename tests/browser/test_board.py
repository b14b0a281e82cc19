"""The dispatcher's live board at 1920×1080 with a demo-like day: six vans on the road, progress
marked by the demo seeder (routes.seed_live), exceptions on top; a driver's action elsewhere
shows up without a reload; the route panel opens and a move is previewed."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.accounts.roles import Role
from routes.models import RouteStop
from routes.realtime import publish_route_event
from routes.seed_live import seed_live_now
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.routes.board_factories import make_live_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUTES = 6
STOPS = 14


def _day(branch, make_user):
    dispatcher = make_user(Role.DISPATCHER, username="disp")
    drivers = [make_user(Role.DRIVER, username=f"drv{i}") for i in range(ROUTES)]
    plan = make_live_day(branch, dispatcher, drivers, STOPS, window=(8, 21))
    ctx = SimpleNamespace(branches={"spb": branch}, users={"dispatcher": dispatcher})
    assert seed_live_now(ctx) is not None
    assert seed_live_now(ctx) is not None  # idempotent: the second run changes nothing
    return plan, dispatcher


def test_board_at_full_hd(branch, make_user, live_url, new_page):
    plan, dispatcher = _day(branch, make_user)
    page = new_page(width=1920, height=1080)
    login(page, live_url, dispatcher.username, TEST_PASSWORD)
    page.add_init_script(
        "document.addEventListener('kolo:subscribed', function (e) {"
        " window.__subscribed = e.detail; });"
    )
    page.goto(f"{live_url}/routes/board/")
    expect(page.locator("#routes-table tbody tr")).to_have_count(ROUTES)
    expect(page.locator("#exceptions-table .ex-break")).to_have_count(1)
    expect(page.locator("#exceptions-table .ex-far")).to_have_count(1)
    page.wait_for_selector("#board-map .board-van")
    # the exceptions come first, above the routes
    ex_box = page.locator("#board-exceptions").bounding_box()
    routes_box = page.locator("#board-routes").bounding_box()
    assert ex_box["y"] < routes_box["y"]

    # a stop done on a tablet elsewhere: the board updates without a reload
    first = plan.routes.order_by("position").first()
    stop = first.stops.filter(state="planned").order_by("position").first()
    RouteStop.objects.filter(pk=stop.pk).update(state="done", finished_at=timezone.now())
    before = page.locator("#board-totals").inner_text()
    page.wait_for_function("window.__subscribed")
    subscribed = page.evaluate("window.__subscribed")
    assert f"routes.branch.{branch.pk}" in subscribed["groups"], subscribed
    # as the tablet's service does (from a thread: Playwright's loop runs in this one)
    sender = threading.Thread(
        target=publish_route_event, args=(first, "route.stop"), kwargs={"stop": stop.pk}
    )
    sender.start()
    sender.join()
    expect(page.locator("#board-totals")).not_to_have_text(before, timeout=5000)

    # the route panel and a move preview
    page.locator(f'#routes-table tr[data-route="{first.pk}"] .route-link').click()
    expect(page.locator("#panel-stops tbody tr")).to_have_count(STOPS)
    screenshot(page, "board-1920")
    move = page.locator("#panel-stops a[href$='/move/']").first
    move.scroll_into_view_if_needed()
    move.click()
    expect(page.locator("#move-form")).to_be_visible()
    page.locator("#move-form button[type=submit]").click()
    expect(page.locator("#move-preview")).to_be_visible()
    screenshot(page, "board-1920-move-preview")
