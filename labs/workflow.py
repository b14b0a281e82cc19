"""The state machine of lab requests: which move exists for which request type, who may make it
and whether it needs a reason. Services check every move against this table; pages offer only
the moves ``moves_for`` returns.

Roles: M = manager (of the client), L = lab technician, D = director, A = admin (every move).
Heads of sales read only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import Role
from labs.models import RequestKind, RequestStatus

S = RequestStatus
M, L, D, A = Role.MANAGER, Role.LAB_TECHNICIAN, Role.DIRECTOR, Role.ADMIN
CALC, SAMPLE = RequestKind.CALCULATION, RequestKind.SAMPLE
BOTH = (CALC, SAMPLE)


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    kinds: tuple[str, ...]
    roles: frozenset[str]
    label: Any
    reason: bool = False
    #: "lab" moves are made by the lab and told to the manager; "sales" moves the other way
    side: str = "sales"


TRANSITIONS: list[Move] = [
    Move(S.DRAFT, S.SENT, BOTH, frozenset({M, D, A}), _("Send to the lab")),
    Move(S.RETURNED, S.SENT, BOTH, frozenset({M, D, A}), _("Send to the lab again")),
    Move(S.SENT, S.IN_WORK, BOTH, frozenset({L, A}), _("Take into work"), side="lab"),
    Move(S.SENT, S.RETURNED, BOTH, frozenset({L, A}), _("Return for rework"), True, side="lab"),
    Move(S.IN_WORK, S.RETURNED, BOTH, frozenset({L, A}), _("Return for rework"), True, side="lab"),
    Move(S.SENT, S.REJECTED, BOTH, frozenset({L, D, A}), _("Reject"), True, side="lab"),
    Move(S.IN_WORK, S.REJECTED, BOTH, frozenset({L, D, A}), _("Reject"), True, side="lab"),
    Move(S.DRAFT, S.REJECTED, BOTH, frozenset({M, D, A}), _("Withdraw"), True),
    Move(S.RETURNED, S.REJECTED, BOTH, frozenset({M, D, A}), _("Withdraw"), True),
    Move(S.IN_WORK, S.CALCULATED, (CALC,), frozenset({L, A}), _("Calculated"), side="lab"),
    Move(S.IN_WORK, S.SAMPLE_MADE, (SAMPLE,), frozenset({L, A}), _("Sample made"), side="lab"),
    Move(S.CALCULATED, S.IN_WORK, (CALC,), frozenset({M, D, A}), _("Back to the lab"), True),
    Move(S.SAMPLE_MADE, S.IN_WORK, (SAMPLE,), frozenset({M, D, A}), _("Remake the sample"), True),
    Move(S.CALCULATED, S.CLOSED, (CALC,), frozenset({M, D, A}), _("Close")),
    # sample_made → shipped goes through the shipping form (a delivery order or a tracking number)
    Move(S.SAMPLE_MADE, S.SHIPPED, (SAMPLE,), frozenset({M, D, A}), _("Ship the sample")),
    Move(S.SHIPPED, S.RECEIVED, (SAMPLE,), frozenset({M, D, A}), _("Received by the client")),
    Move(S.RECEIVED, S.CLOSED, (SAMPLE,), frozenset({M, D, A}), _("Close")),
]

ORDER: dict[str, list[str]] = {
    CALC: [S.DRAFT, S.SENT, S.IN_WORK, S.CALCULATED, S.CLOSED],
    SAMPLE: [S.DRAFT, S.SENT, S.IN_WORK, S.SAMPLE_MADE, S.SHIPPED, S.RECEIVED, S.CLOSED],
}
#: waiting for the lab: the queue, urgency and overdue marks apply
LAB_OPEN = frozenset({S.SENT, S.IN_WORK})
#: the lab's work is done (turnaround is measured up to the first of these)
LAB_DONE = frozenset({S.CALCULATED, S.SAMPLE_MADE})
FINAL = frozenset({S.CLOSED, S.REJECTED})
#: moves made through their own form, not the generic status buttons
SPECIAL_TARGETS = frozenset({S.SHIPPED})


def find_move(kind: str, source: str, target: str) -> Move | None:
    for move in TRANSITIONS:
        if move.source == source and move.target == target and kind in move.kinds:
            return move
    return None


def role_may(user: Any, move: Move) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) in move.roles)


def moves_from(kind: str, source: str) -> list[Move]:
    return [m for m in TRANSITIONS if m.source == source and kind in m.kinds]
