"""Requisites, phones and e-mails are validated before anything is saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import ClientPhone
from clients.services import client_create, client_update
from clients.validators import (
    inn_is_valid,
    validate_account,
    validate_bik,
    validate_inn,
    validate_kpp,
)
from tests.clients.factories import make_client, valid_inn


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("7707083893", True),  # Sberbank
        ("7830002293", True),
        ("500100732259", True),  # a valid 12-digit one
        ("7707083894", False),  # wrong check digit
        ("500100732258", False),
        ("12345", False),
        ("77070838931", False),  # 11 digits
        ("77070838ab", False),
        ("७७०७०८३८९३", False),  # non-ASCII digits
        ("", False),
    ],
)
def test_inn_checksum(value, ok):
    assert inn_is_valid(value) is ok


@pytest.mark.parametrize(
    ("validator", "value", "ok"),
    [
        (validate_inn, "7707083893", True),
        (validate_inn, "7707083894", False),
        (validate_inn, "", True),
        (validate_kpp, "773601001", True),
        (validate_kpp, "77360100", False),
        (validate_kpp, "7736010O1", False),
        (validate_bik, "044525225", True),
        (validate_bik, "04452522", False),
        (validate_account, "40702810938000060473", True),
        (validate_account, "4070281093800006047", False),
        (validate_account, "4070281093800006047X", False),
    ],
)
def test_requisite_validators(validator, value, ok):
    if ok:
        validator(value)
    else:
        with pytest.raises(ValidationError):
            validator(value)


def test_generated_inns_are_valid():
    assert inn_is_valid(valid_inn(5)) and inn_is_valid(valid_inn(7, person=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw", ["+7 911 123-45-67", "8(911)1234567", "89111234567", "9111234567", "+7 (911) 123 45 67"]
)
def test_phones_are_normalised_to_e164_with_digits(branch, raw):
    client = make_client(branch=branch, phones=[raw])
    phone = client.phones.get()
    assert phone.number == "+79111234567" and phone.digits == "79111234567"


@pytest.mark.django_db
def test_the_same_phone_typed_twice_is_kept_once_and_db_refuses_a_copy(branch):
    client = make_client(branch=branch, phones=["+7 911 123-45-67", "8 911 123 45 67"])
    assert client.phones.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.create(client=client, number="+79111234567", digits="79111234567")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 300}, "name"),
        ({"phones": ["12"]}, "phones"),
        ({"phones": ["not a phone"]}, "phones"),
        ({"emails": ["nobody"]}, "emails"),
        ({"inn": "7707083894"}, "inn"),
        ({"kpp": "12"}, "kpp"),
        ({"bik": "abc"}, "bik"),
        ({"bank_account": "123"}, "bank_account"),
        ({"kind": "alien"}, "kind"),
        ({"discount_percent": 150}, "discount_percent"),
        ({"addresses": [{"address": ""}]}, "addresses"),
        ({"addresses": [{"address": "Невский 1", "latitude": 59.9}]}, "addresses"),
        ({"contacts": [{"name": "Ира", "phone": "abc"}]}, "contacts"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(branch, fields, error_field):
    from clients.models import Client

    data = {"name": "Ок", **fields}
    with pytest.raises(ValidationError) as exc:
        client_create(actor=None, branch=branch, **data)
    assert error_field in exc.value.message_dict, exc.value.message_dict
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_update_keeps_address_rows_by_id_and_logs_changes(branch, users):
    from crm.core.models import AuditEntry

    client = make_client(
        branch=branch,
        manager=users["manager"],
        addresses=[{"address": "Невский 1", "city": "СПб"}, {"address": "Садовая 2"}],
    )
    first, _second = list(client.addresses.order_by("position"))
    client_update(
        actor=users["manager"],
        client=client,
        name="Новое имя",
        addresses=[{"id": first.pk, "address": "Невский 10", "city": "СПб"}],
    )
    assert list(client.addresses.values_list("pk", "address")) == [(first.pk, "Невский 10")]
    assert AuditEntry.objects.filter(object_id=client.pk, changes__name__1="Новое имя").exists()
