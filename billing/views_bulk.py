"""Bulk invoicing pages: choose the month and branch → preview (counts, total, exceptions) →
run (a background job with a live progress bar) → the run's invoices and their PDFs.

Every page needs ``RUN_BULK`` and a branch the user may work in (``crm.accounts.permissions
.branches_for``); a PDF needs ``VIEW_DOCUMENTS`` and the document in ``documents_for``. The rules
live in ``billing.services.bulk``."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from billing.models import Document
from billing.permissions import documents_for
from billing.roles import RUN_BULK, VIEW_DOCUMENTS
from billing.services import bulk
from crm.accounts.permissions import branches_for

DOCUMENTS_PER_PAGE = 50


class BulkForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text=gettext_lazy("Invoices are dated the first day of the month."),
    )
    branch = forms.ModelChoiceField(label=gettext_lazy("Branch"), queryset=None, empty_label=None)
    send_email = forms.BooleanField(
        label=gettext_lazy("E-mail the invoices to the clients"), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_for(user)

    def clean_month(self) -> datetime.date:
        raw = self.cleaned_data["month"].strip()
        try:
            return datetime.datetime.strptime(raw[:7], "%Y-%m").date()
        except ValueError as exc:
            raise ValidationError(_("Choose a month.")) from exc

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        return bulk.month_period(self.cleaned_data["month"])


def _default_month() -> str:
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).strftime("%Y-%m")


def _initial(request: HttpRequest) -> dict[str, Any]:
    branch = getattr(request, "branch", None) or request.user.branch
    return {"month": _default_month(), "branch": branch}


@permission_required(RUN_BULK, raise_exception=True)
@require_GET
def bulk_home(request: HttpRequest) -> HttpResponse:
    runs = bulk.bulk_runs_for(request.user).select_related("branch", "job")[:20]
    form = BulkForm(initial=_initial(request), user=request.user)
    return render(request, "billing/bulk/home.html", {"form": form, "runs": runs})


@permission_required(RUN_BULK, raise_exception=True)
@require_GET
def bulk_preview(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.GET, user=request.user)
    if not form.is_valid():
        runs = bulk.bulk_runs_for(request.user).select_related("branch", "job")[:20]
        return render(request, "billing/bulk/home.html", {"form": form, "runs": runs}, status=400)
    start, end = form.period
    preview = bulk.bulk_preview(form.cleaned_data["branch"], start, end)
    return render(request, "billing/bulk/preview.html", {"form": form, "preview": preview})


@permission_required(RUN_BULK, raise_exception=True)
@require_POST
def bulk_start(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a month and a branch."))
        return redirect("billing:bulk-home")
    start, end = form.period
    try:
        run = bulk.bulk_run_start(
            actor=request.user,
            branch=form.cleaned_data["branch"],
            period_start=start,
            period_end=end,
            send_email=form.cleaned_data["send_email"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("billing:bulk-home")
    return redirect("billing:bulk-run", pk=run.pk)


@permission_required(RUN_BULK, raise_exception=True)
@require_GET
def bulk_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        bulk.bulk_runs_for(request.user).select_related("branch", "job", "organisation"), pk=pk
    )
    documents = (
        Document.objects.filter(bulk_run=run)
        .select_related("client")
        .only(
            "pk", "number", "date", "total", "currency", "status", "pdf", "sent_at", "client__name"
        )
        .order_by("pk")
    )
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "billing/bulk/run.html", {"run": run, "job": run.job, "page": page})


@permission_required(VIEW_DOCUMENTS, raise_exception=True)
@require_GET
def bulk_document_pdf(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """A run's invoice as the PDF the run rendered (rendered now when it has none yet)."""
    from billing.pdf import pdf_filename, render_document_pdf

    document = get_object_or_404(
        documents_for(request.user).select_related("organisation", "client", "contract"),
        pk=document_pk,
        bulk_run_id=pk,
    )
    if document.pdf:
        with document.pdf.open("rb") as handle:
            content = handle.read()
    else:
        content = render_document_pdf(document, facsimile=True)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(document)}"'
    return response
