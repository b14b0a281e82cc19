"""How the accounts app plugs into the shared registries (imported from AppConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Branch, User
from crm.accounts.permissions import branches_for, can_manage_staff, staff_for
from crm.core.realtime import register_group_authorizer
from crm.core.registry import NavItem, register_nav, register_visibility

register_nav(
    NavItem("home", _("Home"), "home", icon="⌂", order=0, description=_("Your start page"))
)
register_nav(
    NavItem(
        "staff",
        _("Staff"),
        "accounts:staff-list",
        icon="👥",
        permission="accounts.view_staff",
        order=900,
        description=_("Employees, roles and branches"),
    )
)
register_nav(
    NavItem(
        "branches",
        _("Branches"),
        "accounts:branch-list",
        icon="🏢",
        permission="accounts.manage_staff",
        order=910,
        description=_("Cities and sites of the business"),
    )
)

register_visibility(User, staff_for, can_change=can_manage_staff)
register_visibility(Branch, branches_for)


def _user_group_authorizer(user: Any, key: str) -> bool:
    return str(user.pk) == key


def _branch_group_authorizer(user: Any, key: str) -> bool:
    return branches_for(user).filter(pk=int(key)).exists()


register_group_authorizer("user", _user_group_authorizer)
register_group_authorizer("branch", _branch_group_authorizer)

from crm.accounts import (  # noqa: E402,F401  (demo: managers at work; schedules: nav, HR home)
    seed_workday,
    wiring_schedules,
)
