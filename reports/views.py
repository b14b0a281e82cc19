"""Dashboards and reports (read-only). Every view checks the role permission; the period and
branch come from ``reports.filters``: roles that may not switch branches only ever see their own
branch, and a manager's sales dashboard shows only his own figures."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports import roles
from reports.catalogue import REPORTS, Report, reports_for
from reports.catalogue.base import PAGE_ROWS, sum_totals
from reports.dashboard import director_dashboard, sales_dashboard
from reports.exports import XLSX_TYPE, report_pdf, report_xlsx
from reports.filters import report_filter_for


@permission_required(roles.VIEW_DASHBOARD, raise_exception=True)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    flt, form = report_filter_for(request)
    context = {"flt": flt, "form": form, "d": director_dashboard(flt, request.user)}
    return render(request, "reports/dashboard.html", context)


@permission_required(roles.VIEW_SALES_DASHBOARD, raise_exception=True)
@require_GET
def sales(request: HttpRequest) -> HttpResponse:
    flt, form = report_filter_for(request)
    context = {
        "flt": flt,
        "form": form,
        "d": sales_dashboard(flt, request.user),
        "can_assign": request.user.has_perm("leads.assign_tasks"),
    }
    return render(request, "reports/sales.html", context)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    available = reports_for(request.user)
    if not available:
        raise PermissionDenied
    sections: dict[str, list[Report]] = {}
    for report in available:
        sections.setdefault(str(report.section), []).append(report)
    flt, form = report_filter_for(request)
    return render(request, "reports/index.html", {"sections": sections, "flt": flt, "form": form})


def _report(request: HttpRequest, slug: str) -> Report:
    report = REPORTS.get(slug)
    if report is None:
        raise Http404
    if not request.user.has_perm(report.permission):
        raise PermissionDenied
    return report


def _extra(request: HttpRequest, report: Report) -> dict[str, str]:
    return {k: request.GET[k] for k in report.params if request.GET.get(k)}


@require_GET
def report(request: HttpRequest, slug: str) -> HttpResponse:
    rep = _report(request, slug)
    flt, form = report_filter_for(request)
    table = rep.build(flt, request.user, request.GET)
    page = None
    rows = table.rows
    if not isinstance(rows, list):
        page = Paginator(rows, PAGE_ROWS).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    if table.totals is None:
        table.totals = sum_totals(rows, rep.columns)
    extra = _extra(request, rep)
    query = flt.params(**extra)
    context = {
        "report": rep,
        "table": table,
        "rows": rows,
        "page": page,
        "flt": flt,
        "form": form,
        "extra": extra,
        "query": query,
    }
    return render(request, "reports/report.html", context)


@require_GET
def report_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    rep = _report(request, slug)
    flt, _form = report_filter_for(request)
    table = rep.build(flt, request.user, request.GET)
    if table.totals is None:
        table.totals = sum_totals(list(table.rows), rep.columns)
    name = f"{slug}-{flt.date_from:%Y%m%d}-{flt.date_to:%Y%m%d}"
    if fmt == "xlsx":
        response = HttpResponse(report_xlsx(rep, table, flt), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(report_pdf(rep, table, flt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
