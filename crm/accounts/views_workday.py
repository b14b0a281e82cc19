"""The working day: the header widget (start / break / back / end), its full page for browsers
without htmx, and the "who is working now" board for staff viewers (head of sales, director,
admin). Only roles that receive leads keep a working day (``workday.WORKDAY_ROLES``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from crm.accounts import workday

WIDGET = "accounts/_workday_widget.html"


def _require_workday(request: HttpRequest) -> None:
    if not workday.keeps_workday(request.user):
        raise PermissionDenied


def _widget_context(user: Any) -> dict[str, Any]:
    session = workday.current_session(user)
    return {"workday_session": session, "workday_state": session.state if session else "absent"}


@require_GET
def workday_view(request: HttpRequest) -> HttpResponse:
    """htmx: the header widget; a plain GET: the page with the same buttons and today's events."""
    _require_workday(request)
    context = _widget_context(request.user)
    if request.htmx:
        return render(request, WIDGET, context)
    session = context["workday_session"]
    context["events"] = list(session.events.all()) if session else []
    return render(request, "accounts/workday.html", context)


@require_POST
def workday_action(request: HttpRequest, action: str) -> HttpResponse:
    _require_workday(request)
    service = workday.WORKDAY_ACTIONS.get(action)
    if service is None:
        raise Http404
    try:
        service(user=request.user)
    except ValidationError as error:
        if not request.htmx:
            messages.error(request, " ".join(error.messages))
    if request.htmx:
        return render(request, WIDGET, _widget_context(request.user))
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("accounts:workday")


@require_GET
@permission_required("accounts.view_staff", raise_exception=True)
def workday_board(request: HttpRequest) -> HttpResponse:
    """Who keeps a working day in the active branch and what they are doing now."""
    branch = getattr(request, "branch", None) or request.user.branch
    rows = workday.working_now(branch)
    return render(
        request,
        "accounts/workday_board.html",
        {"rows": rows, "branch": branch, "day": workday.today_for(branch)},
    )
