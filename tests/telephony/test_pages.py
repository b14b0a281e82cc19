"""Telephony pages through HTTP: the pop-up partial (known client with debt, open orders and
"repeat last order"; unknown number with a prefilled new-client form), who may open it, creating
the client from it, and the admins' extensions page (no N+1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clients.models import Client as ClientCard
from crm.accounts.roles import Role
from crm.telephony.models import OperatorExtension
from crm.telephony.services import handle_call_event
from tests.clients.factories import make_client
from tests.orders.factories import make_order
from tests.telephony.factories import make_extension

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PHONE = "+79111234567"


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff(make_user):
    return {
        "op1": make_user(Role.OPERATOR, username="op1"),
        "op2": make_user(Role.OPERATOR, username="op2"),
        "owner": make_user(Role.MANAGER, username="owner"),
        "other_manager": make_user(Role.MANAGER, username="other-mgr"),
        "admin": make_user(Role.ADMIN, username="adm"),
    }


def _ring(branch, call_id, caller=PHONE, called="101"):
    return handle_call_event(
        branch=branch, event="incoming", call_id=call_id, caller=caller, called=called
    )


def _url(call) -> str:
    return reverse("telephony:call-popup", args=[call.pk])


def test_known_callers_pop_up_shows_debt_orders_and_repeat(branch, staff):
    client = make_client(branch=branch, name="Кафе «Белка»", phones=[PHONE], manager=staff["owner"])
    ClientCard.objects.filter(pk=client.pk).update(debt=Decimal("1500.00"))
    done = make_order(client=client, actor=staff["op1"])
    make_extension(staff["op1"], "101")
    call = _ring(branch, "p-1")

    html = _login(staff["op1"]).get(_url(call), **HTMX).content.decode()
    assert html.lstrip().startswith('<section class="card call-popup')
    assert "Кафе «Белка»" in html and 'id="call-debt"' in html and "1" in html
    assert reverse("orders:order-repeat-last", args=[client.pk]) in html
    assert reverse("clients:client-detail", args=[client.pk]) in html
    assert done.number in html  # open orders
    assert "data-dismiss" in html
    page = _login(staff["op1"]).get(_url(call))  # opened directly: a page of its own
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_unknown_callers_pop_up_offers_a_prefilled_new_client(branch, staff):
    make_extension(staff["op1"], "101")
    call = _ring(branch, "p-2", caller="8 921 555-44-33")
    html = _login(staff["op1"]).get(_url(call), **HTMX).content.decode()
    assert "Unknown number" in html
    assert reverse("telephony:call-client-create", args=[call.pk]) in html
    assert 'value="+7 921 555-44-33"' in html
    assert f"{reverse('orders:order-pick-client')}?q=8%20921%20555-44-33" in html


def test_another_operator_cannot_open_an_unknown_callers_pop_up(branch, staff):
    make_extension(staff["op1"], "101")
    call = _ring(branch, "p-3", caller="+79215554433")
    assert _login(staff["op2"]).get(_url(call), **HTMX).status_code == 404
    assert _login(staff["op1"]).get(_url(call), **HTMX).status_code == 200


def test_a_known_callers_pop_up_is_open_to_those_who_see_the_client(branch, staff):
    make_client(branch=branch, phones=[PHONE], manager=staff["owner"])
    make_extension(staff["op1"], "101")
    call = _ring(branch, "p-4")
    assert _login(staff["owner"]).get(_url(call)).status_code == 200  # the card is theirs
    assert _login(staff["op2"]).get(_url(call)).status_code == 200  # operators see all clients
    assert _login(staff["other_manager"]).get(_url(call)).status_code == 404


def test_creating_the_client_from_the_pop_up(branch, staff):
    make_extension(staff["op1"], "101")
    call = _ring(branch, "p-5", caller="8 921 555-44-33")
    response = _login(staff["op1"]).post(
        reverse("telephony:call-client-create", args=[call.pk]), {"name": "Иван Звонков"}
    )
    client = ClientCard.objects.get(name="Иван Звонков")
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:client-edit", args=[client.pk])
    assert [p.number for p in client.phones.all()] == ["+79215554433"]
    call.refresh_from_db()
    assert call.client == client
    # a second submit goes to the card instead of a duplicate
    again = _login(staff["op1"]).post(
        reverse("telephony:call-client-create", args=[call.pk]), {"name": "Дубль"}
    )
    assert again["Location"] == reverse("clients:client-detail", args=[client.pk])
    assert not ClientCard.objects.filter(name="Дубль").exists()


def test_the_new_client_form_needs_a_name(branch, staff):
    make_extension(staff["op1"], "101")
    call = _ring(branch, "p-6", caller="+79215554433")
    response = _login(staff["op1"]).post(
        reverse("telephony:call-client-create", args=[call.pk]), {"name": " "}
    )
    assert response.status_code == 422 and not ClientCard.objects.exists()


def test_admin_sets_and_removes_extensions(staff):
    admin = _login(staff["admin"])
    url = reverse("telephony:extension-list")
    response = admin.post(url, {"user": staff["op1"].pk, "extension": "101"})
    assert response.status_code == 302
    record = OperatorExtension.objects.get(user=staff["op1"])
    clash = admin.post(url, {"user": staff["op2"].pk, "extension": "101"})
    assert clash.status_code == 200 and "is taken" in clash.content.decode()
    bad = admin.post(url, {"user": staff["op2"].pk, "extension": "12ab"})
    assert bad.status_code == 200 and not OperatorExtension.objects.filter(user=staff["op2"])
    page = admin.get(url).content.decode()
    assert f'id="extension-{record.pk}"' in page and "101" in page
    admin.post(reverse("telephony:extension-delete", args=[record.pk]))
    assert not OperatorExtension.objects.exists()


def test_the_extensions_page_has_no_n_plus_1(staff, make_user, django_assert_max_num_queries):
    admin = _login(staff["admin"])
    url = reverse("telephony:extension-list")
    make_extension(staff["op1"], "101")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        admin.get(url)
    for n in range(10):
        make_extension(make_user(Role.OPERATOR, username=f"many-{n}"), f"2{n:02d}")
    with CaptureQueriesContext(connection) as many:
        admin.get(url)
    assert len(many) == len(few)
