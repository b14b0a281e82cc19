"""Access rows for the dispatcher's live board (routes.views_board).

Everyone who sees the plans (dispatchers, admins, directors, heads of sales) watches the board
and reads the messages; only planners (dispatchers, admins) open the action forms. The records
come from tests/access_routes.py (loaded first): its published plan is tomorrow's, so the rows
that need a published day ask for that date."""

from __future__ import annotations

from typing import Any

from tests.access import Rule
from tests.access_routes import PLANNERS, VIEWERS
from tests.routes.factories import make_stop_order


def extend_ctx(ctx: Any) -> None:
    from tests.clients.factories import make_client

    plan = ctx.published_plan
    ctx.board_stop = ctx.published_route.stops.first()
    client = make_client(branch=ctx.branch, name="Срочный клиент доски")
    ctx.urgent_order = make_stop_order(client, point=("59.95", "30.34"), date=plan.date)


def _date(ctx: Any) -> dict:
    return {"date": ctx.published_plan.date.isoformat()}


def _route(ctx: Any) -> dict:
    return {"pk": ctx.published_route.pk}


ROWS: dict[str, Rule] = {
    "routes:board": Rule(VIEWERS, data=_date),
    "routes:board-live": Rule(VIEWERS, data=_date),
    "routes:board-route": Rule(VIEWERS, kwargs=_route),
    "routes:board-messages": Rule(VIEWERS, kwargs=_route),
    "routes:board-driver": Rule(PLANNERS, kwargs=_route),
    "routes:board-stop-move": Rule(PLANNERS, kwargs=lambda ctx: {"pk": ctx.board_stop.pk}),
    "routes:board-urgent": Rule(PLANNERS, data=_date),
    "routes:board-urgent-order": Rule(
        PLANNERS, kwargs=lambda ctx: {"order_pk": ctx.urgent_order.pk}, data=_date
    ),
}
