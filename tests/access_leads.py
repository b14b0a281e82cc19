"""Access rows for the leads app: managers see only their own leads and tasks (404 for another
manager's), head of sales, director and admin see the whole branch; other roles see no leads."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import HIDDEN, Rule

SALES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER})
ALL_SEEING = SALES - {Role.MANAGER}
PLANNERS = ALL_SEEING
DIRECTORY_EDITORS = frozenset({Role.ADMIN, Role.HEAD_OF_SALES})
ADMIN_ONLY = frozenset({Role.ADMIN})


def extend_ctx(ctx: Any) -> None:
    from tests.leads.factories import make_lead, make_pipeline, make_reason, make_source, make_task

    manager = ctx.users["manager"]
    ctx.pipeline = make_pipeline(ctx.branch)
    ctx.source = make_source(ctx.branch)
    ctx.reason = make_reason(ctx.branch)
    ctx.stage = ctx.pipeline.stages.filter(kind="open")[1]
    ctx.own_lead = make_lead(manager, ctx.pipeline, contact_name="Свой лид")
    ctx.foreign_lead = make_lead(ctx.colleague, ctx.pipeline, contact_name="Чужой лид")
    ctx.closed_lead = make_lead(manager, ctx.pipeline, contact_name="Закрытый")
    from crm.leads.services import lead_lose

    lead_lose(actor=manager, lead=ctx.closed_lead, reason=ctx.reason)
    ctx.own_task = make_task(manager)
    from crm.leads.models import Stage

    ctx.spare_stage = Stage.objects.create(
        pipeline=ctx.pipeline, name="Лишний", kind="open", position=99
    )


def _own(ctx: Any) -> dict:
    return {"pk": ctx.own_lead.pk}


def _foreign(ctx: Any) -> dict:
    return {"pk": ctx.foreign_lead.pk}


MANAGER_HIDDEN = {Role.MANAGER: HIDDEN}

ROWS: dict[str, Rule] = {
    "leads:board": Rule(SALES),
    "leads:table": Rule(SALES),
    "leads:archive": Rule(SALES),
    "leads:dashboard": Rule(SALES),
    "leads:dynamics-data": Rule(SALES),
    "leads:sales-plan": Rule(PLANNERS),
    "leads:lead-create": Rule(SALES),
    "leads:lead-duplicates": Rule(SALES, data=lambda ctx: {"phone": "+79110000001"}),
    "leads:lead-detail": Rule(SALES, kwargs=_own),
    "leads:lead-edit": Rule(ALL_SEEING, kwargs=_foreign, overrides=MANAGER_HIDDEN),
    "leads:lead-move": Rule(
        ALL_SEEING,
        method="post",
        kwargs=_foreign,
        data=lambda ctx: {"stage": ctx.stage.pk},
        overrides=MANAGER_HIDDEN,
    ),
    "leads:lead-win": Rule(ALL_SEEING, method="post", kwargs=_foreign, overrides=MANAGER_HIDDEN),
    "leads:lead-lose": Rule(ALL_SEEING, kwargs=_foreign, overrides=MANAGER_HIDDEN),
    "leads:lead-reopen": Rule(SALES, method="post", kwargs=lambda ctx: {"pk": ctx.closed_lead.pk}),
    "leads:task-list": Rule(SALES),
    "leads:task-create": Rule(SALES),
    "leads:task-done": Rule(
        SALES,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.own_task.pk},
    ),
    "leads:pipeline-list": Rule(ADMIN_ONLY),
    "leads:pipeline-detail": Rule(ADMIN_ONLY, kwargs=lambda ctx: {"pk": ctx.pipeline.pk}),
    "leads:stage-reorder": Rule(
        ADMIN_ONLY, method="post", kwargs=lambda ctx: {"pk": ctx.pipeline.pk}
    ),
    "leads:stage-edit": Rule(
        ADMIN_ONLY,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.stage.pk},
        data=lambda ctx: {"name": "Квалификация", "kind": "open", "color": "#8250df"},
    ),
    "leads:stage-delete": Rule(
        ADMIN_ONLY,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.spare_stage.pk},
        data=lambda ctx: {"move_to": ctx.stage.pk},
    ),
    "leads:directories": Rule(DIRECTORY_EDITORS),
    "leads:directory-toggle": Rule(
        DIRECTORY_EDITORS,
        method="post",
        kwargs=lambda ctx: {"kind": "source", "pk": ctx.source.pk},
    ),
}
