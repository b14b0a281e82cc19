"""Access rows for payments and balances (billing.views_payments).

Everyone who sees payments (admin, accountant, director, head of sales, manager — a manager only
his own clients', see tests/billing/test_payment_pages.py) reads the list, its .xlsx, a payment
and a client's reconciliation act; only admins and accountants record and allocate payments,
apply a client's balance and import bank statements. A kept statement is its uploader's alone:
another importer gets 404."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import HIDDEN, Rule

READERS = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER})
TAKERS = frozenset({Role.ADMIN, Role.ACCOUNTANT})


def extend_ctx(ctx: Any) -> None:
    from billing.services import statement
    from billing.services.payments import payment_record
    from tests.billing.core_factories import make_billing_client

    ctx.pay_client = make_billing_client(
        ctx.branch, name="Клиент платежей", manager=ctx.users["manager"]
    )
    ctx.pay_payment = payment_record(
        actor=None, client=ctx.pay_client, amount="100.00", method="cash"
    )
    ctx.pay_token = statement.statement_store(
        statement.ParsedStatement(rows=[]), user_id=ctx.users["accountant"].pk
    )


def _client(ctx: Any) -> dict:
    return {"pk": ctx.pay_client.pk}


def _payment(ctx: Any) -> dict:
    return {"pk": ctx.pay_payment.pk}


ROWS: dict[str, Rule] = {
    "billing:payment-list": Rule(READERS),
    "billing:payment-list-xlsx": Rule(READERS),
    "billing:payment-create": Rule(TAKERS),
    "billing:payment-detail": Rule(READERS, kwargs=_payment),
    "billing:payment-allocate": Rule(TAKERS, kwargs=_payment),
    "billing:statement-upload": Rule(TAKERS),
    "billing:statement-review": Rule(
        TAKERS,
        kwargs=lambda ctx: {"token": ctx.pay_token},
        overrides={Role.ADMIN: HIDDEN},
    ),
    "billing:client-apply-balance": Rule(TAKERS, method="post", kwargs=_client),
    "billing:client-ledger-xlsx": Rule(READERS, kwargs=_client),
}
