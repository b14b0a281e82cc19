"""Access rows for the documents pages (billing.views_documents).

Accountants, admins and managers create, issue, void and e-mail documents; directors and heads
of sales read them (list, page, PDF, .xlsx, the package download). Operators, dispatchers,
drivers, storekeepers and lab technicians are refused. The records belong to the manager's own
client, so the manager is allowed here; another manager's client's documents answer 404
(tests/billing/test_document_pages.py)."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule

WRITERS = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.MANAGER})
READERS = WRITERS | {Role.DIRECTOR, Role.HEAD_OF_SALES}


def extend_ctx(ctx: Any) -> None:
    from tests.billing.core_factories import (
        make_billing_client,
        make_invoice,
        make_organisation,
    )

    organisation = make_organisation(ctx.branch)
    ctx.docs_client = make_billing_client(
        ctx.branch, name="Клиент документов", manager=ctx.users["manager"]
    )
    ctx.docs_invoice = make_invoice(ctx.docs_client, organisation=organisation)
    ctx.docs_draft = make_invoice(ctx.docs_client, organisation=organisation, issue=False)


def _invoice(ctx: Any) -> dict:
    return {"pk": ctx.docs_invoice.pk}


def _draft(ctx: Any) -> dict:
    return {"pk": ctx.docs_draft.pk}


def _client(ctx: Any) -> dict:
    return {"client_pk": ctx.docs_client.pk}


ROWS: dict[str, Rule] = {
    "billing:document-list": Rule(READERS),
    "billing:document-export": Rule(READERS),
    "billing:document-detail": Rule(READERS, kwargs=_invoice),
    "billing:document-edit": Rule(WRITERS, kwargs=_draft),
    "billing:document-issue": Rule(WRITERS, method="post", kwargs=_draft),
    "billing:document-void": Rule(WRITERS, kwargs=_invoice),
    "billing:document-derive": Rule(
        WRITERS, method="post", kwargs=lambda ctx: {"pk": ctx.docs_invoice.pk, "kind": "act"}
    ),
    "billing:document-pdf": Rule(READERS, kwargs=_invoice),
    "billing:document-xlsx": Rule(READERS, kwargs=_invoice),
    "billing:document-email": Rule(WRITERS, kwargs=_invoice),
    "billing:document-create": Rule(WRITERS, kwargs=_client),
    "billing:document-from-orders": Rule(WRITERS, kwargs=_client),
    "billing:document-from-contract": Rule(WRITERS, kwargs=_client),
    "billing:client-package": Rule(READERS, kwargs=_client),
    "billing:client-package-email": Rule(
        WRITERS,
        method="post",
        kwargs=_client,
        data=lambda ctx: {
            "invoice": ctx.docs_invoice.pk,
            "format": "pdf",
            "to": "buh@example.com",
        },
    ),
}
