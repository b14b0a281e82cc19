"""Lab-wide pages: the requests list, the lab technician's cabinet, the director's control view
and the norms page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.core.forms import apply_validation_error
from crm.core.pagination import paginate, querystring_without_page
from labs import selectors, services
from labs.forms import NormsForm, RequestFilter
from labs.roles import CONTROL, NORMS, VIEW, WORK
from labs.services.planning import branch_today, capacity, estimate, norms_for, technicians


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


@permission_required(VIEW, raise_exception=True)
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    today = branch_today(branch)
    qs = selectors.request_list(user=request.user, branch=branch, today=today)
    filterset = RequestFilter(request.GET or None, queryset=qs, branch=branch, today=today)
    context = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
        "qs": querystring_without_page(request),
        "today": today,
    }
    if request.headers.get("HX-Request"):
        return render(request, "labs/request_list.html#lab-request-table", context)
    return render(request, "labs/request_list.html", context)


@permission_required(WORK, raise_exception=True)
@require_GET
def cabinet(request: HttpRequest) -> HttpResponse:
    """The lab technician's cabinet: the queue in the order to take it into work."""
    branch = _branch(request)
    today = branch_today(branch)
    show_all = request.GET.get("show") == "all"
    qs = selectors.cabinet_queue(user=request.user, branch=branch, today=today, show_all=show_all)
    context = {
        "page": paginate(request, qs, per_page=50),
        "qs": querystring_without_page(request),
        "show_all": show_all,
        "today": today,
        "lab_group": services.lab_group(branch.pk),
        "mine": request.user.pk,
    }
    if request.headers.get("HX-Request"):
        return render(request, "labs/cabinet.html#lab-queue", context)
    return render(request, "labs/cabinet.html", context)


@permission_required(CONTROL, raise_exception=True)
@require_GET
def control(request: HttpRequest) -> HttpResponse:
    """The director's control: requests by status and age, overdue per technician, turnaround."""
    branch = _branch(request)
    today = branch_today(branch)
    summary = selectors.control_summary(user=request.user, branch=branch, today=today)
    chart = {
        "labels": [str(s["label"]) for s in summary["statuses"]],
        "fresh": [s["fresh"] for s in summary["statuses"]],
        "week": [s["week"] for s in summary["statuses"]],
        "old": [s["old"] for s in summary["statuses"]],
    }
    context = {**summary, "chart": chart, "today": today}
    return render(request, "labs/control.html", context)


@permission_required(NORMS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def norms(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    current = norms_for(branch)
    form = NormsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.lab_norms_update(
                actor=request.user,
                branch=branch,
                calculation_days=data["calculation_days"],
                sample_days=data["sample_days"],
                per_technician=data["per_technician_per_day"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The lab's norms are saved."))
            return redirect("labs:norms")
    context = {
        "form": form,
        "technicians": technicians(branch),
        "capacity": capacity(branch, current),
        "estimates": [estimate(branch, kind) for kind in ("calculation", "sample")],
    }
    return render(request, "labs/norms.html", context, status=400 if form.errors else 200)
