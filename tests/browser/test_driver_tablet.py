"""The driver's tablet at 800×1280: the route of today, a stop's card, "done" with containers
and cash, and an action taken without a connection that is sent when it returns (once)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from routes.models import DriverAction, RouteStop, StopState
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.routes.live_factories import make_live_route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _setup(branch, make_user):
    users = {
        "driver": make_user("driver", username="t_driver"),
        "dispatcher": make_user("dispatcher", username="t_dispatcher"),
    }
    route = make_live_route(branch, users, stops=3)
    return route, list(route.stops.order_by("position"))


def test_driver_marks_a_stop_done_on_the_tablet(branch, make_user, live_url, new_page):
    _route, stops = _setup(branch, make_user)
    page = new_page(width=800, height=1280)
    login(page, live_url, "t_driver", TEST_PASSWORD)
    page.goto(f"{live_url}/routes/my/")
    expect(page.locator(".tablet-stop")).to_have_count(3)
    screenshot(page, "tablet-route")

    page.locator(f'.tablet-stop[data-stop="{stops[0].pk}"] a').click()
    card = page.locator(f"#stop-{stops[0].pk}")
    expect(card).to_be_visible()
    expect(page.locator(".tablet-stops")).to_be_hidden()
    card.locator("input[name=line-0-collected]").fill("2")
    screenshot(page, "tablet-stop-card")
    card.locator("form[data-state=done] button[type=submit]").click()

    row = page.locator(f'.tablet-stop[data-stop="{stops[0].pk}"]')
    expect(row).to_have_class(re.compile(r"\bstate-done\b"))
    expect(row).not_to_have_class(re.compile("pending"), timeout=15_000)
    done = RouteStop.objects.get(pk=stops[0].pk)
    assert done.state == StopState.DONE and done.payment_taken == "cash"
    assert done.container_moves.get(kind="collected").quantity == 2


def test_an_action_taken_offline_is_sent_once_when_the_connection_returns(
    branch, make_user, live_url, new_page
):
    _route, stops = _setup(branch, make_user)
    page = new_page(width=800, height=1280)
    login(page, live_url, "t_driver", TEST_PASSWORD)
    page.goto(f"{live_url}/routes/my/")
    page.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    page.locator(f'.tablet-stop[data-stop="{stops[1].pk}"] a').click()
    page.locator(f"#stop-{stops[1].pk} form[data-state=arrived] button").click()
    expect(page.locator("#queue-status")).to_be_visible()
    expect(page.locator("#queue-status strong")).to_contain_text("1")
    screenshot(page, "tablet-offline-queue")
    assert RouteStop.objects.get(pk=stops[1].pk).state == StopState.PLANNED

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue-status")).to_be_hidden(timeout=15_000)
    assert RouteStop.objects.get(pk=stops[1].pk).state == StopState.ARRIVED
    assert DriverAction.objects.filter(kind="arrived").count() == 1
