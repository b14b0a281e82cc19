"""Tidying a standing route: let the optimiser find a shorter visiting order for its sites, keeping
every window the current order keeps. The mat-rental week drifts as sites are added at the
cheapest place one by one; after a while a route is worth re-sequencing as a whole.

Decisions: the current order is the warm start, so the result is never worse than what the
driver knows; the new order is applied only when it is shorter by at least ``MIN_GAIN_METRES``
and breaks no more windows than the old one (drivers learn a route — reshuffling it for a few
hundred metres is not worth it). Sites without a point keep their relative order at the end.
The solve is short (``ROUTES_TIDY_SECONDS``, default 3 s) and runs in the request."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.services import audit_record
from routes import optimizer as opt
from routes.models import StandingRoute
from routes.services.intake import load_routes
from routes.services.standing import _check_manage, _locked_route, _renumber
from routes.services.timing import distance_provider, seconds_of

MIN_GAIN_METRES = 500


@dataclass(frozen=True)
class TidyResult:
    km_before: float
    km_after: float
    late_before: int
    late_after: int
    applied: bool

    @property
    def saved_km(self) -> float:
        return round(self.km_before - self.km_after, 1)


def tidy_seconds() -> float:
    return float(getattr(settings, "ROUTES_TIDY_SECONDS", 3))


def _problem(model: Any) -> opt.Problem:
    vehicle = model.route.vehicle
    depot = opt.Depot(
        id="depot",
        location=vehicle.depot.point,
        time_window=(seconds_of(vehicle.depot.opens_at), seconds_of(vehicle.depot.closes_at)),
    )
    planned = model.planned
    matrix = opt.Matrix(*distance_provider().matrix(model.points))
    options = opt.Options(
        time_limit_seconds=tidy_seconds(), objective=opt.Objective.HIERARCHICAL, workers=1
    )
    # the order of visits does not change what the van carries: no capacity in this problem
    stops = [dataclasses.replace(s, demand=()) for s in planned.stops]
    vehicle_in = opt.Vehicle(
        id=planned.vehicle.id,
        capacity=(),
        shift_start=planned.vehicle.shift_start,
        shift_end=planned.vehicle.shift_end,
    )
    current = {vehicle_in.id: [s.id for s in stops]}
    return opt.Problem([depot], [vehicle_in], stops, matrix, options, current)


def _metres(problem: opt.Problem, sequence: list[str]) -> float:
    index = {s.id: i + 1 for i, s in enumerate(problem.stops)}  # node 0 is the depot
    nodes = [0, *(index[i] for i in sequence), 0]
    d = problem.matrix.distances
    return sum(d[a][b] for a, b in itertools.pairwise(nodes))


def _late(problem: opt.Problem, sequence: list[str]) -> int:
    violations = opt.check_routes(problem, [(problem.vehicles[0].id, sequence)])
    return sum(1 for v in violations if v.kind == opt.ViolationKind.TIME_WINDOW)


def standing_route_tidy(*, actor: Any, route: StandingRoute) -> TidyResult:
    """Re-sequence ``route``'s sites when a clearly shorter order keeps the windows."""
    _check_manage(actor, route)
    [model] = load_routes(StandingRoute.objects.filter(pk=route.pk))
    if len(model.planned.stops) < 3:  # nothing to gain from re-ordering two sites
        return TidyResult(0.0, 0.0, 0, 0, applied=False)
    problem = _problem(model)
    current = [s.id for s in problem.stops]
    solution = opt.solve(problem)
    proposed = solution.routes[0].stop_ids if solution.routes else []
    before = _metres(problem, current)
    late_before = _late(problem, current)
    better = (
        len(proposed) == len(current)
        and _metres(problem, proposed) <= before - MIN_GAIN_METRES
        and _late(problem, proposed) <= late_before
    )
    after = _metres(problem, proposed) if better else before
    result = TidyResult(
        round(before / 1000, 1),
        round(after / 1000, 1),
        late_before,
        _late(problem, proposed) if better else late_before,
        applied=better,
    )
    if better:
        _apply(actor, route, proposed, result)
    return result


def _apply(actor: Any, route: StandingRoute, sequence: list[str], result: TidyResult) -> None:
    with transaction.atomic():
        route = _locked_route(route)
        _check_manage(actor, route)
        sites = list(route.stops.order_by("position", "id"))
        by_key = {f"s{s.pk}": s for s in sites}
        if set(sequence) - set(by_key):
            return  # the sites changed while the solver ran: leave the route as it is
        ordered = [by_key[key] for key in sequence]
        ordered += [s for s in sites if f"s{s.pk}" not in set(sequence)]
        _renumber(ordered)
        audit_record(
            actor=actor,
            instance=route,
            changes={"km": [result.km_before, result.km_after]},
            note=_("Sequence optimised"),
        )
