"""The "document package" service: one PDF (invoice, proposal, then the contract) or a zip,
e-mailed after commit with the timeline entry and ``sent_at``; foreign documents refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from billing.models import DocKind
from billing.services.documents import document_create, document_issue
from billing.services.package import build_package, client_email, email_package
from crm.core.models import TimelineEntry
from tests.billing.bulk_factories import make_contract
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(branch):
    return make_organisation(branch)


@pytest.fixture
def shop(branch):
    return make_billing_client(branch, name="Кафе «Север»")


def _proposal(client, org):
    draft = document_create(
        actor=None,
        kind=DocKind.PROPOSAL,
        client=client,
        organisation=org,
        lines=[{"name": "Коврик 85×150", "quantity": 2, "unit_price": "450", "vat_rate": "20"}],
    )
    return document_issue(actor=None, document=draft)


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_one_pdf_holds_invoice_proposal_and_contract(org, shop):
    invoice = make_invoice(shop, organisation=org)
    proposal = _proposal(shop, org)
    contract = make_contract(shop, org, number="Д-77")
    name, content, content_type = build_package(
        shop, invoice=invoice, proposal=proposal, contract=contract
    )
    assert name.endswith(".pdf") and content_type == "application/pdf"
    text = _text(content)
    assert invoice.number in text and proposal.number in text and "Д-77" in text
    assert text.index(invoice.number) < text.index("Д-77")


def test_zip_has_one_pdf_per_document(org, shop):
    invoice = make_invoice(shop, organisation=org)
    contract = make_contract(shop, org)
    name, content, content_type = build_package(
        shop, invoice=invoice, contract=contract, as_zip=True
    )
    assert name.endswith(".zip") and content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert len(archive.namelist()) == 2
    assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())


def test_foreign_or_void_documents_are_refused(org, shop, branch):
    other = make_billing_client(branch, name="Другой")
    theirs = make_invoice(other, organisation=org)
    with pytest.raises(ValidationError):
        build_package(shop, invoice=theirs)
    with pytest.raises(ValidationError):
        build_package(shop)
    with pytest.raises(ValidationError):
        build_package(shop, invoice=_proposal(shop, org))  # not an invoice


def test_email_package_sends_after_commit(
    org, shop, users, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = make_invoice(shop, organisation=org)
    shop.emails.create(email="buh@sever.ru")
    assert client_email(shop) == "buh@sever.ru"
    with django_capture_on_commit_callbacks(execute=True):
        email_package(
            actor=users["accountant"], client=shop, to=client_email(shop), invoice=invoice
        )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["buh@sever.ru"] and invoice.number in message.body
    assert message.attachments[0][2] == "application/pdf"
    invoice.refresh_from_db()
    assert invoice.sent_at is not None
    entry = TimelineEntry.objects.get(kind=TimelineEntry.Kind.EMAIL)
    assert entry.target == shop and entry.author == users["accountant"]


def test_email_package_needs_an_address(org, shop, mailoutbox):
    invoice = make_invoice(shop, organisation=org)
    with pytest.raises(ValidationError) as error:
        email_package(actor=None, client=shop, to="", invoice=invoice)
    assert "to" in error.value.error_dict
    assert mailoutbox == []
