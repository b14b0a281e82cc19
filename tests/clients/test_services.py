"""The service API other apps use: create, find duplicates, balance; card registries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clients import cards
from clients.models import Client
from clients.services import (
    client_create,
    client_find_duplicates,
    client_set_balance,
    client_update,
)
from crm.core.models import AuditEntry
from tests.clients.factories import make_client, valid_inn

pytestmark = pytest.mark.django_db


def test_find_duplicates_by_phone_email_inn_within_the_branch(branch, other_branch):
    inn = valid_inn(11)
    a = make_client(
        branch=branch,
        phones=["+79110001122"],
        emails=["Shop@Example.com"],
        inn=inn,
        contacts=[{"name": "Оля", "phone": "+79215550000"}],
    )
    make_client(branch=other_branch, phones=["+79110001122"])
    assert list(client_find_duplicates(phone="8 (911) 000-11-22", branch=branch)) == [a]
    assert list(client_find_duplicates(phone="+7 921 555 00 00", branch=branch)) == [a]
    assert list(client_find_duplicates(email="shop@example.COM", branch=branch)) == [a]
    assert list(client_find_duplicates(inn=inn, branch=branch)) == [a]
    assert client_find_duplicates(phone="+79110001122").count() == 2
    assert not client_find_duplicates(phone="garbage", email="", inn=None).exists()
    assert not client_find_duplicates(phone="+79110001122", branch=branch, exclude=a).exists()


def test_create_by_a_manager_assigns_them_and_refuses_others(users, branch):
    client = client_create(actor=users["manager"], name="Лид → клиент", phones=["89110000000"])
    assert client.manager == users["manager"] and client.branch == branch
    with pytest.raises(PermissionDenied):
        client_create(actor=users["driver"], name="Нельзя")


def test_view_only_roles_cannot_update(users, branch):
    client = make_client(branch=branch, manager=users["manager"])
    with pytest.raises(PermissionDenied):
        client_update(actor=users["accountant"], client=client, name="X")


def test_set_balance_quantises_and_logs(branch):
    client = make_client(branch=branch)
    client_set_balance(actor=None, client=client, balance="-10.005", reason="invoice 7")
    client.refresh_from_db()
    assert client.balance == Decimal("-10.01") and client.has_debt
    assert AuditEntry.objects.filter(object_id=client.pk, note="invoice 7").exists()
    with pytest.raises(ValidationError):
        client_set_balance(actor=None, client=client, balance="lots")


@pytest.fixture
def restored_card_registry():
    """Registries are process-wide: put back exactly what the apps registered."""
    saved = {name: dict(getattr(cards, name)) for name in ("_tabs", "_facts", "_actions")}
    yield
    for name, content in saved.items():
        registry = getattr(cards, name)
        registry.clear()
        registry.update(content)


def test_higher_apps_add_tabs_facts_and_actions(login, users, branch, restored_card_registry):
    client = make_client(branch=branch, manager=users["manager"])
    cards.register_card_tab("orders", "Orders", lambda request, c: f"<p id=o>{c.pk} orders</p>")
    cards.register_card_fact("orders_count", "Orders", lambda c: 7, order=20)
    cards.register_card_action("new_task", "New task", lambda c: f"/leads/tasks/new/?client={c.pk}")
    http = login("manager")
    page = http.get(reverse("clients:client-detail", args=[client.pk])).content.decode()
    assert f"/leads/tasks/new/?client={client.pk}" in page and ">7<" in page
    tab = http.get(
        reverse("clients:client-tab", args=[client.pk, "orders"]),
        headers={"HX-Request": "true"},
    )
    assert f"{client.pk} orders" in tab.content.decode()
    assert Client.objects.count() == 1
