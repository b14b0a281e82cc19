"""A storekeeper on a tablet: records a van's morning load and its evening return through the
htmx forms; a missing empty bottle is flagged in red; screenshots of the day page and the
loading list."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from routes.services import containers
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.clients.factories import make_client
from tests.routes.container_factories import make_returnable, make_van, make_van_day, stop_counts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_storekeeper_records_a_van_day(make_user, live_url, new_page):
    keeper = make_user("storekeeper", username="b_keeper")
    driver = make_user("driver", username="b_store_driver", first_name="Иван", last_name="Петров")
    branch = keeper.branch
    bottle = make_returnable("Бутыль 19 л")
    make_returnable("Коврик 85×150")
    van = make_van(branch, driver=driver)
    make_van(branch)  # a second van with nothing recorded
    today = datetime.date.today()
    shop = make_client(branch=branch, name="Кафе «Север»")
    route = make_van_day(
        branch, van, shop, [[(bottle, 5)], [(bottle, 3)], [(bottle, 2)]], date=today
    )
    for stop, counts in zip(
        route.stops.order_by("position"), [(5, 4, 0, 0), (3, 2, 1, 0)], strict=False
    ):
        stop_counts(stop, driver, **{f"p{bottle.pk}": counts})

    page = new_page(width=1180, height=820)
    login(page, live_url, keeper.username, TEST_PASSWORD)
    page.goto(f"{live_url}/routes/store/")
    card = page.locator(f"#van-{van.pk}")
    card.locator(f"input[name='v{van.pk}-loaded_{bottle.pk}']").fill("12")
    card.locator("form[action$='/load/'] button[type=submit]").click()
    expect(page.locator(f"#van-{van.pk} .store-saved")).to_be_visible()

    card = page.locator(f"#van-{van.pk}")
    card.locator(f"input[name='v{van.pk}-ret_full_{bottle.pk}']").fill("4")
    card.locator(f"input[name='v{van.pk}-ret_empty_{bottle.pk}']").fill("5")
    card.locator(f"input[name='v{van.pk}-ret_damaged_{bottle.pk}']").fill("1")
    card.locator("form[action$='/return/'] button[type=submit]").click()
    expect(page.locator(f"#van-{van.pk} [data-flagged]")).to_be_visible()
    expect(page.locator(f"#van-{van.pk} td.store-bad")).to_have_count(1)  # 6 empty expected, 5 back
    row = containers.van_day_balances(branch=branch, date=today, vehicles=[van])[0].row(bottle.pk)
    assert (row.loaded, row.diff_full, row.diff_empty, row.diff_damaged) == (12, 0, -1, 0)
    screenshot(page, "store-day")

    page.goto(f"{live_url}/routes/store/vehicles/{van.pk}/loading/?date={today.isoformat()}")
    expect(page.locator("#loading-stops tbody tr")).to_have_count(3)
    screenshot(page, "store-loading-list")

    page.goto(f"{live_url}/routes/store/report/?date={today.isoformat()}")
    expect(page.locator("#store-report tfoot tr")).to_have_count(1)
    screenshot(page, "store-report")
