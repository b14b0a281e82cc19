"""A dispatcher opens a new client's card, sees which standing route suits its address (and
what it adds), puts it there with one click, then looks at the route on its map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from routes.models import StandingStop
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.routes.factories import make_depot, make_vehicle
from tests.routes.standing_factories import make_site_client, make_standing_route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITES = [
    ("59.9500", "30.2800"),
    ("59.9560", "30.3100"),
    ("59.9600", "30.3400"),
    ("59.9550", "30.3700"),
]


def test_dispatcher_adds_a_client_to_the_suggested_standing_route(make_user, live_url, new_page):
    dispatcher = make_user("dispatcher", username="b_standing")
    branch = dispatcher.branch
    depot = make_depot(branch)
    vans = [make_vehicle(branch, depot) for _ in range(2)]
    sites = [make_site_client(branch, [p]).addresses.get() for p in SITES]
    west = make_standing_route(
        dispatcher, branch, vans[0], weekday=0, name="Понедельник · Север", addresses=sites
    )
    far = [make_site_client(branch, [("59.85", f"30.{50 + i}")]).addresses.get() for i in range(3)]
    make_standing_route(dispatcher, branch, vans[1], weekday=3, name="Четверг · Юг", addresses=far)
    client = make_site_client(branch, [("59.9580", "30.3250")], name="Кафе «Новое»")
    make_site_client(branch, [("59.9530", "30.3000")], name="Кафе «Новое 2»")
    address = client.addresses.get()

    page = new_page(width=1400, height=900)
    login(page, live_url, dispatcher.username, TEST_PASSWORD)
    page.goto(f"{live_url}/clients/{client.pk}/")
    page.click("[data-tab-link=standing]")
    best = page.locator(f"[data-address='{address.pk}'] tbody tr[data-suggestion-route]").first
    expect(best).to_have_attribute("data-suggestion-route", str(west.pk))
    expect(best).to_contain_text("#3")  # between the second and the third site
    screenshot(page, "standing-card-suggestions")

    best.locator(f"[data-add-to-route='{west.pk}']").click()
    expect(page.locator("#standing-flash")).to_contain_text("Понедельник · Север")
    expect(page.locator(f"[data-on-route='{west.pk}']")).to_be_visible()
    site = StandingStop.objects.get(address=address)
    assert site.route == west and site.position == 2
    assert list(west.stops.order_by("position").values_list("position", flat=True)) == [
        0,
        1,
        2,
        3,
        4,
    ]
    screenshot(page, "standing-card-added")

    page.goto(f"{live_url}/routes/standing/{west.pk}/")
    page.wait_for_selector("#standing-map .route-marker")
    expect(page.locator("#standing-map .route-marker")).to_have_count(5)
    expect(page.locator("tr[data-site]").nth(2)).to_contain_text("Кафе «Новое»")
    screenshot(page, "standing-route")

    # drag the second site above the first (SortableJS); the page reloads with the new order
    second = west.stops.get(position=1)
    handle = page.locator(f"tr[data-site='{second.pk}'] .drag-handle")
    first_row = page.locator("tbody[data-sortable-sites] tr.stop-row").first
    src, dst = handle.bounding_box(), first_row.bounding_box()
    page.mouse.move(src["x"] + 3, src["y"] + 3)
    page.mouse.down()
    page.mouse.move(src["x"] + 3, src["y"] - 5, steps=5)
    page.mouse.move(dst["x"] + 10, dst["y"] + 4, steps=30)
    page.wait_for_timeout(300)  # let Sortable settle on the target before the drop
    with page.expect_navigation():
        page.mouse.up()
    second.refresh_from_db()
    assert second.position == 0

    # find another client and add it at its best place (htmx search)
    page.fill("#site-add input[name=q]", "Новое 2")
    expect(page.locator("#site-search tbody tr")).to_have_count(1)
    page.click("#site-search button[type=submit]")
    page.wait_for_selector(".message.success")
    assert west.stops.count() == 6

    page.goto(f"{live_url}/routes/standing/")
    expect(page.locator(f"[data-standing-route='{west.pk}']")).to_contain_text("6 / 65")
    screenshot(page, "standing-list")
