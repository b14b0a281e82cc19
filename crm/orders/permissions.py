"""Who may see and change orders. One rule, two shapes: querysets and predicates.

- roles with ``orders.view_all_orders`` (operators, dispatchers, accountants, heads, admins) see
  every order of the active branch;
- managers see the orders of the clients they are responsible for;
- drivers and workers see the orders assigned to them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from crm.accounts.roles import Role
from crm.orders.models import Order, RecurringSchedule


def _in_branch(qs: QuerySet, user: Any, branch: Any | None) -> QuerySet:
    if branch is not None:
        return qs.filter(branch=branch)
    if not user.can_switch_branch:
        return qs.filter(branch_id=user.branch_id)
    return qs


def _own(user: Any) -> Q:
    if user.role == Role.DRIVER:
        return Q(assignee=user)
    return Q(client__manager=user) | Q(assignee=user)


def orders_for(user: Any, branch: Any | None = None) -> QuerySet[Order]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm("orders.view_order"):
        return Order.objects.none()
    qs = _in_branch(Order.objects.all(), user, branch)
    if user.has_perm("orders.view_all_orders"):
        return qs
    return qs.filter(_own(user))


def can_see_order(user: Any, order: Order) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.has_perm("orders.view_order"):
        return False
    if not user.can_switch_branch and order.branch_id != user.branch_id:
        return False
    if user.has_perm("orders.view_all_orders"):
        return True
    if order.assignee_id == user.pk:
        return True
    return user.role != Role.DRIVER and order.client.manager_id == user.pk


def can_change_order(user: Any, order: Order) -> bool:
    """May edit the order's contents (status moves have their own per-role rules)."""
    if not user.has_perm("orders.change_order") or user.role == Role.DRIVER:
        return False
    return can_see_order(user, order)


def schedules_for(user: Any, branch: Any | None = None) -> QuerySet[RecurringSchedule]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(
        "orders.view_recurringschedule"
    ):
        return RecurringSchedule.objects.none()
    qs = _in_branch(RecurringSchedule.objects.all(), user, branch)
    if user.has_perm("orders.view_all_orders"):
        return qs
    return qs.filter(client__manager=user)


def can_change_schedule(user: Any, schedule: RecurringSchedule) -> bool:
    if not user.has_perm("orders.change_recurringschedule"):
        return False
    return schedules_for(user).filter(pk=schedule.pk).exists()


def order_group_authorizer(user: Any, key: str) -> bool:
    """Viewers of a branch's day screen join ``orders.branch.<id>``."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("orders.view_all_orders"):
        return False
    branch_id = int(key)
    return user.can_switch_branch or user.branch_id == branch_id
