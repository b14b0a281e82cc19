"""The documents pages: the list (filters, totals, .xlsx), a document's page (lines, totals,
payments, history) with its actions (issue, void, derive, PDF, .xlsx, e-mail), creating
documents for a client (manual invoice or proposal with a line formset, invoice for completed
orders, invoice from the contract), editing drafts, the client card's "Documents" tab and the
client's "document package".

Every view checks the role permission (``billing.roles``) and fetches documents and clients
through ``billing.permissions.documents_for`` / ``clients.permissions.clients_for``, so another
manager's client's document answers 404, like a missing one. The business rules live in
``billing.services.documents`` and ``billing.services.package``."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import selectors
from billing.forms_documents import (
    DocumentFilter,
    DocumentForm,
    EmailForm,
    FromContractForm,
    FromOrdersForm,
    LineFormSet,
    PackageForm,
    VoidForm,
    line_initial,
    query_line_initial,
)
from billing.models import DocKind, DocStatus, Document, PaymentAllocation
from billing.permissions import documents_for
from billing.roles import ADD_DOCUMENT, ISSUE_DOCUMENT, VIEW_DOCUMENTS
from billing.services import documents as doc_services
from billing.services import package as package_services
from clients.models import Client
from clients.permissions import clients_for
from crm.core.forms import apply_validation_error
from crm.core.models import TimelineEntry
from crm.core.pagination import paginate, querystring_without_page
from crm.core.panels import history_context
from crm.orders.services.orders import branch_today

PER_PAGE = 50
EXPORT_LIMIT = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CARD_DOCUMENTS_SHOWN = 50


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _today(request: HttpRequest) -> Any:
    return branch_today(_branch(request))


def _document(request: HttpRequest, pk: int) -> Document:
    qs = documents_for(request.user).select_related(
        "client", "organisation", "contract", "basis", "branch", "created_by"
    )
    return get_object_or_404(qs, pk=pk)


def _client(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(clients_for(request.user), pk=pk)


def _card_url(client_id: int) -> str:
    return f"{reverse('clients:client-detail', args=[client_id])}?tab=documents"


# --- The list -------------------------------------------------------------------------------------
def _filtered(request: HttpRequest) -> tuple[QuerySet[Document], DocumentFilter]:
    branch = _branch(request)
    today = branch_today(branch)
    qs = selectors.document_list(user=request.user, branch=branch).annotate(
        is_late=ExpressionWrapper(selectors.overdue_q(today), output_field=BooleanField())
    )
    filterset = DocumentFilter(
        request.GET or None, queryset=qs, clients=clients_for(request.user, branch), today=today
    )
    return filterset.qs, filterset


@permission_required(VIEW_DOCUMENTS, raise_exception=True)
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    """All documents the user may see, filtered, paginated, with the totals of the filter."""
    qs, filterset = _filtered(request)
    context = {
        "filter": filterset,
        "page": paginate(request, qs, per_page=PER_PAGE),
        "totals": selectors.document_totals(qs),
        "qs": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "billing/documents/list.html#document-table", context)
    return render(request, "billing/documents/list.html", context)


def _list_xlsx(rows: list[Document], totals: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = [
        (_("Number"), 18),
        (_("Date"), 12),
        (_("Kind"), 22),
        (_("Client"), 40),
        (_("INN"), 14),
        (_("Status"), 14),
        (_("Due date"), 12),
        (_("Total"), 14),
        (_("Paid"), 14),
        (_("Outstanding"), 14),
        (_("Currency"), 8),
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Documents"))[:31]
    sheet.append([str(title) for title, _w in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for d in rows:
        status = _("Overdue") if getattr(d, "is_late", False) else d.get_status_display()
        sheet.append(
            [
                d.number or str(_("draft")),
                d.date,
                d.get_kind_display(),
                d.client.name,
                getattr(d.client, "inn", "") or "",
                str(status),
                d.due_date,
                d.total,
                d.paid_amount,
                d.outstanding if d.status != DocStatus.VOID else 0,
                d.currency,
            ]
        )
        row = sheet.max_row
        for col in (2, 7):
            sheet.cell(row, col).number_format = "DD.MM.YYYY"
        for col in (8, 9, 10):
            sheet.cell(row, col).number_format = "#,##0.00"
    sheet.append(
        [str(_("Total")), *[""] * 6, totals["total"], totals["paid"], totals["outstanding"], ""]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        if isinstance(cell.value, (int, float)) or cell.column in (8, 9, 10):
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@permission_required(VIEW_DOCUMENTS, raise_exception=True)
@require_GET
def document_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx (the same filters as the page)."""
    qs, _filterset = _filtered(request)
    rows = list(qs[:EXPORT_LIMIT])
    response = HttpResponse(_list_xlsx(rows, selectors.document_totals(qs)), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="documents-{_today(request):%Y-%m-%d}.xlsx"'
    )
    return response


# --- A document -----------------------------------------------------------------------------------
def _events(document: Document) -> QuerySet[TimelineEntry]:
    """The client's timeline entries about this document (issued, voided, e-mailed)."""
    ct = ContentType.objects.get_for_model(Client)
    return (
        TimelineEntry.objects.filter(content_type=ct, object_id=document.client_id)
        .filter(data__billing_document=document.pk)
        .select_related("author")[:50]
    )


def _detail_context(request: HttpRequest, document: Document) -> dict[str, Any]:
    user = request.user
    can_add = user.has_perm(ADD_DOCUMENT)
    can_issue = user.has_perm(ISSUE_DOCUMENT)
    is_live_invoice = document.kind == DocKind.INVOICE and document.status not in (
        DocStatus.DRAFT,
        DocStatus.VOID,
    )
    derive = []
    if is_live_invoice:
        for kind in selectors.DERIVABLE_KINDS:
            allowed = can_issue if kind == DocKind.CREDIT_NOTE else can_add
            if allowed:
                derive.append((kind.value, kind.label))
    today = _today(request)
    return {
        "document": document,
        "lines": document.lines.select_related("product", "order").order_by("position", "pk"),
        "allocations": PaymentAllocation.objects.filter(document=document)
        .select_related("payment")
        .order_by("payment__date", "pk"),
        "derived": documents_for(user).filter(basis=document).order_by("date", "pk"),
        "orders": document.orders.order_by("date", "pk"),
        "events": _events(document),
        **history_context(document),
        "is_late": document.status == DocStatus.OVERDUE
        or (
            document.kind == DocKind.INVOICE
            and document.status in (DocStatus.ISSUED, DocStatus.PARTLY_PAID)
            and document.due_date is not None
            and document.due_date < today
        ),
        "can_edit": can_add and document.status == DocStatus.DRAFT,
        "can_issue": can_issue and document.status == DocStatus.DRAFT,
        "can_void": can_issue and document.status != DocStatus.VOID,
        "can_email": can_add and document.status not in (DocStatus.DRAFT, DocStatus.VOID),
        "derive_kinds": derive,
        "void_form": VoidForm(),
    }


@permission_required(VIEW_DOCUMENTS, raise_exception=True)
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    return render(request, "billing/documents/detail.html", _detail_context(request, document))


@permission_required(ISSUE_DOCUMENT, raise_exception=True)
@require_POST
def document_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """draft → issued: numbered, and an invoice goes onto the client's account."""
    document = _document(request, pk)
    try:
        document = doc_services.document_issue(actor=request.user, document=document)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(document)s is issued.") % {"document": document})
    return redirect("billing:document-detail", pk=document.pk)


@permission_required(ISSUE_DOCUMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def document_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void with a reason (required); the number stays taken."""
    document = _document(request, pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            doc_services.document_void(
                actor=request.user, document=document, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(document)s is void.") % {"document": document})
            return redirect("billing:document-detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    context = {"document": document, "form": form}
    return render(request, "billing/documents/void.html", context, status=status)


@permission_required(ADD_DOCUMENT, raise_exception=True)
@require_POST
def document_derive(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """An act, waybill, VAT invoice or credit note (a draft) from an issued invoice."""
    if kind not in selectors.DERIVABLE_KINDS:
        raise Http404
    if kind == DocKind.CREDIT_NOTE and not request.user.has_perm(ISSUE_DOCUMENT):
        raise PermissionDenied
    basis = _document(request, pk)
    try:
        derived = doc_services.document_derive(actor=request.user, basis=basis, kind=kind)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("billing:document-detail", pk=basis.pk)
    messages.success(request, _("%(document)s is created as a draft.") % {"document": derived})
    return redirect("billing:document-detail", pk=derived.pk)


@permission_required(VIEW_DOCUMENTS, raise_exception=True)
@require_GET
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from billing.pdf import pdf_filename, render_document_pdf

    document = _document(request, pk)
    response = HttpResponse(
        render_document_pdf(document, facsimile=False), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(document)}"'
    return response


@permission_required(VIEW_DOCUMENTS, raise_exception=True)
@require_GET
def document_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from billing.pdf import pdf_filename
    from billing.xlsx import document_xlsx as build_xlsx

    document = _document(request, pk)
    response = HttpResponse(build_xlsx(document), content_type=XLSX)
    name = pdf_filename(document).removesuffix(".pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@permission_required(ADD_DOCUMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def document_email(request: HttpRequest, pk: int) -> HttpResponse:
    """E-mail the document's PDF to the client (after commit; on the client's timeline)."""
    document = _document(request, pk)
    initial = {"to": package_services.client_email(document.client)}
    form = EmailForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            package_services.email_document(
                actor=request.user, document=document, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(document)s is sent to %(to)s.")
                % {"document": document, "to": form.cleaned_data["to"]},
            )
            return redirect("billing:document-detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "billing/documents/email.html", {"document": document, "form": form}, status=status
    )


# --- Creating and editing -------------------------------------------------------------------------
def _apply_line_errors(formset: Any, error: ValidationError) -> ValidationError | None:
    """Put ``lines.<n>.<field>`` errors of the service onto the formset's filled rows; return
    what is left for the header form."""
    if not hasattr(error, "error_dict"):
        return error
    filled = [form for form in formset.forms if form.cleaned_data.get("name")]
    rest: dict[str, Any] = {}
    for key, errors in error.error_dict.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(filled) and parts[2] in filled[index].fields:
                for item in errors:
                    filled[index].add_error(parts[2], item)
                continue
        rest["__all__" if key == "lines" else key] = errors
    return ValidationError(rest) if rest else None


def _document_form_page(
    request: HttpRequest,
    *,
    client: Client,
    form: DocumentForm,
    formset: Any,
    document: Document | None,
    status: int = 200,
) -> HttpResponse:
    context = {"client": client, "form": form, "formset": formset, "document": document}
    return render(request, "billing/documents/form.html", context, status=status)


@permission_required(ADD_DOCUMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest, client_pk: int) -> HttpResponse:
    """A manual invoice or commercial proposal (``?kind=proposal``) with editable lines."""
    client = _client(request, client_pk)
    kind = request.GET.get("kind", DocKind.INVOICE)
    kind = kind if kind in (DocKind.INVOICE, DocKind.PROPOSAL) else DocKind.INVOICE
    today = _today(request)
    note, lines = query_line_initial(request.GET)
    form = DocumentForm(request.POST or None, initial={"kind": kind, "date": today, "note": note})
    formset = LineFormSet(request.POST or None, prefix="lines", initial=lines or None)
    if request.method == "POST":
        document = _save_draft(
            request,
            form,
            formset,
            lambda data, lines: doc_services.document_create(
                actor=request.user,
                kind=data["kind"],
                client=client,
                lines=lines,
                date=data["date"],
                due_date=data["due_date"],
                note=data["note"],
            ),
        )
        if document is not None:
            return redirect("billing:document-detail", pk=document.pk)
        return _document_form_page(
            request, client=client, form=form, formset=formset, document=None, status=400
        )
    return _document_form_page(request, client=client, form=form, formset=formset, document=None)


def _save_draft(
    request: HttpRequest, form: Any, formset: Any, save: Callable[[dict, list], Document]
) -> Document | None:
    """Validate the header and the lines, then ``save``; errors land on their fields."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    try:
        document = save(form.cleaned_data, formset.lines())
    except ValidationError as error:
        rest = _apply_line_errors(formset, error)
        if rest is not None:
            apply_validation_error(form, rest)
        return None
    messages.success(request, _("The draft is saved."))
    return document


@permission_required(ADD_DOCUMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft's date, due date, note and lines; an issued document is refused."""
    document = _document(request, pk)
    if document.status != DocStatus.DRAFT:
        messages.error(
            request,
            _(
                "%(document)s is issued and cannot be changed: void it and issue a new one, "
                "or issue a credit note."
            )
            % {"document": document},
        )
        return redirect("billing:document-detail", pk=document.pk)
    initial = {
        "kind": document.kind,
        "date": document.date,
        "due_date": document.due_date,
        "note": document.note,
    }
    form = DocumentForm(request.POST or None, initial=initial)
    form.fields["kind"].choices = [(document.kind, document.get_kind_display())]
    form.fields["kind"].disabled = True
    formset = LineFormSet(request.POST or None, prefix="lines", initial=line_initial(document))
    if request.method == "POST":
        saved = _save_draft(
            request,
            form,
            formset,
            lambda data, lines: doc_services.document_replace_lines(
                actor=request.user,
                document=document,
                lines=lines,
                date=data["date"],
                due_date=data["due_date"],
                note=data["note"],
            ),
        )
        if saved is not None:
            return redirect("billing:document-detail", pk=document.pk)
        return _document_form_page(
            request,
            client=document.client,
            form=form,
            formset=formset,
            document=document,
            status=400,
        )
    return _document_form_page(
        request, client=document.client, form=form, formset=formset, document=document
    )


@permission_required(ADD_DOCUMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def document_from_orders(request: HttpRequest, client_pk: int) -> HttpResponse:
    """An invoice for the client's completed orders that are on no invoice yet."""
    client = _client(request, client_pk)
    orders = doc_services.uninvoiced_orders(client)
    form = FromOrdersForm(request.POST or None, orders=orders)
    if request.method == "POST" and form.is_valid():
        try:
            document = doc_services.invoice_from_orders(
                actor=request.user, client=client, orders=form.cleaned_data["orders"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The invoice is drafted: check it and issue it."))
            return redirect("billing:document-detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    context = {"client": client, "form": form, "has_orders": orders.exists()}
    return render(request, "billing/documents/from_orders.html", context, status=status)


@permission_required(ADD_DOCUMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def document_from_contract(request: HttpRequest, client_pk: int) -> HttpResponse:
    """An invoice of the contract's tariffs for a chosen month."""
    client = _client(request, client_pk)
    contracts = selectors.client_contracts(user=request.user, client=client)
    today = _today(request)
    form = FromContractForm(
        request.POST or None,
        contracts=contracts,
        initial={"month": f"{today:%Y-%m}", "contract": contracts.first()},
    )
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["month"]
        try:
            document = doc_services.invoice_from_contract(
                actor=request.user,
                contract=form.cleaned_data["contract"],
                period_start=start,
                period_end=end,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The invoice is drafted: check it and issue it."))
            return redirect("billing:document-detail", pk=document.pk)
    status = 400 if request.method == "POST" else 200
    context = {"client": client, "form": form, "has_contracts": contracts.exists()}
    return render(request, "billing/documents/from_contract.html", context, status=status)


# --- The client's package -------------------------------------------------------------------------
def _package_form(request: HttpRequest, client: Client, data: Any = None) -> PackageForm:
    candidates = selectors.package_candidates(user=request.user, client=client)
    return PackageForm(
        data,
        candidates=candidates,
        initial={"to": package_services.client_email(client), "format": PackageForm.FORMAT_PDF},
    )


def _package_page(
    request: HttpRequest, client: Client, form: PackageForm, status: int = 200
) -> HttpResponse:
    context = {
        "client": client,
        "form": form,
        "can_email": request.user.has_perm(ADD_DOCUMENT),
    }
    return render(request, "billing/documents/package.html", context, status=status)


@permission_required(VIEW_DOCUMENTS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def client_package(request: HttpRequest, client_pk: int) -> HttpResponse:
    """GET: choose what goes into the package; POST: download it (one PDF or a zip)."""
    client = _client(request, client_pk)
    form = _package_form(request, client, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            name, content, content_type = package_services.build_package(
                client,
                invoice=data["invoice"],
                proposal=data["proposal"],
                contract=data["contract"],
                as_zip=form.as_zip,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            response = HttpResponse(content, content_type=content_type)
            disposition = "attachment" if form.as_zip else "inline"
            response["Content-Disposition"] = f'{disposition}; filename="{name}"'
            return response
    status = 400 if request.method == "POST" else 200
    return _package_page(request, client, form, status)


@permission_required(ADD_DOCUMENT, raise_exception=True)
@require_POST
def client_package_email(request: HttpRequest, client_pk: int) -> HttpResponse:
    """E-mail the package to the client's contact (after commit; on the client's timeline)."""
    client = _client(request, client_pk)
    form = _package_form(request, client, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            package_services.email_package(
                actor=request.user,
                client=client,
                to=data["to"],
                invoice=data["invoice"],
                proposal=data["proposal"],
                contract=data["contract"],
                as_zip=form.as_zip,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The package is sent to %(to)s.") % {"to": data["to"]})
            return redirect(_card_url(client.pk))
    return _package_page(request, client, form, status=400)


# --- The client card's tab ------------------------------------------------------------------------
def client_tab(request: HttpRequest, client: Client) -> str:
    """The client card's "Documents" tab (registered in ``billing.wiring_documents``)."""
    user = request.user
    documents = selectors.client_documents(user=user, client=client, limit=CARD_DOCUMENTS_SHOWN + 1)
    today = _today(request)
    for document in documents:
        document.is_late = document.status == DocStatus.OVERDUE or (
            document.kind == DocKind.INVOICE
            and document.status in (DocStatus.ISSUED, DocStatus.PARTLY_PAID)
            and document.due_date is not None
            and document.due_date < today
        )
    open_docs = [
        d
        for d in documents
        if d.kind == DocKind.INVOICE and d.status not in (DocStatus.DRAFT, DocStatus.VOID)
    ]
    can_add = user.has_perm(ADD_DOCUMENT)
    context = {
        "client": client,
        "documents": documents[:CARD_DOCUMENTS_SHOWN],
        "more": len(documents) > CARD_DOCUMENTS_SHOWN,
        "outstanding": sum((d.outstanding for d in open_docs), start=0),
        "can_add": can_add,
        "package_form": _package_form(request, client) if documents or can_add else None,
        "can_email": can_add,
    }
    return render_to_string("billing/documents/card_tab.html", context, request=request)
