"""The dispatcher's live board (thin views over ``routes.board`` and ``routes.services.dispatch``).

Viewers of plans (dispatchers, admins, directors, heads of sales) see the board of their active
branch; only planners act on it. Routes and stops of another branch, or of an unpublished plan,
are not in the querysets: 404. Every fragment also opens as a page of its own (no JavaScript);
with htmx it is swapped into the board's side panel. A form with errors comes back with 422."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from crm.core.forms import apply_validation_error
from crm.orders.services.orders import branch_today
from routes import board as selectors
from routes import roles
from routes.forms import drivers_of
from routes.models import Route, RoutePlan, RouteStop
from routes.permissions import can_plan, routes_for
from routes.realtime import board_group
from routes.services import dispatch
from routes.services.live import message_send

PUBLISHED = RoutePlan.Status.PUBLISHED


# --- Forms --------------------------------------------------------------------------------------
class RouteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Route) -> str:
        return f"{obj.vehicle.plate} · {obj.driver or '—'}"


def _versions(value: str) -> dict[int, int]:
    """``"12:3 13:5"`` → {12: 3, 13: 5} (route id → sequence version seen in the preview)."""
    out = {}
    for part in (value or "").split():
        route, _sep, version = part.partition(":")
        if route.isdigit() and version.isdigit():
            out[int(route)] = int(version)
    return out


class MoveForm(forms.Form):
    route = RouteChoiceField(label=gettext_lazy("To route"), queryset=Route.objects.none())
    position = forms.IntegerField(
        label=gettext_lazy("As stop no."),
        min_value=1,
        required=False,
        help_text=gettext_lazy("Empty: at the end."),
    )
    versions = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, plan: RoutePlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = plan.routes.select_related("vehicle", "driver")

    @property
    def position0(self) -> int | None:
        position = self.cleaned_data.get("position")
        return position - 1 if position else None


class ReassignForm(forms.Form):
    driver = forms.ModelChoiceField(label=gettext_lazy("Driver"), queryset=None)

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["driver"].queryset = drivers_of(branch)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Message to the driver"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InsertForm(forms.Form):
    route = forms.ModelChoiceField(queryset=Route.objects.none())
    position = forms.IntegerField(min_value=1)
    version = forms.IntegerField(min_value=0, required=False)

    def __init__(self, *args: Any, plan: RoutePlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = plan.routes.all()


# --- Helpers ------------------------------------------------------------------------------------
def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _date(request: HttpRequest, branch: Any) -> datetime.date:
    value = parse_date(request.GET.get("date") or "") if request.GET.get("date") else None
    return value or branch_today(branch)


def _board_url(date: datetime.date) -> str:
    return f"{reverse('routes:board')}?date={date.isoformat()}"


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The fragment for htmx; without JavaScript the same fragment inside a page."""
    if getattr(request, "htmx", False):
        return render(request, template, context, status=status)
    return render(
        request, "routes/board/standalone.html", {**context, "fragment": template}, status=status
    )


def _refreshed(response: HttpResponse) -> HttpResponse:
    """Tell the board to refetch itself now (the live event follows for the other screens)."""
    response["HX-Trigger"] = "board:refresh"
    return response


def _route(request: HttpRequest, pk: int) -> Route:
    qs = routes_for(request.user, _branch(request)).filter(plan__status=PUBLISHED)
    return get_object_or_404(qs.select_related("plan__branch", "vehicle", "driver"), pk=pk)


def _stop(request: HttpRequest, pk: int) -> RouteStop:
    qs = RouteStop.objects.filter(plan__branch=_branch(request), plan__status=PUBLISHED)
    qs = qs.select_related("plan__branch", "route__vehicle", "order__client")
    return get_object_or_404(qs, pk=pk)


def _plan(request: HttpRequest, date: datetime.date) -> RoutePlan:
    plan = selectors.board_plan(user=request.user, branch=_branch(request), date=date)
    if plan is None:
        raise Http404
    return plan


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The board ----------------------------------------------------------------------------------
def _board_context(request: HttpRequest, date: datetime.date) -> dict[str, Any]:
    branch = _branch(request)
    board = selectors.board_read(user=request.user, branch=branch, date=date)
    return {
        "board": board,
        "date": date,
        "is_today": date == branch_today(branch),
        "map": selectors.map_data(board.rows),
        "can_plan": can_plan(request.user),
        "idle_minutes": selectors.idle_minutes(),
    }


@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    date = _date(request, branch)
    context = _board_context(request, date)
    context.update(
        {
            "live_group": board_group(branch.pk),
            "prev_date": date - datetime.timedelta(days=1),
            "next_date": date + datetime.timedelta(days=1),
            "map_tile_url": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        }
    )
    return render(request, "routes/board/page.html", context)


@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_GET
def board_live(request: HttpRequest) -> HttpResponse:
    """The part of the board that live events refresh: totals, exceptions, routes, map data."""
    context = _board_context(request, _date(request, _branch(request)))
    return render(request, "routes/board/page.html#board-live", context)


@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_GET
def board_route(request: HttpRequest, pk: int) -> HttpResponse:
    """One route's stops with their live state and forecast ETAs (the side panel)."""
    return _route_panel(request, pk)


def _route_panel(request: HttpRequest, pk: int) -> HttpResponse:
    route = _route(request, pk)
    board = selectors.board_read(
        user=request.user, branch=_branch(request), date=route.plan.date, route_ids=[route.pk]
    )
    context = {
        "row": board.rows[0],
        "board": board,
        "can_plan": can_plan(request.user),
        "far_metres": selectors.done_far_metres(),
    }
    return _render(request, "routes/board/_route.html", context)


# --- Move / reorder -----------------------------------------------------------------------------
@permission_required(roles.PLAN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def board_stop_move(request: HttpRequest, pk: int) -> HttpResponse:
    """GET without a route: the form; GET with one: the preview (nothing saved) and a confirm
    button; POST: the move, as previewed."""
    stop = _stop(request, pk)
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "route" in request.GET else None)
    )
    form = MoveForm(data, plan=stop.plan, initial={"route": stop.route_id})
    context: dict[str, Any] = {"stop": stop, "form": form}
    if data is None:
        return _render(request, "routes/board/_move.html", context)
    if not form.is_valid():
        return _render(request, "routes/board/_move.html", context, status=422)
    target, position = form.cleaned_data["route"], form.position0
    try:
        if request.method == "GET":
            context["preview"] = dispatch.stop_move_preview(
                actor=request.user, stop=stop, route=target, position=position
            )
            return _render(request, "routes/board/_move.html", context)
        dispatch.stop_move_apply(
            actor=request.user,
            stop=stop,
            route=target,
            position=position,
            versions=_versions(form.cleaned_data["versions"]),
        )
    except ValidationError as error:
        apply_validation_error(form, error)
        return _render(request, "routes/board/_move.html", context, status=422)
    messages.success(request, _("The stop is moved; the driver sees the new order."))
    if request.htmx:
        return _refreshed(_route_panel(request, target.pk))
    return redirect(_board_url(stop.plan.date))


# --- Driver -------------------------------------------------------------------------------------
@permission_required(roles.PLAN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def board_route_driver(request: HttpRequest, pk: int) -> HttpResponse:
    route = _route(request, pk)
    form = ReassignForm(
        request.POST or None, branch=route.plan.branch, initial={"driver": route.driver_id}
    )
    context = {"route": route, "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                dispatch.route_driver_reassign(
                    actor=request.user, route=route, driver=form.cleaned_data["driver"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The driver is changed."))
                if request.htmx:
                    return _refreshed(_route_panel(request, route.pk))
                return redirect(_board_url(route.plan.date))
        return _render(request, "routes/board/_driver.html", context, status=422)
    return _render(request, "routes/board/_driver.html", context)


# --- Messages -----------------------------------------------------------------------------------
@permission_required(roles.VIEW_PLANS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def board_messages(request: HttpRequest, pk: int) -> HttpResponse:
    """The thread with the route's driver (read receipts) and, for planners, a form to write."""
    route = _route(request, pk)
    if request.method == "POST" and not can_plan(request.user):
        raise PermissionDenied
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                message_send(actor=request.user, route=route, body=form.cleaned_data["body"])
            except ValidationError as error:
                apply_validation_error(form, error)
                status = 422
            else:
                if not request.htmx:
                    messages.success(request, _("Sent."))
                    return redirect(reverse("routes:board-messages", args=[route.pk]))
                form = MessageForm()
        else:
            status = 422
    context = {
        "route": route,
        "thread": route.messages.select_related("sender").order_by("created_at", "id"),
        "form": form,
        "can_plan": can_plan(request.user),
    }
    return _render(request, "routes/board/_messages.html", context, status=status)


# --- Urgent orders ------------------------------------------------------------------------------
@permission_required(roles.PLAN, raise_exception=True)
@require_GET
def board_urgent(request: HttpRequest) -> HttpResponse:
    """Orders of the day that are on no route yet: pick one to find it a route."""
    date = _date(request, _branch(request))
    plan = _plan(request, date)
    context = {"plan": plan, "orders": selectors.waiting_orders(plan), "date": date}
    return _render(request, "routes/board/_urgent.html", context)


@permission_required(roles.PLAN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def board_urgent_order(request: HttpRequest, order_pk: int) -> HttpResponse:
    """GET: the cheapest place on every running route (Δkm, Δmin, broken windows); POST: put
    the order there."""
    date = _date(request, _branch(request))
    plan = _plan(request, date)
    try:
        order = dispatch.insertable_order(plan, order_pk)
    except ValidationError as error:
        raise Http404 from error
    context: dict[str, Any] = {"plan": plan, "order": order, "date": date}
    if request.method == "POST":
        form = InsertForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                dispatch.urgent_order_add(
                    actor=request.user,
                    plan=plan,
                    order=order,
                    route=form.cleaned_data["route"],
                    position=form.cleaned_data["position"] - 1,
                    version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                context["error"] = _error_text(error)
            else:
                messages.success(request, _("The order is on the route; the driver is told."))
                if request.htmx:
                    return _refreshed(_route_panel(request, form.cleaned_data["route"].pk))
                return redirect(_board_url(plan.date))
        else:
            context["error"] = _("Choose a route and a place on it.")
        context["options"] = _options(request, plan, order)
        return _render(request, "routes/board/_urgent_options.html", context, status=422)
    context["options"] = _options(request, plan, order)
    return _render(request, "routes/board/_urgent_options.html", context)


def _options(request: HttpRequest, plan: RoutePlan, order: Any) -> list[dispatch.InsertionOption]:
    try:
        return dispatch.insertion_options(actor=request.user, plan=plan, order=order)
    except ValidationError:
        return []
