"""Excel export of the filtered list; import with mapping, dry run, background job and report."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from clients.imports import guess_mapping
from clients.models import Client, ImportBatch
from clients.services import client_set_balance
from crm.core.models import Job
from tests.clients.factories import make_client, valid_inn

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("клиенты.xlsx", buffer.getvalue(), XLSX)


def test_export_of_the_filtered_list_opens_in_openpyxl(login, users, branch):
    debtor = make_client(
        branch=branch,
        manager=users["manager"],
        name="Должник",
        addresses=[{"address": "Невский 1", "city": "СПб"}],
    )
    client_set_balance(actor=None, client=debtor, balance="-1234.5")
    make_client(branch=branch, manager=users["manager"], name="Без долга")
    response = login("accountant").get(reverse("clients:client-export"), {"debt": "1"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Name" and sheet["A1"].font.bold
    assert len(rows) == 2 and rows[1][0] == "Должник"
    assert Decimal(str(rows[1][8])) == Decimal("-1234.5") and "0.00" in sheet["I2"].number_format
    assert rows[1][4] == "Невский 1"


def test_export_is_refused_to_managers(login):
    assert login("manager").get(reverse("clients:client-export")).status_code == 403


def test_mapping_is_guessed_from_russian_ukrainian_english_headers():
    assert guess_mapping(["ФИО", "Телефон", "Телефон 2", "E-mail", "ИНН", "Город", "Адрес"]) == {
        "0": "name",
        "1": "phone",
        "2": "phone2",
        "3": "email",
        "4": "inn",
        "5": "city",
        "6": "address",
    }
    assert guess_mapping(["Назва", "Мобільний", "Пошта"]) == {
        "0": "name",
        "1": "phone",
        "2": "email",
    }
    assert guess_mapping(["Client name", "Phone", "Notes", "???"]) == {
        "0": "name",
        "1": "phone",
        "2": "notes",
    }


def test_xls_and_junk_are_refused_with_a_clear_message(login):
    http = login("admin")
    r = http.post(
        reverse("clients:import-upload"),
        {"file": SimpleUploadedFile("old.xls", b"\xd0\xcf", "application/vnd.ms-excel")},
    )
    assert r.status_code == 200 and "save it as .xlsx" in r.content.decode()
    r = http.post(
        reverse("clients:import-upload"), {"file": SimpleUploadedFile("x.xlsx", b"not a zip", XLSX)}
    )
    assert r.status_code == 200 and "cannot be read" in r.content.decode()
    assert not ImportBatch.objects.exists()


def test_import_dry_run_then_job_then_rejected_rows_report(
    login, users, branch, django_capture_on_commit_callbacks
):
    make_client(branch=branch, name="Уже в базе", phones=["+79110000099"])
    inn = valid_inn(42)
    upload = _xlsx(
        [
            ["Наименование", "Телефон", "Email", "ИНН", "Город", "Адрес"],
            [
                "ООО «Ромашка»",
                "8 (911) 111-22-33",
                "info@romashka.ru",
                inn,
                "Санкт-Петербург",
                "Невский 5",
            ],
            ["Иван Иванов", "+7 921 555 66 77", "", "", "СПб", ""],
            ["", "+79215556678", "", "", "", ""],  # no name
            ["Плохой телефон", "12345", "", "", "", ""],
            ["Повтор", "89111112233", "", "", "", ""],  # same phone as row 2
            ["В базе", "+7 911 000-00-99", "", "", "", ""],  # already in the DB
            ["Плохой ИНН", "", "", "7707083894", "", ""],
            [None, None, None, None, None, None],  # empty row is skipped
            ["<script>x</script>", "", "bad@", "", "", ""],
        ]
    )
    http = login("admin")
    r = http.post(reverse("clients:import-upload"), {"file": upload})
    batch = ImportBatch.objects.get()
    assert r.status_code == 302 and batch.mapping["0"] == "name" and batch.mapping["1"] == "phone"
    mapping = {
        f"col_{i}": v for i, v in enumerate(["name", "phone", "email", "inn", "city", "address"])
    }
    http.post(reverse("clients:import-detail", args=[batch.pk]), mapping)
    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.valid_rows) == ("checked", 8, 2)
    errors = {e["row"]: " ".join(e["errors"]) for e in batch.errors}
    assert (
        "No name" in errors[4] and "Bad phone" in errors[5] and "repeats in the file" in errors[6]
    )
    assert (
        "already in the base" in errors[7] and "Bad INN" in errors[8] and "Bad e-mail" in errors[10]
    )
    page = http.get(reverse("clients:import-detail", args=[batch.pk])).content.decode()
    assert "&lt;script&gt;" not in page or "<script>x</script>" not in page
    assert Client.objects.count() == 1  # a dry run imports nothing
    with django_capture_on_commit_callbacks(execute=True):
        http.post(reverse("clients:import-run", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done" and batch.imported_rows == 2
    job = Job.objects.get(kind="clients.import")
    assert job.status == "done" and job.result["rejected"] == 6
    romashka = Client.objects.get(name="ООО «Ромашка»")
    assert romashka.kind == "company" and romashka.inn == inn and romashka.source == "import"
    assert (
        romashka.phones.get().number == "+79111112233"
        and romashka.addresses.get().city == "Санкт-Петербург"
    )
    report = http.get(reverse("clients:import-report", args=[batch.pk]))
    rows = list(
        load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][:2] == ("Row", "Reasons") and len(rows) == 7
    assert {r[0] for r in rows[1:]} == {4, 5, 6, 7, 8, 10}
    # Safe to run twice: the finished batch is not imported again.
    from clients.imports import import_job

    assert import_job(job, lambda *a: None) == {"imported": 2}
    assert Client.objects.count() == 3


def test_mapping_without_a_name_column_is_refused(login):
    http = login("admin")
    http.post(reverse("clients:import-upload"), {"file": _xlsx([["Телефон"], ["+79110000000"]])})
    batch = ImportBatch.objects.get()
    r = http.post(reverse("clients:import-detail", args=[batch.pk]), {"col_0": "phone"})
    assert "name" in r.content.decode() and ImportBatch.objects.get().status == "uploaded"
