"""Payments and balances: the payments list (filters, totals, .xlsx), recording a payment
(oldest-first, manual allocation as a second step, or kept on the balance), a payment's page
with its allocations, putting a client's balance on their open invoices, the client card's
"Account" tab (the ledger with a running balance) with its .xlsx reconciliation act, and the
bank statement import (upload → review → import report).

Every view checks the role permission (``billing.roles``) and fetches through
``billing.permissions.payments_for`` / ``clients.permissions.clients_for``, so another
manager's client or payment answers 404. Money rules live in ``billing.services.payments`` and
``billing.services.statement``."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.forms_payments import (
    AllocateForm,
    AllocationMode,
    PaymentFilterForm,
    PaymentForm,
    StatementReviewForm,
    StatementUploadForm,
)
from billing.models import Document, Payment
from billing.permissions import documents_for, payments_for
from billing.roles import ADD_PAYMENT, IMPORT_STATEMENT, VIEW_PAYMENTS
from billing.services import payments as payment_services
from billing.services import statement as statements
from billing.services.documents import open_invoices
from billing.services.ledger import ledger_rows
from clients.models import Client
from clients.permissions import clients_for
from crm.core.forms import apply_validation_error

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _clients(request: HttpRequest) -> QuerySet[Client]:
    return clients_for(request.user, _branch(request))


def _payable_client(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(_clients(request), pk=pk)


def _xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- The payments list ---------------------------------------------------------------------------
def _filtered(request: HttpRequest) -> tuple[PaymentFilterForm, QuerySet[Payment]]:
    form = PaymentFilterForm(request.GET or None)
    payments = payments_for(request.user, _branch(request))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            payments = payments.filter(date__gte=data["date_from"])
        if data["date_to"]:
            payments = payments.filter(date__lte=data["date_to"])
        if data["method"]:
            payments = payments.filter(method=data["method"])
        if data["source"]:
            payments = payments.filter(source=data["source"])
        if data["client"]:
            payments = payments.filter(client_id=data["client"])
        if data["q"]:
            query = data["q"].strip()
            payments = payments.filter(
                Q(client__name__icontains=query)
                | Q(reference__icontains=query)
                | Q(payer_inn__startswith=query)
            )
        if data["unallocated"]:
            payments = payments.filter(allocated__lt=F("amount"))
    return form, payments


def _totals(payments: QuerySet[Payment]) -> dict[str, Any]:
    total = Coalesce(Sum("amount"), Value(ZERO), output_field=_MONEY)
    allocated = Coalesce(Sum("allocated"), Value(ZERO), output_field=_MONEY)
    row = payments.order_by().aggregate(count=Count("pk"), amount=total, allocated=allocated)
    row["unallocated"] = row["amount"] - row["allocated"]
    return row


@permission_required(VIEW_PAYMENTS, raise_exception=True)
@require_GET
def payment_list(request: HttpRequest) -> HttpResponse:
    """Payments of the clients the user may see, filtered, with totals and an .xlsx export."""
    form, payments = _filtered(request)
    rows = payments.select_related("client", "route_stop").order_by("-date", "-pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "totals": _totals(payments),
        "query": query.urlencode(),
        "can_add": request.user.has_perm(ADD_PAYMENT),
        "can_import": request.user.has_perm(IMPORT_STATEMENT),
    }
    return render(request, "billing/payments/list.html", context)


PAYMENT_COLUMNS = [
    (gettext_noop("Date"), 12),
    (gettext_noop("Client"), 36),
    (gettext_noop("Amount"), 14),
    (gettext_noop("Allocated"), 14),
    (gettext_noop("Unallocated"), 14),
    (gettext_noop("Currency"), 8),
    (gettext_noop("Method"), 14),
    (gettext_noop("Source"), 18),
    (gettext_noop("Document number"), 16),
    (gettext_noop("Payer's INN"), 14),
    (gettext_noop("Purpose of payment"), 50),
]


def _sheet(title: str, columns: list[tuple[str, int]]) -> tuple[Any, Any]:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:30]
    sheet.append([_(name) for name, _w in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_name, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return workbook, sheet


def _save(workbook: Any) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def payments_xlsx(payments: QuerySet[Payment]) -> bytes:
    from openpyxl.styles import Font

    workbook, sheet = _sheet(_("Payments"), PAYMENT_COLUMNS)
    for p in payments.select_related("client").order_by("date", "pk").iterator(chunk_size=500):
        sheet.append(
            [
                p.date,
                p.client.name,
                p.amount,
                p.allocated,
                p.unallocated,
                p.currency,
                p.get_method_display(),
                p.get_source_display(),
                p.reference,
                p.payer_inn,
                p.purpose,
            ]
        )
        _formats(sheet, sheet.max_row, date_cols=(1,), money_cols=(3, 4, 5))
    totals = _totals(payments)
    sheet.append([_("Total"), "", totals["amount"], totals["allocated"], totals["unallocated"]])
    _formats(sheet, sheet.max_row, date_cols=(), money_cols=(3, 4, 5))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    return _save(workbook)


def _formats(sheet: Any, row: int, *, date_cols: tuple, money_cols: tuple) -> None:
    for col in date_cols:
        sheet.cell(row, col).number_format = "DD.MM.YYYY"
    for col in money_cols:
        sheet.cell(row, col).number_format = "#,##0.00"


@permission_required(VIEW_PAYMENTS, raise_exception=True)
@require_GET
def payment_list_xlsx(request: HttpRequest) -> HttpResponse:
    _form, payments = _filtered(request)
    return _xlsx_response(payments_xlsx(payments), f"payments-{timezone.localdate():%Y-%m-%d}")


# --- Recording a payment -------------------------------------------------------------------------
@permission_required(ADD_PAYMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def payment_create(request: HttpRequest) -> HttpResponse:
    """Record a payment; allocate oldest first, keep it on the balance, or go on to choose the
    invoices by hand."""
    clients = _clients(request)
    initial: dict[str, Any] = {"date": timezone.localdate(), "allocation": AllocationMode.OLDEST}
    chosen = request.GET.get("client")
    if chosen and chosen.isdigit():
        initial["client"] = get_object_or_404(clients, pk=int(chosen))
    form = PaymentForm(request.POST or None, clients=clients, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mode = data["allocation"]
        try:
            payment = payment_services.payment_record(
                actor=request.user,
                client=data["client"],
                amount=data["amount"],
                method=data["method"],
                date=data["date"],
                reference=data["reference"],
                note=data["note"],
                allocate=mode == AllocationMode.OLDEST,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The payment is recorded."))
            if mode == AllocationMode.MANUAL:
                return redirect("billing:payment-allocate", pk=payment.pk)
            return redirect("billing:payment-detail", pk=payment.pk)
    client = initial.get("client")
    context = {"form": form, "client": client}
    return render(request, "billing/payments/form.html", context)


def _visible_payment(request: HttpRequest, pk: int) -> Payment:
    return get_object_or_404(
        payments_for(request.user, _branch(request)).select_related("client", "created_by"),
        pk=pk,
    )


@permission_required(VIEW_PAYMENTS, raise_exception=True)
@require_GET
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _visible_payment(request, pk)
    allocations = payment.allocations.select_related("document").order_by("pk")
    can_allocate = request.user.has_perm(ADD_PAYMENT) and payment.unallocated > 0
    context = {"payment": payment, "allocations": allocations, "can_allocate": can_allocate}
    return render(request, "billing/payments/detail.html", context)


@permission_required(ADD_PAYMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def payment_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """The second step: the client's open invoices with what each still needs; the accountant
    types how much of the payment goes where (all or nothing)."""
    payment = _visible_payment(request, pk)
    invoices = list(open_invoices(payment.client))
    data = request.POST if request.method == "POST" else None
    form = AllocateForm(data, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        amounts = form.amounts()
        if not amounts:
            form.add_error(None, _("Enter an amount for at least one invoice."))
        else:
            try:
                with transaction.atomic():
                    for invoice, amount in amounts:
                        try:
                            payment_services.payment_allocate(
                                actor=request.user, payment=payment, document=invoice, amount=amount
                            )
                        except ValidationError as error:
                            raise _on_invoice(error, invoice) from error
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The payment is allocated."))
                return redirect("billing:payment-detail", pk=payment.pk)
    context = {"payment": payment, "form": form}
    return render(request, "billing/payments/allocate.html", context)


def _on_invoice(error: ValidationError, invoice: Document) -> ValidationError:
    """A service error about one invoice goes onto that invoice's box."""
    return ValidationError({f"inv_{invoice.pk}": error.messages})


@permission_required(ADD_PAYMENT, raise_exception=True)
@require_POST
def client_apply_balance(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the client's unallocated money (an overpayment) on their open invoices."""
    client = _payable_client(request, pk)
    used = payment_services.apply_client_credit(actor=request.user, client=client)
    if used:
        messages.success(request, _("The client's balance is applied to the open invoices."))
    else:
        messages.info(request, _("There was nothing to apply."))
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(f"{reverse('clients:client-detail', args=[client.pk])}?tab=account")


# --- The client's account (card tab) and the reconciliation act ----------------------------------
def account_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    from routes.services.containers import client_held_lines

    invoices = list(open_invoices(client))
    credit = payment_services.unallocated_total(client)
    deposits = [line for line in client_held_lines(client.pk) if line.held > 0]
    return {
        "deposits": deposits,
        "deposit_total": sum((line.deposit for line in deposits), ZERO),
        "client": client,
        "rows": ledger_rows(client),
        "open_invoices": invoices,
        "credit": credit,
        "can_pay": request.user.has_perm(ADD_PAYMENT),
        "offer_credit": credit > 0 and bool(invoices) and request.user.has_perm(ADD_PAYMENT),
        "today": timezone.localdate(),
    }


def account_tab(request: HttpRequest, client: Client) -> str:
    """The client card's "Account" tab (registered in ``billing.wiring_payments``)."""
    context = account_context(request, client)
    return render_to_string("billing/payments/account_tab.html", context, request=request)


def _period(request: HttpRequest) -> tuple[datetime.date | None, datetime.date | None]:
    form = PaymentFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    return None, None


RECONCILIATION_COLUMNS = [
    (gettext_noop("Date"), 12),
    (gettext_noop("Operation"), 22),
    (gettext_noop("Description"), 48),
    (gettext_noop("Debit (invoiced)"), 16),
    (gettext_noop("Credit (paid)"), 16),
    (gettext_noop("Balance"), 16),
]


def reconciliation_xlsx(
    client: Client, rows: list[dict], start: datetime.date | None, end: datetime.date | None
) -> bytes:
    """The act of reconciliation: opening balance, the period's movements, turnover, closing."""
    from openpyxl.styles import Font

    opening = ZERO
    shown = []
    for row in rows:
        if start and row["date"] < start:
            opening = row["balance"]
        elif not end or row["date"] <= end:
            shown.append(row)
    workbook, sheet = _sheet(_("Reconciliation"), RECONCILIATION_COLUMNS)
    sheet.insert_rows(1, 3)
    sheet["A1"] = _("Act of reconciliation: %(client)s") % {"client": client.name}
    sheet["A1"].font = Font(bold=True, size=12)
    sheet["A2"] = _("Period: %(start)s – %(end)s") % {
        "start": start.strftime("%d.%m.%Y") if start else "…",
        "end": (end or timezone.localdate()).strftime("%d.%m.%Y"),
    }
    sheet.freeze_panes = "A5"
    sheet.append(["", _("Opening balance"), "", "", "", opening])
    _formats(sheet, sheet.max_row, date_cols=(), money_cols=(6,))
    debit = credit = ZERO
    closing = opening
    for row in shown:
        debit += row["debit"]
        credit += row["credit"]
        closing = row["balance"]
        sheet.append(
            [
                row["date"],
                str(row["kind_label"]),
                row["description"] or str(row["document"] or row["payment"] or ""),
                row["debit"] or None,
                row["credit"] or None,
                row["balance"],
            ]
        )
        _formats(sheet, sheet.max_row, date_cols=(1,), money_cols=(4, 5, 6))
    sheet.append(["", _("Turnover"), "", debit, credit, ""])
    sheet.append(["", _("Closing balance"), "", "", "", closing])
    for line in (sheet.max_row - 1, sheet.max_row):
        _formats(sheet, line, date_cols=(), money_cols=(4, 5, 6))
        for cell in sheet[line]:
            cell.font = Font(bold=True)
    note = (_("Client's debt: %(amount)s") if closing < 0 else _("Client's credit: %(amount)s")) % {
        "amount": f"{abs(closing):.2f} {client.currency}"
    }
    sheet.append([])
    sheet.append([note])
    return _save(workbook)


@permission_required(VIEW_PAYMENTS, raise_exception=True)
@require_GET
def client_ledger_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    client = _payable_client(request, pk)
    start, end = _period(request)
    content = reconciliation_xlsx(client, ledger_rows(client), start, end)
    return _xlsx_response(content, f"reconciliation-{client.pk}-{timezone.localdate():%Y-%m-%d}")


# --- Bank statement import -----------------------------------------------------------------------
@permission_required(IMPORT_STATEMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def statement_upload(request: HttpRequest) -> HttpResponse:
    """Upload a statement: it is parsed, matched and kept for the review step."""
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            parsed = statements.parse_statement(filename=upload.name, content=upload.read())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            statements.match_rows(
                parsed.rows,
                clients=_clients(request),
                documents=documents_for(request.user, _branch(request)),
            )
            token = statements.statement_store(parsed, user_id=request.user.pk)
            return redirect("billing:statement-review", token=token)
    return render(request, "billing/payments/import.html", {"form": form})


@permission_required(IMPORT_STATEMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def statement_review(request: HttpRequest, token: str) -> HttpResponse:
    """Matched rows (client + invoice) and unmatched rows with a client picker; "Import"
    creates the payments and shows a row-by-row report."""
    parsed = statements.statement_load(token, user_id=request.user.pk)
    if parsed is None:
        raise Http404
    clients = _clients(request)
    data = request.POST if request.method == "POST" else None
    form = StatementReviewForm(data, rows=parsed.rows, clients=clients)
    report = None
    if request.method == "POST" and form.is_valid():
        chosen = []
        for row, client_id in form.chosen():
            if client_id != row.client_id:
                row.client_id, row.document_id, row.document_number = client_id, None, ""
            chosen.append(row)
        results = statements.statement_import(
            actor=request.user,
            rows=chosen,
            clients=clients,
            documents=documents_for(request.user, _branch(request)),
        )
        by_index = {row.index: row for row in parsed.rows}
        report = [(by_index[r.index], r) for r in results]
        counts = {
            outcome: sum(1 for r in results if r.outcome == outcome)
            for outcome in ("created", "duplicate", "error", "skipped")
        }
        context = {"parsed": parsed, "report": report, "counts": counts}
        return render(request, "billing/payments/import_report.html", context)
    matched = sum(1 for row in parsed.rows if row.client_id)
    context = {
        "parsed": parsed,
        "form": form,
        "token": token,
        "matched": matched,
        "total": sum((row.money for row in parsed.rows), ZERO),
    }
    return render(request, "billing/payments/review.html", context)
