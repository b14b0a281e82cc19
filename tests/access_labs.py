"""Access rows for the lab (labs.urls).

Everyone who sees lab requests (admin, director, head of sales, manager, lab technician) opens
the list and the ctx request (it belongs to the matrix's manager's client; another manager's
request answers 404: tests/labs/test_pages.py). Only the lab (and admins) open the cabinet;
admins, directors and heads of sales the control view; admins and directors the norms. Roles
without lab permissions are refused everywhere. The edit, answer and ship pages send whoever may
not use them now back to the request (a redirect); a status move a role may not make is a 403
(withdrawing a draft: manager, director, admin — who are refused for the missing reason, so
nothing changes)."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import DENIED, Rule

SEE = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER, Role.LAB_TECHNICIAN})
ADD = frozenset({Role.ADMIN, Role.DIRECTOR, Role.MANAGER})
WORK = frozenset({Role.ADMIN, Role.LAB_TECHNICIAN})
CONTROL = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES})
NORMS = frozenset({Role.ADMIN, Role.DIRECTOR})


def extend_ctx(ctx: Any) -> None:
    from tests.labs.factories import make_lab_client, make_request

    manager = ctx.users["manager"]
    ctx.lab_client = make_lab_client(ctx.branch, manager, name="Химпром (доступ)")
    ctx.lab_request = make_request(ctx.lab_client, actor=manager)


def _request(ctx: Any) -> dict:
    return {"pk": ctx.lab_request.pk}


ROWS: dict[str, Rule] = {
    "labs:request-list": Rule(SEE),
    "labs:cabinet": Rule(WORK),
    "labs:control": Rule(CONTROL),
    "labs:norms": Rule(NORMS),
    "labs:request-create": Rule(ADD, data=lambda ctx: {"client": ctx.lab_client.pk}),
    "labs:request-detail": Rule(SEE, kwargs=_request),
    "labs:request-edit": Rule(SEE, kwargs=_request),
    "labs:request-result": Rule(SEE, kwargs=_request),
    "labs:request-ship": Rule(SEE, kwargs=_request),
    "labs:request-move": Rule(
        SEE,
        method="post",
        kwargs=_request,
        data=lambda ctx: {"target": "rejected"},
        overrides={Role.HEAD_OF_SALES: DENIED, Role.LAB_TECHNICIAN: DENIED},
    ),
}
