from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from crm.accounts.models import Branch, User
from crm.accounts.permissions import staff_for


def staff_list(
    *,
    user: Any,
    branch: Branch | None,
    query: str = "",
    role: str = "",
    show_inactive: bool = False,
) -> QuerySet[User]:
    qs = staff_for(user)
    if branch is not None:
        qs = qs.filter(Q(branch=branch) | Q(branch__isnull=True))
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
        )
    if role:
        qs = qs.filter(role=role)
    if not show_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("last_name", "first_name", "username")
