"""An incoming call pops the caller's card up on the operator's open page within a second (the
PBX event is handled in this test process; the pop-up reaches the live server's browser through
the channel layer), a second operator at another extension sees nothing, and "repeat last order"
in the pop-up takes the order in two clicks."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from playwright.sync_api import expect

from crm.orders.models import Order
from crm.orders.services.orders import repeat_date
from crm.telephony.services import handle_call_event
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product
from tests.telephony.factories import make_extension

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pbx(**kwargs):
    """The PBX's event, handled as the intake API would: from a thread, since Playwright's event
    loop runs in this one (publishing goes through ``async_to_sync``)."""
    result = {}

    def run():
        try:
            result["call"] = handle_call_event(**kwargs)
        finally:
            connection.close()

    sender = threading.Thread(target=run)
    sender.start()
    sender.join()
    return result["call"]


def _open_live_page(new_page, live_url, username):
    page = new_page()
    login(page, live_url, username, TEST_PASSWORD)
    page.goto(f"{live_url}/orders/new/client/")
    page.wait_for_function("document.getElementById('live-status').hidden")
    page.wait_for_timeout(300)  # the socket has joined the user's group
    return page


def test_incoming_call_pops_up_and_repeats_the_last_order(make_user, live_url, new_page):
    operator = make_user("operator", username="t_operator", first_name="Ольга")
    colleague = make_user("operator", username="t_operator2", first_name="Анна")
    manager = make_user("manager", username="t_manager")
    branch = operator.branch
    make_extension(operator, "101")
    make_extension(colleague, "102")
    water = make_product(name="Вода 19 л", price=Decimal("350.00"))
    caller = make_client(
        branch=branch, name="Кафе «Белка»", phones=["+79111234567"], manager=manager
    )
    last = make_order(
        client=caller,
        actor=operator,
        product=water,
        quantity=4,
        date=repeat_date(branch) - datetime.timedelta(days=7),
        allow_past=True,
    )

    page = _open_live_page(new_page, live_url, operator.username)
    other = _open_live_page(new_page, live_url, colleague.username)

    started = time.monotonic()
    call = _pbx(
        branch=branch,
        event="incoming",
        call_id="browser-1",
        caller="8 (911) 123-45-67",
        called="101",
    )
    popup = page.locator(f"#call-popup-{call.pk}")
    expect(popup).to_be_visible(timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"the pop-up took {elapsed:.2f}s"
    expect(popup).to_contain_text("Кафе «Белка»")
    expect(popup.locator("#call-last-order")).to_contain_text(last.number)
    screenshot(page, "telephony-popup-known-caller")

    other.wait_for_timeout(500)
    expect(other.locator(".call-popup")).to_have_count(0)  # not the colleague's call

    # The operator answers: the open pop-up refreshes its status in place.
    _pbx(branch=branch, event="answered", call_id="browser-1", caller="", called="101")
    expect(popup.locator("[data-call-status]")).to_have_attribute(
        "data-call-status", "answered", timeout=5_000
    )

    popup.locator("#call-repeat-last").click()
    expect(page.locator("#repeat-hint")).to_be_visible()
    page.click("#order-save")
    page.wait_for_url("**/orders/*/")
    fresh = Order.objects.exclude(pk=last.pk).get()
    assert fresh.client == caller and fresh.repeated_from == last
    assert [(i.product, i.quantity) for i in fresh.items.all()] == [(water, Decimal("4"))]


def test_unknown_caller_gets_a_prefilled_new_client_form(make_user, live_url, new_page):
    operator = make_user("operator", username="u_operator")
    page = _open_live_page(new_page, live_url, operator.username)
    call = _pbx(
        branch=operator.branch, event="incoming", call_id="browser-2", caller="+79215554433"
    )
    popup = page.locator(f"#call-popup-{call.pk}")
    expect(popup).to_be_visible(timeout=5_000)
    expect(popup.locator(f"#call-client-phone-{call.pk}")).to_have_value("+7 921 555-44-33")
    screenshot(page, "telephony-popup-unknown-caller")
    popup.locator(f"#call-client-name-{call.pk}").fill("Иван Звонков")
    popup.locator("button[type=submit]").click()
    page.wait_for_url("**/clients/*/edit/")
    call.refresh_from_db()
    assert call.client is not None and call.client.name == "Иван Звонков"

    # Dismissing a pop-up removes it.
    second = _pbx(
        branch=operator.branch, event="incoming", call_id="browser-3", caller="+79215550000"
    )
    box = page.locator(f"#call-popup-{second.pk}")
    expect(box).to_be_visible(timeout=5_000)
    box.locator("[data-dismiss]").click()
    expect(box).to_have_count(0)
