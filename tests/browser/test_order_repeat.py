"""An operator on the phone: finds the caller by the number as it was dictated, repeats the last
order in one click, saves it, then moves its window; the day screen open in another tab shows the
new order and re-sorts it without a reload."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.orders.models import Order
from crm.orders.services.orders import repeat_date
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
T = datetime.time


def test_operator_repeats_an_order_by_phone_and_moves_its_window(make_user, live_url, new_page):
    operator = make_user("operator", username="r_operator", first_name="Ольга")
    branch = operator.branch
    water = make_product(name="Вода 19 л", price=Decimal("350.00"))
    caller = make_client(branch=branch, name="Кафе «Белка»", phones=["+79111234567"])
    other = make_client(branch=branch, name="ООО Ромашка")
    day = repeat_date(branch)
    last = make_order(
        client=caller,
        actor=operator,
        product=water,
        quantity=4,
        date=day - datetime.timedelta(days=7),
        window_from=T(10),
        window_to=T(12),
        allow_past=True,
    )
    early = make_order(client=other, actor=operator, window_from=T(9), window_to=T(10), date=day)
    late = make_order(client=other, actor=operator, window_from=T(15), window_to=T(17), date=day)

    board = new_page()
    login(board, live_url, operator.username, TEST_PASSWORD)
    board.goto(f"{live_url}/orders/?date={day.isoformat()}")
    board.wait_for_selector(f"#order-{late.pk}")
    expect(board.locator("#live-status")).to_be_hidden(timeout=10_000)
    board.wait_for_timeout(500)

    phone = board.context.new_page()
    phone.goto(f"{live_url}/orders/new/client/")
    phone.fill("#client-q", "8 (911) 123 45-67")
    picks = phone.locator("#client-picks")
    expect(picks).to_contain_text("Кафе «Белка»")
    expect(picks).not_to_contain_text("Ромашка")
    picks.get_by_role("link", name="Repeat last order").click()
    expect(phone.locator("#repeat-hint")).to_be_visible()
    expect(phone.locator("#id_window_from")).to_have_value("10:00")
    expect(phone.locator("#id_date")).to_have_value(day.isoformat())
    expect(phone.locator("#quote-box")).to_contain_text("1")  # the quote has been computed
    screenshot(phone, "order-repeat-form")
    phone.click("#order-save")
    phone.wait_for_url("**/orders/*/")
    fresh = Order.objects.exclude(pk__in=[last.pk, early.pk, late.pk]).get()
    assert fresh.client == caller and fresh.date == day and fresh.repeated_from == last
    assert [(i.product, i.quantity) for i in fresh.items.all()] == [(water, Decimal("4"))]

    # The day screen shows it between the 9:00 and the 15:00 orders, without a reload.
    row_ids = board.locator("#day-list tbody tr")
    expect(board.locator(f"#order-{fresh.pk}")).to_be_visible(timeout=10_000)
    expect(row_ids.nth(1)).to_have_attribute("id", f"order-{fresh.pk}")

    # The caller rings back: "after four, please". The window moves; the day screen re-sorts.
    phone.goto(f"{live_url}/orders/{fresh.pk}/edit/")
    phone.fill("#id_window_from", "16:00")
    phone.fill("#id_window_to", "18:00")
    phone.click("#order-save")
    phone.wait_for_url(f"**/orders/{fresh.pk}/")
    expect(board.locator(f"#order-{fresh.pk}")).to_contain_text("16:00", timeout=10_000)
    expect(row_ids.last).to_have_attribute("id", f"order-{fresh.pk}")
    screenshot(board, "order-repeat-day-screen")
