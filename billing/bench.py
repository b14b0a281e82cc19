"""``python manage.py bench invoicing --json [--invoices N] [--workers W]``: bulk invoicing speed.

Makes a throwaway branch (code ``bench-inv-*``) with an organisation, N clients with INNs
and N active monthly contracts of two tariff lines each, commits them, then times

* **create_seconds**: ``billing.services.bulk.create_invoices`` — numbers reserved per chunk,
  invoices, lines, ledger entries, timeline rows and the clients' money state, in chunks;
* **pdf_seconds** / **pdf_per_second** / **pages**: ``render_run_pdfs`` — every invoice rendered
  and stored on ``workers`` processes (default: the CPU count).

Targets on the 2-core machine: 1000 invoices created in < 5 s, their PDFs in < 120 s. Everything
made is deleted afterwards, the PDF files too. Figures are wall-clock: run it on a quiet machine."""

from __future__ import annotations

import datetime
import os
import resource
import secrets
import time
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from crm.core.registry import register_bench

BRANCH_CODE_PREFIX = "bench-inv-"
PERIOD = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def _inn(n: int) -> str:
    """A 10-digit company INN with a valid check digit."""
    body = f"77{n:07d}"[-9:]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10
    return f"{body}{check}"


def create_fixture(invoices: int) -> tuple[Any, Any]:
    """(branch, organisation) with ``invoices`` clients and monthly contracts, committed."""
    from billing.models import (
        BillingPeriod,
        Contract,
        ContractStatus,
        ContractTariff,
        Organisation,
    )
    from clients.models import Client
    from crm.accounts.models import Branch

    tag = secrets.token_hex(4)
    with transaction.atomic():
        branch = Branch.objects.create(
            code=f"{BRANCH_CODE_PREFIX}{tag}",
            name=f"Bench invoicing {tag}",
            city="Санкт-Петербург",
            timezone="Europe/Moscow",
        )
        organisation = Organisation.objects.create(
            name="ООО «Коло Бенч»",
            short_name=f"Коло Бенч {tag}",
            code=f"bi{tag}",
            inn="7801234567",
            kpp="780101001",
            legal_address="г. Санкт-Петербург, Невский пр., д. 1",
            bank_name="ПАО Сбербанк",
            bik="044030653",
            bank_account="40702810900000000001",
            corr_account="30101810500000000653",
            director_name="Иванов И. И.",
            accountant_name="Петрова А. А.",
        )
        organisation.branches.add(branch)
        clients = Client.objects.bulk_create(
            Client(
                branch=branch,
                kind="company",
                name=f"ООО «Клиент {n:05d}»",
                inn=_inn(n),
                kpp="780101001",
                legal_address=f"г. Санкт-Петербург, ул. Садовая, д. {n % 200 + 1}",
            )
            for n in range(invoices)
        )
        contracts = Contract.objects.bulk_create(
            Contract(
                organisation=organisation,
                client=client,
                number=f"Д-{tag}-{n}",
                starts_on=datetime.date(2026, 1, 1),
                status=ContractStatus.ACTIVE,
                billing_period=BillingPeriod.MONTHLY,
                payment_days=10,
            )
            for n, client in enumerate(clients)
        )
        tariffs = []
        for contract in contracts:
            tariffs.append(
                ContractTariff(
                    contract=contract,
                    name="Аренда ковра 115×200, замена раз в неделю",
                    unit="service",
                    quantity=Decimal("4"),
                    price=Decimal("850.00"),
                    vat_rate="20",
                    position=0,
                )
            )
            tariffs.append(
                ContractTariff(
                    contract=contract,
                    name="Доставка",
                    unit="trip",
                    quantity=Decimal("1"),
                    price=Decimal("300.00"),
                    vat_rate="20",
                    position=1,
                )
            )
        ContractTariff.objects.bulk_create(tariffs)
    return branch, organisation


def delete_bench_data() -> int:
    """Delete every ``bench-inv-*`` branch and all that was made for it."""
    from django.contrib.contenttypes.models import ContentType

    from billing.models import (
        BulkRun,
        Contract,
        Document,
        DocumentLine,
        DocumentSequence,
        LedgerEntry,
        Organisation,
    )
    from clients.models import Client
    from crm.accounts.models import Branch
    from crm.core.models import AuditEntry, Job, TimelineEntry

    branches = list(Branch.objects.filter(code__startswith=BRANCH_CODE_PREFIX))
    if not branches:
        return 0
    documents = Document.objects.filter(branch__in=branches)
    for name in documents.exclude(pdf="").values_list("pdf", flat=True).iterator():
        default_storage.delete(name)
    with transaction.atomic():
        clients = Client.objects.filter(branch__in=branches)
        organisations = Organisation.objects.filter(branches__in=branches)
        client_type = ContentType.objects.get_for_model(Client)
        TimelineEntry.objects.filter(
            content_type=client_type, object_id__in=clients.values("pk")
        ).delete()
        AuditEntry.objects.filter(
            content_type=client_type, object_id__in=clients.values("pk")
        ).delete()
        LedgerEntry.objects.filter(client__in=clients).delete()
        DocumentLine.objects.filter(document__in=documents).delete()
        documents.delete()
        jobs = list(BulkRun.objects.filter(branch__in=branches).values_list("job_id", flat=True))
        BulkRun.objects.filter(branch__in=branches).delete()
        Job.objects.filter(pk__in=[j for j in jobs if j]).delete()
        Contract.objects.filter(client__in=clients).delete()
        clients.delete()
        org_ids = list(organisations.values_list("pk", flat=True))
        DocumentSequence.objects.filter(organisation_id__in=org_ids).delete()
        Organisation.objects.filter(pk__in=org_ids).delete()
        Branch.objects.filter(pk__in=[b.pk for b in branches]).delete()
    return len(branches)


def run_invoicing(invoices: int = 1000, workers: int = 0, pdf: bool = True) -> dict:
    from billing.models import BulkRun, Document
    from billing.pdf import default_workers
    from billing.services.bulk import create_invoices, render_run_pdfs

    workers = workers or default_workers()
    branch, organisation = create_fixture(invoices)
    try:
        run = BulkRun.objects.create(
            branch=branch,
            organisation=organisation,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            status=BulkRun.Status.RUNNING,
        )
        started = time.perf_counter()
        created = create_invoices(run)
        create_seconds = time.perf_counter() - started
        lines = Document.objects.filter(bulk_run=run).values("lines").count()
        result: dict[str, Any] = {
            "invoices": created,
            "lines": lines,
            "create_seconds": round(create_seconds, 3),
            "create_per_second": round(created / create_seconds, 1) if create_seconds else None,
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "workers": workers,
            "cpus": os.cpu_count(),
        }
        if pdf:
            stats = render_run_pdfs(run, workers=workers)
            result.update(
                {
                    "pdfs": stats.documents,
                    "pages": stats.pages,
                    "pdf_seconds": round(stats.seconds, 3),
                    "pdf_per_second": round(stats.per_second, 2),
                    "pages_per_second": round(stats.pages / stats.seconds, 2)
                    if stats.seconds
                    else None,
                    "pdf_ms_per_invoice": round(stats.seconds * 1000 / max(stats.documents, 1), 1),
                }
            )
        else:
            result.update({"pdfs": 0, "pages": 0, "pdf_seconds": 0.0, "pdf_per_second": 0.0})
        result["targets"] = {
            "create_seconds_per_1000": 5.0,
            "pdf_seconds_per_1000": 120.0,
            "create_ok": create_seconds * 1000 / max(created, 1) < 5.0,
            "pdf_ok": (not pdf) or result["pdf_seconds"] * 1000 / max(created, 1) < 120.0,
        }
        return result
    finally:
        delete_bench_data()


@register_bench(
    "invoicing",
    help="bulk invoicing: N monthly invoices created, then their PDFs rendered (Postgres)",
    invoices={"type": int, "default": 1000, "help": "contracts to invoice"},
    workers={"type": int, "default": 0, "help": "PDF worker processes (0: CPU count)"},
    no_pdf={"action": "store_true", "help": "only time the creation"},
)
def bench_invoicing(invoices: int = 1000, workers: int = 0, no_pdf: bool = False) -> dict:
    return run_invoicing(invoices=invoices, workers=workers, pdf=not no_pdf)
