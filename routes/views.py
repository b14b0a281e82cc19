"""Thin views of the routes app: check role and branch, bind a form, call a service, render.

Records of another branch, and routes a driver does not drive, are not in the querysets of
``routes.permissions``: they answer 404. Forbidden actions answer 403."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.core.forms import apply_validation_error
from crm.core.services import snapshot
from crm.orders.services.orders import branch_today
from routes import roles, selectors, sheets
from routes.forms import (
    DepotForm,
    DriverForm,
    MoveForm,
    PlanForm,
    VehicleForm,
    vehicles_for_day,
)
from routes.models import Depot, Route, RoutePlan, RouteStop, Vehicle
from routes.permissions import (
    can_manage_fleet,
    can_plan,
    can_publish,
    depots_for,
    plans_for,
    routes_for,
    vehicles_for,
)
from routes.services import fleet, planning, publishing
from routes.services.requirements import load_requirements


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _errors(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- Fleet ---------------------------------------------------------------------------------------
@permission_required(roles.VIEW_FLEET, raise_exception=True)
def vehicle_list(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    context = {
        "vehicles": vehicles_for(request.user, branch).select_related("depot", "driver"),
        "depots": depots_for(request.user, branch),
        "can_edit": can_manage_fleet(request.user),
    }
    return render(request, "routes/vehicle_list.html", context)


def _fleet_form(
    request: HttpRequest,
    *,
    form_class: type,
    instance: Any,
    fields: list[str],
    save: Any,
    title: str,
) -> HttpResponse:
    branch = _branch(request)
    before = snapshot(instance, fields) if instance.pk else None
    form = form_class(request.POST or None, instance=instance, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            save(
                actor=request.user,
                before=before,
                **{form._meta.model._meta.model_name: form.instance},
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("routes:vehicle-list")
    return render(request, "routes/fleet_form.html", {"form": form, "title": title})


@permission_required(roles.MANAGE_FLEET, raise_exception=True)
@require_http_methods(["GET", "POST"])
def vehicle_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    branch = _branch(request)
    vehicle = get_object_or_404(vehicles_for(request.user, branch), pk=pk) if pk else Vehicle()
    return _fleet_form(
        request,
        form_class=VehicleForm,
        instance=vehicle,
        fields=fleet.VEHICLE_FIELDS,
        save=fleet.vehicle_save,
        title=str(vehicle) if pk else _("New vehicle"),
    )


@permission_required(roles.MANAGE_FLEET, raise_exception=True)
@require_http_methods(["GET", "POST"])
def depot_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    branch = _branch(request)
    depot = get_object_or_404(depots_for(request.user, branch), pk=pk) if pk else Depot()
    return _fleet_form(
        request,
        form_class=DepotForm,
        instance=depot,
        fields=fleet.DEPOT_FIELDS,
        save=fleet.depot_save,
        title=str(depot) if pk else _("New depot"),
    )


# --- Planning ------------------------------------------------------------------------------------
def _plan_day_asked(request: HttpRequest) -> datetime.date | None:
    """The day whose vans and drivers the form offers: ``?date=`` or the posted date."""
    raw = request.POST.get("date") or request.GET.get("date") or ""
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return None


@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_day(request: HttpRequest) -> HttpResponse:
    """Pick a date and vans and start the optimiser; below, the recent plans."""
    branch = _branch(request)
    if request.method == "POST" and not can_plan(request.user):
        raise PermissionDenied
    day = _plan_day_asked(request) or branch_today(branch)
    form = PlanForm(
        request.POST or None,
        branch=branch,
        day=day,
        initial={"date": day, "vehicles": vehicles_for_day(branch, day)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = planning.plan_create(
                actor=request.user,
                branch=branch,
                date=data["date"],
                vehicle_ids=[v.pk for v in data["vehicles"]],
                order_filters={"order_types": data["order_types"]},
                standing_mode=data["standing_mode"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("routes:plan-detail", pk=plan.pk)
    plans = plans_for(request.user, branch).select_related("job")[:20]
    context = {"form": form, "plans": plans, "can_plan": can_plan(request.user)}
    return render(request, "routes/plan_day.html", context)


@permission_required(roles.VIEW_PLANS, raise_exception=True)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    branch = _branch(request)
    plan = get_object_or_404(plans_for(request.user, branch).select_related("job"), pk=pk)
    routes = selectors.plan_routes(plan)
    running = bool(plan.job and not plan.job.is_finished)
    editable = can_plan(request.user) and not plan.is_published and not running
    requirements = load_requirements(branch_id=plan.branch_id)
    for route in routes:
        route.warnings = planning.route_warnings(route, requirements) if route.stops.all() else []
    context = {
        "plan": plan,
        "routes": routes,
        "unassigned": selectors.unassigned_orders(plan),
        "map": {**selectors.map_data(routes), "territories": requirements.shapes},
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "running": running,
        "editable": editable,
        "can_publish": editable and can_publish(request.user),
        "can_withdraw": plan.is_published and not running and can_publish(request.user),
        "driver_form": DriverForm(branch=branch, day=plan.date),
        "job": plan.job,
    }
    return render(request, "routes/plan_detail.html", context)


def _plan_action(request: HttpRequest, pk: int) -> RoutePlan:
    if not can_plan(request.user):
        raise PermissionDenied
    return get_object_or_404(plans_for(request.user, _branch(request)), pk=pk)


@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_POST
def plan_reoptimise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_action(request, pk)
    try:
        planning.plan_reoptimise(actor=request.user, plan=plan)
    except ValidationError as error:
        _errors(request, error)
    return redirect("routes:plan-detail", pk=plan.pk)


@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_action(request, pk)
    if not can_publish(request.user):
        raise PermissionDenied
    try:
        summary = publishing.plan_publish(actor=request.user, plan=plan)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            _(
                "Published: %(orders)s orders assigned, %(in_work)s taken into work, "
                "%(waiting)s wait for prepayment."
            )
            % summary,
        )
    return redirect("routes:plan-detail", pk=plan.pk)


@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_POST
def plan_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_action(request, pk)
    if not can_publish(request.user):
        raise PermissionDenied
    try:
        publishing.plan_unpublish(
            actor=request.user, plan=plan, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Withdrawn: change the routes and publish them again."))
    return redirect("routes:plan-detail", pk=plan.pk)


def _stop(request: HttpRequest, pk: int) -> RouteStop:
    if not can_plan(request.user):
        raise PermissionDenied
    return get_object_or_404(
        RouteStop.objects.filter(plan__branch=_branch(request)).select_related("plan"), pk=pk
    )


def _route(request: HttpRequest, pk: int) -> Route:
    if not can_plan(request.user):
        raise PermissionDenied
    return get_object_or_404(
        Route.objects.filter(plan__branch=_branch(request)).select_related("plan", "vehicle"),
        pk=pk,
    )


@permission_required(roles.PLAN, raise_exception=True)
@require_POST
def stop_move(request: HttpRequest, pk: int) -> HttpResponse:
    stop = _stop(request, pk)
    form = MoveForm(request.POST, plan=stop.plan)
    if not form.is_valid():
        messages.error(request, _("Choose a route."))
        return redirect("routes:plan-detail", pk=stop.plan_id)
    position = form.cleaned_data["position"]
    target = form.cleaned_data["route"]
    position = position - 1 if position else target.stops.count()
    try:
        warnings = planning.stop_move(
            actor=request.user, stop=stop, route=target, position=position
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        for warning in warnings:
            messages.warning(request, warning)
    return redirect("routes:plan-detail", pk=stop.plan_id)


@permission_required(roles.PLAN, raise_exception=True)
@require_POST
def stop_add(request: HttpRequest, pk: int, order_pk: int) -> HttpResponse:
    plan = _plan_action(request, pk)
    form = MoveForm(request.POST, plan=plan)
    if not form.is_valid():
        messages.error(request, _("Choose a route."))
        return redirect("routes:plan-detail", pk=plan.pk)
    target = form.cleaned_data["route"]
    position = form.cleaned_data["position"]
    position = position - 1 if position else target.stops.count()
    try:
        warnings = planning.stop_add(
            actor=request.user, plan=plan, order_id=order_pk, route=target, position=position
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        for warning in warnings:
            messages.warning(request, warning)
    return redirect("routes:plan-detail", pk=plan.pk)


def _flag(request: HttpRequest) -> bool:
    return request.POST.get("locked") in ("1", "true", "on")


@permission_required(roles.PLAN, raise_exception=True)
@require_POST
def stop_lock(request: HttpRequest, pk: int) -> HttpResponse:
    stop = _stop(request, pk)
    try:
        planning.stop_lock(actor=request.user, stop=stop, locked=_flag(request))
    except ValidationError as error:
        _errors(request, error)
    return redirect("routes:plan-detail", pk=stop.plan_id)


@permission_required(roles.PLAN, raise_exception=True)
@require_POST
def route_lock(request: HttpRequest, pk: int) -> HttpResponse:
    route = _route(request, pk)
    try:
        planning.route_lock(actor=request.user, route=route, locked=_flag(request))
    except ValidationError as error:
        _errors(request, error)
    return redirect("routes:plan-detail", pk=route.plan_id)


@permission_required(roles.PLAN, raise_exception=True)
@require_POST
def route_driver(request: HttpRequest, pk: int) -> HttpResponse:
    route = _route(request, pk)
    form = DriverForm(request.POST, branch=_branch(request), day=route.plan.date)
    if not form.is_valid():
        messages.error(request, _("Choose a driver of this branch."))
        return redirect("routes:plan-detail", pk=route.plan_id)
    try:
        planning.route_set_driver(
            actor=request.user, route=route, driver=form.cleaned_data["driver"]
        )
    except ValidationError as error:
        _errors(request, error)
    return redirect("routes:plan-detail", pk=route.plan_id)


# --- Route sheets and the driver's route ---------------------------------------------------------
def _visible_route(request: HttpRequest, pk: int) -> Route:
    return get_object_or_404(routes_for(request.user, _branch(request)), pk=pk)


@permission_required(roles.VIEW_OWN_ROUTE, raise_exception=True)
def route_sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    route = _visible_route(request, pk)
    response = HttpResponse(sheets.sheet_pdf(route), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{sheets.filename(route)}.pdf"'
    return response


@permission_required(roles.VIEW_OWN_ROUTE, raise_exception=True)
def route_sheet_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    route = _visible_route(request, pk)
    response = HttpResponse(
        sheets.sheet_xlsx(route),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{sheets.filename(route)}.xlsx"'
    return response


@permission_required(roles.VIEW_PLANS, raise_exception=True)
def plan_sheets_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Every used route of the day in one PDF, a sheet per route."""
    plan = get_object_or_404(plans_for(request.user, _branch(request)), pk=pk)
    routes = [
        r
        for r in plan.routes.select_related("plan", "vehicle__depot", "driver")
        if r.stops.exists()
    ]
    response = HttpResponse(sheets.sheet_pdf(routes), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="routes-{plan.date:%Y-%m-%d}.pdf"'
    return response
