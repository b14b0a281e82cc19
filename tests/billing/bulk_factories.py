"""Contracts with monthly tariffs for the PDF and bulk-invoicing tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from billing.models import BillingPeriod, Contract, ContractStatus, ContractTariff, Organisation


def make_contract(
    client: Any,
    organisation: Organisation,
    *,
    price: Decimal | str = "1000.00",
    quantity: Decimal | str = "4",
    vat_rate: str = "20",
    starts_on: datetime.date = datetime.date(2026, 1, 1),
    ends_on: datetime.date | None = None,
    status: str = ContractStatus.ACTIVE,
    number: str = "",
) -> Contract:
    contract = Contract.objects.create(
        organisation=organisation,
        client=client,
        number=number or f"Д-{client.pk}",
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        billing_period=BillingPeriod.MONTHLY,
        payment_days=10,
        text="1. Предмет договора\nИсполнитель оказывает услуги по аренде ковров.",
    )
    ContractTariff.objects.create(
        contract=contract,
        name="Аренда ковра 115×200, замена раз в неделю",
        unit="service",
        quantity=Decimal(quantity),
        price=Decimal(price),
        vat_rate=vat_rate,
    )
    return contract
