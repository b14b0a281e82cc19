"""Who sees and plans whose schedule. HR and admins plan the branch; directors, heads of sales
and dispatchers see it; everyone sees their own calendar (nobody else's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from crm.accounts.models import Branch, User
from crm.accounts.models_schedules import ShiftTemplate, TimeOff

MANAGE = "accounts.manage_schedules"
VIEW = "accounts.view_schedules"


def can_manage_schedules(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(MANAGE)


def can_view_schedules(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_perm(VIEW) or user.has_perm(MANAGE)
    )


def _branch_ids(user: Any, branch: Branch | None) -> list[int | None]:
    if user.can_switch_branch:
        return (
            [branch.pk] if branch is not None else list(Branch.objects.values_list("pk", flat=True))
        )
    return [user.branch_id]


def schedule_staff_for(user: Any, branch: Branch | None = None) -> QuerySet[User]:
    """The people whose schedule ``user`` may see: the branch for viewers, else only themselves."""
    qs = User.objects.select_related("branch")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if can_view_schedules(user):
        if user.can_switch_branch and branch is None:
            return qs
        return qs.filter(branch_id__in=_branch_ids(user, branch))
    return qs.filter(pk=user.pk)


def shift_templates_for(user: Any, branch: Branch | None = None) -> QuerySet[ShiftTemplate]:
    if not can_view_schedules(user):
        return ShiftTemplate.objects.none()
    if user.can_switch_branch and branch is None:
        return ShiftTemplate.objects.all()
    return ShiftTemplate.objects.filter(branch_id__in=_branch_ids(user, branch))


def time_off_for(user: Any, branch: Branch | None = None) -> QuerySet[TimeOff]:
    """Time off records ``user`` may open: the branch's for those who plan, else their own."""
    qs = TimeOff.objects.select_related("user", "decided_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if can_manage_schedules(user):
        return qs.filter(user__in=schedule_staff_for(user, branch))
    return qs.filter(user=user)
