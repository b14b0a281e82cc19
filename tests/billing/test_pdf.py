"""Documents as PDFs with Cyrillic text (extracted back with pypdf) and as .xlsx."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from billing import pdf
from billing.models import DocKind, DocumentTemplate, SupplementaryAgreement
from billing.services.documents import document_derive
from billing.xlsx import document_xlsx
from tests.billing.bulk_factories import make_contract
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def fonts_of(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def invoice(branch):
    organisation = make_organisation(branch)
    client = make_billing_client(branch, name="ООО «Ромашка»", kind="company")
    return make_invoice(client, amount="1234.50", organisation=organisation)


def test_invoice_pdf_has_cyrillic_client_number_and_words(invoice) -> None:
    content = pdf.render_document_pdf(invoice)
    text = text_of(content)
    assert "ООО «Ромашка»" in text
    assert invoice.number in text
    assert "Счёт на оплату" in text
    assert "Одна тысяча двести тридцать четыре рубля 50 копеек" in text
    assert "ПАО Сбербанк" in text and invoice.organisation.inn in text
    assert "1 234,50" in text.replace("\xa0", " ")
    assert any(name.endswith("+Kolo-Sans") for name in fonts_of(content))  # DejaVu, embedded


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (DocKind.ACT, "Акт №"),
        (DocKind.WAYBILL, "Товарная накладная"),
        (DocKind.VAT_INVOICE, "Счёт-фактура"),
    ],
)
def test_derived_documents_render(invoice, kind: str, title: str) -> None:
    derived = document_derive(actor=None, basis=invoice, kind=kind)
    text = text_of(pdf.render_document_pdf(derived))
    assert title in text
    assert "ООО «Ромашка»" in text
    assert "Одна тысяча двести тридцать четыре рубля 50 копеек" in text


def test_many_documents_in_one_pdf(invoice, branch) -> None:
    other = make_invoice(invoice.client, amount="2", organisation=invoice.organisation)
    content = pdf.render_documents_pdf([invoice, other])
    text = text_of(content)
    assert invoice.number in text and other.number in text
    assert "Два рубля 00 копеек" in text
    assert len(PdfReader(io.BytesIO(content)).pages) == 2


def test_facsimile_only_when_asked(invoice) -> None:
    from django.core.files.base import ContentFile

    org = invoice.organisation
    org.signature_image.save("sign.png", ContentFile(PNG), save=False)
    org.stamp_image.save("stamp.png", ContentFile(PNG))
    assert "data:image/png" in pdf.document_html(invoice, facsimile=True)
    assert "data:image/png" not in pdf.document_html(invoice, facsimile=False)
    with_images = PdfReader(io.BytesIO(pdf.render_document_pdf(invoice, facsimile=True)))
    assert with_images.pages[0].images


def test_active_template_overrides_the_file(invoice) -> None:
    DocumentTemplate.objects.create(
        kind=DocKind.INVOICE, html="<p>Свой шаблон {{ doc.number }} для {{ client.name }}</p>"
    )
    text = text_of(pdf.render_document_pdf(invoice))
    assert f"Свой шаблон {invoice.number} для ООО «Ромашка»" in text
    DocumentTemplate.objects.update(is_active=False)
    assert "Счёт на оплату" in text_of(pdf.render_document_pdf(invoice))


def test_contract_pdf_prints_text_tariffs_and_agreements(branch) -> None:
    organisation = make_organisation(branch)
    client = make_billing_client(branch, name="ИП Петров Пётр")
    contract = make_contract(client, organisation, number="Д-77")
    SupplementaryAgreement.objects.create(
        contract=contract,
        number="ДС-1",
        signed_on=datetime.date(2026, 3, 1),
        text="Стороны договорились продлить договор.",
    )
    text = text_of(pdf.render_contract_pdf(contract))
    assert "Договор № Д-77" in text
    assert "Исполнитель оказывает услуги по аренде ковров" in text
    assert "ИП Петров Пётр" in text
    assert "Аренда ковра" in text
    assert "Дополнительное соглашение № ДС-1" in text


def test_store_document_pdf(invoice) -> None:
    pdf.store_document_pdf(invoice)
    invoice.refresh_from_db()
    assert invoice.pdf.name.endswith(".pdf")
    assert invoice.number in text_of(invoice.pdf.read())


def test_render_many_pdfs_in_process(invoice) -> None:
    other = make_invoice(invoice.client, amount="10", organisation=invoice.organisation)
    seen: list[tuple[int, int]] = []
    stats = pdf.render_many_pdfs(
        [invoice.pk, other.pk], workers=2, chunk_size=1, progress=lambda d, t: seen.append((d, t))
    )
    assert stats.documents == 2 and stats.pages == 2
    assert seen[-1] == (2, 2)
    other.refresh_from_db()
    assert other.number in text_of(other.pdf.read())


def test_xlsx_has_requisites_lines_and_totals(invoice) -> None:
    workbook = load_workbook(io.BytesIO(document_xlsx(invoice)))
    sheet = workbook.active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    flat = " ".join(str(v) for v in values)
    assert invoice.number in flat
    assert "ООО «Ромашка»" in flat
    assert "Аренда ковров" in flat
    assert Decimal("1234.50") in [Decimal(str(v)) for v in values if isinstance(v, (int, float))]
    assert "Одна тысяча двести тридцать четыре рубля 50 копеек" in flat
