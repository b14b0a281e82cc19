"""Payments and balances through HTTP: the payments list (filters, totals, no N+1, .xlsx),
recording a payment (oldest first, manual allocation step, kept on the balance), bad input with
clear messages, the client card's "Account" tab and its "apply the balance" offer, the
reconciliation act, who sees whose payments; and the ledger invariant as a hypothesis property:
for any sequence of invoices issued / voided and payments, the ledger sums to the balance and
the balance is paid − invoiced."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from billing.models import (
    DocStatus,
    LedgerEntry,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentSource,
)
from billing.services.documents import document_void
from billing.services.payments import payment_record
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def org(branch):
    return make_organisation(branch)


@pytest.fixture
def shop(branch, users, org):
    return make_billing_client(branch, name="Магазин «Ромашка»", manager=users["manager"])


@pytest.fixture
def stranger(branch, users, org):
    """Another manager's client: the manager role must not see it."""
    return make_billing_client(branch, name="Чужой клиент", manager=users["head_of_sales"])


def _invoices(client, *amounts, org=None):
    return [
        make_invoice(
            client,
            amount=a,
            organisation=org,
            date=TODAY - datetime.timedelta(days=20),
            due_date=TODAY - datetime.timedelta(days=10 - i),
        )
        for i, a in enumerate(amounts)
    ]


def _post_payment(http, client, amount, allocation="oldest", **extra):
    data = {
        "client": client.pk,
        "date": TODAY.isoformat(),
        "amount": amount,
        "method": "bank",
        "reference": "п/п 17",
        "note": "",
        "allocation": allocation,
        **extra,
    }
    return http.post(reverse("billing:payment-create"), data)


# --- Recording ------------------------------------------------------------------------------------
def test_oldest_first_allocation_and_overpayment_stays_on_balance(client_for, shop, org):
    first, second = _invoices(shop, "300.00", "500.00", org=org)
    response = _post_payment(client_for("accountant"), shop, "1000.00")
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert response["Location"] == reverse("billing:payment-detail", args=[payment.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    payment.refresh_from_db()
    assert first.status == second.status == DocStatus.PAID
    assert payment.unallocated == Decimal("200.00")
    shop.refresh_from_db()
    assert shop.balance == Decimal("200.00") and shop.debt == 0


def test_manual_allocation_is_a_second_step(client_for, shop, org):
    first, second = _invoices(shop, "300.00", "500.00", org=org)
    http = client_for("accountant")
    response = _post_payment(http, shop, "400.00", allocation="manual")
    payment = Payment.objects.get()
    assert response["Location"] == reverse("billing:payment-allocate", args=[payment.pk])
    assert payment.allocated == 0
    page = http.get(response["Location"]).content.decode()
    assert f'name="inv_{first.pk}"' in page and f'name="inv_{second.pk}"' in page
    response = http.post(response["Location"], {f"inv_{second.pk}": "400.00"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.paid_amount == 0 and second.paid_amount == Decimal("400.00")
    assert second.status in (DocStatus.PARTLY_PAID, DocStatus.OVERDUE)


def test_manual_allocation_refuses_too_much_and_keeps_nothing(client_for, shop, org):
    first, second = _invoices(shop, "300.00", "500.00", org=org)
    http = client_for("accountant")
    _post_payment(http, shop, "400.00", allocation="manual")
    payment = Payment.objects.get()
    url = reverse("billing:payment-allocate", args=[payment.pk])
    # more than the invoice needs
    response = http.post(url, {f"inv_{first.pk}": "350.00"})
    assert response.status_code == 200
    assert "only needs" in response.content.decode()
    # more than the payment has left: the first line would fit, the second not — all or nothing
    response = http.post(url, {f"inv_{first.pk}": "300.00", f"inv_{second.pk}": "200.00"})
    assert "left to allocate" in response.content.decode()
    assert PaymentAllocation.objects.count() == 0
    # negative, or nothing typed
    assert "above zero" in http.post(url, {f"inv_{first.pk}": "-5"}).content.decode()
    assert "at least one invoice" in http.post(url, {}).content.decode()


def test_same_payment_to_the_same_invoice_twice_is_refused(client_for, shop, org):
    (invoice,) = _invoices(shop, "500.00", org=org)
    http = client_for("accountant")
    _post_payment(http, shop, "400.00", allocation="manual")
    url = reverse("billing:payment-allocate", args=[Payment.objects.get().pk])
    assert http.post(url, {f"inv_{invoice.pk}": "100.00"}).status_code == 302
    response = http.post(url, {f"inv_{invoice.pk}": "100.00"})
    assert response.status_code == 200
    assert "already allocated" in response.content.decode()


def test_a_void_invoice_is_not_offered_for_allocation(client_for, shop, org, users):
    first, second = _invoices(shop, "300.00", "500.00", org=org)
    document_void(actor=users["accountant"], document=first, reason="ошибка")
    http = client_for("accountant")
    _post_payment(http, shop, "100.00", allocation="manual")
    url = reverse("billing:payment-allocate", args=[Payment.objects.get().pk])
    page = http.get(url).content.decode()
    assert f'name="inv_{first.pk}"' not in page and f'name="inv_{second.pk}"' in page
    # a forged field for the void invoice is ignored (not a field of the form)
    response = http.post(url, {f"inv_{first.pk}": "100.00"})
    assert "at least one invoice" in response.content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "above zero"), ("-10", "above zero"), ("abc", "Enter a number")],
)
def test_bad_amounts_are_refused_with_a_message(client_for, shop, amount, message):
    response = _post_payment(client_for("accountant"), shop, amount)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_keep_on_balance_allocates_nothing(client_for, shop, org):
    _invoices(shop, "300.00", org=org)
    _post_payment(client_for("accountant"), shop, "100.00", allocation="none")
    assert Payment.objects.get().allocated == 0
    shop.refresh_from_db()
    assert shop.debt == Decimal("300.00") and shop.balance == Decimal("-200.00")


def test_a_manager_cannot_pay_for_a_client_he_does_not_see(client_for, stranger, users):
    # managers have no ADD_PAYMENT at all; an accountant of another branch does not see the client
    assert _post_payment(client_for("manager"), stranger, "10").status_code == 403
    response = client_for("accountant").get(
        reverse("billing:payment-create") + f"?client={stranger.pk}"
    )
    assert response.status_code == 200  # same branch: the accountant sees every client


def test_another_branch_client_is_not_offered(client_for, other_branch):
    foreign = make_billing_client(other_branch, name="Московский клиент")
    http = client_for("accountant")
    url = reverse("billing:payment-create") + f"?client={foreign.pk}"
    assert http.get(url).status_code == 404
    response = _post_payment(http, foreign, "10")
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


# --- The list ------------------------------------------------------------------------------------
def _pay(client, amount, method=PaymentMethod.CASH, source=PaymentSource.MANUAL, days_ago=0):
    return payment_record(
        actor=None,
        client=client,
        amount=amount,
        method=method,
        source=source,
        date=TODAY - datetime.timedelta(days=days_ago),
    )


def test_list_filters_and_totals(client_for, shop, stranger, org):
    _invoices(shop, "100.00", org=org)
    _pay(shop, "150.00", days_ago=3)
    _pay(shop, "70.00", method=PaymentMethod.CARD, source=PaymentSource.DRIVER)
    _pay(stranger, "40.00", method=PaymentMethod.BANK)
    http = client_for("accountant")
    url = reverse("billing:payment-list")
    html = http.get(url).content.decode()
    assert html.count("data-payment=") == 3
    assert 'data-total="count">3<' in html
    html = http.get(url, {"method": "card"}).content.decode()
    assert html.count("data-payment=") == 1
    html = http.get(url, {"source": "driver"}).content.decode()
    assert html.count("data-payment=") == 1
    html = http.get(url, {"date_from": (TODAY - datetime.timedelta(days=1)).isoformat()})
    assert html.content.decode().count("data-payment=") == 2
    html = http.get(url, {"unallocated": "on"}).content.decode()
    assert html.count("data-payment=") == 3  # 150 − 100 left, 70 and 40 untouched
    html = http.get(url, {"client": shop.pk}).content.decode()
    assert html.count("data-payment=") == 2
    html = http.get(url, {"q": "Ромашка"}).content.decode()
    assert html.count("data-payment=") == 2


def test_a_manager_sees_only_his_clients_payments(client_for, shop, stranger):
    _pay(shop, "10.00")
    mine_not = _pay(stranger, "20.00")
    http = client_for("manager")
    html = http.get(reverse("billing:payment-list")).content.decode()
    assert html.count("data-payment=") == 1
    assert http.get(reverse("billing:payment-detail", args=[mine_not.pk])).status_code == 404
    assert "Record payment" not in html  # managers may not take payments


def test_list_query_count_does_not_grow(client_for, branch, org):
    http = client_for("accountant")
    url = reverse("billing:payment-list")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(url).status_code == 200
        return len(ctx.captured_queries)

    _pay(make_billing_client(branch), "10.00")
    few = count()
    for _i in range(12):
        _pay(make_billing_client(branch), "10.00")
    assert count() == few


def test_list_export_xlsx(client_for, shop):
    from openpyxl import load_workbook

    _pay(shop, "150.00")
    _pay(shop, "50.00", method=PaymentMethod.CARD)
    response = client_for("accountant").get(
        reverse("billing:payment-list-xlsx"), {"method": "cash"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Date", "Client", "Amount"]
    assert values[1][1] == shop.name and Decimal(str(values[1][2])) == Decimal("150")
    assert values[-1][0] == "Total" and Decimal(str(values[-1][2])) == Decimal("150")


# --- The client's account -------------------------------------------------------------------------
def test_account_tab_shows_the_ledger_and_offers_the_balance(client_for, shop, org):
    _pay(shop, "500.00", days_ago=5)  # an advance: nothing to allocate to yet
    (invoice,) = _invoices(shop, "300.00", org=org)
    http = client_for("accountant")
    url = reverse("clients:client-tab", args=[shop.pk, "account"])
    html = http.get(url, **HTMX).content.decode()
    assert 'id="account-ledger"' in html and 'data-kind="payment"' in html
    assert 'data-kind="invoice"' in html
    assert 'data-running="200.00"' in html  # +500 then −300
    assert "on balance. Apply it" in html
    assert reverse("billing:payment-create") + f"?client={shop.pk}" in html
    response = http.post(reverse("billing:client-apply-balance", args=[shop.pk]))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == DocStatus.PAID
    html = http.get(url, **HTMX).content.decode()
    assert "on balance. Apply it" not in html


def test_account_tab_shows_the_containers_deposit(client_for, shop, users):
    from routes.services.containers import client_containers_adjust
    from tests.orders.factories import make_product

    bottle = make_product(name="Бутыль 19 л", is_returnable=True, deposit_price=Decimal("350.00"))
    client_containers_adjust(
        actor=users["storekeeper"], client=shop, product=bottle, quantity=3, note="остаток"
    )
    url = reverse("clients:client-tab", args=[shop.pk, "account"])
    html = client_for("accountant").get(url, **HTMX).content.decode()
    assert 'id="account-deposits"' in html and "Бутыль 19 л" in html
    assert 'data-deposit-total="1050.00"' in html


def test_account_tab_for_the_manager_has_no_pay_button(client_for, shop, stranger):
    http = client_for("manager")
    html = http.get(reverse("clients:client-tab", args=[shop.pk, "account"]), **HTMX)
    html = html.content.decode()
    assert 'id="account-tab"' in html and "Record payment" not in html
    assert (
        http.get(reverse("clients:client-tab", args=[stranger.pk, "account"]), **HTMX).status_code
        == 404
    )


def test_reconciliation_act_xlsx(client_for, shop, org):
    from openpyxl import load_workbook

    _pay(shop, "100.00", days_ago=25)
    _invoices(shop, "300.00", org=org)  # dated 20 days ago
    _pay(shop, "50.00")
    start = (TODAY - datetime.timedelta(days=10)).isoformat()
    response = client_for("accountant").get(
        reverse("billing:client-ledger-xlsx", args=[shop.pk]), {"date_from": start}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = [v for row in values for v in row if v is not None]
    assert any(str(v).startswith("Act of reconciliation") for v in flat)
    opening = next(row for row in values if row[1] == "Opening balance")
    closing = next(row for row in values if row[1] == "Closing balance")
    assert Decimal(str(opening[5])) == Decimal("-200") and Decimal(str(closing[5])) == Decimal(
        "-150"
    )


def test_ledger_xlsx_of_a_foreign_client_is_404(client_for, stranger):
    url = reverse("billing:client-ledger-xlsx", args=[stranger.pk])
    assert client_for("manager").get(url).status_code == 404


# --- The ledger invariant ------------------------------------------------------------------------
STEPS = hs.lists(
    hs.one_of(
        hs.tuples(hs.just("invoice"), hs.integers(min_value=1, max_value=50_000)),
        hs.tuples(hs.just("pay"), hs.integers(min_value=1, max_value=50_000)),
        hs.tuples(hs.just("void"), hs.integers(min_value=0, max_value=10)),
        hs.tuples(hs.just("apply"), hs.just(0)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_ledger_sums_to_the_balance_for_any_sequence(steps, branch, users, org):
    from django.db import transaction

    from billing.services.payments import apply_client_credit

    sid = transaction.savepoint()
    try:
        client = make_billing_client(branch)
        invoices = []
        for op, value in steps:
            amount = Decimal(value) / 100
            if op == "invoice":
                invoices.append(make_invoice(client, amount=str(amount), organisation=org))
            elif op == "pay":
                _pay(client, amount)
            elif op == "void" and invoices:
                target = invoices[value % len(invoices)]
                target.refresh_from_db()
                if target.status != DocStatus.VOID:
                    document_void(actor=users["accountant"], document=target, reason="тест")
            elif op == "apply":
                apply_client_credit(actor=None, client=client)
        client.refresh_from_db()
        ledger = sum(LedgerEntry.objects.filter(client=client).values_list("amount", flat=True))
        paid = sum(Payment.objects.filter(client=client).values_list("amount", flat=True))
        invoiced = sum(
            d.total for d in client.documents.filter(kind="invoice").exclude(status="void")
        )
        assert ledger == client.balance
        assert client.balance == paid - invoiced
        for payment in Payment.objects.filter(client=client):
            assert 0 <= payment.allocated <= payment.amount
        for document in client.documents.all():
            assert 0 <= document.paid_amount <= document.total
    finally:
        transaction.savepoint_rollback(sid)
