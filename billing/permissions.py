"""Object-level rules for billing: a document, contract or payment is visible to whoever may see
its client (``clients.permissions.clients_for``: managers see their own clients, others the
branch) and holds the role permission from ``billing.roles``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from billing.models import Contract, Document, Payment
from billing.roles import (
    ADD_PAYMENT,
    ISSUE_DOCUMENT,
    MANAGE_CONTRACTS,
    VIEW_CONTRACTS,
    VIEW_DOCUMENTS,
    VIEW_PAYMENTS,
)
from clients.permissions import clients_for


def documents_for(user: Any, branch: Any | None = None) -> QuerySet[Document]:
    if not user.has_perm(VIEW_DOCUMENTS):
        return Document.objects.none()
    return Document.objects.filter(client__in=clients_for(user, branch))


def payments_for(user: Any, branch: Any | None = None) -> QuerySet[Payment]:
    if not user.has_perm(VIEW_PAYMENTS):
        return Payment.objects.none()
    return Payment.objects.filter(client__in=clients_for(user, branch))


def contracts_for(user: Any, branch: Any | None = None) -> QuerySet[Contract]:
    if not user.has_perm(VIEW_CONTRACTS):
        return Contract.objects.none()
    return Contract.objects.filter(client__in=clients_for(user, branch))


def can_issue(user: Any, document: Document) -> bool:
    return user.has_perm(ISSUE_DOCUMENT) and documents_for(user).filter(pk=document.pk).exists()


def can_take_payment(user: Any, client: Any) -> bool:
    return user.has_perm(ADD_PAYMENT) and clients_for(user).filter(pk=client.pk).exists()


def can_manage_contract(user: Any, client: Any) -> bool:
    return user.has_perm(MANAGE_CONTRACTS) and clients_for(user).filter(pk=client.pk).exists()
