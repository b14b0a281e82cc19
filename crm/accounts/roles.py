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


#: Roles that see every branch and may switch between them in the header.
BRANCH_SWITCHERS = frozenset({Role.ADMIN, Role.DIRECTOR})

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: ["accounts.manage_staff", "accounts.switch_branch", "accounts.view_staff"],
    Role.DIRECTOR: ["accounts.switch_branch", "accounts.view_staff"],
    Role.HEAD_OF_SALES: ["accounts.view_staff"],
}


def grant_role_permissions(apps: Any, mapping: dict[str, list[str]]) -> None:
    """For data migrations: create the role groups and give them the listed permissions
    (``"app_label.codename"``); the admin group also gets all of them."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")

    def permission(dotted: str) -> Any:
        app_label, codename = dotted.split(".", 1)
        return permission_model.objects.get(content_type__app_label=app_label, codename=codename)

    everything = {p for perms in mapping.values() for p in perms}
    for role in Role:
        group, _created = group_model.objects.get_or_create(name=role.value)
        wanted = everything if role == Role.ADMIN else set(mapping.get(role.value, []))
        if wanted:
            group.permissions.add(*[permission(p) for p in sorted(wanted)])
