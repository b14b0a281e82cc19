"""Standing routes, the write side: routes saved and deleted, client sites added, moved and
removed — each checked, audited on the route, positions kept contiguous (0…n-1) so the sequence is
stable — and what the day planner takes from them (``standing_start``).

Decisions (docs/routes.md): an address is on at most one standing route *per weekday* (the
database enforces it through ``StandingStop.weekday``); a route over its maximum of stops is
allowed and shown as a warning, like a manual move in a day plan; only addresses with a point on
the map can be sites (the optimiser cannot place the others)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clients.models import ClientAddress
from crm.core.models import AuditEntry
from crm.core.services import audit_record, diff, snapshot
from crm.orders.models import Order
from routes.models import StandingRoute, StandingStop, Weekday
from routes.standing import can_manage_standing, max_stops_of, may_add_address, works_in

ROUTE_FIELDS = [
    "name",
    "weekday",
    "every_weeks",
    "anchor_date",
    "vehicle",
    "driver",
    "max_stops",
    "is_active",
]


def _check_manage(actor: Any, route: StandingRoute) -> None:
    if not can_manage_standing(actor) or not works_in(actor, route.branch):
        raise PermissionDenied


def _site_label(site: StandingStop) -> str:
    return f"#{site.position + 1} {site.address.client}: {site.address.address}"


# --- Routes -------------------------------------------------------------------------------------
def standing_route_save(
    *, actor: Any, route: StandingRoute, before: dict | None = None
) -> StandingRoute:
    """Create or update ``route`` (it carries the new values; ``before`` is the snapshot taken
    before they were set). Changing the weekday moves the sites along, unless one of them is
    already on another route that day."""
    _check_manage(actor, route)
    if route.vehicle_id and route.vehicle.branch_id != route.branch_id:
        raise ValidationError({"vehicle": [_("Choose a vehicle of this branch.")]})
    if route.driver_id and (
        route.driver.role != "driver" or route.driver.branch_id != route.branch_id
    ):
        raise ValidationError({"driver": [_("Choose a driver of this branch.")]})
    route.full_clean()
    with transaction.atomic():
        created = route.pk is None
        if created:
            route.created_by = actor
        route.save()
        if not created:
            _sites_follow_weekday(route)
        audit_record(
            actor=actor,
            instance=route,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            changes=diff(before or {}, snapshot(route, ROUTE_FIELDS)),
        )
    return route


def _sites_follow_weekday(route: StandingRoute) -> None:
    moving = route.stops.exclude(weekday=route.weekday)
    taken = (
        StandingStop.objects.filter(
            weekday=route.weekday, address_id__in=moving.values("address_id")
        )
        .exclude(route=route)
        .select_related("address__client", "route")
    )
    clashes = [f"{s.address.client} ({s.route})" for s in taken[:5]]
    if clashes:
        raise ValidationError(
            {
                "weekday": [
                    _("Already on another route that day: %(sites)s.")
                    % {"sites": ", ".join(clashes)}
                ]
            }
        )
    moving.update(weekday=route.weekday)


def standing_route_delete(*, actor: Any, route: StandingRoute) -> None:
    """Delete an empty route; one with sites is refused (remove them, or deactivate it)."""
    _check_manage(actor, route)
    with transaction.atomic():
        route = _locked_route(route)
        if route.stops.exists():
            raise ValidationError(
                _("Only a route without sites can be deleted: remove them or deactivate it.")
            )
        audit_record(
            actor=actor,
            instance=route,
            action=AuditEntry.Action.DELETE,
            changes={"name": [route.name, None]},
        )
        route.delete()


# --- Sites --------------------------------------------------------------------------------------
def _locked_route(route: StandingRoute) -> StandingRoute:
    """The route row locked: one writer at a time renumbers its sites."""
    return StandingRoute.objects.select_for_update().select_related("branch").get(pk=route.pk)


def _renumber(sites: list[StandingStop]) -> None:
    """Positions 0…n-1 in list order (the unique position constraint is deferred)."""
    for index, site in enumerate(sites):
        site.position = index
    StandingStop.objects.bulk_update(sites, ["position"])


def _clamp(position: int | None, size: int) -> int:
    if position is None:
        return size
    return max(0, min(int(position), size))


def _check_site(route: StandingRoute, address: ClientAddress) -> None:
    if not route.is_active:
        raise ValidationError(_("The route is not active."))
    if address.client.branch_id != route.branch_id:
        raise ValidationError(_("The client belongs to another branch."))
    if address.client.is_archived:
        raise ValidationError(_("The client is archived."))
    if not address.has_point:
        raise ValidationError(_("The address has no point on the map."))
    taken = (
        StandingStop.objects.filter(address=address, weekday=route.weekday)
        .select_related("route")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            _("This address is already on the route %(route)s on %(weekday)s.")
            % {"route": taken.route, "weekday": Weekday(route.weekday).label}
        )


def standing_site_add(
    *, actor: Any, route: StandingRoute, address: ClientAddress, position: int | None = None
) -> StandingStop:
    """Put ``address`` on ``route`` at ``position`` (0-based; None: at the end). Anyone who may
    add sites and may see the client (a manager: his own clients)."""
    with transaction.atomic():
        route = _locked_route(route)
        address = ClientAddress.objects.select_related("client").get(pk=address.pk)
        if not may_add_address(actor, route.branch, address):
            raise PermissionDenied
        _check_site(route, address)
        sites = list(route.stops.select_related("address__client").order_by("position", "id"))
        site = StandingStop(
            route=route,
            address=address,
            weekday=route.weekday,
            position=len(sites),
            added_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        try:
            with transaction.atomic():
                site.save()
        except IntegrityError as exc:  # the same address put on another route that day meanwhile
            raise ValidationError(_("This address is already on a route that day.")) from exc
        sites.insert(_clamp(position, len(sites)), site)
        _renumber(sites)
        audit_record(
            actor=actor,
            instance=route,
            changes={"sites": [None, _site_label(site)]},
            note=_("Site added"),
        )
    return site


def standing_site_remove(*, actor: Any, site: StandingStop) -> None:
    with transaction.atomic():
        route = _locked_route(site.route)
        _check_manage(actor, route)
        site = StandingStop.objects.select_related("address__client").get(pk=site.pk)
        label = _site_label(site)
        site.delete()
        _renumber(list(route.stops.order_by("position", "id")))
        audit_record(
            actor=actor, instance=route, changes={"sites": [label, None]}, note=_("Site removed")
        )


def standing_site_move(*, actor: Any, site: StandingStop, position: int) -> StandingStop:
    """Move a site to ``position`` (0-based) of its route; the others keep their order."""
    with transaction.atomic():
        route = _locked_route(site.route)
        _check_manage(actor, route)
        sites = list(route.stops.select_related("address__client").order_by("position", "id"))
        current = next(s for s in sites if s.pk == site.pk)
        before = current.position
        sites.remove(current)
        sites.insert(_clamp(position, len(sites)), current)
        _renumber(sites)
        if current.position != before:
            audit_record(
                actor=actor,
                instance=route,
                changes={f"{current.address.client}": [before + 1, current.position + 1]},
                note=_("Site moved"),
            )
    return current


def standing_warnings(route: StandingRoute, sites: int) -> list[str]:
    limit = max_stops_of(route)
    if sites > limit:
        return [
            _("%(count)s sites: more than the route's maximum of %(max)s.")
            % {"count": sites, "max": limit}
        ]
    return []


# --- What the day planner takes from the standing routes ---------------------------------------
@dataclass
class StandingStart:
    #: vehicle id → order ids in the standing routes' sequence
    sequences: dict[int, list[int]] = field(default_factory=dict)
    #: vehicle id → driver id of its standing route (when the route names one)
    drivers: dict[int, int] = field(default_factory=dict)
    routes: int = 0

    @property
    def orders(self) -> int:
        return sum(len(ids) for ids in self.sequences.values())


def _first_address(order: Order) -> int | None:
    stops = list(order.stops.all())  # prefetched, in position order
    return stops[0].client_address_id if stops else None


def standing_start(*, branch: Any, date: datetime.date, orders: Iterable[Order]) -> StandingStart:
    """Orders whose first stop is a card address on a standing route that runs on ``date``,
    grouped by the route's van in the route's sequence (two routes on one van: route by route).
    ``branch``: a branch or its id."""
    addresses: dict[int, list[int]] = defaultdict(list)
    for order in orders:
        address_id = _first_address(order)
        if address_id is not None:
            addresses[address_id].append(order.pk)
    if not addresses:
        return StandingStart()
    sites = (
        StandingStop.objects.filter(
            address_id__in=list(addresses),
            weekday=date.weekday(),
            route__branch=branch,
            route__is_active=True,
        )
        .select_related("route")
        .order_by("route__name", "route_id", "position")
    )
    start = StandingStart()
    used: set[int] = set()
    for site in sites:
        route = site.route
        if not route.runs_on(date):
            continue
        start.sequences.setdefault(route.vehicle_id, []).extend(sorted(addresses[site.address_id]))
        if route.driver_id:
            start.drivers.setdefault(route.vehicle_id, route.driver_id)
        used.add(route.pk)
    start.routes = len(used)
    return start
