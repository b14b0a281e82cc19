"""Contracts built through billing.services.contracts for the contract tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from billing.models import ClauseTemplate, Contract, ContractType, Organisation
from billing.services.contracts import contract_activate, contract_create
from tests.billing.core_factories import make_organisation

ALL_PLACEHOLDERS_BODY = (
    "Заказчик {client.name}, ИНН {client.inn}, КПП {client.kpp}, адрес {client.legal_address}, "
    "банк {client.bank_name}, БИК {client.bik}, р/с {client.bank_account}. "
    "Исполнитель {organisation.name}, ИНН {organisation.inn}, директор "
    "{organisation.director_name}. Договор № {contract.number} с {contract.starts_on} по "
    "{contract.ends_on}, оплата в течение {contract.payment_days} дней, кредитный лимит "
    "{contract.credit_limit}. Составлен {today}.\nТарифы:\n{tariffs}"
)


def make_contract_type(name: str = "Аренда ковров") -> ContractType:
    contract_type = ContractType.objects.create(name=name, default_payment_days=7)
    ClauseTemplate.objects.create(
        contract_type=contract_type,
        number="1",
        title="Предмет договора",
        body="Исполнитель {organisation.name} оказывает услуги Заказчику {client.name}.",
        position=10,
    )
    ClauseTemplate.objects.create(
        contract_type=contract_type,
        number="2",
        title="Цены",
        body="Стоимость услуг:\n{tariffs}",
        position=20,
    )
    ClauseTemplate.objects.create(
        contract_type=None,
        number="9",
        title="Срок действия",
        body="Договор действует с {contract.starts_on} по {contract.ends_on}.",
        position=90,
    )
    return contract_type


def make_contract(
    client: Any,
    *,
    actor: Any = None,
    organisation: Any = None,
    contract_type: ContractType | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    active: bool = True,
    tariffs: list[dict[str, Any]] | None = None,
) -> Contract:
    contract_type = contract_type or ContractType.objects.first() or make_contract_type()
    organisation = organisation or Organisation.objects.first() or make_organisation(client.branch)
    starts_on = starts_on or datetime.date.today() - datetime.timedelta(days=30)
    contract = contract_create(
        actor=actor,
        client=client,
        organisation=organisation,
        contract_type=contract_type,
        clauses=ClauseTemplate.objects.filter(is_active=True),
        terms={
            "starts_on": starts_on,
            "ends_on": ends_on,
            "payment_days": 7,
            "credit_limit": Decimal("5000.00"),
        },
        tariffs=tariffs
        if tariffs is not None
        else [
            {
                "name": "Аренда ковра 115×200",
                "unit": "mat",
                "quantity": Decimal("4"),
                "price": Decimal("450.00"),
                "vat_rate": "20",
            },
        ],
    )
    if active:
        contract = contract_activate(actor=actor, contract=contract)
    return contract
