"""Access rows for the debtors page and the dunning ladder (billing.views_debts).

Those who see receivables (admin, accountant, director, head of sales, manager) open the
debtors page, a debtor and the export, and work the debts (promise to pay, reminders on/off,
lifting a stop); the ctx debtor belongs to the manager of the matrix, so he sees it too (another
manager's debtor answers 404: tests/billing/test_debtors_pages.py). Only admins and accountants
edit the dunning ladder. Everyone else is refused."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule

DEBTS = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER})
LADDER = frozenset({Role.ADMIN, Role.ACCOUNTANT})


def extend_ctx(ctx: Any) -> None:
    from billing.services.dunning import install_default_ladder
    from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

    install_default_ladder()
    make_organisation(ctx.branch)
    ctx.debtor = make_billing_client(
        ctx.branch, name="Должник (доступ)", manager=ctx.users["manager"]
    )
    past = datetime.date.today() - datetime.timedelta(days=40)
    make_invoice(ctx.debtor, amount="1000.00", date=past, due_date=past)


def _debtor(ctx: Any) -> dict:
    return {"pk": ctx.debtor.pk}


def _step(ctx: Any) -> dict:
    from billing.models import DunningStep

    return {"pk": DunningStep.objects.order_by("pk").values_list("pk", flat=True).first()}


def _promise(ctx: Any) -> dict:
    return {"promised_on": (datetime.date.today() + datetime.timedelta(days=5)).isoformat()}


ROWS: dict[str, Rule] = {
    "billing:debtors": Rule(DEBTS),
    "billing:debtors-xlsx": Rule(DEBTS),
    "billing:debtor-detail": Rule(DEBTS, kwargs=_debtor),
    "billing:debtor-promise": Rule(DEBTS, method="post", kwargs=_debtor, data=_promise),
    "billing:debtor-reminders": Rule(
        DEBTS, method="post", kwargs=_debtor, data=lambda ctx: {"do_not_remind": "on"}
    ),
    "billing:debtor-lift-stop": Rule(
        DEBTS, method="post", kwargs=_debtor, data=lambda ctx: {"reason": "Разрешено"}
    ),
    "billing:dunning-ladder": Rule(LADDER),
    "billing:dunning-step-add": Rule(LADDER),
    "billing:dunning-step-edit": Rule(LADDER, kwargs=_step),
}
