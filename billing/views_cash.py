"""The cash desk page of a day: entries with the running balance, drivers' hand-ins matched
against their routes (differences flagged), other cash in and out, the daily closing."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.forms_cash import CashEntryForm, HandInForm
from billing.models_cash import CashClosing, CashEntry
from billing.roles_pay import MANAGE_PAY
from billing.services import cash as services
from crm.accounts.workday import today_for


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_PAY):
        raise PermissionDenied


def _day(request: HttpRequest, branch: Any) -> datetime.date:
    raw = request.POST.get("day") or request.GET.get("date") or ""
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return today_for(branch)


def _back(day: datetime.date) -> str:
    return f"{reverse('billing:cash')}?date={day.isoformat()}"


@require_http_methods(["GET"])
def cash_desk(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    day = _day(request, branch)
    figures = services.cash_day(branch, day)
    entries = list(
        CashEntry.objects.filter(branch=branch, day=day).select_related(
            "employee", "route__vehicle", "created_by"
        )
    )
    running = figures.opening
    for entry in entries:
        running += entry.amount if entry.is_in else -entry.amount
        entry.balance = running
    context = {
        "day": day,
        "prev": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1),
        "figures": figures,
        "entries": entries,
        "closing": CashClosing.objects.filter(branch=branch, day=day)
        .select_related("closed_by")
        .first(),
        "hand_in_form": HandInForm(routes=services.routes_to_hand_in(branch, day)),
        "entry_form": CashEntryForm(branch=branch),
    }
    return render(request, "billing/cash/desk.html", context)


def _flash(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_POST
def cash_hand_in(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    day = _day(request, branch)
    form = HandInForm(request.POST, routes=services.routes_to_hand_in(branch, day))
    if not form.is_valid():
        messages.error(request, _("Choose a finished route of the day and the amount."))
        return redirect(_back(day))
    data = form.cleaned_data
    try:
        entry = services.cash_hand_in(
            actor=request.user,
            route=data["route"],
            amount=data["amount"],
            day=day,
            note=data["note"],
        )
    except ValidationError as error:
        _flash(request, error)
    else:
        if entry.difference:
            messages.warning(
                request,
                _("Difference %(diff)s: expected %(expected)s.")
                % {"diff": entry.difference, "expected": entry.expected},
            )
        else:
            messages.success(request, _("Hand-in matches the route."))
    return redirect(_back(day))


@require_POST
def cash_entry(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    day = _day(request, branch)
    form = CashEntryForm(request.POST, branch=branch)
    if not form.is_valid():
        messages.error(request, _("Check the amount."))
        return redirect(_back(day))
    try:
        services.cash_entry_add(actor=request.user, branch=branch, day=day, **form.cleaned_data)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect(_back(day))


@require_POST
def cash_close(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _branch(request)
    day = _day(request, branch)
    try:
        closing = services.cash_day_close(actor=request.user, branch=branch, day=day)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(
            request, _("The day is closed with %(sum)s in the desk.") % {"sum": closing.closing}
        )
    return redirect(_back(day))
