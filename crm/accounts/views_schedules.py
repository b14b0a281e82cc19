"""Schedule pages: the branch month grid (HR's start page), shift templates, applying a
template to several people, one cell of the grid, the employee's own calendar with day-off
requests, and HR's list of requests. Thin: bind a form, call a service, render."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.accounts import services_schedules as services
from crm.accounts.forms_schedules import (
    CellForm,
    ScheduleApplyForm,
    ShiftTemplateForm,
    TimeOffRequestForm,
)
from crm.accounts.models_schedules import TimeOffStatus
from crm.accounts.permissions_schedules import (
    can_manage_schedules,
    can_view_schedules,
    schedule_staff_for,
    shift_templates_for,
    time_off_for,
)
from crm.accounts.schedules_grid import month_days, month_grid, vacation_balance
from crm.accounts.workday import today_for
from crm.core.forms import apply_validation_error


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _month(request: HttpRequest, today: datetime.date) -> tuple[int, int]:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in raw.split("-", 1))
        datetime.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return year, month


def _shift_month(year: int, month: int, delta: int) -> str:
    index = year * 12 + month - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _require_view(request: HttpRequest) -> None:
    if not can_view_schedules(request.user):
        raise PermissionDenied


def _require_manage(request: HttpRequest) -> None:
    if not can_manage_schedules(request.user):
        raise PermissionDenied


def _grid_url(day: datetime.date) -> str:
    return f"{reverse('accounts:schedule-grid')}?month={day:%Y-%m}"


# --- The month grid ------------------------------------------------------------------------------
@require_http_methods(["GET"])
def schedule_grid(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    branch = _branch(request)
    year, month = _month(request, today_for(branch))
    staff = list(
        schedule_staff_for(request.user, branch)
        .filter(is_active=True)
        .order_by("role", "last_name", "first_name")
    )
    context = {
        "rows": month_grid(staff, year, month),
        "days": month_days(year, month),
        "month": datetime.date(year, month, 1),
        "prev_month": _shift_month(year, month, -1),
        "next_month": _shift_month(year, month, 1),
        "can_manage": can_manage_schedules(request.user),
        "pending": time_off_for(request.user, branch).filter(status=TimeOffStatus.REQUESTED).count()
        if can_manage_schedules(request.user)
        else 0,
    }
    return render(request, "accounts/schedules/grid.html", context)


def _parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise Http404 from error


@require_http_methods(["GET", "POST"])
def schedule_cell(request: HttpRequest, user_pk: int, day: str) -> HttpResponse:
    """Click on a day of the grid: mark time off, sick leave, vacation, an unplanned day off,
    change or clear the shift."""
    _require_manage(request)
    branch = _branch(request)
    person = get_object_or_404(schedule_staff_for(request.user, branch), pk=user_pk)
    date = _parse_day(day)
    rows = month_grid([person], date.year, date.month)
    cell = rows[0].cells[date.day - 1]
    initial = {"action": services.SHIFT}
    if cell.shift is not None:
        initial.update(starts_at=cell.shift.starts_at, ends_at=cell.shift.ends_at)
    if cell.time_off is not None:
        initial.update(action=cell.time_off.kind, note=cell.time_off.note)
    form = CellForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.schedule_cell_set(
                actor=request.user,
                user=person,
                day=date,
                action=data["action"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if request.htmx:
                row = month_grid([person], date.year, date.month)[0]
                return render(
                    request,
                    "accounts/schedules/grid.html#grid-row",
                    {"row": row, "can_manage": True},
                )
            messages.success(request, _("The schedule is saved."))
            return redirect(_grid_url(date))
    context = {"person": person, "day": date, "cell": cell, "form": form, "back": _grid_url(date)}
    return render(request, "accounts/schedules/cell.html", context)


# --- Shift templates -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def shift_template_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    branch = _branch(request)
    if request.method == "POST":
        _require_manage(request)
    form = ShiftTemplateForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The shift template is saved."))
        return redirect("accounts:shift-templates")
    context = {
        "templates": shift_templates_for(request.user, branch).order_by("-is_active", "name"),
        "form": form,
        "can_manage": can_manage_schedules(request.user),
    }
    return render(request, "accounts/schedules/templates.html", context)


@require_http_methods(["GET", "POST"])
def shift_template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    branch = _branch(request)
    template = get_object_or_404(shift_templates_for(request.user, branch), pk=pk)
    form = ShiftTemplateForm(request.POST or None, instance=template, branch=template.branch)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The shift template is saved."))
        return redirect("accounts:shift-templates")
    return render(
        request, "accounts/schedules/template_edit.html", {"form": form, "template": template}
    )


@require_http_methods(["GET", "POST"])
def schedule_apply(request: HttpRequest) -> HttpResponse:
    """Apply one template to several employees from a date (months need not line up)."""
    _require_manage(request)
    branch = _branch(request)
    today = today_for(branch)
    staff = (
        schedule_staff_for(request.user, branch)
        .filter(is_active=True)
        .order_by("role", "last_name")
    )
    initial = {"start": today, "end": today + datetime.timedelta(days=60)}
    if request.GET.get("template"):
        initial["template"] = request.GET["template"]
    form = ScheduleApplyForm(
        request.POST or None,
        templates=shift_templates_for(request.user, branch),
        staff=staff,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.schedule_apply(
                actor=request.user,
                template=data["template"],
                users=list(data["users"]),
                start=data["start"],
                end=data["end"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("%(n)s shifts planned for %(people)s employees.")
                % {"n": created, "people": len(data["users"])},
            )
            return redirect(_grid_url(data["start"]))
    return render(request, "accounts/schedules/apply.html", {"form": form})


# --- The employee's own calendar and requests ----------------------------------------------------
@require_http_methods(["GET", "POST"])
def my_schedule(request: HttpRequest) -> HttpResponse:
    """Everyone's own month: shifts, time off, vacation left; ask for a day off."""
    user = request.user
    today = today_for(user.branch)
    year, month = _month(request, today)
    form = TimeOffRequestForm(request.POST or None, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.time_off_request(
                actor=user, day=data["day"], kind=data["kind"], note=data["note"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your request is sent to HR."))
            return redirect(f"{reverse('accounts:my-schedule')}?month={data['day']:%Y-%m}")
    row = month_grid([user], year, month)[0]
    first_weekday = row.cells[0].day.weekday()
    context = {
        "row": row,
        "blanks": range(first_weekday),
        "month": datetime.date(year, month, 1),
        "prev_month": _shift_month(year, month, -1),
        "next_month": _shift_month(year, month, 1),
        "balance": vacation_balance(user, today),
        "requests": time_off_for(user).filter(
            user=user, day__gte=today - datetime.timedelta(days=60)
        ),
        "form": form,
        "today": today,
    }
    return render(request, "accounts/schedules/my_schedule.html", context)


@require_http_methods(["GET"])
def time_off_requests(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    branch = _branch(request)
    pending = time_off_for(request.user, branch).filter(status=TimeOffStatus.REQUESTED)
    decided = (
        time_off_for(request.user, branch)
        .exclude(status=TimeOffStatus.REQUESTED)
        .exclude(decided_at=None)
        .order_by("-decided_at")[:30]
    )
    return render(
        request, "accounts/schedules/requests.html", {"pending": pending, "decided": decided}
    )


@require_POST
def time_off_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    _require_manage(request)
    if decision not in ("approve", "decline"):
        raise PermissionDenied
    time_off = get_object_or_404(time_off_for(request.user, _branch(request)), pk=pk)
    try:
        services.time_off_decide(
            actor=request.user, time_off=time_off, approve=decision == "approve"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Decision saved; the employee is notified."))
    return redirect("accounts:time-off-requests")
