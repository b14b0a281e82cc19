"""Pages of recurring schedules: the branch's list, create/edit with items, the detail page with
upcoming occurrences, and the actions on one occurrence (skip, move), pause and stop/resume.

Every view fetches through ``schedules_for`` (someone else's schedule is a 404) and checks
``can_change_schedule`` before a write (403). The actions answer an htmx request from the client
card with the re-rendered "Schedules" tab, and a plain POST with a redirect."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.permissions import clients_for
from crm.core.forms import apply_validation_error
from crm.core.pagination import paginate, querystring_without_page
from crm.orders.forms_schedules import (
    MoveForm,
    PauseForm,
    ScheduleFilterForm,
    ScheduleForm,
    ScheduleItemFormSet,
    SkipForm,
    item_rows,
)
from crm.orders.models import RecurringSchedule, ScheduleItem
from crm.orders.permissions import can_change_schedule, schedules_for
from crm.orders.services import schedules as services
from crm.orders.services.orders import branch_today

VIEW = "orders.view_recurringschedule"
CHANGE = "orders.change_recurringschedule"
DETAIL_WEEKS = 6
TAB_WEEKS = 3


def _with_relations(qs: QuerySet[RecurringSchedule]) -> QuerySet[RecurringSchedule]:
    return qs.select_related("client", "address", "branch").prefetch_related(
        Prefetch("items", queryset=ScheduleItem.objects.select_related("product")),
        "pauses",
        "exceptions",
    )


def _visible(request: HttpRequest, pk: int) -> RecurringSchedule:
    return get_object_or_404(_with_relations(schedules_for(request.user, request.branch)), pk=pk)


def _changeable(request: HttpRequest, pk: int) -> RecurringSchedule:
    schedule = _visible(request, pk)
    if not can_change_schedule(request.user, schedule):
        raise PermissionDenied
    return schedule


# --- List -----------------------------------------------------------------------------------------
@require_GET
@permission_required(VIEW, raise_exception=True)
def schedule_list(request: HttpRequest) -> HttpResponse:
    form = ScheduleFilterForm(request.GET or None)
    qs = _with_relations(schedules_for(request.user, request.branch)).order_by("client__name", "pk")
    if form.is_valid():
        if query := form.cleaned_data["q"].strip():
            qs = qs.filter(client__name__icontains=query)
        if rule := form.cleaned_data["rule"]:
            qs = qs.filter(rule=rule)
        if active := form.cleaned_data["active"]:
            qs = qs.filter(is_active=active == "1")
    page = paginate(request, qs)
    context = {
        "page": page,
        "form": form,
        "qs": querystring_without_page(request),
        "can_change": request.user.has_perm(CHANGE),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "orders/schedules/schedule_list.html#schedule-table", context)
    return render(request, "orders/schedules/schedule_list.html", context)


# --- Create / edit --------------------------------------------------------------------------------
def _save(
    request: HttpRequest, client: Any, schedule: RecurringSchedule | None
) -> tuple[RecurringSchedule | None, dict]:
    instance = schedule or RecurringSchedule(client=client, branch=client.branch)
    if schedule is None and request.method == "GET":
        address = client.addresses.first()
        initial = {
            "start_date": branch_today(client.branch),
            "window_from": address.window_from if address else None,
            "window_to": address.window_to if address else None,
        }
    else:
        initial = {}
    data = request.POST if request.method == "POST" else None
    form = ScheduleForm(data, instance=instance, client=client, initial=initial)
    formset = ScheduleItemFormSet(data, instance=instance, prefix="items")
    saved = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = {k: form.cleaned_data.get(k) for k in form.Meta.fields}
        fields["containers_to_collect"] = fields.get("containers_to_collect") or 0
        try:
            if schedule is None:
                saved = services.schedule_create(
                    actor=request.user, client=client, data=fields, items=item_rows(formset)
                )
            else:
                saved = services.schedule_update(
                    actor=request.user, schedule=schedule, data=fields, items=item_rows(formset)
                )
        except ValidationError as error:
            apply_validation_error(form, error)
    return saved, {"form": form, "formset": formset, "client": client, "schedule": schedule}


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE, raise_exception=True)
def schedule_create(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("client", "")
    if not raw.isdigit():
        messages.info(request, _("Open the client's card and choose “New schedule”."))
        return redirect("clients:client-list")
    client = get_object_or_404(clients_for(request.user, request.branch), pk=int(raw))
    saved, context = _save(request, client, None)
    if saved is not None:
        messages.success(request, _("Recurring schedule created."))
        return redirect("orders:schedule-detail", pk=saved.pk)
    return render(request, "orders/schedules/schedule_form.html", {**context, "creating": True})


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE, raise_exception=True)
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _changeable(request, pk)
    saved, context = _save(request, schedule.client, schedule)
    if saved is not None:
        messages.success(request, _("Changes saved."))
        return redirect("orders:schedule-detail", pk=saved.pk)
    return render(request, "orders/schedules/schedule_form.html", {**context, "creating": False})


# --- Detail ---------------------------------------------------------------------------------------
@require_GET
@permission_required(VIEW, raise_exception=True)
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _visible(request, pk)
    today = branch_today(schedule.branch)
    end = today + datetime.timedelta(weeks=DETAIL_WEEKS)
    rows = services.upcoming([schedule], start=today, end=end, branch=schedule.branch)
    return render(
        request,
        "orders/schedules/schedule_detail.html",
        {
            "schedule": schedule,
            "occurrences": rows[schedule.pk],
            "can_change": can_change_schedule(request.user, schedule),
            "pause_form": PauseForm(),
            "today": today,
        },
    )


# --- Client card tab ------------------------------------------------------------------------------
def client_tab_context(request: HttpRequest, client: Any) -> dict[str, Any]:
    schedules = list(
        _with_relations(schedules_for(request.user, request.branch)).filter(client=client)
    )
    today = branch_today(client.branch)
    rows = services.upcoming(
        schedules,
        start=today,
        end=today + datetime.timedelta(weeks=TAB_WEEKS),
        branch=client.branch,
    )
    may_change = (
        request.user.has_perm(CHANGE)
        and bool(schedules)
        and (can_change_schedule(request.user, schedules[0]))
    )
    return {
        "client": client,
        "entries": [(s, rows[s.pk]) for s in schedules],
        "can_change": may_change,
        "can_add": request.user.has_perm(CHANGE),
        "today": today,
    }


def client_tab(request: HttpRequest, client: Any, errors: dict | None = None) -> str:
    context = client_tab_context(request, client)
    context["errors"] = errors or {}
    return render_to_string("orders/schedules/_client_tab.html", context, request=request)


# --- Actions --------------------------------------------------------------------------------------
def _after_action(
    request: HttpRequest, schedule: RecurringSchedule, error: ValidationError | None
) -> HttpResponse:
    if request.htmx:
        errors = {schedule.pk: error.messages} if error else {}
        return HttpResponse(client_tab(request, schedule.client, errors))
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Schedule updated."))
    if request.POST.get("back") == "card":
        url = reverse("clients:client-detail", args=[schedule.client_id])
        return redirect(f"{url}?{urlencode({'tab': 'schedules'})}")
    return redirect("orders:schedule-detail", pk=schedule.pk)


def _form_error(form: Any) -> ValidationError:
    return ValidationError([str(e) for errors in form.errors.values() for e in errors])


@require_POST
@permission_required(CHANGE, raise_exception=True)
def schedule_pause(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _changeable(request, pk)
    form = PauseForm(request.POST)
    if not form.is_valid():
        return _after_action(request, schedule, _form_error(form))
    try:
        services.schedule_pause(actor=request.user, schedule=schedule, **form.cleaned_data)
    except ValidationError as error:
        return _after_action(request, schedule, error)
    return _after_action(request, schedule, None)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def schedule_skip(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _changeable(request, pk)
    form = SkipForm(request.POST)
    if not form.is_valid():
        return _after_action(request, schedule, _form_error(form))
    try:
        services.schedule_skip(actor=request.user, schedule=schedule, **form.cleaned_data)
    except ValidationError as error:
        return _after_action(request, schedule, error)
    return _after_action(request, schedule, None)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def schedule_move(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _changeable(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _after_action(request, schedule, _form_error(form))
    try:
        services.schedule_move(actor=request.user, schedule=schedule, **form.cleaned_data)
    except ValidationError as error:
        return _after_action(request, schedule, error)
    return _after_action(request, schedule, None)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def schedule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = _changeable(request, pk)
    services.schedule_set_active(
        actor=request.user, schedule=schedule, active=not schedule.is_active
    )
    return _after_action(request, schedule, None)
