"""Live updates of routes on the road.

Two kinds of groups: ``routes.branch.<branch id>`` (the dispatcher's board: every route of the
branch) and ``routes.route.<route id>`` (one route: its driver's tablet and whoever watches it).
Events carry ids only; pages re-fetch what they show through the normal, permission-checked
views. Event types:

- ``route.stop``     a stop changed state (arrived / done / failed) — ``route``, ``stop``, ``state``
- ``route.changed``  the route changed (break, driver, totals) — ``route``, ``what``
- ``route.sequence`` stops were added, removed or reordered — ``route``, ``version``, ``what``
- ``route.position`` a new GPS fix — ``route``, ``lat``, ``lon``, ``at``
- ``route.message``  a message to or from the driver, or one was read — ``route``, ``message``
"""

from __future__ import annotations

from typing import Any

from crm.core.realtime import publish_on_commit

BRANCH_PREFIX = "routes.branch"
ROUTE_PREFIX = "routes.route"


def board_group(branch_id: int) -> str:
    return f"{BRANCH_PREFIX}.{branch_id}"


def route_group(route_id: int) -> str:
    return f"{ROUTE_PREFIX}.{route_id}"


def publish_route_event(route: Any, event_type: str, **fields: Any) -> None:
    """Tell the board of the route's branch and the route's own group, after commit."""
    event = {"type": event_type, "route": route.pk, **fields}
    publish_on_commit(board_group(route.plan.branch_id), event)
    publish_on_commit(route_group(route.pk), event)


def can_join_board(user: Any, key: str) -> bool:
    """Planners and viewers of the branch's plans (a driver never joins the board)."""
    from routes.roles import VIEW_PLANS

    if not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW_PLANS):
        return False
    branch_id = int(key)
    return bool(user.can_switch_branch or user.branch_id == branch_id)


def can_join_route(user: Any, key: str) -> bool:
    """The same rule as opening the route (``routes_for``): a driver joins only his own
    published route; planners any route of a branch they may work in."""
    from routes.models import Route
    from routes.permissions import routes_for

    if not getattr(user, "is_authenticated", False):
        return False
    route = Route.objects.filter(pk=int(key)).select_related("plan").first()
    if route is None:
        return False
    if not (user.can_switch_branch or user.branch_id == route.plan.branch_id):
        return False
    return routes_for(user, route.plan.branch).filter(pk=route.pk).exists()
