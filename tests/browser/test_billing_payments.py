"""An accountant on the client card: the "Account" tab shows the debt of an invoice; she records
a bank payment from the tab's button (oldest first) and comes back to a ledger with the payment,
a running balance of an overpayment and no debt; then the payments list. Screenshots of both."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import TEST_PASSWORD
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accountant_records_a_payment_and_sees_the_ledger(make_user, live_url, new_page):
    accountant = make_user("accountant", username="b_accountant", first_name="Ольга")
    branch = accountant.branch
    make_organisation(branch)
    shop = make_billing_client(branch, name="Кафе «Север»")
    today = datetime.date.today()
    invoice = make_invoice(
        shop, amount="1500.00", date=today - datetime.timedelta(days=15), due_date=today
    )

    page = new_page(width=1280, height=900)
    login(page, live_url, accountant.username, TEST_PASSWORD)
    page.goto(f"{live_url}/clients/{shop.pk}/?tab=account")
    tab = page.locator("#account-tab")
    expect(tab.locator("[data-debt='1500.00']")).to_be_visible()
    expect(tab.locator(f"#account-open tr[data-document='{invoice.pk}']")).to_be_visible()

    tab.get_by_role("link", name="Record payment").click()
    page.locator("#id_amount").fill("2000")
    page.locator("#id_method").select_option("bank")
    page.locator("#id_reference").fill("п/п 381")
    page.locator("#payment-form button[type=submit]").click()
    expect(page.locator("#allocations tr[data-document]")).to_have_count(1)
    expect(page.locator("#payment-facts [data-unallocated='500.00']")).to_be_visible()

    page.get_by_role("link", name="Client's account").click()
    tab = page.locator("#account-tab")
    expect(tab.locator("[data-balance='500.00']")).to_be_visible()
    expect(tab.locator("[data-debt='0.00']")).to_be_visible()
    expect(tab.locator("#account-ledger tr[data-kind='payment']")).to_have_count(1)
    expect(tab.locator("#account-ledger [data-running='500.00']")).to_be_visible()
    expect(tab.locator("#account-open")).to_have_count(0)
    screenshot(page, "billing-account-tab")

    page.goto(f"{live_url}/billing/payments/")
    expect(page.locator("#payments tr[data-payment]")).to_have_count(1)
    screenshot(page, "billing-payments-list")
