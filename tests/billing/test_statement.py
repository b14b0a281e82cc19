"""Bank statement import: parsing .xlsx (headers in Russian or English, built with openpyxl
here) and the 1C exchange text (cp1251 and utf-8), keeping only incoming payments to our
organisations, matching by the payer's INN and the invoice number in the purpose, the pages
(upload → review → import report) and idempotency (the same statement twice)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.models import DocStatus, Payment, PaymentSource
from billing.services import statement as st
from billing.services.documents import document_void
from clients.models import Client
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _xlsx(rows: list[list], header: list[str], preamble: int = 2) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for i in range(preamble):
        sheet.append([f"Выписка по счёту, строка {i + 1}"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _one_c(documents: list[dict[str, str]], encoding: str = "cp1251") -> bytes:
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Бухгалтерия",
        "ДатаНачала=01.11.2026",
        "ДатаКонца=30.11.2026",
        "СекцияРасчСчет",
        "РасчСчет=40702810900000000001",
        "КонецРасчСчет",
    ]
    for doc in documents:
        lines.append("СекцияДокумент=Платежное поручение")
        lines += [f"{key}={value}" for key, value in doc.items()]
        lines.append("КонецДокумента")
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode(encoding)


# --- Parsing -------------------------------------------------------------------------------------
def test_headers_are_recognised_in_russian_and_english():
    assert st.classify_header("Дата операции") == "date"
    assert st.classify_header("Сумма, руб.") == "amount"
    assert st.classify_header("ИНН плательщика") == "payer_inn"
    assert st.classify_header("ИНН получателя") == "recipient_inn"
    assert st.classify_header("Наименование плательщика") == "payer_name"
    assert st.classify_header("Назначение платежа") == "purpose"
    assert st.classify_header("№ документа") == "number"
    assert st.classify_header("Payer INN") == "payer_inn"
    assert st.classify_header("Amount") == "amount"
    assert st.classify_header("Document number") == "number"
    assert st.classify_header("Purpose") == "purpose"
    assert st.classify_header("Payer") == "payer_name"
    assert st.classify_header("Примечание банка") is None


def test_xlsx_statement_is_parsed_after_a_preamble():
    content = _xlsx(
        [
            [
                datetime.date(2026, 11, 3),
                1500.5,
                "ООО Ромашка",
                "7801234567",
                "Оплата по счёту № 12",
                45,
            ],
            ["04.11.2026", "2 000,00", "ИП Петров", 780123456789, "Аванс", "46"],
            [None, None, None, None, None, None],
            ["bad", "x", "", "", "", ""],
        ],
        ["Дата", "Сумма", "Плательщик", "ИНН плательщика", "Назначение платежа", "Номер"],
    )
    parsed = st.parse_xlsx(content)
    assert [r.amount for r in parsed.rows] == ["1500.50", "2000.00"]
    first, second = parsed.rows
    assert first.date == "2026-11-03" and first.payer_inn == "7801234567" and first.number == "45"
    assert second.date == "2026-11-04" and second.payer_inn == "780123456789"
    assert len(parsed.errors) == 1  # the "bad" row, reported; the empty one ignored


def test_xlsx_without_a_header_row_is_refused():
    with pytest.raises(ValidationError):
        st.parse_xlsx(_xlsx([[1, 2]], ["foo", "bar"]))
    with pytest.raises(ValidationError):
        st.parse_statement(filename="x.xlsx", content=b"PK\x03\x04 broken")


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
def test_1c_exchange_file_is_parsed_in_either_encoding(encoding):
    content = _one_c(
        [
            {
                "Номер": "381",
                "Дата": "05.11.2026",
                "Сумма": "12500.00",
                "ПлательщикИНН": "7801234567",
                "Плательщик1": "ООО «Ромашка»",
                "ПолучательИНН": "7800000001",
                "НазначениеПлатежа": "Оплата по счёту СЧ-2026-000007, в т.ч. НДС",
            }
        ],
        encoding,
    )
    parsed = st.parse_1c(content)
    (row,) = parsed.rows
    assert row.payer_name == "ООО «Ромашка»"
    assert row.money == Decimal("12500.00") and row.day == datetime.date(2026, 11, 5)
    assert row.purpose.startswith("Оплата по счёту СЧ-2026-000007")
    assert row.recipient_inn == "7800000001" and row.number == "381"


def test_only_incoming_payments_to_our_organisations_stay(branch):
    ours = make_organisation(branch)
    content = _one_c(
        [
            {
                "Номер": "1",
                "Дата": "05.11.2026",
                "Сумма": "100.00",
                "ПлательщикИНН": "7801234567",
                "ПолучательИНН": ours.inn,
                "НазначениеПлатежа": "оплата",
            },
            {
                "Номер": "2",
                "Дата": "05.11.2026",
                "Сумма": "50.00",
                "ПлательщикИНН": ours.inn,
                "ПолучательИНН": "7709999999",
                "НазначениеПлатежа": "аренда офиса",
            },
            {
                "Номер": "3",
                "Дата": "05.11.2026",
                "Сумма": "70.00",
                "ПлательщикИНН": "7801234567",
                "ПолучательИНН": "7709999999",
                "НазначениеПлатежа": "чужой платёж",
            },
        ]
    )
    parsed = st.parse_statement(filename="kl_to_1c.txt", content=content)
    assert [r.number for r in parsed.rows] == ["1"]
    assert parsed.skipped_outgoing == 2


def test_invoice_numbers_in_the_purpose():
    full, short = st.invoice_numbers("Оплата по счёту СЧ-2026-000123 и счёт № 45 от 01.11")
    assert full == ["СЧ-2026-000123"] and short == [45]
    assert st.invoice_numbers("оплата по сч. 17")[1] == [17]
    assert st.invoice_numbers("Invoice #9 payment")[1] == [9]
    assert st.invoice_numbers("аренда за ноябрь") == ([], [])


def test_the_key_is_stable_and_distinguishes_rows():
    a = st.statement_key(TODAY, Decimal("10"), "7801234567", "1")
    assert a == st.statement_key(TODAY, Decimal("10.00"), "7801234567", "1")
    assert a != st.statement_key(TODAY, Decimal("10.00"), "7801234567", "2")


# --- Matching -------------------------------------------------------------------------------------
@pytest.fixture
def org(branch):
    return make_organisation(branch)


@pytest.fixture
def payer(branch, users):
    return make_billing_client(branch, name="ООО «Ромашка»", manager=users["manager"])


def _row(**fields) -> st.StatementRow:
    fields.setdefault("index", 0)
    fields.setdefault("date", TODAY.isoformat())
    fields.setdefault("amount", "500.00")
    return st.StatementRow(**fields)


def test_rows_match_by_inn_and_invoice_number(payer, branch, org):
    invoice = make_invoice(payer, amount="800.00", organisation=org)
    other = make_billing_client(branch, name="Чужой")
    other_invoice = make_invoice(other, amount="100.00", organisation=org)
    short = int(invoice.number.rsplit("-", 1)[1])
    rows = [
        _row(index=0, payer_inn=payer.inn, purpose=f"Оплата по счёту {invoice.number}"),
        _row(index=1, payer_inn=payer.inn, purpose=f"оплата по счету № {short}"),
        _row(index=2, payer_inn="", purpose=f"Оплата {other_invoice.number}"),
        _row(index=3, payer_inn="7700000000", purpose="Аванс"),
    ]
    st.match_rows(rows, clients=Client.objects.all(), documents=invoice.__class__.objects.all())
    assert (rows[0].client_id, rows[0].document_id) == (payer.pk, invoice.pk)
    assert (rows[1].client_id, rows[1].document_id) == (payer.pk, invoice.pk)
    assert (rows[2].client_id, rows[2].document_id) == (other.pk, other_invoice.pk)
    assert rows[3].client_id is None and rows[3].document_id is None


def test_a_void_invoice_is_not_matched(payer, org, users):
    invoice = make_invoice(payer, amount="800.00", organisation=org)
    document_void(actor=users["accountant"], document=invoice, reason="ошибка")
    rows = [_row(payer_inn=payer.inn, purpose=f"Оплата {invoice.number}")]
    st.match_rows(rows, clients=Client.objects.all(), documents=invoice.__class__.objects.all())
    assert rows[0].client_id == payer.pk and rows[0].document_id is None
    assert "void" in rows[0].notes[0]


def test_import_creates_payments_once_and_reports_rows(payer, org, users):
    older = make_invoice(payer, amount="300.00", organisation=org, due_date=TODAY)
    named = make_invoice(payer, amount="500.00", organisation=org)
    rows = [
        _row(index=0, payer_inn=payer.inn, amount="500.00", number="7", purpose=named.number),
        _row(index=1, payer_inn="7700000000", amount="10.00", number="8"),
    ]
    st.match_rows(rows, clients=Client.objects.all(), documents=named.__class__.objects.all())
    results = st.statement_import(
        actor=users["accountant"],
        rows=rows,
        clients=Client.objects.all(),
        documents=named.__class__.objects.all(),
    )
    assert [r.outcome for r in results] == ["created", "skipped"]
    payment = Payment.objects.get(pk=results[0].payment_id)
    assert payment.source == PaymentSource.BANK_STATEMENT and payment.method == "bank"
    named.refresh_from_db()
    older.refresh_from_db()
    assert named.status == DocStatus.PAID  # the invoice named in the purpose, not the oldest
    assert older.paid_amount == 0
    again = st.statement_import(
        actor=users["accountant"],
        rows=rows,
        clients=Client.objects.all(),
        documents=named.__class__.objects.all(),
    )
    assert [r.outcome for r in again] == ["duplicate", "skipped"]
    assert Payment.objects.count() == 1


def test_a_failing_row_is_reported_and_the_others_go_on(payer, users, monkeypatch):
    from billing.services import payments

    real = payments.payment_record

    def flaky(**kwargs):
        if kwargs["amount"] == Decimal("13.00"):
            raise ValidationError({"amount": "Несчастливая сумма"})
        return real(**kwargs)

    monkeypatch.setattr(payments, "payment_record", flaky)
    rows = [
        _row(index=0, amount="13.00", number="1", client_id=payer.pk),
        _row(index=1, amount="14.00", number="2", client_id=payer.pk),
    ]
    results = st.statement_import(
        actor=users["accountant"],
        rows=rows,
        clients=Client.objects.all(),
        documents=Payment.objects.none(),
    )
    assert [r.outcome for r in results] == ["error", "created"]
    assert "Несчастливая" in results[0].reason


def test_kept_statement_is_only_for_its_uploader(users, settings, tmp_path):
    parsed = st.ParsedStatement(rows=[_row()], filename="a.xlsx")
    token = st.statement_store(parsed, user_id=users["accountant"].pk)
    assert st.statement_load(token, user_id=users["accountant"].pk).rows[0].amount == "500.00"
    assert st.statement_load(token, user_id=users["admin"].pk) is None
    assert st.statement_load("../../etc/passwd", user_id=users["accountant"].pk) is None


# --- Pages ----------------------------------------------------------------------------------------
def test_upload_review_and_import_through_the_pages(client_for, payer, org, branch):
    invoice = make_invoice(payer, amount="1200.00", organisation=org)
    stranger_inn = "7712345678"
    content = _one_c(
        [
            {
                "Номер": "501",
                "Дата": TODAY.strftime("%d.%m.%Y"),
                "Сумма": "1200.00",
                "ПлательщикИНН": payer.inn,
                "Плательщик1": payer.name,
                "ПолучательИНН": org.inn,
                "НазначениеПлатежа": f"Оплата по счёту {invoice.number}",
            },
            {
                "Номер": "502",
                "Дата": TODAY.strftime("%d.%m.%Y"),
                "Сумма": "300.00",
                "ПлательщикИНН": stranger_inn,
                "Плательщик1": "Неизвестный",
                "ПолучательИНН": org.inn,
                "НазначениеПлатежа": "Оплата за ковры",
            },
        ]
    )
    http = client_for("accountant")
    response = http.post(
        reverse("billing:statement-upload"),
        {"file": SimpleUploadedFile("kl_to_1c.txt", content, "text/plain")},
    )
    assert response.status_code == 302
    review_url = response["Location"]
    html = http.get(review_url).content.decode()
    assert 'data-matched="1"' in html and 'data-matched="0"' in html
    assert invoice.number in html and "not matched" in html
    # the accountant picks the client for the unmatched row, and imports both
    response = http.post(
        review_url, {"use_0": "on", "client_0": payer.pk, "use_1": "on", "client_1": payer.pk}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-outcome="created"') == 2
    invoice.refresh_from_db()
    assert invoice.status == DocStatus.PAID
    payer.refresh_from_db()
    assert payer.balance == Decimal("300.00")
    # the same statement again: duplicates, nothing new
    response = http.post(
        review_url, {"use_0": "on", "client_0": payer.pk, "use_1": "on", "client_1": payer.pk}
    )
    assert response.content.decode().count('data-outcome="duplicate"') == 2
    assert Payment.objects.count() == 2


def test_upload_of_a_wrong_file_shows_the_error(client_for):
    response = client_for("accountant").post(
        reverse("billing:statement-upload"),
        {"file": SimpleUploadedFile("notes.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 200
    assert "Upload an .xlsx statement" in response.content.decode()


def test_xlsx_upload_through_the_page(client_for, payer, org):
    content = _xlsx(
        [[TODAY, 250, payer.name, payer.inn, "Аванс", "9"]],
        ["Date", "Amount", "Payer", "Payer INN", "Purpose", "Document number"],
        preamble=0,
    )
    http = client_for("accountant")
    response = http.post(
        reverse("billing:statement-upload"),
        {"file": SimpleUploadedFile("statement.xlsx", content)},
    )
    assert response.status_code == 302
    html = http.get(response["Location"]).content.decode()
    assert 'data-matched="1"' in html


def test_another_users_review_token_is_404(client_for, users):
    token = st.statement_store(st.ParsedStatement(rows=[]), user_id=users["accountant"].pk)
    url = reverse("billing:statement-review", args=[token])
    assert client_for("admin").get(url).status_code == 404
    assert client_for("accountant").get(url).status_code == 200
