"""Who sees which plans and routes: planners and viewers see the plans of the active branch,
drivers only the published routes they drive. Hidden records are simply not in the querysets,
so views answer 404 for them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from routes.models import Depot, Route, RoutePlan, Territory, Vehicle
from routes.roles import MANAGE_FLEET, PLAN, PUBLISH, VIEW_FLEET, VIEW_OWN_ROUTE, VIEW_PLANS


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def plans_for(user: Any, branch: Any) -> QuerySet[RoutePlan]:
    if not _authenticated(user) or not user.has_perm(VIEW_PLANS):
        return RoutePlan.objects.none()
    return RoutePlan.objects.filter(branch=branch)


def routes_for(user: Any, branch: Any) -> QuerySet[Route]:
    """Planners see every route of the branch; a driver only published routes he drives."""
    if not _authenticated(user):
        return Route.objects.none()
    qs = Route.objects.filter(plan__branch=branch)
    if user.has_perm(VIEW_PLANS):
        return qs
    if user.has_perm(VIEW_OWN_ROUTE):
        return qs.filter(driver=user, plan__status=RoutePlan.Status.PUBLISHED)
    return Route.objects.none()


def vehicles_for(user: Any, branch: Any) -> QuerySet[Vehicle]:
    if not _authenticated(user) or not user.has_perm(VIEW_FLEET):
        return Vehicle.objects.none()
    return Vehicle.objects.filter(branch=branch)


def depots_for(user: Any, branch: Any) -> QuerySet[Depot]:
    if not _authenticated(user) or not user.has_perm(VIEW_FLEET):
        return Depot.objects.none()
    return Depot.objects.filter(branch=branch)


def can_plan(user: Any) -> bool:
    return user.has_perm(PLAN)


def can_publish(user: Any) -> bool:
    return user.has_perm(PUBLISH)


def can_manage_fleet(user: Any) -> bool:
    return user.has_perm(MANAGE_FLEET)


def territories_for(user: Any, branch: Any) -> QuerySet[Territory]:
    if not _authenticated(user) or not user.has_perm(VIEW_FLEET):
        return Territory.objects.none()
    return Territory.objects.filter(branch=branch)
