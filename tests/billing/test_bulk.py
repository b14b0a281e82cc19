"""Bulk invoicing: the preview's counts and exceptions, the run (invoices, lines, ledger, money
state, PDFs, e-mails), idempotency under the unique constraint, a crash half-way then resume, the
pages and their permissions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from billing.models import (
    BillingPeriod,
    BulkRun,
    ContractStatus,
    DocKind,
    DocSource,
    DocStatus,
    Document,
    LedgerEntry,
)
from billing.services import bulk
from billing.services.documents import invoice_from_contract
from clients.models import ClientEmail
from crm.accounts.roles import Role
from crm.core.models import Job
from tests.billing.bulk_factories import make_contract
from tests.billing.core_factories import make_billing_client, make_organisation

pytestmark = pytest.mark.django_db

NOV = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


@pytest.fixture
def org(branch):
    return make_organisation(branch)


@pytest.fixture
def setup(branch, other_branch, org):
    """Two good contracts, one of each exception, one already invoiced, and noise."""
    good1 = make_contract(make_billing_client(branch, name="Альфа"), org, price="1000.00")
    good2 = make_contract(
        make_billing_client(branch, name="Бета"), org, price="250.50", quantity="2"
    )
    no_inn = make_contract(make_billing_client(branch, name="Без ИНН", inn=""), org)
    expired = make_contract(
        make_billing_client(branch, name="Истёк"), org, ends_on=datetime.date(2026, 10, 31)
    )
    zero = make_contract(make_billing_client(branch, name="Ноль"), org, price="0")
    done = make_contract(make_billing_client(branch, name="Уже"), org)
    invoice_from_contract(actor=None, contract=done, period_start=NOV[0], period_end=NOV[1])
    make_contract(make_billing_client(other_branch, name="Чужой"), org)  # another branch
    make_contract(make_billing_client(branch, name="Черновик"), org, status=ContractStatus.DRAFT)
    later = make_contract(
        make_billing_client(branch, name="С декабря"), org, starts_on=datetime.date(2026, 12, 1)
    )
    per_order = make_contract(make_billing_client(branch, name="Поштучно"), org)
    per_order.billing_period = BillingPeriod.PER_ORDER
    per_order.save()
    return {
        "good": [good1, good2],
        "no_inn": no_inn,
        "expired": expired,
        "zero": zero,
        "done": done,
        "later": later,
    }


def _run(branch, org, **fields) -> BulkRun:
    return BulkRun.objects.create(
        branch=branch, organisation=org, period_start=NOV[0], period_end=NOV[1], **fields
    )


def test_preview_counts_total_and_exceptions(branch, setup) -> None:
    preview = bulk.bulk_preview(branch, *NOV)
    assert preview.contracts == 2
    assert preview.clients == 2
    assert preview.total == Decimal("4000.00") + Decimal("501.00")
    assert preview.already_invoiced == 1
    assert preview.problem_counts == {"no_inn": 1, "expired": 1, "zero": 1}
    listed = {(e.contract.pk, e.problem) for e in preview.exceptions}
    assert listed == {
        (setup["no_inn"].pk, "no_inn"),
        (setup["expired"].pk, "expired"),
        (setup["zero"].pk, "zero"),
    }


def test_preview_query_count_does_not_grow(branch, org, setup, django_assert_max_num_queries):
    for n in range(15):
        make_contract(make_billing_client(branch, name=f"Ещё {n}", inn=""), org)
    with django_assert_max_num_queries(12):
        preview = bulk.bulk_preview(branch, *NOV)
        [e.contract.client.name for e in preview.exceptions]
    assert preview.problem_counts["no_inn"] == 16


def test_run_creates_issued_invoices_with_ledger_money_and_pdfs(branch, org, setup) -> None:
    run = _run(branch, org)
    summary = bulk.bulk_run_execute(run, workers=1)
    assert summary["created"] == 2 and summary["invoices"] == 2 and summary["pdfs"] == 2
    invoices = list(Document.objects.filter(bulk_run=run).order_by("number"))
    assert {d.contract_id for d in invoices} == {c.pk for c in setup["good"]}
    numbers = [d.number for d in invoices]
    assert numbers[0].startswith("СЧ-2026-") and len(set(numbers)) == 2
    first = Document.objects.get(contract=setup["good"][0], period_start=NOV[0])
    assert first.status == DocStatus.ISSUED and first.source == DocSource.BULK
    assert first.total == Decimal("4000.00") and first.vat_total == Decimal("666.67")
    assert first.due_date == NOV[0] + datetime.timedelta(days=10)
    assert first.period_end == NOV[1] and first.lines.count() == 1
    assert first.pdf.name.endswith(".pdf")
    entry = LedgerEntry.objects.get(document=first)
    assert entry.amount == Decimal("-4000.00")
    first.client.refresh_from_db()
    assert first.client.balance == Decimal("-4000.00") and first.client.debt == Decimal("4000.00")
    run.refresh_from_db()
    assert run.status == BulkRun.Status.DONE and run.finished_at


def test_run_twice_creates_nothing_new(branch, org, setup) -> None:
    run = _run(branch, org)
    bulk.bulk_run_execute(run, workers=1)
    again = bulk.bulk_run_execute(_run(branch, org), workers=1)
    assert again["created"] == 0
    assert Document.objects.filter(kind=DocKind.INVOICE, period_start=NOV[0]).count() == 3
    assert LedgerEntry.objects.filter(document__bulk_run=run).count() == 2


def test_the_database_refuses_a_second_invoice_for_the_contract_and_period(setup) -> None:
    existing = Document.objects.get(contract=setup["done"])
    existing.pk = None
    existing.number = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        existing.save()


def test_crash_half_way_then_resume(branch, org, monkeypatch) -> None:
    contracts = [
        make_contract(make_billing_client(branch, name=f"Клиент {n}"), org) for n in range(5)
    ]
    real = bulk.create_invoices_chunk
    calls = {"n": 0}

    def crashing(run, ids, actor=None):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(run, ids, actor)

    monkeypatch.setattr(bulk, "create_invoices_chunk", crashing)
    run = _run(branch, org)
    with pytest.raises(RuntimeError):
        bulk.bulk_run_execute(run, chunk_size=2, workers=1)
    run.refresh_from_db()
    assert run.status == BulkRun.Status.FAILED
    assert Document.objects.filter(bulk_run=run).count() == 2  # the first chunk is kept

    monkeypatch.setattr(bulk, "create_invoices_chunk", real)
    summary = bulk.bulk_run_execute(run, chunk_size=2, workers=1)
    assert summary["created"] == 3 and summary["invoices"] == 5
    invoiced = Document.objects.filter(contract__in=contracts, period_start=NOV[0])
    assert invoiced.count() == 5
    assert invoiced.values("contract").distinct().count() == 5
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in invoiced.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 5))  # gapless
    assert not invoiced.filter(pdf="").exists()
    assert LedgerEntry.objects.filter(document__in=invoiced).count() == 5


def test_emails_the_pdfs_once(branch, org, setup) -> None:
    client = setup["good"][0].client
    ClientEmail.objects.create(client=client, email="alpha@example.com")
    run = _run(branch, org, send_email=True)
    summary = bulk.bulk_run_execute(run, workers=1)
    assert summary["emailed"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alpha@example.com"]
    assert message.attachments[0][0].endswith(".pdf")
    assert message.attachments[0][1].startswith(b"%PDF")
    bulk.bulk_run_execute(run, workers=1)
    assert len(mail.outbox) == 1


def test_start_needs_the_permission_and_the_branch(users, other_branch, make_user) -> None:
    with pytest.raises(PermissionDenied):
        bulk.bulk_run_start(
            actor=users[Role.MANAGER],
            branch=users[Role.MANAGER].branch,
            period_start=NOV[0],
            period_end=NOV[1],
        )
    with pytest.raises(PermissionDenied):
        bulk.bulk_run_start(
            actor=users[Role.ACCOUNTANT],
            branch=other_branch,
            period_start=NOV[0],
            period_end=NOV[1],
        )


def _login(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def test_pages_preview_run_and_pdf(
    users, branch, setup, django_capture_on_commit_callbacks
) -> None:
    accountant = _login(users[Role.ACCOUNTANT])
    assert accountant.get(reverse("billing:bulk-home")).status_code == 200
    response = accountant.get(
        reverse("billing:bulk-preview"), {"month": "2026-11", "branch": branch.pk}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="preview-contracts">2<' in page
    assert "Без ИНН" in page and "Истёк" in page and "Ноль" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = accountant.post(
            reverse("billing:bulk-start"), {"month": "2026-11", "branch": branch.pk}
        )
    run = BulkRun.objects.get(branch=branch, period_start=NOV[0])
    assert response.status_code == 302 and response["Location"] == reverse(
        "billing:bulk-run", args=[run.pk]
    )
    job = Job.objects.get(pk=run.job_id)
    assert job.status == Job.Status.DONE and job.progress == 100, job.error
    run.refresh_from_db()
    assert run.status == BulkRun.Status.DONE and run.summary["invoices"] == 2

    page = accountant.get(response["Location"]).content.decode()
    assert "100 %" in page
    document = Document.objects.filter(bulk_run=run).first()
    pdf_url = reverse("billing:bulk-document-pdf", args=[run.pk, document.pk])
    assert pdf_url in page
    pdf = accountant.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    # a manager who does not manage the client does not see its invoice
    assert _login(users[Role.MANAGER]).get(pdf_url).status_code == 404
    assert _login(users[Role.MANAGER]).get(reverse("billing:bulk-home")).status_code == 403


def test_run_page_query_count(users, branch, org, django_assert_max_num_queries) -> None:
    for n in range(12):
        make_contract(make_billing_client(branch, name=f"Клиент {n}"), org)
    run = _run(branch, org)
    bulk.create_invoices(run)
    accountant = _login(users[Role.ACCOUNTANT])
    with django_assert_max_num_queries(15):
        response = accountant.get(reverse("billing:bulk-run", args=[run.pk]))
    assert response.content.decode().count("pdf-link") == 12


def test_other_branch_is_refused_in_the_form(users, other_branch) -> None:
    accountant = _login(users[Role.ACCOUNTANT])
    response = accountant.get(
        reverse("billing:bulk-preview"), {"month": "2026-11", "branch": other_branch.pk}
    )
    assert response.status_code == 400
    response = accountant.post(
        reverse("billing:bulk-start"), {"month": "2026-11", "branch": other_branch.pk}
    )
    assert response.status_code == 302
    assert not BulkRun.objects.exists()
