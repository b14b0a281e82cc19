"""Staff schedules in the shared registries: navigation, HR's start page, the demo seeder."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.accounts.models_schedules import TimeOff
from crm.accounts.permissions_schedules import time_off_for
from crm.core.registry import NavItem, register_home, register_nav, register_visibility

register_nav(
    NavItem(
        "staff-schedule",
        _("Staff schedule"),
        "accounts:schedule-grid",
        icon="🗓",
        permission="accounts.view_schedules",
        order=890,
        description=_("Shifts, time off and vacations of the branch by month"),
    )
)
register_nav(
    NavItem(
        "my-schedule",
        _("My schedule"),
        "accounts:my-schedule",
        icon="📅",
        order=895,
        description=_("Your shifts, days off and vacation left; ask for a day off"),
    )
)
register_home("hr", "accounts:schedule-grid")
register_visibility(TimeOff, time_off_for)

from crm.accounts import seed_schedules  # noqa: E402,F401  (demo: shifts and time off)
