"""Websocket consumers. ``AuthenticatedConsumer`` is the base every live page uses: it refuses
anonymous sockets and lets a socket join only the groups its user is authorised for (checked on
connect and on every subscribe message, never trusting an id from the client)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from crm.core.realtime import can_join_group, user_group

MAX_GROUPS_PER_SOCKET = 50


class AuthenticatedConsumer(AsyncJsonWebsocketConsumer):
    """Joins the user's personal group on connect; ``{"subscribe": [groups]}`` adds more."""

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.groups_joined: set[str] = set()
        if self.user is None or not self.user.is_authenticated or not self.user.is_active:
            await self.close(code=4401)
            return
        await self.accept()
        await self._join(user_group(self.user.pk))
        await self.send_json({"type": "hello", "groups": sorted(self.groups_joined)})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        wanted = content.get("subscribe")
        if isinstance(wanted, str):
            wanted = [wanted]
        if isinstance(wanted, list):
            await self._subscribe([g for g in wanted if isinstance(g, str)])
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def _subscribe(self, groups: list[str]) -> None:
        accepted, refused = [], []
        for group in groups[:MAX_GROUPS_PER_SOCKET]:
            allowed = len(self.groups_joined) < MAX_GROUPS_PER_SOCKET and await self._allowed(group)
            if allowed:
                await self._join(group)
                accepted.append(group)
            else:
                refused.append(group)
        await self.send_json({"type": "subscribed", "groups": accepted, "refused": refused})

    @database_sync_to_async
    def _allowed(self, group: str) -> bool:
        return can_join_group(self.user, group)

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels tidies database connections before every message, a hop through Django's one
        # sync thread; forwarding an event never touches the database, so it skips that hop
        # (with 200 sockets on a board, 200 hops per event queued behind running requests).
        if message.get("type") == "kolo.event":
            await self.kolo_event(message)
            return
        await super().dispatch(message)

    async def kolo_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])


class LiveConsumer(AuthenticatedConsumer):
    """The one socket every page opens (``/ws/live/``)."""
