"""Pages of the standing routes and of route-aware intake: thin views that check role and
branch, bind a form, call a service and render. Another branch's routes, sites and addresses
(and, for a manager, another manager's clients) are not in the querysets of ``routes.standing``:
they answer 404. Forbidden actions answer 403."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import Client
from crm.core.forms import apply_validation_error
from crm.core.services import snapshot
from crm.orders.services.orders import branch_today
from routes import roles
from routes import standing as reads
from routes.forms import drivers_of
from routes.models import StandingMode, StandingRoute, StandingStop, Vehicle, Weekday
from routes.permissions import can_plan
from routes.services import intake, planning
from routes.services import standing as services
from routes.services.standing_tidy import standing_route_tidy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- Forms --------------------------------------------------------------------------------------
class StandingRouteForm(forms.ModelForm):
    class Meta:
        model = StandingRoute
        fields = services.ROUTE_FIELDS
        widgets = {"anchor_date": DATE}

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.branch = branch
        vehicles = Vehicle.objects.filter(branch=branch).select_related("depot")
        self.fields["vehicle"].queryset = vehicles
        self.fields["driver"].queryset = drivers_of(branch)


class SiteAddForm(forms.Form):
    address = forms.IntegerField(min_value=1)
    #: 1-based; empty: at the end
    position = forms.IntegerField(min_value=1, required=False)


class SiteMoveForm(forms.Form):
    position = forms.IntegerField(min_value=1)


class StandingPlanForm(forms.Form):
    """Plan a day with a choice of how the standing routes are used."""

    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    vehicles = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Vehicles"),
        queryset=Vehicle.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    standing_mode = forms.ChoiceField(
        label=gettext_lazy("Standing routes"),
        choices=StandingMode.choices,
        initial=StandingMode.KEEP,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicles"].queryset = Vehicle.objects.filter(branch=branch, is_active=True)


# --- Helpers ------------------------------------------------------------------------------------
def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _route(request: HttpRequest, pk: int) -> StandingRoute:
    return get_object_or_404(reads.standing_routes_for(request.user, _branch(request)), pk=pk)


def _site(request: HttpRequest, pk: int) -> StandingStop:
    routes = reads.standing_routes_for(request.user, _branch(request))
    return get_object_or_404(
        StandingStop.objects.filter(route__in=routes).select_related("route"), pk=pk
    )


def _weekday(value: str | None) -> int | None:
    if value and value.isdigit() and int(value) in Weekday.values:
        return int(value)
    return None


def _messages(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


# --- List, plan a day ---------------------------------------------------------------------------
def _list_context(request: HttpRequest, plan_form: StandingPlanForm | None = None) -> dict:
    branch = _branch(request)
    weekday = _weekday(request.GET.get("weekday"))
    routes = reads.standing_list(reads.standing_routes_for(request.user, branch), weekday)
    if plan_form is None and can_plan(request.user):
        initial = {
            "date": branch_today(branch) + datetime.timedelta(days=1),
            "vehicles": Vehicle.objects.filter(branch=branch, is_active=True),
        }
        plan_form = StandingPlanForm(branch=branch, initial=initial)
    return {
        "groups": reads.by_weekday(routes),
        "count": len(routes),
        "weekdays": Weekday.choices,
        "weekday": weekday,
        "can_manage": reads.can_manage_standing(request.user),
        "plan_form": plan_form,
    }


@permission_required(roles.VIEW_STANDING, raise_exception=True)
@require_GET
def standing_list(request: HttpRequest) -> HttpResponse:
    return render(request, "routes/standing_list.html", _list_context(request))


@permission_required(roles.VIEW_STANDING, raise_exception=True)
@permission_required(roles.PLAN, raise_exception=True)
@require_POST
def standing_plan(request: HttpRequest) -> HttpResponse:
    """Plan a day choosing what the optimiser may do with the standing routes' orders."""
    branch = _branch(request)
    form = StandingPlanForm(request.POST, branch=branch)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = planning.plan_create(
                actor=request.user,
                branch=branch,
                date=data["date"],
                vehicle_ids=[v.pk for v in data["vehicles"]],
                standing_mode=data["standing_mode"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.info(request, _("The orders of standing-route sites start on their vans."))
            return redirect("routes:plan-detail", pk=plan.pk)
    return render(request, "routes/standing_list.html", _list_context(request, form))


# --- One route ----------------------------------------------------------------------------------
@permission_required(roles.VIEW_STANDING, raise_exception=True)
@require_GET
def standing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    branch = _branch(request)
    route = get_object_or_404(
        reads.standing_routes_for(request.user, branch).select_related(
            "vehicle__depot", "vehicle__driver", "driver"
        ),
        pk=pk,
    )
    sites = reads.route_sites(route)
    facts = reads.site_facts([s.address for s in sites], weekday=route.weekday)
    for site in sites:
        site.facts = facts[site.address_id]
        site.window_text = _window_text(site.facts.window)
    context = {
        "route": route,
        "sites": sites,
        "load_kg": reads.route_load_kg(sites, facts),
        "max_stops": reads.max_stops_of(route),
        "warnings": services.standing_warnings(route, len(sites)),
        "map": reads.map_data(route, sites),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "can_manage": reads.can_manage_standing(request.user),
        "can_add": reads.can_add_site(request.user) and route.is_active,
        **_search_context(request, route, sites, facts),
    }
    if request.htmx and "q" in request.GET:
        return render(request, "routes/standing_detail.html#site-search", context)
    return render(request, "routes/standing_detail.html", context)


def _window_text(window: tuple[int, int] | None) -> str:
    if window is None:
        return ""
    return "–".join(f"{t // 3600:02d}:{t % 3600 // 60:02d}" for t in window)


def _search_context(
    request: HttpRequest, route: StandingRoute, sites: list[StandingStop], facts: dict
) -> dict:
    """Addresses matching ``q`` with their best place on this route (and their Δ)."""
    query = request.GET.get("q", "")
    if not (reads.can_add_site(request.user) and route.is_active):
        return {"q": query, "results": []}
    found = reads.address_search(request.user, _branch(request), query)
    on_route = {s.address_id for s in sites}
    found = [a for a in found if a.pk not in on_route]
    model = intake.route_model(route, sites, facts)
    today = branch_today(route.branch)
    places = intake.positions_on_route(model=model, addresses=found, today=today)
    return {"q": query, "results": [(a, places.get(a.pk)) for a in found]}


@permission_required(roles.MANAGE_STANDING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def standing_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    branch = _branch(request)
    route = _route(request, pk) if pk else StandingRoute()
    before = snapshot(route, services.ROUTE_FIELDS) if pk else None
    form = StandingRouteForm(request.POST or None, instance=route, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.standing_route_save(actor=request.user, route=form.instance, before=before)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("routes:standing-detail", pk=form.instance.pk)
    title = str(route) if pk else _("New standing route")
    return render(request, "routes/standing_form.html", {"form": form, "title": title})


@permission_required(roles.MANAGE_STANDING, raise_exception=True)
@require_POST
def standing_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Only an empty route can be deleted (a route's sequence is work worth keeping)."""
    route = _route(request, pk)
    try:
        services.standing_route_delete(actor=request.user, route=route)
    except ValidationError as error:
        _messages(request, error)
        return redirect("routes:standing-detail", pk=route.pk)
    messages.success(request, _("The standing route was deleted."))
    return redirect("routes:standing-list")


@permission_required(roles.MANAGE_STANDING, raise_exception=True)
@require_POST
def standing_tidy(request: HttpRequest, pk: int) -> HttpResponse:
    """Let the optimiser re-sequence the sites when a clearly shorter order keeps the windows."""
    route = _route(request, pk)
    result = standing_route_tidy(actor=request.user, route=route)
    if result.applied:
        messages.success(
            request,
            _("New order of the sites: %(before)s → %(after)s km (%(saved)s km shorter).")
            % {"before": result.km_before, "after": result.km_after, "saved": result.saved_km},
        )
    else:
        messages.info(
            request,
            _("The current order is already good (%(km)s km): nothing was changed.")
            % {"km": result.km_before},
        )
    return redirect("routes:standing-detail", pk=route.pk)


# --- Sites --------------------------------------------------------------------------------------
@permission_required(roles.ADD_STANDING_SITE, raise_exception=True)
@require_POST
def standing_site_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a client address on the route at a position — from the route page, or with one click
    from the client card's suggestions (``card``: the client; htmx gets the tab back)."""
    branch = _branch(request)
    route = get_object_or_404(reads.joinable_routes_for(request.user, branch), pk=pk)
    form = SiteAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an address."))
        fallback = "routes:standing-detail" if reads.can_view_standing(request.user) else None
        return _back(request, reverse(fallback, args=[route.pk]) if fallback else reverse("home"))
    address = get_object_or_404(
        reads.addresses_for(request.user, branch).select_related("client"),
        pk=form.cleaned_data["address"],
    )
    position = form.cleaned_data["position"]
    flash, ok = _add(request, route, address, None if position is None else position - 1)
    if request.htmx and request.POST.get("card"):
        return HttpResponse(client_tab(request, address.client, flash=(flash, ok)))
    (messages.success if ok else messages.error)(request, flash)
    default = (
        reverse("routes:standing-detail", args=[route.pk])
        if reads.can_view_standing(request.user)
        else _card_url(address.client)
    )
    return _back(request, default)


def _add(
    request: HttpRequest, route: StandingRoute, address: Any, position: int | None
) -> tuple[str, bool]:
    """(what to tell the user, whether the address was added); over-full routes are warned of."""
    try:
        site = services.standing_site_add(
            actor=request.user, route=route, address=address, position=position
        )
    except ValidationError as error:
        return " ".join(error.messages), False
    text = _("%(client)s is on %(route)s (%(day)s) at #%(n)s.") % {
        "client": address.client,
        "route": route,
        "day": route.schedule_label,
        "n": site.position + 1,
    }
    warnings = services.standing_warnings(route, route.stops.count())
    return " ".join([text, *warnings]), True


@permission_required(roles.MANAGE_STANDING, raise_exception=True)
@require_POST
def standing_site_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Up / down buttons and the drag-and-drop of the route page (1-based ``position``)."""
    site = _site(request, pk)
    form = SiteMoveForm(request.POST)
    if form.is_valid():
        position = form.cleaned_data["position"] - 1
        services.standing_site_move(actor=request.user, site=site, position=position)
    else:
        messages.error(request, _("Give a position."))
    return redirect("routes:standing-detail", pk=site.route_id)


@permission_required(roles.MANAGE_STANDING, raise_exception=True)
@require_POST
def standing_site_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a site (``site`` in the body) off the route; a second click finds it gone."""
    route = _route(request, pk)
    raw = request.POST.get("site", "")
    site = route.stops.filter(pk=int(raw)).first() if raw.isdigit() else None
    if site is None:
        messages.info(request, _("The site is no longer on the route."))
    else:
        services.standing_site_remove(actor=request.user, site=site)
        messages.success(request, _("The site was removed from the route."))
    return redirect("routes:standing-detail", pk=route.pk)


# --- Route-aware intake: the client card and the order form -------------------------------------
def _card_url(client: Client) -> str:
    return f"{reverse('clients:client-detail', args=[client.pk])}?tab=standing"


def client_tab(request: HttpRequest, client: Client, flash: tuple[str, bool] | None = None) -> str:
    """The client card's "Routes" tab: for each address with a point, the standing routes it is
    on and the best routes (and weekdays) it could join, with Δkm / Δmin / Δcost and what is left
    of each route; one click puts it there. Registered in ``routes.wiring``."""
    user = request.user
    addresses = list(client.addresses.all())
    member = reads.memberships(addresses)
    taken = {pk: {s.weekday for s in rows} for pk, rows in member.items()}
    suggestions = intake.suggest_for_addresses(
        routes=reads.suggestion_routes_for(user, client.branch),
        addresses=addresses,
        taken=taken,
        today=branch_today(client.branch),
    )
    context = {
        "client": client,
        "rows": [
            {"address": a, "sites": member[a.pk], "suggestions": suggestions.get(a.pk, [])}
            for a in addresses
        ],
        "can_add": reads.can_add_site(user) and reads.works_in(user, client.branch),
        "can_view": reads.can_view_standing(user),
        "card_url": _card_url(client),
        "flash": flash,
    }
    return render_to_string("routes/standing_card_tab.html", context, request=request)


def _candidate(request: HttpRequest, branch: Any) -> tuple[intake.Candidate | None, Any]:
    """The address (``address``: a card address id) or the point (``lat``, ``lon``) asked about."""
    raw = request.GET.get("address", "")
    if raw.isdigit():
        address = get_object_or_404(
            reads.addresses_for(request.user, branch).select_related("client"), pk=int(raw)
        )
        if not address.has_point:
            return None, address
        facts = reads.site_facts([address])[address.pk]
        return intake.candidate_of(address, facts), address
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    except (KeyError, ValueError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return intake.Candidate(key="point", point=(lat, lon)), None


@permission_required(roles.SUGGEST_STANDING, raise_exception=True)
@require_GET
def standing_suggest_point(request: HttpRequest) -> HttpResponse:
    """For the client form's address rows, before saving: the best standing routes (any
    weekday) for the point being entered. Always a fragment."""
    branch = _branch(request)
    candidate, _address = _candidate(request, branch)
    context: dict[str, Any] = {"suggestions": None}
    if candidate is None:
        context["error"] = _("Choose an address or a point on the map.")
    else:
        context["suggestions"] = intake.suggest_for_point(
            routes=reads.suggestion_routes_for(request.user, branch),
            point=candidate.point,
            today=branch_today(branch),
        )
    return render(request, "routes/_standing_suggest_point.html", context)


@permission_required(roles.SUGGEST_STANDING, raise_exception=True)
@require_GET
def standing_suggest(request: HttpRequest) -> HttpResponse:
    """For a form (an order on a date without a plan yet, an address being typed): the best
    standing route running on ``date`` for a card address or a point. htmx gets the fragment."""
    branch = _branch(request)
    candidate, address = _candidate(request, branch)
    try:
        date = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        date = None
    context: dict[str, Any] = {"date": date, "address": address, "best": None, "on_route": None}
    if date is None:
        context["error"] = _("Choose a date.")
    elif candidate is None:
        context["error"] = (
            _("The address has no point on the map.")
            if address is not None
            else _("Choose an address or a point on the map.")
        )
    else:
        if address is not None:
            context["on_route"] = (
                StandingStop.objects.filter(address=address, weekday=date.weekday())
                .select_related("route")
                .first()
            )
        routes = reads.suggestion_routes_for(request.user, branch)
        context["best"] = intake.best_on_date(routes=routes, candidate=candidate, date=date)
    template = "routes/standing_suggest.html"
    if request.htmx:
        template += "#standing-suggest"
    return render(request, template, context)
