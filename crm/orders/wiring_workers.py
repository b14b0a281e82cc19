"""Workers on orders in the shared registries: the worker's jobs and HR's skills page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import Role
from crm.core.registry import NavItem, register_nav

register_nav(
    NavItem(
        "my-jobs",
        _("My jobs"),
        "orders:my-jobs",
        icon="🧰",
        roles=(Role.DRIVER, Role.STOREKEEPER),
        order=55,
        description=_("Your jobs of the day: start and finish them"),
    )
)
register_nav(
    NavItem(
        "skills",
        _("Skills and ratings"),
        "orders:skills",
        icon="🏅",
        permission="accounts.manage_schedules",
        order=892,
        description=_("What each worker can do, their category and rating"),
    )
)
