"""Access rows for the working day (crm.accounts.views_workday) and fair distribution
(crm.leads.views_distribution).

Managers and heads of sales keep a working day (the header widget and its page, the buttons);
staff viewers (admin, director, head of sales) see who is working. The fairness page is for the
head of sales, director and admin; the rules for the head of sales and admin. Another branch's
pipeline answers 404 (tests/leads/test_distribution_pages.py)."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import STAFF_VIEWERS, Rule

WORKDAY = frozenset({Role.MANAGER, Role.HEAD_OF_SALES})
WATCHERS = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES})
CONFIGURERS = frozenset({Role.ADMIN, Role.HEAD_OF_SALES})


def extend_ctx(ctx: Any) -> None:
    from tests.leads.factories import make_pipeline

    ctx.dist_pipeline = make_pipeline(ctx.branch, name="Распределение")


ROWS: dict[str, Rule] = {
    "accounts:workday": Rule(WORKDAY),
    "accounts:workday-board": Rule(STAFF_VIEWERS),
    "accounts:workday-action": Rule(WORKDAY, method="post", kwargs=lambda ctx: {"action": "start"}),
    "leads:distribution-fairness": Rule(WATCHERS),
    "leads:distribution-rules": Rule(CONFIGURERS),
    "leads:distribution-rule-edit": Rule(
        CONFIGURERS, kwargs=lambda ctx: {"pk": ctx.dist_pipeline.pk}
    ),
}
