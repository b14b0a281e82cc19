"""The documents pages through HTTP: the list (filters, totals, .xlsx, bounded queries), a
document's page and its actions (issue, void, derive, PDF, .xlsx, e-mail), creating documents
(manual lines, completed orders, contract month), editing drafts and refusing issued ones, the
client card's tab, and another manager's client's documents answering 404."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from billing.models import DocKind, DocSource, DocStatus, Document
from billing.services.documents import document_void
from crm.core.models import TimelineEntry
from crm.orders.models import OrderStatus
from crm.orders.services import order_transition
from tests.billing.bulk_factories import make_contract
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation
from tests.orders.factories import make_order, make_product

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def org(branch):
    return make_organisation(branch)


@pytest.fixture
def shop(branch, users):
    return make_billing_client(branch, name="Кафе «Север»", manager=users["manager"])


@pytest.fixture
def foreign(branch, make_user):
    other = make_user("manager", username="other_manager")
    return make_billing_client(branch, name="Чужой клиент", manager=other)


def _completed_order(client, admin, amount="1500.00"):
    product = make_product(name="Замена ковра", price=Decimal(amount))
    order = make_order(client=client, product=product)
    for target in (OrderStatus.CONFIRMED, OrderStatus.IN_WORK, OrderStatus.COMPLETED):
        order = order_transition(actor=admin, order=order, target=target)
    return order


def _lines(*rows, prefix="lines"):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


LINE = {
    "name": "Аренда ковра",
    "unit": "pcs",
    "quantity": "2",
    "unit_price": "600",
    "vat_rate": "20",
}


# --- The list -------------------------------------------------------------------------------------
def test_list_filters_and_totals(client_for, org, shop):
    paid_late = make_invoice(shop, amount="1000.00", organisation=org)
    late = make_invoice(
        shop,
        amount="300.00",
        organisation=org,
        date=TODAY - datetime.timedelta(days=40),
        due_date=TODAY - datetime.timedelta(days=30),
    )
    draft = make_invoice(shop, amount="50.00", organisation=org, issue=False)
    voided = make_invoice(shop, amount="999.00", organisation=org)
    document_void(actor=None, document=voided, reason="ошибка")
    url = reverse("billing:document-list")
    http = client_for("accountant")

    page = http.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert paid_late.number in body and late.number in body and voided.number in body
    assert page.context["totals"]["count"] == 4
    assert page.context["totals"]["total"] == Decimal("1350.00")  # the void one adds nothing

    late_only = http.get(url, {"status": "overdue"})
    assert [d.pk for d in late_only.context["page"]] == [late.pk]
    assert late_only.context["totals"]["outstanding"] == Decimal("300.00")
    issued = http.get(url, {"status": "issued"})
    assert [d.pk for d in issued.context["page"]] == [paid_late.pk]
    by_number = http.get(url, {"q": late.number[-4:]})
    assert late.pk in [d.pk for d in by_number.context["page"]]
    drafts = http.get(url, {"status": "draft", "kind": "invoice", "client": shop.pk})
    assert [d.pk for d in drafts.context["page"]] == [draft.pk]
    period = http.get(
        url,
        {
            "date_from": (TODAY - datetime.timedelta(days=41)).isoformat(),
            "date_to": (TODAY - datetime.timedelta(days=39)).isoformat(),
        },
    )
    assert [d.pk for d in period.context["page"]] == [late.pk]

    partial = http.get(url, {"kind": "invoice"}, **HTMX)
    assert b'id="document-table"' in partial.content and b"<html" not in partial.content


def test_list_query_count_does_not_grow(client_for, org, shop, branch):
    http = client_for("accountant")
    url = reverse("billing:document-list")
    make_invoice(shop, organisation=org)
    with CaptureQueriesContext(connection) as few:
        assert http.get(url).status_code == 200
    for n in range(12):
        other = make_billing_client(branch, name=f"Клиент {n}")
        make_invoice(other, organisation=org)
    with CaptureQueriesContext(connection) as many:
        assert http.get(url).status_code == 200
    assert len(many) <= len(few)


def test_list_export_xlsx(client_for, org, shop):
    invoice = make_invoice(shop, amount="1234.50", organisation=org)
    response = client_for("accountant").get(reverse("billing:document-export"), {"kind": "invoice"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == invoice.number and rows[1][3] == "Кафе «Север»"
    assert Decimal(str(rows[-1][7])) == Decimal("1234.50")


def test_manager_sees_only_own_clients_documents(client_for, org, shop, foreign):
    own = make_invoice(shop, organisation=org)
    theirs = make_invoice(foreign, organisation=org)
    draft = make_invoice(foreign, organisation=org, issue=False)
    http = client_for("manager")
    listed = http.get(reverse("billing:document-list"))
    assert [d.pk for d in listed.context["page"]] == [own.pk]
    for name in (
        "document-detail",
        "document-pdf",
        "document-xlsx",
        "document-void",
        "document-email",
    ):
        assert http.get(reverse(f"billing:{name}", args=[theirs.pk])).status_code == 404, name
    assert http.post(reverse("billing:document-issue", args=[draft.pk])).status_code == 404
    assert (
        http.post(reverse("billing:document-void", args=[theirs.pk]), {"reason": "x"}).status_code
        == 404
    )
    for name in (
        "document-create",
        "document-from-orders",
        "document-from-contract",
        "client-package",
    ):
        assert http.get(reverse(f"billing:{name}", args=[foreign.pk])).status_code == 404, name
    assert (
        http.post(
            reverse("billing:client-package-email", args=[foreign.pk]),
            {"invoice": theirs.pk, "format": "pdf", "to": "a@b.ru"},
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    draft.refresh_from_db()
    assert theirs.status == DocStatus.ISSUED and draft.status == DocStatus.DRAFT
    assert theirs.sent_at is None


def test_operator_is_refused(client_for, org, shop):
    invoice = make_invoice(shop, organisation=org)
    http = client_for("operator")
    assert http.get(reverse("billing:document-list")).status_code == 403
    assert http.get(reverse("billing:document-detail", args=[invoice.pk])).status_code == 403


# --- A document and its actions ------------------------------------------------------------------
def test_detail_shows_lines_totals_history_and_actions(client_for, org, shop):
    invoice = make_invoice(shop, amount="1200.00", organisation=org)
    page = client_for("accountant").get(reverse("billing:document-detail", args=[invoice.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert invoice.number in body and "Аренда ковров" in body
    assert 'id="document-void"' in body and 'data-derive="act"' in body
    assert 'data-derive="credit_note"' in body and 'id="document-issue"' not in body
    assert list(page.context["history"])  # the issue is on the status history
    reader = client_for("director").get(reverse("billing:document-detail", args=[invoice.pk]))
    assert 'id="document-void"' not in reader.content.decode()


def test_issue_then_void_keeps_the_number(client_for, org, shop):
    draft = make_invoice(shop, organisation=org, issue=False)
    http = client_for("accountant")
    response = http.post(reverse("billing:document-issue", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == DocStatus.ISSUED and draft.number
    number = draft.number

    refused = http.post(reverse("billing:document-void", args=[draft.pk]), {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why the document is voided." in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == DocStatus.ISSUED

    done = http.post(
        reverse("billing:document-void", args=[draft.pk]), {"reason": "Ошибка в сумме"}
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.status == DocStatus.VOID and draft.number == number
    assert draft.void_reason == "Ошибка в сумме"


def test_derive_act_and_credit_note_permission(client_for, org, shop):
    invoice = make_invoice(shop, organisation=org)
    http = client_for("accountant")
    response = http.post(reverse("billing:document-derive", args=[invoice.pk, "act"]))
    act = Document.objects.get(basis=invoice, kind=DocKind.ACT)
    assert response["Location"] == reverse("billing:document-detail", args=[act.pk])
    again = http.post(reverse("billing:document-derive", args=[invoice.pk, "act"]), follow=True)
    assert "already exists" in again.content.decode()
    assert Document.objects.filter(basis=invoice, kind=DocKind.ACT).count() == 1
    assert (
        http.post(reverse("billing:document-derive", args=[invoice.pk, "nonsense"])).status_code
        == 404
    )


def test_pdf_and_xlsx_downloads(client_for, org, shop):
    invoice = make_invoice(shop, organisation=org)
    http = client_for("head_of_sales")
    pdf = http.get(reverse("billing:document-pdf", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"
    xlsx = http.get(reverse("billing:document-xlsx", args=[invoice.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_email_document_after_commit(
    client_for, org, shop, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = make_invoice(shop, organisation=org)
    shop.emails.create(email="buh@sever.ru")
    http = client_for("accountant")
    form = http.get(reverse("billing:document-email", args=[invoice.pk]))
    assert form.context["form"].initial["to"] == "buh@sever.ru"
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            reverse("billing:document-email", args=[invoice.pk]), {"to": "buh@sever.ru"}
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["buh@sever.ru"]
    assert mailoutbox[0].attachments[0][0].endswith(".pdf")
    invoice.refresh_from_db()
    assert invoice.sent_at is not None
    bad = http.post(reverse("billing:document-email", args=[invoice.pk]), {"to": "not-an-email"})
    assert bad.status_code == 400 and bad.context["form"].errors["to"]


# --- Creating and editing -------------------------------------------------------------------------
def test_manual_invoice_with_lines(client_for, org, shop):
    http = client_for("manager")
    url = reverse("billing:document-create", args=[shop.pk])
    assert http.get(url).status_code == 200
    data = {"kind": "invoice", "date": TODAY.isoformat(), "due_date": "", "note": ""}
    data |= _lines(
        LINE, {"name": "", "unit": "pcs", "quantity": "", "unit_price": "", "vat_rate": "20"}
    )
    response = http.post(url, data)
    assert response.status_code == 302
    document = Document.objects.get(client=shop)
    assert document.status == DocStatus.DRAFT and document.total == Decimal("1200.00")
    assert document.vat_total == Decimal("200.00") and document.lines.count() == 1


def test_manual_document_bad_input_rerenders(client_for, org, shop):
    http = client_for("manager")
    url = reverse("billing:document-create", args=[shop.pk])
    nameless = {"kind": "proposal", "date": TODAY.isoformat()}
    nameless |= _lines(
        {"name": "", "unit": "pcs", "quantity": "1", "unit_price": "10", "vat_rate": "20"}
    )
    response = http.post(url, nameless)
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["name"]
    empty = {"kind": "invoice", "date": TODAY.isoformat()} | _lines()
    response = http.post(url, empty)
    assert response.status_code == 400 and "Add at least one line." in response.content.decode()
    late = {
        "kind": "invoice",
        "date": TODAY.isoformat(),
        "due_date": (TODAY - datetime.timedelta(days=1)).isoformat(),
    } | _lines(LINE)
    response = http.post(url, late)
    assert response.status_code == 400 and response.context["form"].errors["due_date"]
    assert not Document.objects.filter(client=shop).exists()


def test_proposal_from_catalogue_product(client_for, org, shop):
    product = make_product(name="Коврик 85×150", price=Decimal("450.00"))
    data = {"kind": "proposal", "date": TODAY.isoformat()}
    data |= _lines(
        {
            "product": str(product.pk),
            "name": "",
            "unit": "pcs",
            "quantity": "3",
            "unit_price": "",
            "vat_rate": "20",
        }
    )
    response = client_for("manager").post(reverse("billing:document-create", args=[shop.pk]), data)
    assert response.status_code == 302
    proposal = Document.objects.get(client=shop, kind=DocKind.PROPOSAL)
    line = proposal.lines.get()
    assert line.name == "Коврик 85×150" and proposal.total == Decimal("1350.00")


def test_edit_draft_and_refuse_issued(client_for, org, shop):
    draft = make_invoice(shop, organisation=org, issue=False)
    http = client_for("accountant")
    url = reverse("billing:document-edit", args=[draft.pk])
    form = http.get(url)
    assert (
        form.status_code == 200
        and form.context["formset"].forms[0].initial["name"] == "Аренда ковров"
    )
    data = {"kind": "invoice", "date": TODAY.isoformat(), "note": "Правка"}
    data |= _lines(LINE, {**LINE, "name": "Доставка", "quantity": "1", "unit_price": "300"})
    assert http.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.total == Decimal("1500.00") and draft.lines.count() == 2 and draft.note == "Правка"

    issued = make_invoice(shop, organisation=org)
    refused = http.post(reverse("billing:document-edit", args=[issued.pk]), data, follow=True)
    assert "void it and issue a new one, or issue a credit note" in refused.content.decode()
    issued.refresh_from_db()
    assert issued.total == Decimal("1000.00")


def test_invoice_for_completed_orders(client_for, org, shop, users):
    first = _completed_order(shop, users["admin"], "1500.00")
    second = _completed_order(shop, users["admin"], "500.00")
    make_order(client=shop)  # not completed: not offered
    http = client_for("manager")
    url = reverse("billing:document-from-orders", args=[shop.pk])
    page = http.get(url)
    offered = {o.pk for o in page.context["form"].fields["orders"].queryset}
    assert offered == {first.pk, second.pk}
    assert http.post(url, {}).status_code == 400
    response = http.post(url, {"orders": [first.pk]})
    assert response.status_code == 302
    invoice = Document.objects.get(client=shop, source=DocSource.ORDER)
    assert list(invoice.orders.all()) == [first] and invoice.total == Decimal("1500.00")
    offered = {o.pk for o in http.get(url).context["form"].fields["orders"].queryset}
    assert offered == {second.pk}
    stale = http.post(url, {"orders": [first.pk]})
    assert stale.status_code == 400


def test_invoice_from_contract_month(client_for, org, shop):
    contract = make_contract(shop, org, price="1000.00", quantity="4")
    http = client_for("accountant")
    url = reverse("billing:document-from-contract", args=[shop.pk])
    assert http.get(url).status_code == 200
    bad = http.post(url, {"contract": contract.pk, "month": "2026-13"})
    assert bad.status_code == 400 and bad.context["form"].errors["month"]
    response = http.post(url, {"contract": contract.pk, "month": "2026-11"})
    assert response.status_code == 302
    invoice = Document.objects.get(contract=contract)
    assert invoice.period_start == datetime.date(2026, 11, 1)
    assert invoice.period_end == datetime.date(2026, 11, 30)
    assert invoice.total == Decimal("4000.00")
    twice = http.post(url, {"contract": contract.pk, "month": "2026-11"})
    assert twice.status_code == 400 and "already invoiced" in twice.content.decode()


# --- The card tab and the package -----------------------------------------------------------------
def test_card_tab_lists_documents_with_outstanding(client_for, org, shop):
    make_invoice(shop, amount="700.00", organisation=org)
    make_invoice(shop, amount="10.00", organisation=org, issue=False)
    http = client_for("manager")
    response = http.get(reverse("clients:client-tab", args=[shop.pk, "documents"]), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="doc-from-orders"' in body and 'id="package-form"' in body
    assert 'id="client-documents-outstanding"' in body and "700" in body
    reader = client_for("director").get(
        reverse("clients:client-tab", args=[shop.pk, "documents"]), **HTMX
    )
    assert 'id="doc-from-orders"' not in reader.content.decode()


def test_package_download_pdf_and_zip(client_for, org, shop):
    invoice = make_invoice(shop, organisation=org)
    contract = make_contract(shop, org)
    http = client_for("accountant")
    url = reverse("billing:client-package", args=[shop.pk])
    page = http.get(url)
    assert page.context["form"].initial["invoice"] == invoice.pk
    one = http.post(url, {"invoice": invoice.pk, "contract": contract.pk, "format": "pdf"})
    assert one.status_code == 200 and one.content.startswith(b"%PDF")
    archive = http.post(url, {"invoice": invoice.pk, "contract": contract.pk, "format": "zip"})
    assert archive["Content-Type"] == "application/zip"
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    nothing = http.post(url, {"format": "pdf"})
    assert nothing.status_code == 400


def test_package_email_after_commit_logs_timeline(
    client_for, org, shop, users, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = make_invoice(shop, organisation=org)
    contract = make_contract(shop, org)
    shop.contacts.create(name="Анна", email="anna@sever.ru")
    http = client_for("manager")
    url = reverse("billing:client-package-email", args=[shop.pk])
    data = {"invoice": invoice.pk, "contract": contract.pk, "format": "zip", "to": "anna@sever.ru"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = http.post(url, data)
        assert mailoutbox == []  # nothing leaves before the commit
    assert response.status_code == 302
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["anna@sever.ru"]
    assert mailoutbox[0].attachments[0][0].endswith(".zip")
    invoice.refresh_from_db()
    assert invoice.sent_at is not None
    entry = TimelineEntry.objects.filter(kind=TimelineEntry.Kind.EMAIL).get()
    assert entry.target == shop and invoice.number in entry.body


def test_package_email_refuses_drafts_and_missing_address(client_for, org, shop, mailoutbox):
    draft = make_invoice(shop, organisation=org, issue=False)
    http = client_for("accountant")
    url = reverse("billing:client-package-email", args=[shop.pk])
    refused = http.post(url, {"invoice": draft.pk, "format": "pdf", "to": "a@b.ru"})
    assert refused.status_code == 400 and "issue it before sending" in refused.content.decode()
    invoice = make_invoice(shop, organisation=org)
    no_address = http.post(url, {"invoice": invoice.pk, "format": "pdf", "to": ""})
    assert no_address.status_code == 400
    assert mailoutbox == []
    assert not Document.objects.filter(sent_at__isnull=False).exists()
