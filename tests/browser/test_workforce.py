"""HR plans the month: applies 2/2 to three drivers at once, marks one of them sick tomorrow on
the grid, and the route planner stops offering that driver's van for tomorrow (the day after it
is back). Screenshots of the grid, the cell form and the employee's own calendar."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from crm.accounts.models_schedules import Shift, TimeOff
from crm.accounts.workday import today_for
from tests.accounts.factories import TEST_PASSWORD
from tests.accounts.schedule_factories import make_template
from tests.browser.conftest import login, screenshot
from tests.routes.factories import make_depot, make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_applies_two_by_two_marks_a_sick_day_and_the_planner_drops_the_driver(
    make_user, branch, live_url, new_page
):
    hr = make_user("hr", username="b_hr", first_name="Светлана", last_name="Егорова")
    dispatcher = make_user("dispatcher", username="b_disp")
    depot = make_depot(branch)
    drivers = [
        make_user("driver", username=f"b_drv{i}", first_name=name, last_name="Водитель")
        for i, name in enumerate(["Сергей", "Алексей", "Игорь"])
    ]
    for d in drivers:
        make_vehicle(branch, depot, driver=d, name=f"Газель {d.first_name}")
    make_template(branch, "WWOO", name="2/2 водители")
    today = today_for(branch)
    tomorrow = today + datetime.timedelta(days=1)

    page = new_page(width=1500, height=900)
    login(page, live_url, hr.username, TEST_PASSWORD)
    expect(page.locator("#schedule-grid")).to_be_visible()  # HR's home page
    page.click("#schedule-apply")
    page.select_option("#id_template", label="2/2 водители")
    for d in drivers:
        page.get_by_label(f"{d.display_name} · Driver").check()
    page.fill("#id_start", today.isoformat())
    page.fill("#id_end", (today + datetime.timedelta(days=30)).isoformat())
    page.click("#apply-form button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("planned for 3 employees")
    assert Shift.objects.filter(user__in=drivers).count() == 3 * 16  # 31 days of 2/2 (WWOO)

    page.goto(f"{live_url}/accounts/schedules/?month={tomorrow:%Y-%m}")
    sick = drivers[0]
    cell = page.locator(f"#grid-row-{sick.pk} td[data-day='{tomorrow.isoformat()}']")
    expect(cell).to_have_text("12")
    cell.locator("a").click()
    page.get_by_label("Sick leave").check()
    page.fill("#id_note", "Больничный")
    screenshot(page, "workforce-cell-form")
    page.click("#cell-form button[type=submit]")
    cell = page.locator(f"#grid-row-{sick.pk} td[data-day='{tomorrow.isoformat()}']")
    expect(cell).to_have_class(re.compile(r"\boff-sick\b"))
    expect(cell).to_have_text("S")
    assert TimeOff.objects.get(user=sick, day=tomorrow).kind == "sick"
    screenshot(page, "workforce-month-grid")

    planner = new_page(width=1280, height=900)
    login(planner, live_url, dispatcher.username, TEST_PASSWORD)
    planner.goto(f"{live_url}/routes/plan/?date={tomorrow.isoformat()}")
    vans = planner.locator("form").filter(has=planner.locator("#id_date"))
    expect(vans).to_contain_text("Газель Алексей")
    expect(vans).not_to_contain_text("Газель Сергей")
    screenshot(planner, "workforce-planner-without-sick-driver")
    planner.goto(f"{live_url}/routes/plan/?date={today.isoformat()}")
    expect(planner.locator("form").filter(has=planner.locator("#id_date"))).to_contain_text(
        "Газель Сергей"
    )

    mine = new_page(width=1280, height=900)
    login(mine, live_url, sick.username, TEST_PASSWORD)
    mine.goto(f"{live_url}/accounts/schedules/mine/?month={tomorrow:%Y-%m}")
    expect(mine.locator(f"#my-calendar [data-day='{tomorrow.isoformat()}']")).to_contain_text(
        "Sick leave"
    )
    screenshot(mine, "workforce-my-schedule")


def test_dispatcher_assigns_worker_works_the_job_accountant_pays_and_closes_the_cash(
    make_user, branch, live_url, new_page
):
    from decimal import Decimal

    from billing.models_pay import Payout, PayRule
    from crm.accounts.models_schedules import StaffProfile
    from crm.accounts.models_skills import Skill
    from crm.orders.models_workers import OrderSkillNeed, WorkerAssignment
    from tests.clients.factories import make_client
    from tests.orders.factories import make_order

    dispatcher = make_user("dispatcher", username="b_disp2")
    accountant = make_user("accountant", username="b_acc")
    manager = make_user("manager", username="b_mgr")
    loader = make_user("storekeeper", username="b_loader", first_name="Гена", last_name="Грузчиков")
    make_user("storekeeper", username="b_plain", first_name="Без", last_name="Навыков")
    rigger = Skill.objects.create(name="Такелажник")
    StaffProfile.objects.create(user=loader, category="Старший грузчик").skills.add(rigger)
    PayRule.objects.create(branch=branch, name="Час грузчика", kind="hour", rate=Decimal("350"))
    today = today_for(branch)
    client = make_client(branch=branch, manager=manager, name="Переезд на Охте")
    order = make_order(
        client=client,
        date=today,
        window_from=datetime.time(9, 0),
        window_to=datetime.time(12, 0),
        driver_comment="Сейф 300 кг, нужен такелаж",
    )
    OrderSkillNeed.objects.create(order=order, skill=rigger)

    page = new_page(width=1366, height=900)
    login(page, live_url, dispatcher.username, TEST_PASSWORD)
    page.goto(f"{live_url}/orders/{order.pk}/")
    page.click("#assign-worker")
    candidates = page.locator("#candidates")
    expect(candidates).to_contain_text("Гена Грузчиков")
    expect(candidates).not_to_contain_text("Без Навыков")  # no rigging skill
    page.get_by_label("Гена Грузчиков").check()
    page.click("#assign-form button[type=submit]")
    expect(page.locator("#assigned")).to_contain_text("Гена Грузчиков")
    page.locator("#assigned textarea[name=body]").fill("Возьмите ремни")
    page.locator("#assigned").get_by_role("button", name="Send").click()
    screenshot(page, "workforce-assign-worker")

    tablet = new_page(width=900, height=1000)
    login(tablet, live_url, loader.username, TEST_PASSWORD)
    tablet.goto(f"{live_url}/orders/workers/jobs/")
    expect(tablet.locator("#my-jobs")).to_contain_text("Сейф 300 кг")
    expect(tablet.locator("#my-jobs")).to_contain_text("Возьмите ремни")
    tablet.get_by_role("button", name="Start the job").click()
    screenshot(tablet, "workforce-worker-tablet")
    tablet.get_by_role("button", name="Finish the job").click()
    expect(tablet.locator("#my-jobs")).to_contain_text("Done")
    job = WorkerAssignment.objects.get(order=order)
    assert job.status == "done" and job.finished_at >= job.started_at
    page.reload()
    expect(page.locator("#assigned")).to_contain_text("read")

    # the job took a few seconds: give it a realistic length for the pay page
    job.started_at = job.finished_at - datetime.timedelta(hours=3)
    job.save(update_fields=["started_at"])
    books = new_page(width=1366, height=900)
    login(books, live_url, accountant.username, TEST_PASSWORD)
    books.goto(f"{live_url}/billing/pay/?start={today.replace(day=1)}&end={today}")
    books.click("#pay-compute")
    row = books.locator("#pay-summary tr[data-employee='b_loader']")
    expect(row).to_contain_text("1050.00")
    row.get_by_role("button", name="Pay out").click()
    expect(books.locator("#messages")).to_contain_text("1050.00")
    assert Payout.objects.get(kind="payout").amount == Decimal("1050.00")
    screenshot(books, "workforce-pay-period")
    books.goto(f"{live_url}/billing/cash/?date={today}")
    entry = books.locator("#cash-entry-form")
    entry.locator("#id_kind").select_option("other_in")
    entry.locator("#id_amount").fill("5000")
    entry.get_by_role("button", name="Record").click()
    entry = books.locator("#cash-entry-form")
    entry.locator("#id_kind").select_option("expense")
    entry.locator("#id_amount").fill("1200")
    entry.locator("#id_category").fill("Топливо")
    entry.get_by_role("button", name="Record").click()
    expect(books.locator("#cash-balance")).to_have_text("3800.00")
    books.click("#cash-close")
    expect(books.locator("#cash-closed")).to_be_visible()
    screenshot(books, "workforce-cash-desk")

    page.goto(f"{live_url}/orders/workers/hours/?worker={loader.pk}&date={today}&hours=24")
    expect(page.locator("#hour-scale .wd-block.wd-busy")).to_have_count(1)
    screenshot(page, "workforce-hour-scale")
