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


def scoped_to_owner(
    qs: QuerySet,
    user: Any,
    branch: Branch | None,
    *,
    view_perm: str,
    all_perm: str,
    owner_field: str,
) -> QuerySet:
    """The one visibility rule of owned records (clients, leads, tasks…): nothing without
    ``view_perm``; only the given (active) branch, or the user's own branch for roles that cannot
    switch; everything there with ``all_perm``, otherwise only the records the user owns."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(view_perm):
        return qs.none()
    if branch is not None:
        qs = qs.filter(branch=branch)
    elif not user.can_switch_branch:
        qs = qs.filter(branch_id=user.branch_id)
    if user.has_perm(all_perm):
        return qs
    return qs.filter(**{owner_field: user})


def may_see_owned(user: Any, obj: Any, *, view_perm: str, all_perm: str, owner_field: str) -> bool:
    """``scoped_to_owner`` for one record already in hand (no query)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(view_perm):
        return False
    if not user.can_switch_branch and obj.branch_id != user.branch_id:
        return False
    return user.has_perm(all_perm) or getattr(obj, f"{owner_field}_id") == user.pk
