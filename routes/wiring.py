"""How the routes app plugs into the shared registries (imported from RoutesConfig.ready):
navigation, the demo seeder and the optimiser's background-job handler."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import Role
from crm.core.registry import NavItem, register_nav
from routes import seed  # noqa: F401  (register_seeder)
from routes.roles import VIEW_FLEET, VIEW_PLANS
from routes.services import planning  # noqa: F401  (register_job_handler)

register_nav(
    NavItem(
        "routes-plan",
        _("Route planning"),
        "routes:plan",
        icon="🗺",
        permission=VIEW_PLANS,
        order=240,
        description=_("Daily routes from the orders: optimise, adjust, publish"),
    )
)
register_nav(
    NavItem(
        "routes-vehicles",
        _("Vehicles"),
        "routes:vehicle-list",
        icon="🚚",
        permission=VIEW_FLEET,
        order=850,
        description=_("Vans, capacities, costs and depots"),
    )
)
register_nav(
    NavItem(
        "routes-my-route",
        _("My route"),
        "routes:my-route",
        icon="🧭",
        roles=(Role.DRIVER,),
        order=20,
        description=_("Today's stops in order"),
    )
)
