"""The order state machine: a fixed core of statuses and moves, with per-role permissions and
optional per-type overrides. Names of statuses are configurable (``StatusName``); the moves are not.

    new ──► confirmed ──► in work ──► completed
     │  ◄──     │            │
     │          ▼            ▼
     └────► cancelled ◄── on hold ("break": the driver can't do it)

Moving to "on hold" or "cancelled" needs a reason. A move into "in work" is refused while a
required prepayment is not recorded. Drivers may only move orders assigned to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import Role
from crm.orders.models import Order, OrderStatus, OrderType

S = OrderStatus
OFFICE = frozenset({Role.ADMIN, Role.OPERATOR, Role.MANAGER, Role.HEAD_OF_SALES})
RUNNING = frozenset({Role.ADMIN, Role.OPERATOR, Role.DISPATCHER, Role.HEAD_OF_SALES})
FIELD = frozenset({Role.DRIVER})

#: Statuses whose contents (items, stops, window…) may be edited; admins may edit any (logged).
EDITABLE = frozenset({S.NEW, S.IN_WORK})
#: Statuses that need a reason on entry.
NEEDS_REASON = frozenset({S.ON_HOLD, S.CANCELLED})


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    roles: frozenset[str]
    label: Any
    style: str = ""  # button style on the order page: "", "primary", "danger"


CORE_MOVES: tuple[Move, ...] = (
    Move(S.NEW, S.CONFIRMED, OFFICE | {Role.DISPATCHER}, _("Confirm"), "primary"),
    Move(S.CONFIRMED, S.NEW, OFFICE, _("Back to new")),
    Move(S.CONFIRMED, S.IN_WORK, RUNNING, _("Take into work"), "primary"),
    Move(S.IN_WORK, S.COMPLETED, RUNNING | FIELD, _("Complete"), "primary"),
    Move(S.CONFIRMED, S.ON_HOLD, RUNNING, _("Put on hold")),
    Move(S.IN_WORK, S.ON_HOLD, RUNNING | FIELD, _("Put on hold")),
    Move(S.ON_HOLD, S.CONFIRMED, RUNNING, _("Back to confirmed")),
    Move(S.ON_HOLD, S.IN_WORK, RUNNING, _("Resume")),
    Move(S.NEW, S.CANCELLED, OFFICE | {Role.DISPATCHER}, _("Cancel"), "danger"),
    Move(S.CONFIRMED, S.CANCELLED, OFFICE | {Role.DISPATCHER}, _("Cancel"), "danger"),
    Move(S.IN_WORK, S.CANCELLED, RUNNING, _("Cancel"), "danger"),
    Move(S.ON_HOLD, S.CANCELLED, OFFICE | {Role.DISPATCHER}, _("Cancel"), "danger"),
    Move(S.CANCELLED, S.NEW, frozenset({Role.ADMIN, Role.OPERATOR}), _("Restore")),
)

#: Per-type changes to who may make a move: a service visit is closed by the worker on site or
#: the office; a freight job is taken into work by the logistics manager too.
TYPE_OVERRIDES: dict[str, dict[tuple[str, str], frozenset[str]]] = {
    OrderType.SERVICE: {(S.IN_WORK, S.COMPLETED): RUNNING | FIELD | {Role.MANAGER}},
    OrderType.FREIGHT: {(S.CONFIRMED, S.IN_WORK): RUNNING | {Role.MANAGER}},
}


def moves_for_type(order_type: str) -> list[Move]:
    overrides = TYPE_OVERRIDES.get(order_type, {})
    return [
        Move(m.source, m.target, overrides.get((m.source, m.target), m.roles), m.label, m.style)
        for m in CORE_MOVES
    ]


def find_move(order_type: str, source: str, target: str) -> Move | None:
    return next(
        (m for m in moves_for_type(order_type) if m.source == source and m.target == target), None
    )


def role_may(user: Any, move: Move, order: Order) -> bool:
    if user.is_superuser:
        return True
    if user.role not in move.roles:
        return False
    if user.role == Role.DRIVER:
        return order.assignee_id == user.pk
    return True


def available_moves(user: Any, order: Order) -> list[Move]:
    """The moves ``user`` may make from the order's current status (for the buttons)."""
    return [
        m
        for m in moves_for_type(order.order_type)
        if m.source == order.status and role_may(user, m, order)
    ]


def can_edit_contents(user: Any, order: Order) -> bool:
    return order.status in EDITABLE or user.has_perm("orders.edit_closed_orders")
