"""Standing routes, the read side: who sees which routes and addresses (one rule: querysets and
the predicates built on them) and the reads of the pages, each in a fixed number of queries
whatever the number of routes and sites. Writes live in ``routes.services.standing``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from clients.models import ClientAddress
from clients.permissions import clients_for
from crm.orders.models import RecurringSchedule, ScheduleItem
from routes.models import StandingRoute, StandingStop, Weekday
from routes.roles import ADD_STANDING_SITE, MANAGE_STANDING, SUGGEST_STANDING, VIEW_STANDING

#: stops a standing route holds when the route itself says nothing (setting
#: ``ROUTES_STANDING_MAX_STOPS``)
DEFAULT_MAX_STOPS = 65
DEFAULT_SERVICE_MINUTES = 5


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


# --- Who sees what ------------------------------------------------------------------------------
def standing_routes_for(user: Any, branch: Any) -> QuerySet[StandingRoute]:
    """The standing routes pages: the active branch's routes for roles that may view them."""
    if not _authenticated(user) or not user.has_perm(VIEW_STANDING):
        return StandingRoute.objects.none()
    return StandingRoute.objects.filter(branch=branch)


def joinable_routes_for(user: Any, branch: Any) -> QuerySet[StandingRoute]:
    """Routes an address may be put on by ``user`` (the one click from the client card)."""
    if not _authenticated(user) or not user.has_perm(ADD_STANDING_SITE):
        return StandingRoute.objects.none()
    return StandingRoute.objects.filter(branch=branch, is_active=True)


def suggestion_routes_for(user: Any, branch: Any) -> QuerySet[StandingRoute]:
    """Routes the suggestions are computed against (managers and operators included)."""
    if not _authenticated(user) or not user.has_perm(SUGGEST_STANDING):
        return StandingRoute.objects.none()
    return StandingRoute.objects.filter(branch=branch, is_active=True)


def addresses_for(user: Any, branch: Any) -> QuerySet[ClientAddress]:
    """Card addresses of the clients ``user`` may open (a manager: his own clients)."""
    return ClientAddress.objects.filter(
        client__in=clients_for(user, branch), client__is_archived=False
    )


def can_manage_standing(user: Any) -> bool:
    return _authenticated(user) and user.has_perm(MANAGE_STANDING)


def can_view_standing(user: Any) -> bool:
    return _authenticated(user) and user.has_perm(VIEW_STANDING)


def can_suggest(user: Any) -> bool:
    return _authenticated(user) and user.has_perm(SUGGEST_STANDING)


def can_add_site(user: Any) -> bool:
    return _authenticated(user) and user.has_perm(ADD_STANDING_SITE)


def works_in(user: Any, branch: Any) -> bool:
    """``branch`` is the user's own, or the user may switch branches (admin, director)."""
    return bool(getattr(user, "can_switch_branch", False)) or user.branch_id == branch.pk


def may_add_address(user: Any, branch: Any, address: ClientAddress) -> bool:
    """The service's re-check: ``user`` may add sites in ``branch`` and may see the client."""
    return (
        can_add_site(user)
        and works_in(user, branch)
        and addresses_for(user, branch).filter(pk=address.pk).exists()
    )


# --- Settings -----------------------------------------------------------------------------------
def default_max_stops() -> int:
    return int(getattr(settings, "ROUTES_STANDING_MAX_STOPS", DEFAULT_MAX_STOPS))


def max_stops_of(route: StandingRoute) -> int:
    return route.max_stops or default_max_stops()


# --- Pages --------------------------------------------------------------------------------------
def standing_list(qs: QuerySet[StandingRoute], weekday: int | None = None) -> list[StandingRoute]:
    """Routes with their van, driver and number of sites (one query)."""
    if weekday is not None:
        qs = qs.filter(weekday=weekday)
    routes = list(
        qs.select_related("vehicle__driver", "driver").annotate(site_count=Count("stops"))
    )
    for route in routes:
        route.max_stops_value = max_stops_of(route)
        route.stops_left = route.max_stops_value - route.site_count
    return routes


def by_weekday(routes: list[StandingRoute]) -> list[tuple[Any, list[StandingRoute]]]:
    """[(weekday label, routes of that weekday)] for the weekdays that have routes."""
    return [
        (day.label, [r for r in routes if r.weekday == day.value])
        for day in Weekday
        if any(r.weekday == day.value for r in routes)
    ]


def route_sites(route: StandingRoute) -> list[StandingStop]:
    """The route's sites in sequence, with address and client (one query)."""
    return list(route.stops.select_related("address__client").order_by("position", "id"))


def sites_prefetch() -> Prefetch:
    return Prefetch(
        "stops",
        queryset=StandingStop.objects.select_related("address__client").order_by("position", "id"),
    )


def memberships(addresses: list[ClientAddress]) -> dict[int, list[StandingStop]]:
    """address id → its standing sites with their routes (one query)."""
    out: dict[int, list[StandingStop]] = {a.pk: [] for a in addresses}
    rows = StandingStop.objects.filter(address__in=[a.pk for a in addresses]).select_related(
        "route__vehicle"
    )
    for row in rows.order_by("weekday", "route__name"):
        out[row.address_id].append(row)
    return out


# --- What a site asks of a van (from the address and its recurring schedules) -------------------
@dataclass(frozen=True)
class SiteFacts:
    #: kg per visit from the active schedules' items; None when no schedule says
    kg: int | None
    service_seconds: int
    #: window for the start of service, seconds after midnight
    window: tuple[int, int] | None


def _seconds(value: Any) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _schedules(address_ids: list[int]) -> list[RecurringSchedule]:
    items = Prefetch("items", queryset=ScheduleItem.objects.select_related("product"))
    return list(
        RecurringSchedule.objects.filter(address_id__in=address_ids, is_active=True)
        .prefetch_related(items)
        .order_by("pk")
    )


def _visits_on(schedule: RecurringSchedule, weekday: int | None) -> bool:
    if weekday is None or schedule.rule != RecurringSchedule.Rule.WEEKLY:
        return True
    return weekday in (schedule.weekdays or [])


def schedules_by_address(addresses: list[ClientAddress]) -> dict[int, list[RecurringSchedule]]:
    """Active recurring schedules per address, items and products included (two queries)."""
    out: dict[int, list[RecurringSchedule]] = {a.pk: [] for a in addresses}
    for schedule in _schedules(list(out)):
        out[schedule.address_id].append(schedule)
    return out


def facts_of(
    address: ClientAddress, schedules: list[RecurringSchedule], weekday: int | None = None
) -> SiteFacts:
    """The card's window wins over a schedule's; weight and minutes add up the active schedules
    visiting on ``weekday`` (all of them when None: an upper bound for a new site)."""
    return _facts(address, [s for s in schedules if _visits_on(s, weekday)])


def site_facts(addresses: list[ClientAddress], weekday: int | None = None) -> dict[int, SiteFacts]:
    """Weight, time on site and window per address (two queries for any number of them)."""
    schedules = schedules_by_address(addresses)
    return {a.pk: facts_of(a, schedules[a.pk], weekday) for a in addresses}


def _facts(address: ClientAddress, schedules: list[RecurringSchedule]) -> SiteFacts:
    kg, minutes, window = Decimal("0"), Decimal("0"), None
    for schedule in schedules:
        for item in schedule.items.all():
            kg += item.quantity * item.product.weight_kg
            minutes += item.quantity * item.product.duration_minutes
        if window is None and schedule.window_from and schedule.window_to:
            window = (_seconds(schedule.window_from), _seconds(schedule.window_to))
    if address.window_from and address.window_to:
        window = (_seconds(address.window_from), _seconds(address.window_to))
    service = math.ceil(minutes * 60) or DEFAULT_SERVICE_MINUTES * 60
    weight = math.ceil(kg) if schedules else None
    return SiteFacts(kg=weight, service_seconds=service, window=window)


def route_load_kg(sites: list[StandingStop], facts: dict[int, SiteFacts]) -> int | None:
    """Σ known weights of the sites; None when no site's weight is known."""
    known = [facts[s.address_id].kg for s in sites if facts[s.address_id].kg is not None]
    return sum(known) if known else None  # type: ignore[arg-type]


# --- Map ----------------------------------------------------------------------------------------
def map_data(route: StandingRoute, sites: list[StandingStop]) -> dict[str, Any]:
    """The depot and the numbered sites in sequence, for static/js/standing-routes.js."""
    depot = route.vehicle.depot
    stops = [
        {
            "n": s.position + 1,
            "point": [float(s.address.latitude), float(s.address.longitude)],
            "label": f"{s.address.client} · {s.address.address}",
        }
        for s in sites
        if s.address.has_point
    ]
    return {"depot": {"name": depot.name, "point": list(depot.point)}, "stops": stops}


# --- Search for a site to add -------------------------------------------------------------------
def address_search(user: Any, branch: Any, query: str, limit: int = 20) -> list[ClientAddress]:
    """Addresses with a point whose client name or address text contains ``query``."""
    query = query.strip()[:100]
    if len(query) < 2:
        return []
    qs = addresses_for(user, branch).filter(latitude__isnull=False, longitude__isnull=False)
    qs = qs.filter(Q(client__name__icontains=query) | Q(address__icontains=query))
    return list(qs.select_related("client").order_by("client__name", "pk")[:limit])
