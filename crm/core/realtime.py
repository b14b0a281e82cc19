"""Realtime publishing: services call ``publish_on_commit``; consumers forward events to browsers.

Group names come from the helpers below (one per kind of group) so that the publisher and the
consumer's authorisation check agree. Apps register who may join their groups with
``register_group_authorizer``; the live consumer refuses any group without an authoriser that says
yes for the connected user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

GroupAuthorizer = Callable[[Any, str], bool]
_authorizers: dict[str, GroupAuthorizer] = {}


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def branch_group(branch_id: int) -> str:
    return f"branch.{branch_id}"


def register_group_authorizer(prefix: str, authorizer: GroupAuthorizer) -> None:
    """``authorizer(user, key)`` decides whether ``user`` may join group ``f"{prefix}.{key}"``."""
    _authorizers[prefix] = authorizer


def can_join_group(user: Any, group: str) -> bool:
    prefix, _, key = group.rpartition(".")
    authorizer = _authorizers.get(prefix)
    if authorizer is None or not key:
        return False
    try:
        return bool(authorizer(user, key))
    except (ValueError, LookupError):
        return False


def publish(group: str, event: dict[str, Any]) -> bool:
    """Send now. Returns False (and logs) when the channel layer is unreachable: pages keep
    working over plain HTTP and the browser re-syncs when live updates resume."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, {"type": "kolo.event", "event": event})
    except Exception:  # a Redis outage must never break the request that made the change
        logger.warning("realtime publish to %s failed", group, exc_info=True)
        return False
    return True


def publish_many(messages: list[tuple[str, dict[str, Any]]]) -> bool:
    """Send several events in one trip to the event loop (bulk operations touch thousands of
    groups; one ``async_to_sync`` per event would cost milliseconds each)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return False

    async def send_all() -> None:
        for group, event in messages:
            await layer.group_send(group, {"type": "kolo.event", "event": event})

    try:
        async_to_sync(send_all)()
    except Exception:  # a Redis outage must never break the request that made the change
        logger.warning("realtime publish of %d events failed", len(messages), exc_info=True)
        return False
    return True


def publish_many_on_commit(messages: list[tuple[str, dict[str, Any]]]) -> None:
    if messages:
        transaction.on_commit(lambda: publish_many(messages))


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Publish ``event`` to ``group`` once the current transaction commits (never before)."""
    transaction.on_commit(lambda: publish(group, event))
