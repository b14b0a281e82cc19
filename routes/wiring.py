"""How the routes app plugs into the shared registries (imported from RoutesConfig.ready):
navigation, the demo seeder, the optimiser's background-job handler and the client card's
"Routes" tab (standing-route suggestions)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

import routes.bench  # noqa: F401  (register_bench)
from clients.cards import register_address_helper, register_card_tab
from crm.accounts.roles import Role
from crm.core.realtime import register_group_authorizer
from crm.core.registry import NavItem, register_home, register_nav
from routes import (  # noqa: F401  (live board, containers ledger, demo fleet rules)
    seed,
    seed_rules,
    wiring_board,
    wiring_store,
)
from routes.realtime import BRANCH_PREFIX, ROUTE_PREFIX, can_join_board, can_join_route
from routes.roles import SUGGEST_STANDING, VIEW_FLEET, VIEW_PLANS, VIEW_STANDING
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
register_home(Role.DRIVER, "routes:my-route")  # the tablet page
register_nav(
    NavItem(
        "routes-standing",
        _("Standing routes"),
        "routes:standing-list",
        icon="🔁",
        permission=VIEW_STANDING,
        order=245,
        description=_("The weekly routes: client sites in a fixed order, a van and a driver"),
    )
)


def _standing_tab(request: Any, client: Any) -> str:
    from routes.views_standing import client_tab

    return client_tab(request, client)


register_card_tab("standing", _("Routes"), _standing_tab, order=55, permission=SUGGEST_STANDING)
register_address_helper(
    "standing",
    _("Which standing route?"),
    "routes:standing-suggest-point",
    permission=SUGGEST_STANDING,
)


register_group_authorizer(BRANCH_PREFIX, can_join_board)
register_group_authorizer(ROUTE_PREFIX, can_join_route)
