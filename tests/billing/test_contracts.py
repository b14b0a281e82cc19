"""Contract services: placeholders filled (and unknown ones refused), numbering, hand-edited
text, supplementary agreements, the contract state on the client and the daily task, overrides."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing.forms_contracts import ClauseTemplateForm
from billing.models import ClauseTemplate, ContractOverride, ContractStatus
from billing.services import contracts as svc
from billing.tasks_contracts import sync_contract_states_task
from clients.contract_guard import contract_block_reason
from clients.models import Client
from crm.core.models import AuditEntry, TimelineEntry
from tests.billing.contract_factories import (
    ALL_PLACEHOLDERS_BODY,
    make_contract,
    make_contract_type,
)
from tests.billing.core_factories import make_billing_client, make_organisation

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def client_obj(branch, users):
    return make_billing_client(
        branch,
        manager=users["manager"],
        name="ООО «Чистый Дом»",
        kpp="780201001",
        legal_address="СПб, Невский пр., 1",
        bank_name="АО «Банк»",
        bik="044525225",
        bank_account="40702810000000000042",
    )


def test_every_placeholder_is_filled(client_obj, branch):
    contract_type = make_contract_type()
    ClauseTemplate.objects.create(
        contract_type=contract_type, number="3", title="Реквизиты", body=ALL_PLACEHOLDERS_BODY
    )
    org = make_organisation(branch, name="ООО «Коло»", director_name="Петров П. П.")
    contract = make_contract(
        client_obj,
        organisation=org,
        contract_type=contract_type,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    text = contract.text
    assert "{" not in text and "}" not in text
    for value in (
        "ООО «Чистый Дом»",
        client_obj.inn,
        "780201001",
        "СПб, Невский пр., 1",
        "АО «Банк»",
        "044525225",
        "40702810000000000042",
        "ООО «Коло»",
        org.inn,
        "Петров П. П.",
        contract.number,
        "01/01/2026",
        "12/31/2026",
        "оплата в течение 7 дней",
        "5,000.00 RUB",
        "1. Аренда ковра 115×200 — 4 mat × 450.00 RUB (VAT 20%)",
    ):
        assert value in text, value
    assert text.index("1. Предмет договора") < text.index("2. Цены") < text.index("9. Срок")


def test_unknown_placeholders_are_refused_on_save():
    form = ClauseTemplateForm(
        data={
            "number": "4",
            "title": "Опечатка",
            "body": "Клиент {client.nmae} и {foo}",
            "position": 1,
        }
    )
    assert not form.is_valid()
    error = " ".join(form.errors["body"])
    assert "{client.nmae}" in error and "{foo}" in error and "{client.name}" in error
    with pytest.raises(ValidationError):
        svc.validate_placeholders("{contract.numbr}")
    svc.validate_placeholders("{client.name} {tariffs} {today}")


def test_contracts_and_agreements_are_numbered_per_organisation_and_year(client_obj, branch):
    org = make_organisation(branch)
    first = make_contract(client_obj, organisation=org)
    second = make_contract(client_obj, organisation=org)
    year = first.starts_on.year
    assert first.number == f"ДОГ-{year}-000001" and second.number == f"ДОГ-{year}-000002"
    agreement = svc.agreement_add(
        actor=None, contract=first, signed_on=TODAY, text="Продлеваем договор."
    )
    assert agreement.number == f"ДС-{TODAY.year}-000001"


def test_hand_edited_text_is_kept_until_reassembled(client_obj, users):
    contract = make_contract(client_obj, active=False)
    manager = users["manager"]
    svc.contract_set_text(actor=manager, contract=contract, text="Особый текст для клиента.")
    contract = svc.contract_update(actor=manager, contract=contract, terms={"payment_days": 30})
    assert contract.text == "Особый текст для клиента." and contract.text_edited
    contract = svc.contract_reassemble(actor=manager, contract=contract)
    assert not contract.text_edited and "Предмет договора" in contract.text
    assert AuditEntry.objects.filter(object_id=contract.pk, changes__has_key="text").count() == 2


def test_state_follows_the_contracts_and_the_daily_task_expires_it(client_obj):
    client_id = client_obj.pk
    draft = make_contract(client_obj, active=False, ends_on=TODAY + datetime.timedelta(days=5))
    assert Client.objects.get(pk=client_id).contract_state == "none"  # a draft is no contract
    contract = svc.contract_activate(actor=None, contract=draft)
    client = Client.objects.get(pk=client_id)
    assert (client.contract_state, client.contract_valid_until) == ("valid", contract.ends_on)
    assert contract_block_reason(client, TODAY) is None

    later = contract.ends_on + datetime.timedelta(days=1)
    assert sync_contract_states_task(later.isoformat()) >= 1
    client = Client.objects.get(pk=client_id)
    assert client.contract_state == "expired" and client.contract_valid_until == contract.ends_on
    reason = contract_block_reason(client, later)
    assert reason and "expired on" in reason and "director" in reason

    svc.agreement_add(
        actor=None,
        contract=contract,
        signed_on=TODAY,
        text="Продление",
        new_ends_on=later + datetime.timedelta(days=365),
    )
    assert Client.objects.get(pk=client_id).contract_state == "valid"
    svc.contract_terminate(actor=None, contract=contract, reason="Клиент ушёл", on=TODAY)
    client = Client.objects.get(pk=client_id)
    assert client.contract_state == "expired"
    assert contract.__class__.objects.get(pk=contract.pk).status == ContractStatus.TERMINATED


def test_a_terminate_needs_a_reason_and_managers_only_touch_their_clients(
    client_obj, users, branch, make_user
):
    contract = make_contract(client_obj)
    with pytest.raises(ValidationError):
        svc.contract_terminate(actor=users["manager"], contract=contract, reason=" ")
    colleague = make_user("manager", username="colleague")
    with pytest.raises(PermissionDenied):
        svc.contract_terminate(actor=colleague, contract=contract, reason="чужой")


def test_a_director_grants_an_override_and_it_is_logged(client_obj, users):
    contract = make_contract(client_obj, ends_on=TODAY - datetime.timedelta(days=1))
    client = Client.objects.get(pk=client_obj.pk)
    assert client.contract_state == "expired"
    until = TODAY + datetime.timedelta(days=7)
    with pytest.raises(PermissionDenied):
        svc.contract_override_grant(
            actor=users["manager"], client=client, reason="сам себе", until=until
        )
    svc.contract_override_grant(
        actor=users["director"], client=client, reason="Договор на подписи", until=until
    )
    client.refresh_from_db()
    assert client.contract_override_until == until
    assert contract_block_reason(client, TODAY) is None
    assert contract_block_reason(client, until + datetime.timedelta(days=1))
    row = ContractOverride.objects.get(client=client)
    assert row.granted_by == users["director"] and row.reason == "Договор на подписи"
    entry = TimelineEntry.objects.filter(object_id=client.pk, kind="system").first()
    assert "Договор на подписи" in entry.body
    assert AuditEntry.objects.filter(object_id=client.pk, note__contains="Договор на подписи")
    assert contract.number


def test_update_refuses_end_before_start(client_obj, users):
    contract = make_contract(client_obj)
    with pytest.raises(ValidationError):
        svc.contract_update(
            actor=users["manager"],
            contract=contract,
            terms={"ends_on": contract.starts_on - datetime.timedelta(days=1)},
            tariffs=[{"name": "x", "quantity": Decimal("1"), "price": Decimal("1")}],
        )
