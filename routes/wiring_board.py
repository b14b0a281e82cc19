"""How the board pages plug into the shared registries (imported from routes.wiring): the
navigation item, the dispatcher's home page and the demo day's live progress."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import Role
from crm.core.registry import NavItem, register_home, register_nav
from routes import seed_live  # noqa: F401  (register_seeder "routes-live")
from routes.roles import VIEW_PLANS

register_nav(
    NavItem(
        "routes-board",
        _("Route board"),
        "routes:board",
        icon="📡",
        permission=VIEW_PLANS,
        order=238,
        description=_("Today's routes live: progress, exceptions, the vans on the map"),
    )
)
register_home(Role.DISPATCHER, "routes:board")
