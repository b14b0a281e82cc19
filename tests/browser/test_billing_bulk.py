"""The accountant invoices everyone for a month: preview, run, the progress bar reaches 100 %,
then one invoice's PDF opens (a real PDF with the client's name in it)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.models import BulkRun, Document
from tests.accounts.factories import TEST_PASSWORD
from tests.billing.bulk_factories import make_contract
from tests.billing.core_factories import make_billing_client, make_organisation
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accountant_runs_bulk_invoicing_and_opens_a_pdf(branch, make_user, live_url, new_page):
    accountant = make_user("accountant", username="b_bulk_accountant")
    organisation = make_organisation(branch)
    for name in ("ООО «Альфа»", "ООО «Бета»", "ООО «Гамма»"):
        make_contract(make_billing_client(branch, name=name), organisation)
    make_contract(make_billing_client(branch, name="ИП Без ИНН", inn=""), organisation)

    page = new_page()
    login(page, live_url, accountant.username, TEST_PASSWORD)
    page.goto(f"{live_url}/billing/bulk/")
    page.fill("#id_month", "2026-11")
    page.select_option("#id_branch", str(branch.pk))
    page.click("#bulk-form button[type=submit]")
    expect(page.locator("#preview-contracts")).to_have_text("3")
    expect(page.locator("#bulk-exceptions")).to_contain_text("ИП Без ИНН")
    screenshot(page, "billing-bulk-preview")

    with page.expect_navigation():
        page.click("#bulk-run-form button[type=submit]")
    expect(page.locator(".job-progress[data-status=done]")).to_have_count(1, timeout=60_000)
    expect(page.locator(".job-percent")).to_have_text("100 %")
    expect(page.locator(".progress span")).to_have_attribute("style", "width: 100%")
    page.reload()
    expect(page.locator("#bulk-documents .pdf-link")).to_have_count(3)
    screenshot(page, "billing-bulk-run")

    run = BulkRun.objects.get(branch=branch)
    assert run.status == BulkRun.Status.DONE
    assert Document.objects.filter(bulk_run=run).exclude(pdf="").count() == 3

    href = page.locator("#bulk-documents .pdf-link").first.get_attribute("href")
    response = page.request.get(f"{live_url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert "Счёт на оплату" in text and "ООО «Альфа»" in text
