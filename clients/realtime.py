"""Live updates of the client card: one group per client, joined only by users who may see it.

Services publish ``{"type": "client.changed", "id": …, "what": …}`` after their transaction
commits; the card re-fetches its header (and the timeline when that tab is open) on
``kolo:client.changed``. The event carries no data beyond the id: viewers reload through the
normal, permission-checked views."""

from __future__ import annotations

from typing import Any

from crm.core.realtime import publish_on_commit

GROUP_PREFIX = "clients.client"


def client_group(client_id: int) -> str:
    return f"{GROUP_PREFIX}.{client_id}"


def publish_client_changed(client_id: int, what: str) -> None:
    event = {"type": "client.changed", "id": client_id, "what": what}
    publish_on_commit(client_group(client_id), event)


def can_join_client_group(user: Any, key: str) -> bool:
    """The same rule as opening the card (``clients_for``): a manager joins only their clients."""
    from clients.permissions import clients_for

    if not getattr(user, "is_authenticated", False):
        return False
    return clients_for(user).filter(pk=int(key)).exists()


def on_timeline_entry_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Any timeline entry on a client (a comment from the shared timeline panel, a call, a won
    lead's note) refreshes the card of everyone watching it."""
    from django.contrib.contenttypes.models import ContentType

    from clients.models import Client

    if not created or kwargs.get("raw"):
        return
    if instance.content_type_id == ContentType.objects.get_for_model(Client).pk:  # cached
        publish_client_changed(int(instance.object_id), "timeline")
