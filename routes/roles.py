"""Which routes permissions each role gets (registered from RoutesConfig.ready).

Dispatchers and admins plan, edit and publish; directors and heads of sales look; drivers read
only their own route (the object check lives in ``routes.permissions``)."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW_PLANS = "routes.view_routeplan"
PLAN = "routes.change_routeplan"
PUBLISH = "routes.publish_routeplan"
VIEW_FLEET = "routes.view_vehicle"
MANAGE_FLEET = "routes.change_vehicle"
VIEW_OWN_ROUTE = "routes.view_route"

PLANNER = [VIEW_PLANS, PLAN, PUBLISH, VIEW_FLEET, MANAGE_FLEET, VIEW_OWN_ROUTE]
VIEWER = [VIEW_PLANS, VIEW_FLEET, VIEW_OWN_ROUTE]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: PLANNER,
    Role.DISPATCHER: PLANNER,
    Role.DIRECTOR: VIEWER,
    Role.HEAD_OF_SALES: VIEWER,
    Role.DRIVER: [VIEW_OWN_ROUTE],
}
