"""Route-aware intake: which standing route should a client address join, on which weekday, at
which place, and what would it cost? Answered with the optimiser's ``best_insertions`` against each
standing route's site sequence — nothing is re-solved — with the distance provider and the
earliest-start rule the day planner uses (``routes.services.timing``).

Distances: with a network provider (OSRM) one matrix over (depot, sites, the candidate points) per
route — one request per route, however many addresses a card has; with the built-in straight-line
providers only the legs the insertion check reads (O(sites) per route, not O(sites²)), with the
very same numbers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from clients.models import ClientAddress
from crm.core.money import quantize
from routes import optimizer as opt
from routes.models import StandingRoute, StandingStop
from routes.optimizer.distance import DistanceProvider, EuclideanProvider, HaversineProvider
from routes.optimizer.insertion import Lookup, MatrixLookup
from routes.services.timing import distance_provider, seconds_of, time_of
from routes.standing import (
    SiteFacts,
    facts_of,
    max_stops_of,
    route_load_kg,
    schedules_by_address,
    site_facts,
    sites_prefetch,
)

DEPOT_KEY = "depot"
#: routes suggested per address on the client card
TOP_N = 3


@dataclass(frozen=True)
class Candidate:
    """A place to fit into a route: a card address, or a point typed into a form."""

    key: str
    point: tuple[float, float]
    window: tuple[int, int] | None = None
    service_seconds: int = 300
    kg: int | None = None


@dataclass(frozen=True)
class Suggestion:
    route: StandingRoute
    #: the site gets this 0-based place in the route's sequence
    position: int
    after: str
    before: str
    delta_km: float
    delta_minutes: float
    delta_cost: Decimal
    eta: datetime.time
    feasible: bool
    problems: tuple[str, ...]
    stops: int
    max_stops: int
    load_kg: int | None
    capacity_kg: int
    next_date: datetime.date

    @property
    def stops_left(self) -> int:
        return self.max_stops - self.stops

    @property
    def kg_left(self) -> int | None:
        return None if self.load_kg is None else self.capacity_kg - self.load_kg


@dataclass
class RouteModel:
    """One standing route as the optimiser sees it."""

    route: StandingRoute
    sites: list[StandingStop]
    facts: dict[int, SiteFacts]
    points: list[tuple[float, float]] = field(default_factory=list)
    planned: opt.PlannedRoute | None = None

    @property
    def load_kg(self) -> int | None:
        return route_load_kg(self.sites, self.facts)


# --- Loading the routes -------------------------------------------------------------------------
def load_routes(routes: Any) -> list[RouteModel]:
    """The routes (a queryset) with van, depot and sites, the sites' weights and windows on the
    route's weekday: four queries for any number of routes."""
    routes = list(routes.select_related("vehicle__depot").prefetch_related(sites_prefetch()))
    schedules = schedules_by_address([s.address for r in routes for s in r.stops.all()])
    models = []
    for route in routes:
        sites = list(route.stops.all())
        facts = {
            s.address_id: facts_of(s.address, schedules[s.address_id], route.weekday) for s in sites
        }
        models.append(route_model(route, sites, facts))
    return models


def _ready(route: StandingRoute) -> int:
    vehicle = route.vehicle
    return max(seconds_of(vehicle.shift_start), seconds_of(vehicle.depot.opens_at))


def route_model(
    route: StandingRoute, sites: list[StandingStop], facts: dict[int, SiteFacts]
) -> RouteModel:
    vehicle = route.vehicle
    located = [s for s in sites if s.address.has_point]
    stops = [
        opt.Stop(
            id=f"s{s.pk}",
            location=_point(s.address),
            demand=(facts[s.address_id].kg or 0,),
            time_windows=[facts[s.address_id].window] if facts[s.address_id].window else [],
            service_time=facts[s.address_id].service_seconds,
        )
        for s in located
    ]
    close = min(seconds_of(vehicle.shift_end), seconds_of(vehicle.depot.closes_at))
    opt_vehicle = opt.Vehicle(
        id=str(route.pk),
        capacity=(vehicle.capacity_kg,),
        shift_start=_ready(route),
        shift_end=close,
        cost_per_km=float(vehicle.km_cost),
        cost_per_hour=float(vehicle.cost_per_hour),
    )
    planned = opt.PlannedRoute(vehicle=opt_vehicle, stops=stops, start_key=DEPOT_KEY)
    points = [vehicle.depot.point, *(_point(s.address) for s in located)]
    return RouteModel(route, sites, facts, points, planned)


def _point(address: ClientAddress) -> tuple[float, float]:
    return (float(address.latitude), float(address.longitude))


def candidate_of(address: ClientAddress, facts: SiteFacts) -> Candidate:
    return Candidate(
        key=f"a{address.pk}",
        point=_point(address),
        window=facts.window,
        service_seconds=facts.service_seconds,
        kg=facts.kg,
    )


# --- Fitting candidates into routes -------------------------------------------------------------
def fit(
    models: Sequence[RouteModel], candidates: Sequence[Candidate], today: datetime.date
) -> dict[str, list[Suggestion]]:
    """The best place in every route for every candidate: candidate key → one suggestion per
    route, feasible ones first, then by Δcost and Δkm."""
    out: dict[str, list[Suggestion]] = {c.key: [] for c in candidates}
    if not candidates:
        return out
    for model in models:
        if model.planned is None:
            continue
        keys = [DEPOT_KEY, *(s.id for s in model.planned.stops), *(c.key for c in candidates)]
        points = [*model.points, *(c.point for c in candidates)]
        lookup = _lookup(keys, points)
        for candidate in candidates:
            out[candidate.key].append(_best(model, candidate, lookup, today))
    for rows in out.values():
        rows.sort(key=lambda s: (not s.feasible, s.delta_cost, s.delta_km, s.route.pk))
    return out


class PairLookup:
    """A ``Lookup`` that asks a cheap point-to-point provider only for the pairs it is asked."""

    def __init__(self, provider: DistanceProvider, points: dict[str, tuple[float, float]]) -> None:
        self.provider = provider
        self.points = points
        self.memo: dict[tuple[str, str], tuple[float, float]] = {}

    def __call__(self, a: str, b: str) -> tuple[float, float]:
        if (a, b) not in self.memo:  # one 2×2 matrix answers both directions
            distances, durations = self.provider.matrix([self.points[a], self.points[b]])
            self.memo[(a, b)] = (distances[0][1], durations[0][1])
            self.memo[(b, a)] = (distances[1][0], durations[1][0])
        return self.memo[(a, b)]


def _lookup(keys: list[str], points: list[tuple[float, float]]) -> Lookup:
    provider = distance_provider()
    base = getattr(provider, "provider", provider)  # under the CachedProvider
    if isinstance(base, HaversineProvider | EuclideanProvider):
        return PairLookup(base, dict(zip(keys, points, strict=True)))
    return MatrixLookup(keys, opt.Matrix(*provider.matrix(points)))


def _best(
    model: RouteModel, candidate: Candidate, lookup: Lookup, today: datetime.date
) -> Suggestion:
    new_stop = opt.Stop(
        id=candidate.key,
        location=candidate.point,
        demand=(candidate.kg or 0,),
        time_windows=[candidate.window] if candidate.window else [],
        service_time=candidate.service_seconds,
    )
    assert model.planned is not None
    option = opt.best_insertions([model.planned], new_stop, lookup, top_n=1)[0]
    return _suggestion(model, candidate, option, today)


def _suggestion(
    model: RouteModel, candidate: Candidate, option: opt.InsertionOption, today: datetime.date
) -> Suggestion:
    route, vehicle = model.route, model.route.vehicle
    located = [s for s in model.sites if s.address.has_point]
    # the option's position counts located sites only; the stored sequence counts them all
    after_site = located[option.position - 1] if option.position > 0 else None
    before_site = located[option.position] if option.position < len(located) else None
    position = after_site.position + 1 if after_site else 0
    load = model.load_kg
    new_load = None if load is None and candidate.kg is None else (load or 0) + (candidate.kg or 0)
    stops, limit = len(model.sites), max_stops_of(route)
    problems = _problems(option, stops, limit, new_load, vehicle.capacity_kg)
    return Suggestion(
        route=route,
        position=position,
        after=_label(after_site) if after_site else vehicle.depot.name,
        before=_label(before_site) if before_site else vehicle.depot.name,
        delta_km=round(option.delta_distance / 1000.0, 2),
        delta_minutes=round(option.delta_minutes, 1),
        delta_cost=quantize(Decimal(str(round(option.delta_cost, 2)))),
        eta=time_of(option.start),
        feasible=not problems,
        problems=tuple(problems),
        stops=stops,
        max_stops=limit,
        load_kg=load,
        capacity_kg=vehicle.capacity_kg,
        next_date=route.next_date(today),
    )


def _label(site: StandingStop) -> str:
    return f"#{site.position + 1} {site.address.client}"


def _problems(
    option: opt.InsertionOption, stops: int, limit: int, new_load: int | None, capacity: int
) -> list[str]:
    problems = []
    if not option.window_ok:
        problems.append(_("The address's window cannot be met on this route."))
    if option.breaks_windows:
        problems.append(_("Another site would miss its window, or the van would be back late."))
    if not option.route_was_feasible:
        problems.append(_("The route is already late or overloaded."))
    if stops + 1 > limit:
        problems.append(_("The route is full (%(max)s stops).") % {"max": limit})
    if new_load is not None and new_load > capacity:
        problems.append(_("Heavier than the van takes (%(kg)s kg).") % {"kg": capacity})
    return problems


# --- What the pages ask -------------------------------------------------------------------------
def suggest_for_addresses(
    *,
    routes: Any,
    addresses: Iterable[ClientAddress],
    taken: dict[int, set[int]],
    today: datetime.date,
    top_n: int = TOP_N,
) -> dict[int, list[Suggestion]]:
    """Address id → the ``top_n`` best standing routes for it, leaving out the weekdays on which
    the address is already on a route (``taken``: address id → weekdays)."""
    located = [a for a in addresses if a.has_point]
    if not located:
        return {}
    models = load_routes(routes)
    facts = site_facts(located)
    fitted = fit(models, [candidate_of(a, facts[a.pk]) for a in located], today)
    return {
        a.pk: [s for s in fitted[f"a{a.pk}"] if s.route.weekday not in taken.get(a.pk, set())][
            :top_n
        ]
        for a in located
    }


def suggest_for_point(
    *, routes: Any, point: tuple[float, float], today: datetime.date, top_n: int = TOP_N
) -> list[Suggestion]:
    """The ``top_n`` best standing routes (any weekday) for a point not saved yet."""
    candidate = Candidate(key="point", point=point)
    return fit(load_routes(routes), [candidate], today)[candidate.key][:top_n]


def best_on_date(*, routes: Any, candidate: Candidate, date: datetime.date) -> Suggestion | None:
    """The best standing route running on ``date`` for ``candidate`` (None: no route runs)."""
    models = [
        m for m in load_routes(routes.filter(weekday=date.weekday())) if m.route.runs_on(date)
    ]
    rows = fit(models, [candidate], date)[candidate.key]
    return rows[0] if rows else None


def positions_on_route(
    *, model: RouteModel, addresses: list[ClientAddress], today: datetime.date
) -> dict[int, Suggestion]:
    """Address id → its best place on one route (the search results of the route page)."""
    located = [a for a in addresses if a.has_point]
    facts = site_facts(located)
    fitted = fit([model], [candidate_of(a, facts[a.pk]) for a in located], today)
    return {a.pk: fitted[f"a{a.pk}"][0] for a in located if fitted[f"a{a.pk}"]}
