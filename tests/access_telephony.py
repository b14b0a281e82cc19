"""Access rows for the telephony pages (crm.telephony.views).

Only admins keep the operators' extensions. An incoming call's pop-up belongs to the operator it
was pushed to; for a known caller, everyone who may open the client's card sees it too (a manager
only their own clients'); everyone else gets 404. Creating a client from an unknown caller's
pop-up is its operator's alone."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import ADMIN, HIDDEN, Rule

CLIENT_VIEWERS = frozenset(
    {
        Role.ADMIN,
        Role.DIRECTOR,
        Role.HEAD_OF_SALES,
        Role.MANAGER,
        Role.OPERATOR,
        Role.ACCOUNTANT,
        Role.DISPATCHER,
    }
)


def extend_ctx(ctx: Any) -> None:
    from crm.telephony.services import handle_call_event
    from tests.clients.factories import make_client
    from tests.telephony.factories import make_extension

    operator = ctx.users["operator"]
    make_client(
        branch=ctx.branch, name="Звонящий", phones=["+79110001122"], manager=ctx.users["manager"]
    )
    ctx.tel_extension = make_extension(operator, "101")

    def ring(call_id: str, caller: str) -> Any:
        return handle_call_event(
            branch=ctx.branch, event="incoming", call_id=call_id, caller=caller, called="101"
        )

    ctx.tel_known_call = ring("access-known", "+79110001122")
    ctx.tel_unknown_call = ring("access-unknown", "+79110009999")


ROWS: dict[str, Rule] = {
    "telephony:extension-list": Rule(ADMIN),
    "telephony:extension-delete": Rule(
        ADMIN, method="post", kwargs=lambda ctx: {"pk": ctx.tel_extension.pk}
    ),
    "telephony:call-popup": Rule(
        CLIENT_VIEWERS, denied=HIDDEN, kwargs=lambda ctx: {"pk": ctx.tel_known_call.pk}
    ),
    "telephony:call-client-create": Rule(
        frozenset({Role.OPERATOR}),
        denied=HIDDEN,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.tel_unknown_call.pk},
        data=lambda ctx: {"name": "Новый из звонка"},
    ),
}
