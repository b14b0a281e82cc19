"""Access rows for bulk invoicing (billing.views_bulk).

Accountants and admins run bulk invoicing (``RUN_BULK``); everyone else is refused. A run's PDF
needs ``VIEW_DOCUMENTS`` and the invoice's client in scope: a manager who does not manage the
client gets 404, roles without the permission 403."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.roles import Role
from tests.access import HIDDEN, Rule

RUNNERS = frozenset({Role.ADMIN, Role.ACCOUNTANT})
DOCUMENT_READERS = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.DIRECTOR, Role.HEAD_OF_SALES})


def extend_ctx(ctx: Any) -> None:
    from billing.models import BulkRun
    from tests.billing.bulk_factories import make_contract
    from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

    organisation = make_organisation(ctx.branch)
    client = make_billing_client(ctx.branch, name="Клиент массового выставления")
    make_contract(client, organisation)
    ctx.bulk_run = BulkRun.objects.create(
        branch=ctx.branch,
        organisation=organisation,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        status=BulkRun.Status.DONE,
    )
    ctx.bulk_invoice = make_invoice(client, organisation=organisation)
    ctx.bulk_invoice.bulk_run = ctx.bulk_run
    ctx.bulk_invoice.save(update_fields=["bulk_run"])


def _month(ctx: Any) -> dict:
    return {"month": "2026-11", "branch": ctx.branch.pk}


ROWS: dict[str, Rule] = {
    "billing:bulk-home": Rule(RUNNERS),
    "billing:bulk-preview": Rule(RUNNERS, data=_month),
    "billing:bulk-start": Rule(RUNNERS, method="post", data=_month),
    "billing:bulk-run": Rule(RUNNERS, kwargs=lambda ctx: {"pk": ctx.bulk_run.pk}),
    "billing:bulk-document-pdf": Rule(
        DOCUMENT_READERS,
        kwargs=lambda ctx: {"pk": ctx.bulk_run.pk, "document_pk": ctx.bulk_invoice.pk},
        overrides={Role.MANAGER: HIDDEN},
    ),
}
