"""Access rows for staff schedules (crm.accounts.views_schedules).

HR plans the branch (grid cells, applying templates, editing templates, deciding requests);
admins may do everything HR may. Directors, heads of sales and dispatchers see the month grid
and the templates. Everyone has their own calendar. A cell of someone the viewer may not plan
is refused before the person is looked up (403 for non-planners)."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.roles import Role
from tests.access import DENIED, EVERYONE, HIDDEN, Rule

PLANNERS = frozenset({Role.ADMIN, Role.HR})
VIEWERS = PLANNERS | {Role.DIRECTOR, Role.HEAD_OF_SALES, Role.DISPATCHER}
PAY = frozenset({Role.ADMIN, Role.ACCOUNTANT})
ADVANCE_KEY = "9b2f4e0c-1d3a-4c5b-8e6f-7a8b9c0d1e2f"
ASSIGNERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.OPERATOR, Role.HEAD_OF_SALES})
#: roles that see the ctx order (the whole branch's, or their own client's) without assigning
SEE_ORDER = {r: DENIED for r in (Role.DIRECTOR, Role.MANAGER, Role.ACCOUNTANT, Role.STOREKEEPER)}


def extend_ctx(ctx: Any) -> None:
    from crm.accounts.models_schedules import ShiftTemplate, TimeOff

    ctx.shift_template = ShiftTemplate.objects.create(
        branch=ctx.branch, name="2/2 (доступ)", cycle="WWOO"
    )
    from crm.orders.models_workers import WorkerAssignment
    from tests.clients.factories import make_client
    from tests.orders.factories import make_order

    client = make_client(branch=ctx.branch, manager=ctx.users["manager"], name="Клиент бригады")
    ctx.workers_order = make_order(client=client, actor=ctx.users["operator"])
    ctx.assignment = WorkerAssignment.objects.create(
        order=ctx.workers_order, worker=ctx.users["driver"], assigned_by=ctx.users["dispatcher"]
    )
    from billing.models_pay import PayRule

    ctx.pay_rule = PayRule.objects.create(
        branch=ctx.branch, name="Выход", kind="job_fixed", rate=500
    )
    ctx.time_off = TimeOff.objects.create(
        user=ctx.colleague,
        day=datetime.date.today() + datetime.timedelta(days=3),
        kind="day_off",
        status="requested",
    )


def _period(ctx: Any) -> dict:
    today = datetime.date.today()
    return {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}


def _apply(ctx: Any) -> dict:
    today = datetime.date.today()
    return {
        "template": ctx.shift_template.pk,
        "users": [ctx.colleague.pk],
        "start": today.isoformat(),
        "end": (today + datetime.timedelta(days=3)).isoformat(),
    }


ROWS: dict[str, Rule] = {
    "accounts:schedule-grid": Rule(VIEWERS),
    "accounts:schedule-cell": Rule(
        PLANNERS,
        method="post",
        kwargs=lambda ctx: {"user_pk": ctx.colleague.pk, "day": datetime.date.today().isoformat()},
        data=lambda ctx: {"action": "sick"},
    ),
    "accounts:schedule-apply": Rule(PLANNERS, method="post", data=_apply),
    "accounts:shift-templates": Rule(VIEWERS),
    "accounts:shift-template-edit": Rule(
        PLANNERS, kwargs=lambda ctx: {"pk": ctx.shift_template.pk}
    ),
    "accounts:my-schedule": Rule(EVERYONE),
    "accounts:time-off-requests": Rule(PLANNERS),
    "orders:skills": Rule(PLANNERS),
    "orders:worker-profile": Rule(PLANNERS, kwargs=lambda ctx: {"pk": ctx.colleague.pk}),
    "orders:my-jobs": Rule(EVERYONE),
    "orders:order-workers": Rule(ASSIGNERS, kwargs=lambda ctx: {"pk": ctx.workers_order.pk}),
    "orders:order-skills": Rule(
        ASSIGNERS, method="post", kwargs=lambda ctx: {"pk": ctx.workers_order.pk}
    ),
    # the worker (the driver) works their own job; assigners any job of the branch
    "orders:assignment-action": Rule(
        ASSIGNERS | {Role.DRIVER},
        denied=HIDDEN,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.assignment.pk, "action": "start"},
        overrides=SEE_ORDER,
    ),
    "orders:assignment-message": Rule(
        ASSIGNERS,
        denied=HIDDEN,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.assignment.pk},
        data=lambda ctx: {"body": "Позвоните клиенту"},
        overrides={**SEE_ORDER, Role.DRIVER: DENIED},
    ),
    "billing:pay": Rule(PAY),
    "billing:pay-xlsx": Rule(PAY),
    "billing:pay-rules": Rule(PAY),
    "billing:pay-rule-edit": Rule(PAY, kwargs=lambda ctx: {"pk": ctx.pay_rule.pk}),
    "billing:my-pay": Rule(EVERYONE),
    "billing:pay-compute": Rule(PAY, method="post", data=_period),
    "billing:payout-create": Rule(
        PAY,
        method="post",
        data=lambda ctx: {
            **_period(ctx),
            "employee": ctx.users["driver"].pk,
            "kind": "advance",
            "amount": "100",
            "key": ADVANCE_KEY,
        },
    ),
    "billing:cash": Rule(PAY),
    "billing:cash-hand-in": Rule(PAY, method="post", data=lambda ctx: {"amount": "1"}),
    "billing:cash-entry": Rule(
        PAY, method="post", data=lambda ctx: {"kind": "other_in", "amount": "100"}
    ),
    "billing:cash-close": Rule(PAY, method="post"),
    "orders:worker-day": Rule(EVERYONE),
    "orders:worker-hours": Rule(EVERYONE),
    "orders:worker-day-email": Rule(
        ASSIGNERS, method="post", data=lambda ctx: {"worker": ctx.users["driver"].pk}
    ),
    "accounts:time-off-decide": Rule(
        PLANNERS,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.time_off.pk, "decision": "approve"},
    ),
}
