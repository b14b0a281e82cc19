"""A manager sends a cost-calculation request from the client card; a lab technician (a second
browser) takes it and returns it for rework with a reason, which reaches the manager's open page
live; the manager fixes and resends; the lab fills in the composition and cost and completes it;
the manager orders a sample from it. Screenshots of each side."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from labs.models import LabRequest, RequestStatus
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot
from tests.labs.factories import make_lab_client
from tests.orders.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_travels_between_manager_and_lab(make_user, live_url, new_page):
    manager = make_user("manager", username="b_lab_manager", first_name="Мария")
    lab = make_user("lab_technician", username="b_lab_tech", first_name="Татьяна")
    client = make_lab_client(manager.branch, manager, name="ООО «Чистый дом»")
    product = make_product(name="Средство для мытья посуды «Лимон», 5 л")
    deadline = datetime.date.today() + datetime.timedelta(days=21)

    sales = new_page(width=1280, height=900)
    login(sales, live_url, manager.username, TEST_PASSWORD)
    sales.goto(f"{live_url}/clients/{client.pk}/?tab=labs")
    sales.locator("#lab-new-calculation").click()
    expect(sales.locator("#lab-estimate")).to_be_visible()
    sales.select_option("#id_product", str(product.pk))
    sales.fill("#id_purpose", "Мойка посуды в сети кафе")
    sales.fill("#id_volume", "500 канистр в месяц")
    sales.fill("#id_target_price", "300")
    sales.fill("#id_deadline", datetime.date.today().isoformat())
    expect(sales.locator("#lab-too-early")).to_be_visible()
    sales.fill("#id_deadline", deadline.isoformat())
    expect(sales.locator("#lab-too-early")).to_be_hidden()
    screenshot(sales, "labs-request-form")
    sales.locator("#lab-send").click()
    expect(sales.locator("#lab-request-status [data-status=sent]")).to_be_visible()
    request = LabRequest.objects.get(client=client)

    bench = new_page(width=1280, height=900)
    login(bench, live_url, lab.username, TEST_PASSWORD)
    expect(bench.locator(f"#lab-queue tr[data-request='{request.pk}']")).to_be_visible()
    screenshot(bench, "labs-cabinet")
    bench.locator(f"#lab-queue tr[data-request='{request.pk}'] a").click()
    bench.locator("button[data-move=in_work]").click()
    expect(bench.locator("#lab-request-status [data-status=in_work]")).to_be_visible()
    bench.locator("summary[data-move-open=returned]").click()
    bench.fill("#reason-returned", "Уточните упаковку: канистра или флакон?")
    bench.locator("form button[data-move=returned]").click()
    expect(bench.locator("#lab-request-status [data-status=returned]")).to_be_visible()

    # the manager's open card refreshes live with the lab's reason
    expect(sales.locator("#lab-reason")).to_contain_text("Уточните упаковку", timeout=15_000)
    screenshot(sales, "labs-request-returned")
    sales.locator("#lab-edit").click()
    sales.fill("#id_packaging", "Канистра 5 л, своя этикетка")
    sales.locator("#lab-save").click()
    sales.locator("button[data-move=sent]").click()
    expect(sales.locator("#lab-request-status [data-status=sent]")).to_be_visible()

    bench.goto(f"{live_url}/labs/{request.pk}/")
    bench.locator("button[data-move=in_work]").click()
    bench.locator("#lab-result").click()
    rows = [("Вода очищенная", "72"), ("ЛАС", "18"), ("Лауретсульфат натрия", "10")]
    bench.locator("[data-add-component]").click()
    for index, (name, percent) in enumerate(rows):
        bench.fill(f"#id_components-{index}-name", name)
        bench.fill(f"#id_components-{index}-percent", percent)
    expect(bench.locator("#lab-components-total")).to_have_text("100 %")
    bench.fill("#id_cost_per_unit", "182.40")
    bench.fill("#id_price_suggestion", "265.00")
    screenshot(bench, "labs-result-form")
    bench.locator("#lab-result-complete").click()
    expect(bench.locator("#lab-request-status [data-status=calculated]")).to_be_visible()
    screenshot(bench, "labs-request-calculated-lab")

    sales.reload()
    expect(sales.locator("#lab-request-status [data-status=calculated]")).to_be_visible()
    expect(sales.locator("#lab-composition")).to_contain_text("Вода очищенная")
    screenshot(sales, "labs-request-calculated")
    sales.locator("#lab-order-sample").click()
    sales.select_option("#id_ship_address", index=1)
    sales.select_option("#id_receiver", index=1)
    sales.fill("#id_sample_quantity", "2 канистры")
    sales.fill("#id_deadline", (deadline + datetime.timedelta(days=7)).isoformat())
    screenshot(sales, "labs-sample-form")
    sales.locator("#lab-send").click()
    expect(sales.locator("#lab-request-status [data-status=sent]")).to_be_visible()
    sample = LabRequest.objects.get(kind="sample")
    assert sample.based_on_id == request.pk and sample.status == RequestStatus.SENT
    assert LabRequest.objects.get(pk=request.pk).status == RequestStatus.CALCULATED
    screenshot(sales, "labs-sample-sent")


def test_director_sees_the_lab_control_and_the_client_tab(make_user, live_url, new_page):
    from labs.services.planning import branch_today
    from tests.labs.states import request_in

    users = {
        role: make_user(role, username=f"b_ctl_{role}")
        for role in ("manager", "lab_technician", "admin", "director")
    }
    client = make_lab_client(users["manager"].branch, users["manager"], name="ИП Смирнова")
    for status, kind in [
        (RequestStatus.SENT, "calculation"),
        (RequestStatus.IN_WORK, "calculation"),
        (RequestStatus.CALCULATED, "calculation"),
        (RequestStatus.SAMPLE_MADE, "sample"),
        (RequestStatus.RETURNED, "calculation"),
    ]:
        request_in(status, kind, client, users)
    late = LabRequest.objects.get(status=RequestStatus.IN_WORK)
    today = branch_today(client.branch)
    LabRequest.objects.filter(pk=late.pk).update(
        planned_date=today - datetime.timedelta(days=3), deadline=today - datetime.timedelta(days=1)
    )

    page = new_page(width=1280, height=900)
    login(page, live_url, users["director"].username, TEST_PASSWORD)
    page.goto(f"{live_url}/labs/control/")
    expect(page.locator("#lab-control-status tr[data-status=in_work]")).to_contain_text("1")
    expect(page.locator("#lab-control-overdue")).to_contain_text(users["lab_technician"].first_name)
    page.wait_for_function("document.getElementById('lab-age-chart').width > 0")
    screenshot(page, "labs-control")
    page.goto(f"{live_url}/clients/{client.pk}/?tab=labs")
    row = page.locator(f"#client-labs-table tr[data-request='{late.pk}']")
    expect(row.locator("[data-urgency=overdue]")).to_be_visible()
    expect(page.locator("#lab-offers")).to_be_visible()
    screenshot(page, "labs-client-tab")
