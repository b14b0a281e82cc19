"""Access rows for recurring schedules: operators, heads of sales and admins see and change every
schedule of the branch; directors only see them; managers see and change the schedules of their
own clients (another manager's is a 404); dispatchers, drivers and the rest see none."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.accounts.roles import Role
from tests.access import HIDDEN, Rule

VIEWERS = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER, Role.OPERATOR})
CHANGERS = VIEWERS - {Role.DIRECTOR}
MANAGER_HIDDEN = {Role.MANAGER: HIDDEN}


def extend_ctx(ctx: Any) -> None:
    from crm.orders.services.orders import branch_today
    from crm.orders.services.schedules import schedule_create
    from tests.clients.factories import make_client
    from tests.orders.factories import make_product

    today = branch_today(ctx.branch)
    ctx.schedule_day = today + datetime.timedelta(days=3)
    product = make_product()
    ctx.schedule_client = make_client(
        branch=ctx.branch, manager=ctx.colleague, addresses=[{"address": "Литейный, 1"}]
    )
    ctx.foreign_schedule = schedule_create(
        actor=None,
        client=ctx.schedule_client,
        data={"rule": "weekly", "weekdays": [ctx.schedule_day.weekday()], "start_date": today},
        items=[{"product": product, "quantity": Decimal("1")}],
    )


def _foreign(ctx: Any) -> dict:
    return {"pk": ctx.foreign_schedule.pk}


def _day(ctx: Any, days: int = 0) -> str:
    return (ctx.schedule_day + datetime.timedelta(days=days)).isoformat()


def _post(**kwargs: Any) -> Rule:
    return Rule(CHANGERS, method="post", kwargs=_foreign, overrides=MANAGER_HIDDEN, **kwargs)


ROWS: dict[str, Rule] = {
    "orders:schedule-list": Rule(VIEWERS),
    "orders:schedule-create": Rule(
        CHANGERS, data=lambda ctx: {"client": ctx.schedule_client.pk}, overrides=MANAGER_HIDDEN
    ),
    "orders:schedule-detail": Rule(VIEWERS, kwargs=_foreign, overrides=MANAGER_HIDDEN),
    "orders:schedule-edit": Rule(CHANGERS, kwargs=_foreign, overrides=MANAGER_HIDDEN),
    "orders:schedule-pause": _post(
        data=lambda ctx: {"date_from": _day(ctx, 10), "date_to": _day(ctx, 12), "reason": "x"}
    ),
    "orders:schedule-skip": _post(data=lambda ctx: {"occurrence": _day(ctx)}),
    "orders:schedule-move": _post(
        data=lambda ctx: {"occurrence": _day(ctx), "new_date": _day(ctx, 1)}
    ),
    "orders:schedule-toggle": _post(),
}
