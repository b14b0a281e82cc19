"""The director logs in and lands on the dashboard (figures, charts, alerts), follows the revenue
figure to the orders it was counted from, and opens the dashboard on a phone; the accountant
records an expense that runs over its category's limit and sees the warning. Screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reports.models import Expense, ExpenseCategory
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.reports.factories import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_director_dashboard_and_drill_down(
    branch, other_branch, users, make_user, live_url, new_page
):
    build_world(branch, other_branch, users, make_user)
    page = new_page(width=1440, height=1000)
    login(page, live_url, "director", TEST_PASSWORD)
    page.goto(f"{live_url}/")
    expect(page.locator("h1")).to_contain_text("Director's dashboard")
    expect(page.locator("[data-figure=revenue]")).to_contain_text("4,200.50")
    expect(page.locator("[data-figure=debt]")).to_contain_text("1,800.00")
    expect(page.locator("[data-figure=over-budget]")).to_have_text("1")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('[data-chart=chart-aging]'))"
    )
    screenshot(page, "reports-director-dashboard")

    page.locator("#tile-revenue").click()
    expect(page.locator("h1")).to_contain_text("Orders")
    expect(page.locator("#report-table tbody tr")).to_have_count(3)
    expect(page.locator("[data-total=total]")).to_contain_text("4,200.50")
    screenshot(page, "reports-revenue-drill-down")

    phone = new_page(width=390, height=844)
    login(phone, live_url, "director", TEST_PASSWORD)
    phone.goto(f"{live_url}/reports/dashboard/")
    expect(phone.locator("[data-figure=revenue]")).to_be_visible()
    screenshot(phone, "reports-director-dashboard-phone")


def test_accountant_expense_over_the_limit(users, live_url, new_page):
    fuel = ExpenseCategory.objects.create(name="Топливо", monthly_limit="1000.00")
    page = new_page(width=1366, height=900)
    login(page, live_url, "accountant", TEST_PASSWORD)
    page.goto(f"{live_url}/reports/expenses/")
    form = page.locator("#expense-form form")
    form.locator("select[name=category]").select_option(str(fuel.pk))
    form.locator("input[name=amount]").fill("1250.00")
    form.locator("select[name=method]").select_option("card")
    form.locator("input[name=note]").fill("Заправка на неделю")
    form.locator("button[type=submit]").click()
    expect(page.locator(f"[data-over-limit='{fuel.pk}']")).to_be_visible()
    expect(page.locator("#expenses tbody tr")).to_have_count(1)
    screenshot(page, "reports-expenses-over-limit")
    assert Expense.objects.get().note == "Заправка на неделю"
