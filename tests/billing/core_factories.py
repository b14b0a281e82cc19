"""Billing objects built through the core services, for every billing test."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from billing.models import DocKind, Document, Organisation
from billing.services.documents import document_create, document_issue
from tests.clients.factories import make_client, valid_inn

_counter = {"n": 0}


def make_organisation(branch: Any = None, **fields: Any) -> Organisation:
    _counter["n"] += 1
    n = _counter["n"]
    fields.setdefault("name", f"ООО «Коло Сервис {n}»")
    fields.setdefault("short_name", f"Коло Сервис {n}")
    fields.setdefault("code", f"org{n}")
    fields.setdefault("inn", valid_inn(500 + n))
    fields.setdefault("kpp", "780101001")
    fields.setdefault("bank_name", "ПАО Сбербанк")
    fields.setdefault("bik", "044030653")
    fields.setdefault("bank_account", "40702810900000000001")
    fields.setdefault("corr_account", "30101810500000000653")
    fields.setdefault("director_name", "Иванов И. И.")
    organisation = Organisation.objects.create(**fields)
    if branch is not None:
        organisation.branches.add(branch)
    return organisation


def make_billing_client(branch: Any, **fields: Any) -> Any:
    _counter["n"] += 1
    fields.setdefault("inn", valid_inn(900 + _counter["n"]))
    return make_client(branch=branch, **fields)


def make_invoice(
    client: Any,
    *,
    amount: Decimal | str = "1000.00",
    issue: bool = True,
    date: datetime.date | None = None,
    due_date: datetime.date | None = None,
    vat_rate: str = "20",
    actor: Any = None,
    organisation: Organisation | None = None,
) -> Document:
    document = document_create(
        actor=actor,
        kind=DocKind.INVOICE,
        client=client,
        organisation=organisation,
        lines=[
            {"name": "Аренда ковров", "quantity": 1, "unit_price": amount, "vat_rate": vat_rate}
        ],
        date=date,
        due_date=due_date,
    )
    return document_issue(actor=actor, document=document) if issue else document
