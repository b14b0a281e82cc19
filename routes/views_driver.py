"""The driver's tablet pages: today's route, a stop's card and the actions taken on it.

A driver sees only the published routes he drives today (anything else is 404). Actions are
posted by static/js/driver.js from its offline queue (``Accept: application/json``) or, without
JavaScript, as plain forms that redirect back. Each carries an ``action_id``; see
``routes.services.live``."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from routes import roles
from routes.models import BreakReason, FailReason, PaymentTaken, Route
from routes.realtime import route_group
from routes.services import live
from routes.tablet import find_stop, tablet_routes

MAX_POSITIONS_BODY = 64 * 1024


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _driver(request: HttpRequest) -> None:
    if not request.user.has_perm(roles.VIEW_OWN_ROUTE):
        raise PermissionDenied


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    routes = extra.pop("routes", None)
    if routes is None:
        routes = tablet_routes(request.user, _branch(request))
    return {
        "routes": routes,
        "groups": " ".join(route_group(r.route.pk) for r in routes),
        "fail_reasons": FailReason.choices,
        "break_reasons": BreakReason.choices,
        "payment_choices": PaymentTaken.choices,
        "new_action_id": uuid.uuid4,
        **extra,
    }


@login_required
@require_GET
def driver_route(request: HttpRequest) -> HttpResponse:
    """The tablet's home: today's stops in order with ETAs, the route's state and messages."""
    _driver(request)
    template = "routes/driver/route.html"
    if request.htmx:
        template = "routes/driver/_stops.html"
    return render(request, template, _context(request))


@login_required
@require_GET
def driver_stop(request: HttpRequest, pk: int) -> HttpResponse:
    _driver(request)
    routes = tablet_routes(request.user, _branch(request))
    found = find_stop(routes, pk)
    if found is None:
        raise Http404
    tablet_route, tablet_stop = found
    context = _context(request, routes=routes, route=tablet_route, item=tablet_stop)
    return render(request, "routes/driver/stop.html", context)


def _route_for_action(request: HttpRequest) -> Route:
    routes = live.driver_routes(request.user, _branch(request), _today(request))
    route_id = request.POST.get("route")
    if route_id:
        route = routes.filter(pk=route_id if str(route_id).isdigit() else 0).first()
    else:
        route = routes.first()
    if route is None:
        raise Http404
    return route


def _today(request: HttpRequest) -> Any:
    from crm.orders.services.orders import branch_today

    return branch_today(_branch(request))


@login_required
@require_POST
def driver_action(request: HttpRequest) -> HttpResponse:
    """One tablet action (arrived, done, failed, break, resume, finish, read, reply)."""
    _driver(request)
    route = _route_for_action(request)
    data = request.POST.dict()
    try:
        result = live.apply_action(
            user=request.user,
            route=route,
            kind=data.get("kind", ""),
            data=data,
            action_id=data.get("action_id"),
        )
    except ValidationError as exc:  # no usable id or kind: nothing was recorded
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": live._error_dict(exc)}, status=422)
        messages.error(request, " ".join(exc.messages))
        return redirect("routes:my-route")
    if _wants_json(request):
        return JsonResponse(result.as_json(), status=200 if result.ok else 422)
    if not result.ok:
        for problems in result.errors.values():
            for problem in problems:
                messages.error(request, problem)
        if result.stop_id:
            return redirect("routes:driver-stop", pk=result.stop_id)
    return redirect("routes:my-route")


@login_required
@require_POST
def driver_positions(request: HttpRequest) -> JsonResponse:
    """A batch of GPS fixes: ``{"route": id?, "fixes": [{"lat", "lon", "accuracy", "speed",
    "at"}]}``."""
    _driver(request)
    if len(request.body) > MAX_POSITIONS_BODY:
        return JsonResponse({"ok": False, "errors": {"fixes": [_("Too many fixes.")]}}, status=413)
    routes = live.driver_routes(request.user, _branch(request), _today(request))
    if not routes.exists():  # no route today (or the shift's route is gone): nothing to track
        return JsonResponse({"ok": True, "stored": 0, "tracking": False})
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"ok": False, "errors": {"__all__": [_("Not JSON.")]}}, status=400)
    if not isinstance(payload, dict):
        payload = {}
    route_id = payload.get("route")
    route = routes.filter(pk=route_id).first() if isinstance(route_id, int) else routes.first()
    if route is None:
        return JsonResponse({"ok": True, "stored": 0, "tracking": False})
    fixes = payload.get("fixes")
    if not isinstance(fixes, list) or not all(isinstance(f, dict) for f in fixes):
        return JsonResponse(
            {"ok": False, "errors": {"fixes": [_("Send a list of positions.")]}}, status=422
        )
    stored = live.record_positions(user=request.user, route=route, fixes=fixes)
    return JsonResponse({"ok": True, "stored": stored, "tracking": route.state != "finished"})
