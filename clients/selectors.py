"""Reads: the client list with search, and what the card shows."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from clients.models import (
    Client,
    ClientAddress,
    ClientEmail,
    ClientPhone,
    ContactPerson,
    SavedFilter,
)
from clients.permissions import clients_for
from crm.core.phones import phone_digits

SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "balance": ("balance", "pk"),
    "-balance": ("-balance", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "last_order": ("last_order_at", "pk"),
    "-last_order": ("-last_order_at", "-pk"),
}


def client_search(qs: QuerySet[Client], query: str) -> QuerySet[Client]:
    """Name, e-mail, INN (substring, case-insensitive) or a phone typed any way: its digits are
    matched as a fragment of the stored digits of the client's and contacts' phones.

    Each related table is searched in its own subquery (``pk IN (...) OR pk IN (...)``) rather
    than one OR across joins, which needed a DISTINCT over every joined row (316 → 207 ms at
    100 000 clients for a common surname; a UNION of the id sets measured slower still)."""
    query = (query or "").strip()[:100]
    if not query:
        return qs
    condition = Q(name__icontains=query) | Q(
        pk__in=ClientEmail.objects.filter(email__icontains=query).values("client_id")
    )
    digits = phone_digits(query)
    if digits and len(digits) >= 3 and len(digits) * 2 >= len(query.replace(" ", "")):
        fragments = [digits, "7" + digits] if len(digits) == 10 else [digits]
        for fragment in fragments:  # a 10-digit number was typed without the country code
            phones = ClientPhone.objects.filter(digits__icontains=fragment)
            contacts = ContactPerson.objects.filter(phone_digits__icontains=fragment)
            condition |= Q(pk__in=phones.values("client_id")) | Q(
                pk__in=contacts.values("client_id")
            )
    if query.isdigit():
        condition |= Q(inn__startswith=query)
    return qs.filter(condition)


def client_list(*, user: Any, branch: Any, query: str = "", sort: str = "name") -> QuerySet[Client]:
    qs = clients_for(user, branch)
    qs = client_search(qs, query)
    return (
        qs.select_related("manager")
        .prefetch_related(
            "phones",
            "tags",
            Prefetch(
                "addresses",
                queryset=ClientAddress.objects.order_by("-is_primary", "position", "id"),
            ),
        )
        .order_by(*SORTS.get(sort, SORTS["name"]))
    )


def client_card(*, user: Any, branch: Any) -> QuerySet[Client]:
    return (
        clients_for(user, branch)
        .select_related("manager", "branch", "merged_into")
        .prefetch_related("phones", "emails", "contacts", "addresses", "tags")
    )


def saved_filters_for(user: Any) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user)
