"""Reads: the client list with search, and what the card shows."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import CharField, F, Lookup, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

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


class _EqualsAny(Lookup):
    """``lhs = ANY(rhs)`` with an array expression on the right (used as a filter expression)."""

    lookup_name = "equals_any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def _client_ids_in(related: QuerySet) -> Q:
    """``pk`` among the ``client_id`` values of ``related``.

    On Postgres this is ``id = ANY(ARRAY(SELECT client_id ...))``: the subquery runs once as an
    init plan through its own trigram index, and the planner can OR the resulting id list with the
    name's trigram index (a BitmapOr) and estimate it properly. A plain ``id IN (SELECT ...)``
    ORed with the name match became a "hashed SubPlan" filter with a 50 % selectivity guess, so
    every search walked the whole branch (150 ms for a term that matches nothing at 100 000
    clients; < 1 ms now). SQLite (the embedded demo) keeps ``IN``."""
    ids = related.order_by().values("client_id")
    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    from django.contrib.postgres.expressions import ArraySubquery

    return Q(_EqualsAny(F("pk"), ArraySubquery(ids)))


def client_search(qs: QuerySet[Client], query: str) -> QuerySet[Client]:
    """Name, e-mail, INN (substring, case-insensitive) or a phone typed any way: its digits are
    matched as a fragment of the stored digits of the client's and contacts' phones.

    Each related table is searched in its own subquery (see ``_client_ids_in``) rather than one OR
    across joins, which needed a DISTINCT over every joined row (316 → 207 ms at 100 000 clients
    for a common surname; a UNION of the id sets measured slower for very common terms)."""
    query = (query or "").strip()[:100]
    if not query:
        return qs
    condition = Q(name__icontains=query) | _client_ids_in(
        ClientEmail.objects.filter(email__icontains=query)
    )
    digits = phone_digits(query)
    if digits and len(digits) >= 3 and len(digits) * 2 >= len(query.replace(" ", "")):
        fragments = [digits, "7" + digits] if len(digits) == 10 else [digits]
        for fragment in fragments:  # a 10-digit number was typed without the country code
            phones = ClientPhone.objects.filter(digits__icontains=fragment)
            contacts = ContactPerson.objects.filter(phone_digits__icontains=fragment)
            condition |= _client_ids_in(phones) | _client_ids_in(contacts)
    if (
        query.isdigit()
    ):  # UPPER(inn) LIKE '…%': the trigram index serves it, so the OR stays indexed
        condition |= Q(inn__istartswith=query)
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


#: Up to this many matches a name-sorted search sorts the matches themselves (found through the
#: trigram indexes); beyond it, walking the name index until a page is full is cheaper.
SORT_MATCHES_UP_TO = 5000


def client_search_ordered(qs: QuerySet[Client], *, query: str, sort: str) -> QuerySet[Client]:
    """The same rows in the same order, with the plan chosen by how many rows match.

    Sorted by name, a search let Postgres walk the (branch, is_archived, name) index and test each
    client until 25 matched. Fast when matches are spread through the alphabet, slow when they
    cluster: every "Иванов" sits under "И", so 28 000 clients were tested first (60–160 ms). With
    a bounded number of matches, sorting them is cheap (4 600 matches: 26 ms), so the sort key
    becomes ``name || ''`` — same order, but no index provides it and the planner collects
    the matches through the trigram indexes instead. One ``LIMIT 1`` probe decides
    (``OFFSET SORT_MATCHES_UP_TO``), unordered, so it stops early for very common terms."""
    query = (query or "").strip()
    if not query or sort not in ("name", "-name") or connection.vendor != "postgresql":
        return qs
    if qs.order_by()[SORT_MATCHES_UP_TO : SORT_MATCHES_UP_TO + 1].exists():
        return qs
    key = Concat("name", Value(""), output_field=CharField())
    if sort == "name":
        return qs.order_by(key.asc(), "pk")
    return qs.order_by(key.desc(), "-pk")


def client_card(*, user: Any, branch: Any) -> QuerySet[Client]:
    return (
        clients_for(user, branch)
        .select_related("manager", "branch", "merged_into")
        .prefetch_related("phones", "emails", "contacts", "addresses", "tags")
    )


def saved_filters_for(user: Any) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user)
