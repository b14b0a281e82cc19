"""Demo billing data (``manage.py seed_demo``): one organisation per branch, contract types and a
clause-template set, monthly contracts with tariffs for company clients, opening balances turned
into real ledger history (old invoices for debtors, advance payments for the others) and a few
paid invoices — so the documents, payments, debtors and contracts pages show a live business.
Idempotent (skips what exists) and deterministic (the seeder's rng only)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm.core.registry import register_seeder

ORGANISATIONS = {
    "spb": {
        "name": "Общество с ограниченной ответственностью «Коло Сервис»",
        "short_name": "ООО «Коло Сервис»",
        "inn": "7801234575",
        "kpp": "780101001",
        "ogrn": "1197847000017",
        "legal_address": "190000, г. Санкт-Петербург, ул. Садовая, д. 10, оф. 5",
        "bank_name": "ПАО Сбербанк, г. Санкт-Петербург",
        "bik": "044030653",
        "bank_account": "40702810955000000001",
        "corr_account": "30101810500000000653",
        "director_name": "Волков Д. А.",
        "accountant_name": "Васильева О. П.",
    },
    "msk": {
        "name": "Общество с ограниченной ответственностью «Коло Москва»",
        "short_name": "ООО «Коло Москва»",
        "inn": "7701234560",
        "kpp": "770101001",
        "ogrn": "1197746000019",
        "legal_address": "101000, г. Москва, ул. Мясницкая, д. 1",
        "bank_name": "АО «Альфа-Банк», г. Москва",
        "bik": "044525593",
        "bank_account": "40702810401300000002",
        "corr_account": "30101810200000000593",
        "director_name": "Волков Д. А.",
        "accountant_name": "Васильева О. П.",
    },
}

CLAUSES = [
    (
        "1",
        "Предмет договора",
        "1.1. {organisation.name} (Исполнитель) обязуется оказывать "
        "{client.name} (Заказчик) услуги по аренде и регулярной замене грязезащитных ковров, а "
        "Заказчик обязуется принимать и оплачивать услуги.\n1.2. Перечень услуг и цены:\n{tariffs}",
    ),
    (
        "2",
        "Срок действия",
        "2.1. Договор № {contract.number} действует с {contract.starts_on} по {contract.ends_on}.",
    ),
    (
        "3",
        "Порядок расчётов",
        "3.1. Заказчик оплачивает услуги ежемесячно на основании счёта "
        "в течение {contract.payment_days} календарных дней с даты счёта.\n3.2. Лимит "
        "задолженности Заказчика: {contract.credit_limit} руб. При его превышении Исполнитель "
        "вправе приостановить оказание услуг.",
    ),
    (
        "4",
        "Ответственность сторон",
        "4.1. За просрочку оплаты Заказчик уплачивает пени в "
        "размере 0,1 % от неоплаченной суммы за каждый день просрочки.",
    ),
    (
        "5",
        "Реквизиты сторон",
        "Исполнитель: {organisation.name}, ИНН {organisation.inn}.\n"
        "Заказчик: {client.name}, ИНН {client.inn}, КПП {client.kpp}, {client.legal_address}, "
        "р/с {client.bank_account} в {client.bank_name}, БИК {client.bik}.",
    ),
]


@register_seeder("billing", order=70)
def seed_billing(ctx: Any) -> None:
    organisations = _organisations(ctx)
    if not organisations:
        return
    contract_type = _contract_type()
    accountant = getattr(ctx, "users", {}).get("accountant")
    from billing.services.dunning import install_default_ladder

    install_default_ladder()
    with transaction.atomic():
        _opening_history(ctx, accountant)
        _contracts(ctx, contract_type, accountant)


def _organisations(ctx: Any) -> dict[str, Any]:
    from billing.models import Organisation

    found = {}
    for code, fields in ORGANISATIONS.items():
        branch = getattr(ctx, "branches", {}).get(code)
        if branch is None:
            continue
        organisation, created = Organisation.objects.get_or_create(
            code=f"kolo-{code}", defaults=fields
        )
        if created:
            organisation.branches.add(branch)
        found[code] = organisation
    return found


def _contract_type() -> Any:
    from billing.models import ClauseTemplate, ContractType

    contract_type, created = ContractType.objects.get_or_create(
        name="Аренда ковров (абонемент)", defaults={"default_payment_days": 10}
    )
    ContractType.objects.get_or_create(
        name="Разовые услуги", defaults={"default_period": "per_order"}
    )
    if created:
        for position, (number, title, body) in enumerate(CLAUSES):
            ClauseTemplate.objects.create(
                contract_type=contract_type,
                number=number,
                title=title,
                body=body,
                position=position,
            )
    return contract_type


def _opening_history(ctx: Any, accountant: Any) -> None:
    """Seeded clients carry opening balances; give each a ledger history that explains it."""
    from billing.models import LedgerEntry
    from billing.services.documents import document_create, document_issue, mark_overdue
    from billing.services.payments import payment_record
    from clients.models import Client

    rng = ctx.rng
    today = timezone.localdate()
    with_history = set(LedgerEntry.objects.values_list("client_id", flat=True).distinct())
    clients = Client.objects.exclude(balance=0).exclude(pk__in=with_history).order_by("pk")
    for client in clients:
        amount = abs(client.balance)
        if client.balance < 0:
            day = today - datetime.timedelta(days=rng.choice([3, 12, 25, 40, 55, 75, 100, 130]))
            draft = document_create(
                actor=accountant,
                kind="invoice",
                client=client,
                lines=[_line("Услуги по договору (остаток на начало)", amount)],
                date=day,
                due_date=day + datetime.timedelta(days=10),
                note="Начальный остаток (демо)",
            )
            document_issue(actor=accountant, document=draft)
        else:
            payment_record(
                actor=accountant,
                client=client,
                amount=amount,
                method="bank",
                date=today - datetime.timedelta(days=rng.randint(1, 20)),
                reference="аванс",
                note="Начальный остаток (демо)",
                external_key=f"seed-opening:{client.pk}",
            )
    mark_overdue(today)


def _line(name: str, amount: Decimal, vat: str = "20") -> dict[str, Any]:
    return {"name": name, "quantity": 1, "unit_price": amount, "vat_rate": vat, "unit": "service"}


def _contracts(ctx: Any, contract_type: Any, accountant: Any) -> None:
    from billing.models import Contract, ContractStatus, ContractTariff
    from billing.services.documents import organisation_for
    from billing.services.numbering import next_number
    from clients.models import Client

    rng = ctx.rng
    today = timezone.localdate()
    companies = (
        Client.objects.filter(kind=Client.Kind.COMPANY, is_archived=False)
        .exclude(contracts__isnull=False)
        .order_by("pk")[:60]
    )
    for index, client in enumerate(companies):
        organisation = organisation_for(client.branch)
        starts = today.replace(day=1) - datetime.timedelta(days=rng.randint(60, 400))
        expired = index % 12 == 11  # a few expired contracts: work is blocked for them
        ends = (
            today - datetime.timedelta(days=5) if expired else starts.replace(year=starts.year + 2)
        )
        contract = Contract.objects.create(
            organisation=organisation,
            client=client,
            contract_type=contract_type,
            number=next_number(organisation=organisation, kind="contract", on=starts),
            signed_on=starts,
            starts_on=starts,
            ends_on=ends,
            status=ContractStatus.ACTIVE,
            payment_days=10,
            credit_limit=Decimal(rng.choice([0, 20000, 50000])),
            created_by=accountant,
        )
        mats = rng.randint(2, 8)
        ContractTariff.objects.create(
            contract=contract,
            name="Аренда и замена ковра 85×150, раз в неделю",
            unit="mat",
            quantity=Decimal(mats * 4),
            price=Decimal(rng.choice(["390.00", "420.00", "450.00"])),
            vat_rate="20",
        )
        if index % 3 == 0:
            ContractTariff.objects.create(
                contract=contract,
                name="Чистка ковра с логотипом",
                unit="service",
                quantity=Decimal(1),
                price=Decimal("1200.00"),
                vat_rate="20",
                position=1,
            )
    _sync_contract_states()


def _sync_contract_states() -> None:
    """The client card's contract flag (valid / expired) for the seeded contracts."""
    from billing.services.contracts import sync_all_contract_states

    sync_all_contract_states(timezone.localdate())
