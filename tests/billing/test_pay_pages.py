"""Staff pay pages: the accountant computes a period, pays out once (a repeated submit with the
same key pays nothing more), gives an advance, filters and exports; the page's queries do not
grow with the rows; pay rules re-render with errors; an employee sees only their own pay."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from billing.models_pay import PayAccrual, Payout, PayRule
from crm.orders.models_workers import WorkerAssignment
from tests.clients.factories import make_client
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)
PERIOD = {"start": "2026-03-01", "end": "2026-03-31"}


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _done_job(branch, manager, worker, hour=10):
    client = make_client(branch=branch, manager=manager, name=f"Клиент {worker.username} {hour}")
    order = make_order(client=client, date=DAY, allow_past=True)
    start = datetime.datetime.combine(DAY, datetime.time(hour), tzinfo=branch.tzinfo)
    return WorkerAssignment.objects.create(
        order=order,
        worker=worker,
        status="done",
        started_at=start,
        finished_at=start + datetime.timedelta(hours=2),
    )


@pytest.fixture
def setup(branch, users, make_user):
    PayRule.objects.create(branch=branch, name="Час", kind="hour", rate=Decimal("350"))
    workers = [
        make_user("storekeeper", username=f"w{i}", first_name=f"Рабочий{i}") for i in range(2)
    ]
    for w in workers:
        _done_job(branch, users["manager"], w)
    return workers


def test_accountant_computes_pays_once_and_exports(setup, users, django_assert_max_num_queries):
    accountant = _login(users["accountant"])
    accountant.post(reverse("billing:pay-compute"), PERIOD)
    assert PayAccrual.objects.count() == 2
    url = reverse("billing:pay") + "?start=2026-03-01&end=2026-03-31"
    with django_assert_max_num_queries(20) as first:
        page = accountant.get(url)
    assert 'data-employee="w0"' in page.content.decode() and "700.00" in page.content.decode()
    baseline = len(first.captured_queries)  # read now: the next request clears the log
    worker = setup[0]
    key = str(uuid.uuid4())
    data = {**PERIOD, "employee": worker.pk, "kind": "payout", "key": key}
    accountant.post(reverse("billing:payout-create"), data)
    accountant.post(reverse("billing:payout-create"), data)  # double click: same key
    accountant.post(
        reverse("billing:payout-create"), {**data, "key": str(uuid.uuid4())}
    )  # nothing left
    assert list(Payout.objects.values_list("amount", flat=True)) == [Decimal("700.00")]
    accountant.post(
        reverse("billing:payout-create"),
        {
            **PERIOD,
            "employee": setup[1].pk,
            "kind": "advance",
            "amount": "200",
            "key": str(uuid.uuid4()),
        },
    )
    for i in range(3):
        _done_job(worker.branch, users["manager"], setup[1], hour=14 + i)
    accountant.post(reverse("billing:pay-compute"), PERIOD)
    with django_assert_max_num_queries(baseline):
        assert accountant.get(url).status_code == 200
    export = accountant.get(reverse("billing:pay-xlsx") + "?start=2026-03-01&end=2026-03-31")
    book = load_workbook(BytesIO(export.content))
    assert book.active.max_row == 2 + 5 and len(book.worksheets) == 2
    filtered = accountant.get(url + f"&employee={worker.pk}").content.decode()
    assert 'data-employee="w0"' in filtered and 'data-employee="w1"' not in filtered


def test_pay_rules_page_re_renders_errors_and_saves(users):
    accountant = _login(users["accountant"])
    bad = accountant.post(reverse("billing:pay-rules"), {"name": "", "kind": "hour", "rate": "-1"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    ok = accountant.post(
        reverse("billing:pay-rules"),
        {
            "name": "Ночные часы",
            "kind": "hour",
            "rate": "300",
            "night_rate": "450",
            "night_from": "22:00",
            "night_to": "06:00",
            "night_surcharge_pct": "0",
            "weekend_surcharge_pct": "25",
            "is_active": "on",
        },
    )
    assert ok.status_code == 302 and PayRule.objects.get().night_rate == Decimal("450")


def test_employee_sees_only_their_own_pay(setup, users, branch):
    _login(users["accountant"]).post(reverse("billing:pay-compute"), PERIOD)
    mine = _login(setup[0]).get(reverse("billing:my-pay")).content.decode()
    assert "700.00" in mine and f"Клиент {setup[1].username}" not in mine
    assert _login(setup[0]).get(reverse("billing:pay")).status_code == 403
