"""Two browser contexts: the driver marks a stop done on the tablet (800×1280) and the
dispatcher's board (1920×1080), open in another browser, shows it without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.routes.live_factories import make_live_route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_done_on_the_tablet_shows_on_the_board(branch, make_user, live_url, new_page):
    users = {
        "driver": make_user("driver", username="l_driver"),
        "dispatcher": make_user("dispatcher", username="l_dispatcher"),
    }
    route = make_live_route(branch, users, stops=3)
    stop = route.stops.order_by("position").first()

    board = new_page(width=1920, height=1080)
    login(board, live_url, "l_dispatcher", TEST_PASSWORD)
    board.goto(f"{live_url}/routes/board/")
    totals = board.locator("#board-totals")
    expect(totals).to_contain_text("0/3")
    board.wait_for_function("document.getElementById('live-status').hidden")

    tablet = new_page(width=800, height=1280)
    login(tablet, live_url, "l_driver", TEST_PASSWORD)
    tablet.goto(f"{live_url}/routes/my/")
    tablet.locator(f'.tablet-stop[data-stop="{stop.pk}"] a').click()
    tablet.locator(f"#stop-{stop.pk} form[data-state=done] button[type=submit]").click()

    expect(totals).to_contain_text("1/3", timeout=5_000)  # no reload: the live event did it
    screenshot(board, "live-board-after-done")
    screenshot(tablet, "live-tablet-after-done")
