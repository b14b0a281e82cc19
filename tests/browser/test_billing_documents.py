"""An accountant opens a client card's Documents tab, drafts an invoice for the client's
completed orders, issues it and opens its PDF; screenshots of the tab and the invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import DocStatus, Document
from crm.orders.models import OrderStatus
from crm.orders.services import order_transition
from tests.accounts.factories import TEST_PASSWORD
from tests.billing.core_factories import make_billing_client, make_organisation
from tests.browser.conftest import login, screenshot
from tests.orders.factories import make_order, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accountant_invoices_completed_orders_from_the_card(make_user, live_url, new_page):
    accountant = make_user("accountant", username="b_accountant")
    admin = make_user("admin", username="b_docs_admin")
    make_organisation(accountant.branch)
    shop = make_billing_client(accountant.branch, name="Кафе «Север»")
    product = make_product(name="Замена ковра 115×200", price=Decimal("1500.00"))
    order = make_order(client=shop, product=product, quantity=2)
    for target in (OrderStatus.CONFIRMED, OrderStatus.IN_WORK, OrderStatus.COMPLETED):
        order = order_transition(actor=admin, order=order, target=target)

    page = new_page(width=1280, height=900)
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_url, accountant.username, TEST_PASSWORD)
    page.goto(f"{live_url}/clients/{shop.pk}/?tab=documents")
    expect(page.locator("#client-documents")).to_be_visible()
    screenshot(page, "billing-documents-card-empty")

    page.locator("#doc-from-orders").click()
    page.locator(f"input[name=orders][value='{order.pk}']").check()
    page.locator("#from-orders-submit").click()
    expect(page.locator("#document-status [data-status=draft]")).to_be_visible()
    expect(page.locator("#document-total")).to_contain_text("3")

    page.locator("#document-issue").click()
    expect(page.locator("#document-status [data-status=issued]")).to_be_visible()
    invoice = Document.objects.get(client=shop)
    assert invoice.status == DocStatus.ISSUED and invoice.number
    expect(page.locator("h1")).to_contain_text(invoice.number)
    screenshot(page, "billing-document-issued")

    pdf = page.request.get(live_url + page.locator("#document-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    page.goto(f"{live_url}/clients/{shop.pk}/?tab=documents")
    expect(
        page.locator(f"#client-documents-table tr[data-document='{invoice.pk}']")
    ).to_be_visible()
    expect(page.locator("#client-documents-outstanding")).to_be_visible()
    screenshot(page, "billing-documents-card")
