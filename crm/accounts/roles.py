"""Roles are Django Groups mapped to permissions. A user has one primary role (``User.role``),
kept in sync with the group of the same name by the staff services.

Each app declares which of its permissions each role gets (``ROLE_PERMISSIONS`` in its own
``roles.py``) and grants them in a data migration with ``grant_role_permissions``; the admin role
always receives every permission any role has."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DIRECTOR = "director", _("Director")
    HEAD_OF_SALES = "head_of_sales", _("Head of sales")
    MANAGER = "manager", _("Manager")
    OPERATOR = "operator", _("Operator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    DRIVER = "driver", _("Driver")
    LAB_TECHNICIAN = "lab_technician", _("Lab technician")
    STOREKEEPER = "storekeeper", _("Storekeeper")
    ACCOUNTANT = "accountant", _("Accountant")
    HR = "hr", _("HR manager")


#: Roles that see every branch and may switch between them in the header.
BRANCH_SWITCHERS = frozenset({Role.ADMIN, Role.DIRECTOR})

ROLE_PERMISSIONS: dict[str, list[str]] = {  # accounts' own; other apps register theirs
    Role.ADMIN: ["accounts.manage_staff", "accounts.switch_branch", "accounts.view_staff"],
    Role.DIRECTOR: ["accounts.switch_branch", "accounts.view_staff", "accounts.view_schedules"],
    Role.HEAD_OF_SALES: ["accounts.view_staff", "accounts.view_schedules"],
    # HR keeps the staff schedules: shift templates, the month grid, time off and its requests
    Role.HR: ["accounts.manage_schedules", "accounts.view_schedules"],
    Role.DISPATCHER: ["accounts.view_schedules"],
}


def grant_role_permissions(apps: Any, mapping: dict[str, list[str]]) -> None:
    """For data migrations: create the role groups and give them the listed permissions
    (``"app_label.codename"``); the admin group also gets all of them."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True  # historical app configs have none
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")

    def permission(dotted: str) -> Any:
        app_label, codename = dotted.split(".", 1)
        return permission_model.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()

    everything = {p for perms in mapping.values() for p in perms}
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        wanted = everything if role == Role.ADMIN else set(mapping.get(role.value, []))
        found = [p for p in (permission(name) for name in sorted(wanted)) if p is not None]
        if found:
            group.permissions.add(*found)


_registered: dict[str, set[str]] = {}


def register_role_permissions(mapping: dict[str, list[str]]) -> None:
    """Apps declare which of their permissions each role gets (from ``AppConfig.ready``)."""
    for role, perms in mapping.items():
        _registered.setdefault(str(role), set()).update(perms)


def all_role_permissions() -> dict[str, list[str]]:
    merged: dict[str, set[str]] = {str(k): set(v) for k, v in ROLE_PERMISSIONS.items()}
    for role, perms in _registered.items():
        merged.setdefault(role, set()).update(perms)
    return {role: sorted(perms) for role, perms in merged.items()}


def sync_role_groups(**kwargs: Any) -> None:
    """post_migrate: make sure every role group exists with its permissions — also after a
    ``flush`` (tests, ``seed_demo --reset``) which empties the groups a data migration made."""
    from django.apps import apps as global_apps

    grant_role_permissions(kwargs.get("apps") or global_apps, all_role_permissions())
