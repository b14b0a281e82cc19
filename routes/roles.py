"""Which routes permissions each role gets (registered from RoutesConfig.ready).

Dispatchers and admins plan, edit and publish; directors and heads of sales look; drivers read
only their own route (the object check lives in ``routes.permissions``).

Containers ledger: storekeepers record what vans load and bring back and correct client
balances (as do dispatchers and admins); accountants, directors and heads of sales read it.
Drivers write to it only through their stop actions.

Standing routes (``routes.standing``): dispatchers and admins manage them; directors and heads of
sales see them. The people who take new clients in — managers and operators, besides dispatchers
and admins — see on the client card which standing route suits an address and may put the
address on one with one click (only for clients they may see). Directors and heads of sales see
the suggestions but do not change the routes."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW_PLANS = "routes.view_routeplan"
PLAN = "routes.change_routeplan"
PUBLISH = "routes.publish_routeplan"
VIEW_FLEET = "routes.view_vehicle"
MANAGE_FLEET = "routes.change_vehicle"
VIEW_OWN_ROUTE = "routes.view_route"
#: the standing routes pages
VIEW_STANDING = "routes.view_standingroute"
#: create / edit / delete standing routes, remove and reorder their sites
MANAGE_STANDING = "routes.change_standingroute"
#: the suggestions ("which standing route should this address join?") on the client card
SUGGEST_STANDING = "routes.suggest_standingroute"
#: put a client address on a standing route (the one click from the suggestions)
ADD_STANDING_SITE = "routes.add_standingstop"

#: the containers ledger: balances, the storekeeper's daily report, loading lists
VIEW_CONTAINERS = "routes.view_containermove"
#: record what a van loads in the morning and returns at night, and client balance corrections
RECORD_CONTAINERS = "routes.add_containermove"

STANDING_MANAGER = [VIEW_STANDING, MANAGE_STANDING, SUGGEST_STANDING, ADD_STANDING_SITE]
STANDING_VIEWER = [VIEW_STANDING, SUGGEST_STANDING]
INTAKE = [SUGGEST_STANDING, ADD_STANDING_SITE]

PLANNER = [
    VIEW_PLANS,
    PLAN,
    PUBLISH,
    VIEW_FLEET,
    MANAGE_FLEET,
    VIEW_OWN_ROUTE,
    *STANDING_MANAGER,
    VIEW_CONTAINERS,
    RECORD_CONTAINERS,
]
VIEWER = [VIEW_PLANS, VIEW_FLEET, VIEW_OWN_ROUTE, *STANDING_VIEWER, VIEW_CONTAINERS]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: PLANNER,
    Role.DISPATCHER: PLANNER,
    Role.DIRECTOR: VIEWER,
    Role.HEAD_OF_SALES: VIEWER,
    Role.MANAGER: INTAKE,
    Role.OPERATOR: INTAKE,
    Role.DRIVER: [VIEW_OWN_ROUTE],
    Role.STOREKEEPER: [VIEW_FLEET, VIEW_CONTAINERS, RECORD_CONTAINERS],
    Role.ACCOUNTANT: [VIEW_CONTAINERS],
}
