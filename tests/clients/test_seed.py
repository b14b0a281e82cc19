"""The demo seeder: realistic St Petersburg clients, deterministic, valid requisites."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from clients.models import Client, ClientAddress
from clients.validators import inn_is_valid

pytestmark = pytest.mark.django_db


def _fingerprint() -> list:
    return list(
        Client.objects.order_by("pk").values_list("name", "inn", "manager__username", "balance")[
            :50
        ]
    )


def test_seed_creates_spb_and_msk_clients_with_valid_data():
    call_command("seed_demo", clients=120, seed=7, verbosity=0)
    assert Client.objects.count() == 120
    spb = Client.objects.filter(branch__code="spb")
    assert spb.count() == 108 and Client.objects.filter(branch__code="msk").count() == 12
    assert set(spb.values_list("manager__username", flat=True)) == {"manager", "manager2"}
    assert all(
        inn_is_valid(inn) for inn in Client.objects.exclude(inn="").values_list("inn", flat=True)
    )
    for address in ClientAddress.objects.filter(client__branch__code="spb"):
        assert (
            59.85 <= float(address.latitude) <= 60.05 and 30.2 <= float(address.longitude) <= 30.5
        )
    assert all(c.phones.exists() for c in Client.objects.prefetch_related("phones")[:30])
    assert Client.objects.filter(addresses__position=1).exists()
    first = _fingerprint()
    from billing.models import (  # the billing seeder gives them contracts and money history
        Contract,
        Document,
        LedgerEntry,
        Payment,
        PaymentAllocation,
    )
    from crm.orders.models import Order  # the orders seeder now gives demo clients orders
    from labs.models import LabRequest  # the labs seeder gives some of them lab requests

    LabRequest.objects.all().delete()

    for model in (PaymentAllocation, LedgerEntry, Payment, Document, Contract):
        model.objects.all().delete()
    Order.objects.all().delete()
    Client.objects.all().delete()
    call_command("seed_demo", clients=120, seed=7, verbosity=0)
    assert _fingerprint() == first
