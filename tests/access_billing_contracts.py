"""Access rows for the contract pages (billing.views_contracts).

Contracts are read by admins, accountants, directors, heads of sales and managers — managers
only for their own clients: another manager's client's contract answers 404 (the detail and PDF
rows use a colleague's client's contract). Admins, accountants and managers draft and change
contracts; admins and directors allow work without a valid contract; admins and accountants
keep the directories (contract types, clause templates, our organisations)."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.roles import Role
from tests.access import HIDDEN, Rule

READERS = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER})
WRITERS = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.MANAGER})
OVERRIDERS = frozenset({Role.ADMIN, Role.DIRECTOR})
KEEPERS = frozenset({Role.ADMIN, Role.ACCOUNTANT})
NOT_THE_MANAGER = {Role.MANAGER: HIDDEN}


def extend_ctx(ctx: Any) -> None:
    from billing.models import ClauseTemplate, ContractType, Organisation
    from tests.billing.contract_factories import make_contract
    from tests.clients.factories import make_client

    own = make_client(branch=ctx.branch, manager=ctx.users["manager"], name="Клиент с договором")
    foreign = make_client(branch=ctx.branch, manager=ctx.colleague, name="Чужой с договором")
    ctx.bc_client = own
    ctx.bc_contract = make_contract(own, active=False)
    ctx.bc_foreign_contract = make_contract(foreign)
    ctx.bc_type = ContractType.objects.first()
    ctx.bc_clause = ClauseTemplate.objects.first()
    ctx.bc_org = Organisation.objects.first()


def _own(ctx: Any) -> dict:
    return {"pk": ctx.bc_contract.pk}


def _foreign(ctx: Any) -> dict:
    return {"pk": ctx.bc_foreign_contract.pk}


def _client(ctx: Any) -> dict:
    return {"client_pk": ctx.bc_client.pk}


ROWS: dict[str, Rule] = {
    "billing:contract-list": Rule(READERS),
    "billing:contract-detail": Rule(READERS, kwargs=_foreign, overrides=NOT_THE_MANAGER),
    "billing:contract-pdf": Rule(READERS, kwargs=_foreign, overrides=NOT_THE_MANAGER),
    "billing:contract-create": Rule(WRITERS, kwargs=_client),
    "billing:contract-edit": Rule(WRITERS, kwargs=_own),
    "billing:contract-text": Rule(WRITERS, kwargs=_own),
    "billing:contract-reassemble": Rule(WRITERS, method="post", kwargs=_own),
    "billing:contract-activate": Rule(WRITERS, method="post", kwargs=_own),
    "billing:contract-terminate": Rule(
        WRITERS, method="post", kwargs=_own, data=lambda ctx: {"reason": "Проверка доступа"}
    ),
    "billing:agreement-create": Rule(WRITERS, kwargs=_own),
    "billing:contract-override": Rule(
        OVERRIDERS,
        method="post",
        kwargs=_client,
        data=lambda ctx: {
            "valid_until": (datetime.date.today() + datetime.timedelta(days=3)).isoformat(),
            "reason": "Проверка доступа",
        },
    ),
    "billing:contract-type-list": Rule(KEEPERS),
    "billing:contract-type-edit": Rule(KEEPERS, kwargs=lambda ctx: {"pk": ctx.bc_type.pk}),
    "billing:clause-list": Rule(KEEPERS),
    "billing:clause-create": Rule(KEEPERS),
    "billing:clause-edit": Rule(KEEPERS, kwargs=lambda ctx: {"pk": ctx.bc_clause.pk}),
    "billing:organisation-list": Rule(KEEPERS),
    "billing:organisation-create": Rule(KEEPERS),
    "billing:organisation-edit": Rule(KEEPERS, kwargs=lambda ctx: {"pk": ctx.bc_org.pk}),
}
