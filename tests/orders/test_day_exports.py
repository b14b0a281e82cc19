"""Exports of the day screen: the .xlsx holds exactly the filtered rows (Decimal money, real
dates), the PDF is a PDF, stickers print in every format and never for hidden orders."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.core.models import Job
from crm.core.services import job_files_purge
from crm.orders.models import PaymentMethod
from crm.orders.services import order_transition
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(users, branch):
    op = users["operator"]
    client = make_client(branch=branch, manager=users["manager"], name="ООО Ромашка")
    water = make_product(name="Вода 19 л", price=Decimal("250.50"))
    orders = {
        "cash": make_order(
            client=client,
            actor=op,
            product=water,
            quantity=2,
            window_from=datetime.time(9),
            window_to=datetime.time(11),
            driver_comment="Позвонить за 30 минут",
            containers_to_collect=2,
        ),
        "card": make_order(
            client=client, actor=op, product=water, payment_method=PaymentMethod.CARD
        ),
    }
    orders["cash"].items.create(name="Стаканы", quantity=1, unit_price=0, is_gift=True, position=9)
    order_transition(actor=op, order=orders["card"], target="confirmed")
    return orders


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def test_xlsx_holds_exactly_the_filtered_rows(day, client_for):
    client = client_for("operator")
    sheet = _sheet(client.get(reverse("orders:day-export-xlsx"), {"status": "new"}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Number", "Date", "Window", "Client")
    assert [r[0] for r in rows[1:]] == [day["cash"].number]
    row = rows[1]
    assert row[1] == datetime.datetime.combine(day["cash"].date, datetime.time())
    assert row[2] == "09:00–11:00"
    assert Decimal(str(row[7])) == Decimal("501.00")
    assert "🎁 Стаканы × 1" in row[6]
    cell = sheet.cell(row=2, column=8)
    assert cell.number_format == "#,##0.00"
    assert sheet.cell(row=2, column=2).is_date


def test_xlsx_without_filters_has_every_visible_row(day, client_for):
    sheet = _sheet(client_for("operator").get(reverse("orders:day-export-xlsx")))
    numbers = {r[0] for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert numbers == {day["cash"].number, day["card"].number}


def test_xlsx_headers_follow_the_user_language(day, client_for):
    from django.utils import translation

    client = client_for("operator")
    response = client.post(reverse("accounts:language"), {"language": "ru"})
    sheet = _sheet(client.get(reverse("orders:day-export-xlsx")))
    with translation.override("ru"):
        expected = [str(translation.gettext(h)) for h in ("Number", "Date", "Client")]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert response.status_code in (200, 302)
    assert [header[0], header[1], header[3]] == expected


def test_pdf_is_a_landscape_table(day, client_for):
    response = client_for("operator").get(reverse("orders:day-export-pdf"), {"status": "new"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("fmt", ["a4", "tape58", "tape80"])
def test_stickers_in_every_format(day, client_for, fmt):
    ids = [day["cash"].pk, day["card"].pk]
    response = client_for("operator").post(reverse("orders:stickers"), {"ids": ids, "format": fmt})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert f"stickers-{fmt}.pdf" in response["Content-Disposition"]


def test_sticker_content(day, users):
    from crm.orders.day import decorate, orders_by_ids
    from crm.orders.day_exports import stickers_pdf

    orders = decorate(
        list(orders_by_ids(user=users["operator"], branch=day["cash"].branch, ids=[day["cash"].pk]))
    )
    assert orders[0].to_collect == Decimal("501.00")
    html_pdf = stickers_pdf(orders, fmt="tape58")
    assert html_pdf.startswith(b"%PDF")
    from django.template.loader import render_to_string

    html = render_to_string(
        "orders/day/stickers.html", {"orders": orders, "pages": [orders], "fmt": "tape58"}
    )
    for text in ("ООО Ромашка", "[gift] Стаканы", "collect 501.00", "Позвонить за 30 минут", "↑2"):
        assert text in html.replace("\xa0", "").replace(",", "") or text in html


def test_stickers_ignore_orders_of_another_branch(day, users, other_branch, client_for):
    far = make_client(branch=other_branch, name="Чужой")
    foreign = make_order(client=far, actor=users["admin"], product=make_product())
    client = client_for("operator")
    response = client.post(reverse("orders:stickers"), {"ids": [foreign.pk], "format": "a4"})
    assert response.status_code == 302  # nothing of theirs to print: back to the list
    response = client.post(
        reverse("orders:stickers"), {"ids": [foreign.pk, day["cash"].pk, "x"], "format": "a4"}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_stickers_need_the_export_permission(day, client_for):
    response = client_for("driver").post(reverse("orders:stickers"), {"ids": [day["cash"].pk]})
    assert response.status_code == 403


def test_exports_need_the_export_permission(day, client_for):
    assert client_for("manager").get(reverse("orders:day-export-xlsx")).status_code == 403
    assert client_for("driver").get(reverse("orders:day-export-pdf")).status_code == 403


def test_a_big_pdf_is_made_in_the_background_for_its_owner_only(
    day, client_for, settings, django_capture_on_commit_callbacks
):
    settings.ORDERS_PDF_SYNC_MAX_ROWS = 0
    operator = client_for("operator")
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.get(reverse("orders:day-export-pdf"), {"status": "new"})
    assert response.status_code == 302 and "/core/jobs/" in response["Location"]
    job = Job.objects.get(kind="orders.day_pdf")
    # the job reads the same filters the operator had on the screen
    assert job.status == Job.Status.DONE and job.params["query"].count("status=new") == 1
    page = operator.get(response["Location"]).content.decode()
    download = reverse("core:job-file", args=[job.pk])
    assert download in page
    file = operator.get(download)
    assert file["Content-Disposition"].startswith("attachment")
    assert b"".join(file.streaming_content).startswith(b"%PDF")
    assert client_for("dispatcher").get(download).status_code == 404


def test_job_files_are_purged_after_a_week(
    day, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.ORDERS_PDF_SYNC_MAX_ROWS = 0
    settings.MEDIA_ROOT = tmp_path
    operator = client_for("operator")
    with django_capture_on_commit_callbacks(execute=True):
        operator.get(reverse("orders:day-export-pdf"))
    job = Job.objects.get(kind="orders.day_pdf")
    stored = tmp_path / job.result["file"]
    assert stored.exists()
    assert job_files_purge(older_than=timezone.now() - datetime.timedelta(days=7)) == 0
    assert job_files_purge(older_than=timezone.now() + datetime.timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert not stored.exists() and job.result == {"expired": True}
    assert operator.get(reverse("core:job-file", args=[job.pk])).status_code == 404


def test_the_background_pdf_fails_with_a_message_when_the_role_lost_exports(
    day, users, client_for, settings, django_capture_on_commit_callbacks
):
    from django.http import QueryDict

    from crm.orders.day_exports import day_pdf_job_start
    from crm.orders.day_state import DayState

    operator = users["operator"]
    state = DayState(user=operator, branch=operator.branch, params=QueryDict(""))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = day_pdf_job_start(actor=operator, state=state, rows=2)
    operator.role = "driver"
    operator.save()
    from crm.accounts.services import _sync_role_group

    _sync_role_group(operator)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "no longer export" in job.error
