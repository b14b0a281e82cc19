"""Who may see and change clients. One rule, two shapes: a queryset and predicates.

Managers see only the clients they are responsible for; roles with ``clients.view_all_clients``
(head of sales, director, operator, accountant, dispatcher, admin) see every client of the active
branch. Roles without ``clients.view_client`` see none."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clients.models import Client
from crm.accounts.permissions import may_see_owned, scoped_to_owner

_RULE = {
    "view_perm": "clients.view_client",
    "all_perm": "clients.view_all_clients",
    "owner_field": "manager",
}


def clients_for(user: Any, branch: Any | None = None) -> QuerySet[Client]:
    """Clients ``user`` may open, in ``branch`` when given (the request's active branch)."""
    return scoped_to_owner(Client.objects.all(), user, branch, **_RULE)


def can_see_client(user: Any, client: Client) -> bool:
    return may_see_owned(user, client, **_RULE)


def can_change_client(user: Any, client: Client) -> bool:
    return user.has_perm("clients.change_client") and can_see_client(user, client)


def can_add_client(user: Any) -> bool:
    return user.has_perm("clients.add_client")


def can_merge_clients(user: Any) -> bool:
    return user.has_perm("clients.merge_clients")


def can_reassign_clients(user: Any) -> bool:
    """Choosing another responsible manager: only roles that see the whole branch."""
    return user.has_perm("clients.view_all_clients") and user.has_perm("clients.change_client")
