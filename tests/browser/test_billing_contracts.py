"""A manager drafts a contract for a client from the clause templates of a contract type
(unticking one clause, adding a tariff line), activates it and downloads its PDF."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from billing.models import Contract
from tests.accounts.factories import TEST_PASSWORD
from tests.billing.contract_factories import make_contract_type
from tests.billing.core_factories import make_billing_client, make_organisation
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_creates_a_contract_and_downloads_the_pdf(make_user, live_url, new_page):
    manager = make_user("manager", username="b_contract_manager")
    branch = manager.branch
    client = make_billing_client(branch, manager=manager, name="ООО «Чистый Офис»")
    make_organisation(branch, name="ООО «Коло Сервис»")
    contract_type = make_contract_type("Аренда ковров")

    page = new_page(width=1280, height=900)
    login(page, live_url, manager.username, TEST_PASSWORD)
    page.goto(f"{live_url}/clients/{client.pk}/?tab=contracts")
    page.locator("#contract-new").click()
    page.locator("#pick-type").select_option(str(contract_type.pk))
    page.locator("#pick-type-go").click()
    clauses = page.locator("#contract-clauses input[type=checkbox]")
    expect(clauses).to_have_count(3)
    page.locator("#contract-clauses label", has_text="Срок действия").locator("input").uncheck()
    ends = (datetime.date.today() + datetime.timedelta(days=364)).isoformat()
    page.locator("#id_ends_on").fill(ends)
    page.locator("#id_tariffs-0-name").fill("Аренда ковра 115×200")
    page.locator("#id_tariffs-0-unit").select_option("mat")
    page.locator("#id_tariffs-0-quantity").fill("4")
    page.locator("#id_tariffs-0-price").fill("450")
    page.locator("#contract-save").click()

    expect(page.locator("#contract-status")).to_have_text("Draft")
    text = page.locator("#contract-text")
    expect(text).to_contain_text("ООО «Чистый Офис»")
    expect(text).to_contain_text("Аренда ковра 115×200")
    expect(text).not_to_contain_text("Срок действия")
    page.locator("#contract-activate").click()
    expect(page.locator("#contract-status")).to_have_text("Active")
    screenshot(page, "contract-detail")

    with page.expect_download(timeout=30_000) as info:
        page.locator("#contract-pdf").click()
    download = info.value
    contract = Contract.objects.get(client=client)
    assert download.suggested_filename == f"{contract.number}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
