"""Telephony test helpers: extensions, calls through the service, and a recorder of live pushes."""

from __future__ import annotations

import itertools
from typing import Any

from crm.telephony.models import OperatorExtension

_ids = itertools.count(1)


def make_extension(user: Any, extension: str) -> OperatorExtension:
    return OperatorExtension.objects.create(user=user, branch=user.branch, extension=extension)


def next_call_id() -> str:
    return f"pbx-{next(_ids):06d}"


class Pushes:
    """Records what ``crm.core.realtime.publish`` would send (group, event)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def __call__(self, group: str, event: dict) -> bool:
        self.sent.append((group, event))
        return True

    def groups(self, event_type: str | None = None) -> list[str]:
        return [g for g, e in self.sent if event_type is None or e["type"] == event_type]
