"""The debtors page, a debtor's page with its actions, the Excel export and the ladder settings:
what each role sees, the scope of managers, and bounded queries."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import DunningEvent, DunningStep, PromiseToPay
from billing.services import dunning
from clients.models import Client
from clients.services.billing_state import client_set_stop_deliveries
from crm.core.models import TimelineEntry
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def _ladder(db):
    dunning.install_default_ladder()  # a transactional test elsewhere may have flushed it


@pytest.fixture
def org(branch):
    return make_organisation(branch)


@pytest.fixture
def mine(branch, users, org):
    client = make_billing_client(branch, name="Мой должник", manager=users["manager"])
    make_invoice(client, amount="5000.00", date=ago(120), due_date=ago(100))
    make_invoice(client, amount="700.00", date=ago(10), due_date=ago(5))
    return client


@pytest.fixture
def theirs(branch, make_user, org):
    colleague = make_user("manager", username="colleague")
    client = make_billing_client(branch, name="Чужой должник", manager=colleague)
    make_invoice(client, amount="300.00", date=ago(40), due_date=ago(20))
    return client


def test_accountant_sees_every_debtor_with_buckets_and_the_chart(client_for, mine, theirs):
    response = client_for("accountant").get(reverse("billing:debtors"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Мой должник" in html and "Чужой должник" in html
    assert 'id="aging-chart"' in html and 'id="aging-chart-data"' in html
    assert "chartjs/chart.umd.min.js" in html
    totals = response.context["totals"]
    assert totals["debt"] == Decimal("6000.00")
    assert (totals["d90_plus"], totals["d1_30"]) == (Decimal("5000.00"), Decimal("1000.00"))
    rows = list(response.context["page"])
    assert [c.name for c in rows] == ["Мой должник", "Чужой должник"]  # most overdue first
    assert rows[0].reminders.next_step is not None


def test_a_manager_sees_only_his_own_debtors(client_for, mine, theirs):
    client = client_for("manager")
    html = client.get(reverse("billing:debtors")).content.decode()
    assert "Мой должник" in html and "Чужой довжник" not in html and "Чужой должник" not in html
    assert client.get(reverse("billing:debtor-detail", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("billing:debtor-promise", args=[theirs.pk]),
        {"promised_on": (TODAY + datetime.timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 404 and not PromiseToPay.objects.exists()


def test_filters_by_bucket_and_manager_and_sort(client_for, mine, theirs, users):
    client = client_for("head_of_sales")
    url = reverse("billing:debtors")
    names = lambda r: [c.name for c in r.context["page"]]  # noqa: E731
    assert names(client.get(url, {"bucket": "d90_plus"})) == ["Мой должник"]
    assert names(client.get(url, {"bucket": "d1_30"})) == ["Мой должник", "Чужой должник"]
    assert names(client.get(url, {"manager": users["manager"].pk})) == ["Мой должник"]
    assert names(client.get(url, {"sort": "overdue"})) == ["Чужой должник", "Мой должник"]
    for group in ("manager", "route", "branch"):
        assert client.get(url, {"group": group}).status_code == 200


def test_the_list_queries_do_not_grow_with_the_rows(
    client_for, branch, users, org, django_assert_max_num_queries
):
    client = client_for("accountant")
    client.get(reverse("billing:debtors"))  # the session is warm

    def debtors(n):
        for i in range(n):
            c = make_billing_client(branch, manager=users["manager"])
            invoice = make_invoice(c, amount="100.00", date=ago(50 + i), due_date=ago(40 + i))
            step = DunningStep.objects.get(days_after_due=1)
            DunningEvent.objects.create(document=invoice, step=step, client=c, outcome="x")

    debtors(2)
    with django_assert_max_num_queries(15) as two:
        client.get(reverse("billing:debtors"))
    debtors(8)
    with django_assert_max_num_queries(15) as ten:  # measured 14
        response = client.get(reverse("billing:debtors"))
    assert len(response.context["page"]) == 10
    assert len(ten.captured_queries) == len(two.captured_queries), len(two.captured_queries)


def test_recording_a_promise_to_pay(client_for, mine):
    client = client_for("accountant")
    promised = TODAY + datetime.timedelta(days=7)
    response = client.post(
        reverse("billing:debtor-promise", args=[mine.pk]),
        {"promised_on": promised.isoformat(), "amount": "2500", "note": "Оплатят после 10-го"},
    )
    assert response.status_code == 302
    promise = PromiseToPay.objects.get()
    assert (promise.promised_on, promise.amount) == (promised, Decimal("2500.00"))
    mine.refresh_from_db()
    assert mine.promise_to_pay_on == promised
    assert TimelineEntry.objects.filter(object_id=mine.pk, body__startswith="Promised").exists()
    page = client.get(reverse("billing:debtor-detail", args=[mine.pk])).content.decode()
    assert "Оплатят после 10-го" in page


def test_a_promise_in_the_past_is_refused_on_the_form(client_for, mine):
    response = client_for("accountant").post(
        reverse("billing:debtor-promise", args=[mine.pk]), {"promised_on": ago(1).isoformat()}
    )
    assert response.status_code == 200
    assert "cannot be in the past" in response.content.decode()
    assert not PromiseToPay.objects.exists()


def test_toggling_reminders_and_lifting_a_stop(client_for, mine):
    client = client_for("manager")
    url = reverse("billing:debtor-reminders", args=[mine.pk])
    client.post(url, {"do_not_remind": "on"})
    mine.refresh_from_db()
    assert mine.do_not_remind
    client.post(url, {})
    mine.refresh_from_db()
    assert not mine.do_not_remind

    client_set_stop_deliveries(client_id=mine.pk, stop=True, reason="Долг 100 дней")
    lift = reverse("billing:debtor-lift-stop", args=[mine.pk])
    assert client.post(lift, {"reason": ""}).status_code == 200  # a reason is required
    assert Client.objects.get(pk=mine.pk).stop_deliveries
    assert client.post(lift, {"reason": "Директор разрешил"}).status_code == 302
    mine.refresh_from_db()
    assert not mine.stop_deliveries
    assert TimelineEntry.objects.filter(object_id=mine.pk, body__contains="Директор").exists()


def test_the_excel_export(client_for, mine, theirs):
    from openpyxl import load_workbook

    response = client_for("accountant").get(reverse("billing:debtors-xlsx"), {"bucket": "d90_plus"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="debtors-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1
    assert rows[0][0] == "Мой должник" and rows[0][3] == 5700 and rows[0][9] == 5000


def test_the_ladder_is_edited_by_the_accountant_only(client_for):
    step = DunningStep.objects.get(days_after_due=3)
    assert client_for("manager").get(reverse("billing:dunning-ladder")).status_code == 403
    client = client_for("accountant")
    assert "+14" in client.get(reverse("billing:dunning-ladder")).content.decode()
    response = client.post(
        reverse("billing:dunning-step-edit", args=[step.pk]),
        {
            "days_after_due": 4,
            "action": "sms",
            "subject": "",
            "text_ru": "Оплатите {invoice}",
            "text_uk": "",
            "text_en": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.days_after_due, step.text_ru) == (4, "Оплатите {invoice}")
    response = client.post(
        reverse("billing:dunning-step-add"),
        {"days_after_due": 45, "action": "email", "subject": "", "text_ru": ""},
    )
    assert response.status_code == 200 and "Write the text" in response.content.decode()


def test_nav_shows_debtors_to_those_who_see_receivables(client_for):
    def page(role: str) -> str:
        return client_for(role).get("/", follow=True).content.decode()

    assert 'data-nav="billing-debtors"' in page("accountant")
    assert 'data-nav="billing-debtors"' not in page("driver")


def test_the_accountants_home_is_the_debtors_page(client_for):
    response = client_for("accountant").get("/")
    assert response.status_code == 302 and response["Location"] == reverse("billing:debtors")


def test_next_step_and_last_reminder_on_the_detail_page(client_for, mine):
    with_events = dunning.run_dunning(TODAY)
    assert with_events["steps"] >= 1
    page = client_for("accountant").get(reverse("billing:debtor-detail", args=[mine.pk]))
    state = page.context["state"]
    assert state.last_step is not None and state.next_step is not None
