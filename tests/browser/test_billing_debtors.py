"""The accountant opens the debtors page (aging summary with its chart, a debtor 100 days
overdue), opens the debtor and records a promise to pay; the page then shows the promise and the
next reminder moves past it. Screenshots of both pages."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from billing.models import PromiseToPay
from tests.accounts.factories import TEST_PASSWORD
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ago(days: int) -> datetime.date:
    return datetime.date.today() - datetime.timedelta(days=days)


def test_accountant_records_a_promise_to_pay(make_user, live_url, new_page):
    accountant = make_user("accountant", username="b_accountant")
    manager = make_user(
        "manager", username="b_debt_manager", first_name="Анна", last_name="Козлова"
    )
    branch = accountant.branch
    make_organisation(branch)
    debtor = make_billing_client(branch, name="ООО «Ромашка»", manager=manager)
    make_invoice(debtor, amount="48500.00", date=_ago(110), due_date=_ago(100))
    make_invoice(debtor, amount="12000.00", date=_ago(20), due_date=_ago(10))
    other = make_billing_client(branch, name="ИП Смирнов", manager=manager)
    make_invoice(other, amount="7300.00", date=_ago(45), due_date=_ago(35))
    make_invoice(other, amount="2100.00", date=_ago(2), due_date=_ago(-8))

    page = new_page(width=1366, height=900)
    login(page, live_url, accountant.username, TEST_PASSWORD)
    page.goto(f"{live_url}/billing/debtors/")
    expect(page.locator("#debtors tbody tr")).to_have_count(2)
    expect(page.locator("#debtors tbody tr").first).to_contain_text("ООО «Ромашка»")
    expect(page.locator("#aging-chart")).to_be_visible()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('aging-chart'))"
    )
    screenshot(page, "billing-debtors")

    page.locator(f"#debtors tr[data-client='{debtor.pk}'] a.btn").click()
    promised = datetime.date.today() + datetime.timedelta(days=5)
    form = page.locator("#promise-form")
    form.locator("input[name=promised_on]").fill(promised.isoformat())
    form.locator("input[name=amount]").fill("20000")
    form.locator("input[name=note]").fill("Бухгалтер обещала оплатить частями")
    form.locator("button[type=submit]").click()
    expect(page.locator("#promises")).to_contain_text("Бухгалтер обещала оплатить частями")
    expect(page.locator("#promise-date")).not_to_have_text("—")
    screenshot(page, "billing-debtor-promise")

    promise = PromiseToPay.objects.get(client=debtor)
    assert promise.promised_on == promised and promise.created_by == accountant
    debtor.refresh_from_db()
    assert debtor.promise_to_pay_on == promised
