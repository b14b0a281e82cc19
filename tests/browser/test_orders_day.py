"""The operator's day screen in a real browser: problems on top, and a change made elsewhere
(through the service, as a driver's tablet or another operator would) shows up without a reload."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.orders.models import OrderStop
from crm.orders.services import order_transition
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
T = datetime.time


def test_operator_sees_the_day_change_live(make_user, live_url, new_page):
    operator = make_user("operator", username="b_operator", first_name="Ольга")
    driver = make_user("driver", username="b_driver", first_name="Пётр", last_name="Иванов")
    branch = operator.branch
    water = make_product(name="Вода 19 л", price=Decimal("250.00"))
    cups = make_product(name="Стаканы", price=Decimal("40.00"))
    names = ["ООО Ромашка", "Ирина Белова", "Кафе «Нева»", "Павел Зайцев"]
    clients = [make_client(branch=branch, name=n) for n in names]
    orders = []
    for i, client in enumerate(clients):
        orders.append(
            make_order(
                client=client,
                actor=operator,
                items=[
                    {"product": water, "quantity": Decimal(i + 1)},
                    {"product": cups, "quantity": Decimal(2)},
                ],
                window_from=T(9 + 2 * i),
                window_to=T(11 + 2 * i),
                assignee=driver if i % 2 else None,
                priority="express" if i == 2 else "normal",
            )
        )
    OrderStop.objects.filter(order=orders[3]).update(latitude=None, longitude=None)
    order_transition(actor=operator, order=orders[0], target="confirmed")

    page = new_page()
    login(page, live_url, operator.username, TEST_PASSWORD)
    page.goto(f"{live_url}/orders/")
    page.wait_for_selector(f"#order-{orders[0].pk}")
    first = page.locator("#day-list tbody tr").first
    expect(first).to_have_attribute("id", f"order-{orders[3].pk}")  # the problem order
    expect(page.locator("#live-status")).to_be_hidden(timeout=10_000)  # socket is live
    page.wait_for_timeout(500)  # the subscribe message has been answered

    # a new order arrives (web site, another operator…): it appears without a reload
    fresh = make_order(
        client=clients[1], actor=operator, product=water, window_from=T(8), window_to=T(9)
    )
    expect(page.locator(f"#order-{fresh.pk}")).to_be_visible(timeout=10_000)

    # the driver puts an order on hold: it floats to the top, marked as a problem
    order_transition(actor=operator, order=orders[0], target="on_hold", reason="Нет пропуска")
    held = page.locator(f"#order-{orders[0].pk}")
    expect(held).to_have_class("day-row st-on_hold is-problem", timeout=10_000)
    rows = page.locator("#day-list tbody tr")
    top_two = {rows.nth(0).get_attribute("id"), rows.nth(1).get_attribute("id")}
    assert top_two == {f"order-{orders[0].pk}", f"order-{orders[3].pk}"}
    expect(page.locator("#counter-total")).to_have_text("5")
    screenshot(page, "orders-day")

    page.click("#view-timeline")
    page.wait_for_selector(f"#tl-order-{fresh.pk}")
    screenshot(page, "orders-day-timeline")

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet in portrait
    page.click("#view-list")
    page.wait_for_selector(f"#order-{fresh.pk}")
    screenshot(page, "orders-day-tablet")
