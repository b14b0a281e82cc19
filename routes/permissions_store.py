"""Who sees and records the containers ledger (the rule of ``routes.roles``): readers of the
ledger see the vans and the clients of the active branch — only to count containers, so an
accountant sees the vans here without the fleet pages — and recorders write. Another branch's
van or client is not in these querysets: the pages answer 404 for it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clients.models import Client
from routes.models import Vehicle
from routes.roles import RECORD_CONTAINERS, VIEW_CONTAINERS


def can_view_containers(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(VIEW_CONTAINERS)


def can_record_containers(user: Any) -> bool:
    return can_view_containers(user) and user.has_perm(RECORD_CONTAINERS)


def container_vehicles_for(user: Any, branch: Any) -> QuerySet[Vehicle]:
    if branch is None or not can_view_containers(user):
        return Vehicle.objects.none()
    return Vehicle.objects.filter(branch=branch)


def container_clients_for(user: Any, branch: Any) -> QuerySet[Client]:
    """The clients whose balance the user may see and correct on the storekeeper's pages."""
    if branch is None or not can_view_containers(user):
        return Client.objects.none()
    return Client.objects.filter(branch=branch)
