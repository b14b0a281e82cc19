"""Who may see and change staff records. One rule, two shapes: a queryset and predicates."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from crm.accounts.models import Branch, User


def branches_for(user: Any) -> QuerySet[Branch]:
    if not user.is_authenticated:
        return Branch.objects.none()
    if user.can_switch_branch:
        return Branch.objects.all()
    return Branch.objects.filter(pk=user.branch_id)


def staff_for(user: Any, branch: Branch | None = None) -> QuerySet[User]:
    """Staff records ``user`` may open. Staff managers and viewers see their active branch (admins
    any branch); everyone else only themselves."""
    qs = User.objects.select_related("branch")
    if not user.is_authenticated:
        return qs.none()
    if user.has_perm("accounts.view_staff"):
        if user.can_switch_branch:
            return qs
        return qs.filter(branch_id=user.branch_id)
    return qs.filter(pk=user.pk)


def can_manage_staff(user: Any, target: User | None = None) -> bool:
    if not user.has_perm("accounts.manage_staff"):
        return False
    if target is None:
        return True
    return staff_for(user).filter(pk=target.pk).exists()
