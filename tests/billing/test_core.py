"""Core billing rules: totals and VAT rounding, gapless numbering under concurrency, issue / void,
allocation rules and the ledger's balance invariant."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from billing.models import DocKind, DocStatus, Document, DocumentSequence, LedgerEntry
from billing.services.documents import (
    document_derive,
    document_issue,
    document_replace_lines,
    document_void,
    mark_overdue,
)
from billing.services.numbering import next_number
from billing.services.payments import allocate_oldest_first, payment_allocate, payment_record
from billing.services.totals import line_amounts
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price", "rate", "included", "amount", "vat"),
    [
        ("1", "120.00", "20", True, "120.00", "20.00"),
        ("3", "33.33", "20", True, "99.99", "16.67"),  # 99.99 × 20 / 120 = 16.665 → 16.67
        ("1", "100.00", "20", False, "120.00", "20.00"),
        ("2.5", "10.01", "10", True, "25.03", "2.28"),  # 25.025 → 25.03; 25.03 × 10/110 = 2.2755
        ("1", "999.99", "none", True, "999.99", "0.00"),
        ("1", "0.05", "20", True, "0.05", "0.01"),  # 0.0083 → 0.01 half-up
        ("7", "0.01", "0", True, "0.07", "0.00"),
        ("1", "105.00", "5", True, "105.00", "5.00"),
        ("1", "122.00", "22", True, "122.00", "22.00"),
    ],
)
def test_line_amounts_round_half_up_at_the_line(quantity, price, rate, included, amount, vat):
    assert line_amounts(quantity, price, rate, prices_include_vat=included) == (D(amount), D(vat))


def test_document_totals_are_sums_of_lines_and_mixed_vat_rates(branch):
    client = make_billing_client(branch)
    make_organisation(branch)
    from billing.services.documents import document_create

    doc = document_create(
        actor=None,
        kind=DocKind.INVOICE,
        client=client,
        lines=[
            {"name": "A", "quantity": 3, "unit_price": "33.33", "vat_rate": "20"},
            {"name": "B", "quantity": 1, "unit_price": "110.00", "vat_rate": "10"},  # old rate
            {"name": "C", "quantity": 2, "unit_price": "50.00", "vat_rate": "none"},
        ],
    )
    assert doc.total == D("309.99")
    assert doc.vat_total == D("16.67") + D("10.00")
    assert doc.subtotal == doc.total - doc.vat_total


def test_bad_lines_are_refused_with_every_field_named(branch):
    client = make_billing_client(branch)
    make_organisation(branch)
    from billing.services.documents import document_create

    with pytest.raises(ValidationError) as caught:
        document_create(
            actor=None,
            kind=DocKind.INVOICE,
            client=client,
            lines=[{"name": "", "quantity": "-1", "unit_price": "abc", "vat_rate": "13"}],
        )
    fields = set(caught.value.message_dict)
    assert {"lines.0.name", "lines.0.quantity", "lines.0.unit_price", "lines.0.vat_rate"} <= fields
    assert not Document.objects.exists()


def test_numbers_are_per_kind_organisation_and_year(branch, db):
    org, other = make_organisation(branch), make_organisation()
    day = datetime.date(2026, 11, 23)
    with transaction.atomic():
        assert next_number(organisation=org, kind=DocKind.INVOICE, on=day) == "СЧ-2026-000001"
        assert next_number(organisation=org, kind=DocKind.INVOICE, on=day) == "СЧ-2026-000002"
        assert next_number(organisation=org, kind=DocKind.ACT, on=day) == "АКТ-2026-000001"
        assert next_number(organisation=other, kind=DocKind.INVOICE, on=day) == "СЧ-2026-000001"
        next_year = datetime.date(2027, 1, 1)
        assert next_number(organisation=org, kind=DocKind.INVOICE, on=next_year) == (
            "СЧ-2027-000001"
        )


def test_a_rolled_back_issue_gives_its_number_back(branch, db):
    org = make_organisation(branch)
    day = datetime.date(2026, 11, 23)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(organisation=org, kind=DocKind.INVOICE, on=day)
        raise RuntimeError("crash after numbering")
    with transaction.atomic():
        assert next_number(organisation=org, kind=DocKind.INVOICE, on=day) == "СЧ-2026-000001"


@pytest.mark.django_db(transaction=True)
def test_numbering_is_gapless_under_concurrent_issuing(branch):
    org = make_organisation(branch)
    client = make_billing_client(branch)
    drafts = [make_invoice(client, issue=False, organisation=org) for _ in range(16)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def issue(chunk):
        try:
            barrier.wait()
            for draft in chunk:
                document_issue(actor=None, document=draft)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(drafts[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    year = drafts[0].date.year
    numbers = sorted(Document.objects.values_list("number", flat=True))
    assert numbers == [f"СЧ-{year}-{n:06d}" for n in range(1, 17)]
    assert DocumentSequence.objects.get(organisation=org, kind=DocKind.INVOICE).last_number == 16


def test_issue_posts_the_debt_and_an_issued_invoice_cannot_be_edited(branch):
    make_organisation(branch)
    client = make_billing_client(branch)
    invoice = make_invoice(client, amount="1200.00")
    client.refresh_from_db()
    assert invoice.status == DocStatus.ISSUED and invoice.due_date is not None
    assert client.balance == D("-1200.00") and client.debt == D("1200.00")
    with pytest.raises(ValidationError, match="credit note"):
        document_replace_lines(
            actor=None, document=invoice, lines=[{"name": "x", "quantity": 1, "unit_price": 1}]
        )


def test_void_needs_a_reason_keeps_the_number_and_releases_payments(branch):
    make_organisation(branch)
    client = make_billing_client(branch)
    invoice = make_invoice(client, amount="500.00")
    payment_record(actor=None, client=client, amount="300.00", method="cash")
    invoice.refresh_from_db()
    assert invoice.status == DocStatus.PARTLY_PAID
    with pytest.raises(ValidationError):
        document_void(actor=None, document=invoice, reason="  ")
    document_void(actor=None, document=invoice, reason="Wrong client")
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert invoice.status == DocStatus.VOID and invoice.number.startswith("СЧ-")
    assert client.balance == D("300.00") and client.debt == D("0.00")
    payment = client.payments.get()
    assert payment.allocated == D("0.00")


def test_allocation_oldest_first_then_overpayment_stays_on_balance(branch):
    make_organisation(branch)
    client = make_billing_client(branch)
    today = datetime.date.today()
    older = make_invoice(client, amount="100.00", due_date=today + datetime.timedelta(days=1))
    newer = make_invoice(client, amount="200.00", due_date=today + datetime.timedelta(days=9))
    payment = payment_record(actor=None, client=client, amount="350.00", method="bank")
    older.refresh_from_db()
    newer.refresh_from_db()
    client.refresh_from_db()
    assert (older.status, newer.status) == (DocStatus.PAID, DocStatus.PAID)
    assert payment.allocations.count() == 2
    payment.refresh_from_db()
    assert payment.unallocated == D("50.00")
    assert client.balance == D("50.00") and client.debt == D("0.00")
    # the next invoice is settled from the balance when asked
    third = make_invoice(client, amount="80.00")
    allocate_oldest_first(actor=None, payment=payment)
    third.refresh_from_db()
    assert third.paid_amount == D("50.00") and third.status == DocStatus.PARTLY_PAID


def test_manual_allocation_refuses_bad_input(branch):
    make_organisation(branch)
    client, stranger = make_billing_client(branch), make_billing_client(branch)
    invoice = make_invoice(client, amount="100.00")
    foreign = make_invoice(stranger, amount="100.00")
    payment = payment_record(
        actor=None, client=client, amount="150.00", method="cash", allocate=False
    )
    for bad in ("-5", "0", "abc"):
        with pytest.raises(ValidationError):
            payment_allocate(actor=None, payment=payment, document=invoice, amount=bad)
    with pytest.raises(ValidationError, match="only needs"):
        payment_allocate(actor=None, payment=payment, document=invoice, amount="120")
    with pytest.raises(ValidationError, match="another client"):
        payment_allocate(actor=None, payment=payment, document=foreign, amount="10")
    payment_allocate(actor=None, payment=payment, document=invoice, amount="40")
    with pytest.raises(ValidationError, match="already allocated"):
        payment_allocate(actor=None, payment=payment, document=invoice, amount="10")


def test_payment_is_idempotent_on_its_external_key(branch):
    make_organisation(branch)
    client = make_billing_client(branch)
    first = payment_record(actor=None, client=client, amount="10", method="cash", external_key="k1")
    again = payment_record(actor=None, client=client, amount="10", method="cash", external_key="k1")
    assert first.pk == again.pk
    assert LedgerEntry.objects.filter(payment=first).count() == 1


def test_credit_note_settles_its_invoice_and_overdue_marking(branch):
    make_organisation(branch)
    client = make_billing_client(branch)
    past = datetime.date.today() - datetime.timedelta(days=20)
    invoice = make_invoice(client, amount="240.00", date=past, due_date=past)
    assert mark_overdue() == 1
    invoice.refresh_from_db()
    assert invoice.status == DocStatus.OVERDUE
    client.refresh_from_db()
    assert client.overdue_debt == D("240.00")
    note = document_derive(actor=None, basis=invoice, kind=DocKind.CREDIT_NOTE)
    document_issue(actor=None, document=note)
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert invoice.status == DocStatus.PAID
    assert client.balance == D("0.00") and client.debt == D("0.00")
    act = document_derive(actor=None, basis=invoice, kind=DocKind.ACT)
    assert act.total == invoice.total and act.basis == invoice
    with pytest.raises(ValidationError, match="already exists"):
        document_derive(actor=None, basis=invoice, kind=DocKind.ACT)


def test_ledger_sum_is_the_balance(branch):
    make_organisation(branch)
    client = make_billing_client(branch)
    a = make_invoice(client, amount="100.00")
    make_invoice(client, amount="55.55")
    payment_record(actor=None, client=client, amount="70.00", method="card")
    document_void(actor=None, document=a, reason="duplicate")
    client.refresh_from_db()
    total = sum(LedgerEntry.objects.filter(client=client).values_list("amount", flat=True))
    assert total == client.balance == D("14.45")
