"""The demo business's tomorrow (≥ 150 stops) planned in the browser: the dispatcher plans it
with the four demo vans, waits for the optimiser, moves a stop to another van, gives every van
a driver and publishes. Screenshots of the map before and after the move."""

from __future__ import annotations

import datetime
import random
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from crm.accounts.models import Branch, User
from crm.accounts.seed import DEMO_PASSWORD
from crm.orders.models import Order, OrderStatus
from crm.orders.seed_orders import located_plannable_count, seed_orders
from crm.orders.services.orders import branch_today
from routes.models import RoutePlan, RouteStop
from tests.browser.conftest import SCREENSHOTS, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: demo clients: 90 % in St Petersburg, enough for tomorrow's 160 orders
CLIENTS = 260
SOLVER_SECONDS = 5


@pytest.fixture(autouse=True)
def _solver_env(monkeypatch):
    # read by the live server when it starts (and by the seeder's plan of today, in this process)
    monkeypatch.setenv("ROUTES_TIME_LIMIT_SECONDS", str(SOLVER_SECONDS))
    monkeypatch.setenv("ROUTES_SOLVER_WORKERS", "1")


def _seed(monkeypatch) -> datetime.date:
    monkeypatch.setenv("ROUTES_TIME_LIMIT_SECONDS", "1")  # today's demo plan, in this process
    call_command("seed_demo", clients=CLIENTS, verbosity=0)
    spb = Branch.objects.get(code="spb")
    tomorrow = branch_today(spb) + datetime.timedelta(days=1)
    assert located_plannable_count(spb, tomorrow) >= 150
    # the orders seeder again (as a second seed_demo runs it): nothing new
    orders = Order.objects.count()
    users = {u.username: u for u in User.objects.filter(branch__code="spb")}
    seed_orders(SimpleNamespace(rng=random.Random(1), branches={"spb": spb}, users=users))
    assert Order.objects.count() == orders
    return tomorrow


def _map_shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".routes-map-card").screenshot(path=str(SCREENSHOTS / f"{name}-map.png"))
    screenshot(page, name)


def _wait_for_optimiser(page) -> None:
    """Celery is eager in tests (the plan is ready when the page opens); with a worker the
    progress bar refreshes itself until the job is done and the page is reloaded."""
    bar = page.locator(".job-progress")
    if bar.count():
        expect(page.locator(".job-progress[data-status=done]")).to_have_count(1, timeout=60_000)
        page.reload()
    page.wait_for_selector("#routes-map .route-marker", timeout=30_000)


def _give_every_route_a_driver(page, plan: RoutePlan) -> None:
    """The demo has two drivers for four vans: the second one takes the vans without one."""
    spare = User.objects.get(username="driver2")
    for route in plan.routes.filter(driver__isnull=True).exclude(stops=None).distinct():
        form = page.locator(f"form[action$='/routes/{route.pk}/driver/']")
        form.locator("select[name=driver]").select_option(str(spare.pk))
        with page.expect_navigation():
            form.locator("button").click()


def test_dispatcher_plans_moves_and_publishes_the_demo_day(monkeypatch, live_url, new_page):
    tomorrow = _seed(monkeypatch)
    page = new_page(width=1600, height=1000)
    login(page, live_url, "dispatcher", DEMO_PASSWORD)
    page.goto(f"{live_url}/routes/plan/")
    page.fill("#id_date", tomorrow.isoformat())
    expect(page.locator("input[name=vehicles]:checked")).to_have_count(4)
    page.click("form[action$='/routes/plan/'] button[type=submit]", timeout=90_000)
    _wait_for_optimiser(page)

    plan = RoutePlan.objects.get(date=tomorrow)
    stops = RouteStop.objects.filter(plan=plan)
    assert stops.count() >= 150
    assert stops.count() + len(plan.unassigned) == plan.stats["orders"]
    expect(page.locator(".route-marker")).to_have_count(stops.count())
    _map_shot(page, "routes-demo-day")

    # move the last stop of the longest route to the end of the shortest one
    routes = sorted(plan.routes.all(), key=lambda r: r.stops.count())
    source, target = routes[-1], routes[0]
    moved = source.stops.order_by("-position").first()
    row = page.locator(f"form[action$='/stops/{moved.pk}/move/']")
    row.locator("select[name=route]").select_option(str(target.pk))
    with page.expect_navigation(timeout=30_000):
        row.locator("button").click()
    moved.refresh_from_db()
    assert moved.route_id == target.pk
    assert moved.position == target.stops.count() - 1
    expect(page.locator(".route-marker")).to_have_count(stops.count())
    _map_shot(page, "routes-demo-day-after-move")

    _give_every_route_a_driver(page, plan)
    with page.expect_navigation(timeout=60_000):
        page.click("form[action$='/publish/'] button")
    plan.refresh_from_db()
    assert plan.is_published
    routed = Order.objects.filter(pk__in=stops.values("order_id"))
    assert not routed.filter(assignee__isnull=True).exists()
    assert not routed.filter(status=OrderStatus.NEW, assignee=None).exists()
