"""Bulk invoicing: "invoice everyone for November" in two clicks.

``bulk_preview`` says what a run for a branch and a month would do: how many contracts and
clients, the total, and the exceptions that will be skipped (a client without an INN, a contract
that expired before the period, a zero amount). ``bulk_run_start`` creates (or resumes) the
branch's ``BulkRun`` for the period and a background ``core.Job``; the job calls
``bulk_run_execute``, which

1. walks the eligible contracts in chunks of ``CHUNK_SIZE`` (keyset pagination, never one giant
   list) and, per chunk in one transaction, reserves the numbers in one locked step, bulk-creates
   the issued invoices, their lines and ledger entries, and recomputes the touched clients' money;
2. renders the PDFs of the run's invoices that have none yet (``billing.pdf.render_many_pdfs``,
   a process pool);
3. optionally e-mails them.

It is idempotent: the unique constraint ``billing_one_document_per_contract_period`` allows one
live invoice per contract and period, every chunk skips contracts already invoiced, and every step
only does what is still missing, so a second run or a run after a crash half-way resumes."""

from __future__ import annotations

import datetime
import logging
from calendar import monthrange
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import (
    BillingPeriod,
    BulkRun,
    Contract,
    ContractStatus,
    ContractTariff,
    DocKind,
    DocSource,
    DocStatus,
    Document,
    DocumentLine,
    LedgerEntry,
    LedgerKind,
)
from billing.roles import RUN_BULK
from billing.services.documents import organisation_for
from billing.services.ledger import recompute_clients_money
from billing.services.numbering import reserve_numbers
from billing.services.totals import document_totals, line_amounts
from clients.models import Client
from crm.accounts.permissions import branches_for
from crm.core.models import Job, TimelineEntry
from crm.core.services import audit_record, job_create

logger = logging.getLogger(__name__)

JOB_KIND = "billing.bulk_invoicing"
CHUNK_SIZE = 500
#: how many exceptions of each kind the preview lists by name
PREVIEW_LIST_LIMIT = 100
#: the share of the progress bar each phase takes
CREATE_SHARE, RENDER_SHARE = 40, 55

Progress = Callable[[int, str], Any]
_MONEY = DecimalField(max_digits=16, decimal_places=2)


class Problem:
    NO_INN = "no_inn"
    EXPIRED = "expired"
    ZERO = "zero"

    LABELS = {
        NO_INN: gettext_lazy("Client without requisites (INN)"),
        EXPIRED: gettext_lazy("Contract expired before the period"),
        ZERO: gettext_lazy("Zero amount"),
    }


def month_period(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = month.replace(day=1)
    return start, start.replace(day=monthrange(start.year, start.month)[1])


# --- Selecting contracts --------------------------------------------------------------------------
def _line_gross() -> Any:
    return Round(
        ExpressionWrapper(F("tariffs__quantity") * F("tariffs__price"), output_field=_MONEY),
        2,
    )


def monthly_contracts(branch: Any, period_start: datetime.date, period_end: datetime.date) -> Any:
    """Active monthly contracts of the branch's clients that began by the end of the period."""
    return Contract.objects.filter(
        client__branch=branch,
        client__is_archived=False,
        status=ContractStatus.ACTIVE,
        billing_period=BillingPeriod.MONTHLY,
        starts_on__lte=period_end,
    )


def _problem_conditions(period_start: datetime.date) -> dict[str, Q]:
    return {
        Problem.NO_INN: Q(client__inn=""),
        Problem.EXPIRED: Q(ends_on__lt=period_start),
        Problem.ZERO: Q(bulk_amount__lte=0),
    }


def _with_amount(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return contracts.annotate(
        bulk_amount=Coalesce(Sum(_line_gross()), Value(Decimal("0")), output_field=_MONEY)
    )


def _already_invoiced(period_start: datetime.date) -> Q:
    return Q(
        pk__in=Document.objects.filter(kind=DocKind.INVOICE, period_start=period_start)
        .exclude(status=DocStatus.VOID)
        .exclude(contract=None)
        .values("contract_id")
    )


def eligible_contracts(
    branch: Any, period_start: datetime.date, period_end: datetime.date
) -> QuerySet[Contract]:
    """Contracts the run invoices: no exception and not yet invoiced for the period."""
    problems = _problem_conditions(period_start)
    qs = _with_amount(monthly_contracts(branch, period_start, period_end)).exclude(
        _already_invoiced(period_start)
    )
    for condition in problems.values():
        qs = qs.exclude(condition)
    return qs


@dataclass
class Exception_:
    contract: Contract
    problem: str

    @property
    def label(self) -> str:
        return str(Problem.LABELS[self.problem])


@dataclass
class BulkPreview:
    branch: Any
    period_start: datetime.date
    period_end: datetime.date
    contracts: int = 0
    clients: int = 0
    total: Decimal = Decimal("0")
    already_invoiced: int = 0
    problem_counts: dict[str, int] = field(default_factory=dict)
    exceptions: list[Exception_] = field(default_factory=list)

    @property
    def problem_summary(self) -> list[tuple[str, str, int]]:
        return [(p, str(Problem.LABELS[p]), n) for p, n in self.problem_counts.items() if n]

    @property
    def exception_count(self) -> int:
        return sum(self.problem_counts.values())


def bulk_preview(
    branch: Any, period_start: datetime.date, period_end: datetime.date
) -> BulkPreview:
    """What a run would do, in a fixed number of queries whatever the number of contracts."""
    preview = BulkPreview(branch, period_start, period_end)
    base = monthly_contracts(branch, period_start, period_end)
    preview.already_invoiced = base.filter(_already_invoiced(period_start)).count()
    eligible = eligible_contracts(branch, period_start, period_end)
    ids = Contract.objects.filter(pk__in=eligible.values("pk"))
    preview.contracts = ids.count()
    preview.clients = ids.values("client_id").distinct().count()
    preview.total = ContractTariff.objects.filter(contract__in=ids).aggregate(
        total=Coalesce(
            Sum(Round(ExpressionWrapper(F("quantity") * F("price"), output_field=_MONEY), 2)),
            Value(Decimal("0")),
            output_field=_MONEY,
        )
    )["total"]
    pending = _with_amount(base.exclude(_already_invoiced(period_start)))
    earlier = Q(pk__in=[])
    for problem, condition in _problem_conditions(period_start).items():
        matching = pending.filter(condition).exclude(earlier)  # each contract listed once
        preview.problem_counts[problem] = matching.count()
        for contract in matching.select_related("client").order_by("client__name", "pk")[
            :PREVIEW_LIST_LIMIT
        ]:
            preview.exceptions.append(Exception_(contract, problem))
        earlier |= condition
    return preview


# --- Starting a run -------------------------------------------------------------------------------
def can_run_bulk(user: Any, branch: Any) -> bool:
    return user.has_perm(RUN_BULK) and branches_for(user).filter(pk=branch.pk).exists()


def bulk_runs_for(user: Any) -> QuerySet[BulkRun]:
    if not user.has_perm(RUN_BULK):
        return BulkRun.objects.none()
    return BulkRun.objects.filter(branch__in=branches_for(user))


@transaction.atomic
def bulk_run_start(
    *,
    actor: Any,
    branch: Any,
    period_start: datetime.date,
    period_end: datetime.date,
    send_email: bool = False,
) -> BulkRun:
    """Create the branch's run for the period, or resume the existing one, and queue its job."""
    if not can_run_bulk(actor, branch):
        raise PermissionDenied
    if period_end < period_start:
        raise ValidationError(_("The period ends before it starts."))
    run = (
        BulkRun.objects.select_for_update(of=("self",))
        .select_related("job")
        .filter(branch=branch, period_start=period_start, period_end=period_end)
        .order_by("pk")
        .first()
    )
    if run is not None and run.job is not None and not run.job.is_finished:
        raise ValidationError(_("This run is already in progress."))
    if run is None:
        run = BulkRun(
            branch=branch,
            organisation=organisation_for(branch),
            period_start=period_start,
            period_end=period_end,
            created_by=actor,
        )
    previous = run.status
    run.send_email = send_email or run.send_email
    run.status = BulkRun.Status.RUNNING
    run.finished_at = None
    run.save()
    run.job = job_create(
        actor=actor,
        kind=JOB_KIND,
        title=_("Invoices for %(period)s") % {"period": period_start.strftime("%m.%Y")},
        params={"run_id": run.pk},
    )
    run.save(update_fields=["job"])
    audit_record(
        actor=actor,
        instance=run,
        changes={"status": [previous, BulkRun.Status.RUNNING]},
        note=_("Bulk invoicing started"),
    )
    return run


# --- Executing a run ------------------------------------------------------------------------------
def _chunks(run: BulkRun, chunk_size: int) -> Iterator[list[int]]:
    """Eligible contract ids in pk order, ``chunk_size`` at a time (re-queried each time)."""
    last = 0
    while True:
        ids = list(
            eligible_contracts(run.branch, run.period_start, run.period_end)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _invoice_date(run: BulkRun) -> datetime.date:
    return run.period_start


def create_invoices_chunk(run: BulkRun, contract_ids: list[int], actor: Any = None) -> int:
    """Issue the invoices of ``contract_ids`` in one transaction; returns how many were created."""
    with transaction.atomic():
        contracts = list(
            Contract.objects.filter(pk__in=contract_ids)
            .exclude(_already_invoiced(run.period_start))
            .select_related("client", "organisation")
            .prefetch_related("tariffs")
            .order_by("pk")
        )
        date = _invoice_date(run)
        now = timezone.now()
        by_org: dict[int, list[Contract]] = defaultdict(list)
        for contract in contracts:
            by_org[contract.organisation_id].append(contract)
        documents: list[Document] = []
        lines_of: list[list[DocumentLine]] = []
        for contracts_of_org in by_org.values():
            numbers = reserve_numbers(
                organisation=contracts_of_org[0].organisation,
                kind=DocKind.INVOICE,
                year=date.year,
                count=len(contracts_of_org),
            )
            for contract, number in zip(contracts_of_org, numbers, strict=True):
                lines = _tariff_lines(contract)
                document = Document(
                    kind=DocKind.INVOICE,
                    number=number,
                    organisation_id=contract.organisation_id,
                    branch_id=contract.client.branch_id,
                    client_id=contract.client_id,
                    contract=contract,
                    source=DocSource.BULK,
                    status=DocStatus.ISSUED,
                    date=date,
                    due_date=date + datetime.timedelta(days=contract.payment_days),
                    period_start=run.period_start,
                    period_end=run.period_end,
                    currency=contract.currency,
                    issued_at=now,
                    bulk_run=run,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
                document.subtotal, document.vat_total, document.total = document_totals(lines)
                documents.append(document)
                lines_of.append(lines)
        Document.objects.bulk_create(documents)
        all_lines = []
        for document, lines in zip(documents, lines_of, strict=True):
            for line in lines:
                line.document = document
                all_lines.append(line)
        DocumentLine.objects.bulk_create(all_lines)
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    client_id=d.client_id,
                    date=d.date,
                    kind=LedgerKind.INVOICE,
                    amount=-d.total,
                    currency=d.currency,
                    document=d,
                    description=(_("Invoice %(number)s") % {"number": d.number})[:300],
                )
                for d in documents
            ]
        )
        _timeline(documents, actor)
        recompute_clients_money({d.client_id for d in documents})
    return len(documents)


def _tariff_lines(contract: Contract) -> list[DocumentLine]:
    lines = []
    for position, tariff in enumerate(contract.tariffs.all()):
        if tariff.quantity <= 0:
            continue
        amount, vat = line_amounts(tariff.quantity, tariff.price, tariff.vat_rate)
        lines.append(
            DocumentLine(
                position=position,
                product_id=tariff.product_id,
                name=tariff.name,
                unit=tariff.unit,
                quantity=tariff.quantity,
                unit_price=tariff.price,
                vat_rate=tariff.vat_rate,
                amount=amount,
                vat_amount=vat,
            )
        )
    return lines


def _timeline(documents: list[Document], actor: Any) -> None:
    client_type = ContentType.objects.get_for_model(Client)
    author = actor if getattr(actor, "is_authenticated", False) else None
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                content_type=client_type,
                object_id=d.client_id,
                kind=TimelineEntry.Kind.SYSTEM,
                author=author,
                body=_("Invoice %(number)s issued by the bulk run: %(total)s %(currency)s")
                % {"number": d.number, "total": d.total, "currency": d.currency},
                data={"billing_document": d.pk, "bulk_run": d.bulk_run_id},
            )
            for d in documents
        ]
    )


def create_invoices(
    run: BulkRun,
    *,
    actor: Any = None,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[int, int], Any] | None = None,
) -> int:
    """Issue every missing invoice of the run, chunk by chunk; ``on_chunk(created, to_do)``."""
    to_do = eligible_contracts(run.branch, run.period_start, run.period_end).count()
    created = 0
    for ids in _chunks(run, chunk_size):
        try:
            created += create_invoices_chunk(run, ids, actor)
        except IntegrityError:
            # another run got some of these contracts first: the retry skips them
            logger.warning("bulk run %s: a chunk collided, retrying", run.pk)
            created += create_invoices_chunk(run, ids, actor)
        if on_chunk:
            on_chunk(created, to_do)
    return created


def render_run_pdfs(
    run: BulkRun, *, workers: int | None = None, progress: Callable[[int, int], Any] | None = None
) -> Any:
    """PDFs of the run's invoices that have none yet."""
    from billing.pdf import render_many_pdfs

    ids = list(
        Document.objects.filter(bulk_run=run, pdf="")
        .exclude(status=DocStatus.VOID)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return render_many_pdfs(ids, workers=workers, progress=progress)


def email_run(run: BulkRun, *, chunk_size: int = 200) -> int:
    """E-mail every rendered, not yet sent invoice of the run to the client's address."""
    from billing.pdf import pdf_filename
    from billing.services.package import client_email

    sent = 0
    connection = get_connection()
    qs = (
        Document.objects.filter(bulk_run=run, sent_at=None)
        .exclude(pdf="")
        .exclude(status=DocStatus.VOID)
        .select_related("client", "organisation")
        .prefetch_related("client__emails", "client__contacts")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:chunk_size])
        if not batch:
            return sent
        last = batch[-1].pk
        for document in batch:
            to = client_email(document.client)
            if not to:
                continue
            title = _("Invoice %(number)s") % {"number": document.number}
            message = EmailMessage(
                subject=f"{title} · {document.organisation}",
                body=_(
                    "Hello,\n\nplease find attached %(document)s.\n\n"
                    "Kind regards,\n%(organisation)s"
                )
                % {"document": title, "organisation": document.organisation},
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[to],
                connection=connection,
            )
            with document.pdf.open("rb") as handle:
                message.attach(pdf_filename(document), handle.read(), "application/pdf")
            message.send()
            Document.objects.filter(pk=document.pk).update(sent_at=timezone.now())
            sent += 1


def bulk_run_execute(
    run: BulkRun,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    workers: int | None = None,
) -> dict:
    """Create, render and (optionally) e-mail; resumable at every step."""
    say = progress or (lambda percent, message="": None)
    try:
        say(1, _("Creating the invoices"))
        created = create_invoices(
            run,
            actor=actor,
            chunk_size=chunk_size,
            on_chunk=lambda done, total: say(
                int(CREATE_SHARE * done / max(total, 1)),
                _("Created %(done)s of %(total)s invoices") % {"done": done, "total": total},
            ),
        )
        say(CREATE_SHARE, _("Rendering the PDFs"))
        stats = render_run_pdfs(
            run,
            workers=workers,
            progress=lambda done, total: say(
                CREATE_SHARE + int(RENDER_SHARE * done / max(total, 1)),
                _("Rendered %(done)s of %(total)s PDFs") % {"done": done, "total": total},
            ),
        )
        emailed = 0
        if run.send_email:
            say(CREATE_SHARE + RENDER_SHARE, _("Sending the e-mails"))
            emailed = email_run(run)
    except Exception:
        BulkRun.objects.filter(pk=run.pk).update(status=BulkRun.Status.FAILED)
        raise
    documents = Document.objects.filter(bulk_run=run).exclude(status=DocStatus.VOID)
    totals = documents.aggregate(count=Coalesce(Sum(Value(1)), 0), total=Sum("total"))
    run.summary = {
        "created": created,
        "invoices": totals["count"],
        "total": str(totals["total"] or Decimal("0")),
        "pdfs": stats.documents,
        "pages": stats.pages,
        "emailed": emailed,
    }
    run.status = BulkRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["summary", "status", "finished_at"])
    return run.summary


def bulk_job(job: Job, progress: Progress) -> dict:
    """The ``core.Job`` handler (registered in ``billing.wiring_bulk``)."""
    from django.urls import reverse

    run = BulkRun.objects.select_related("branch").get(pk=job.params["run_id"])
    owner = job.owner
    if owner is None or not owner.is_active or not can_run_bulk(owner, run.branch):
        BulkRun.objects.filter(pk=run.pk).update(status=BulkRun.Status.FAILED)
        raise ValidationError(_("The user who started this run may no longer run it."))
    bulk_run_execute(run, actor=owner, progress=progress)
    return {
        **run.summary,
        "url": reverse("billing:bulk-run", args=[run.pk]),
        "label": str(_("Open the run")),
    }
