"""A worker's day: the printable list in order, e-mailing one worker or everyone of the date
(a driver gets the route sheet PDF attached), the hour scale with busy time and clients'
windows on 12 and 24 hours, and a worker seeing only their own day."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from crm.accounts.services_schedules import schedule_cell_set
from crm.orders.models_workers import WorkerAssignment
from crm.orders.worker_day import hour_lanes, worker_day_email
from tests.clients.factories import make_client
from tests.orders.factories import make_order
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

pytestmark = pytest.mark.django_db
T = datetime.time


@pytest.fixture
def day():
    return datetime.date.today() + datetime.timedelta(days=1)


@pytest.fixture
def jobs(branch, users, make_user, day):
    worker = make_user(
        "storekeeper", username="loader", email="loader@example.com", first_name="Гена"
    )
    client = make_client(
        branch=branch, manager=users["manager"], name="Офис на Мойке", phones=["+79110001122"]
    )
    late = make_order(
        client=client,
        date=day,
        window_from=T(15),
        window_to=T(17),
        driver_comment="Собрать стеллажи",
    )
    early = make_order(client=client, date=day, window_from=T(9), window_to=T(11))
    for order in (late, early):
        WorkerAssignment.objects.create(order=order, worker=worker)
    return worker


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_printable_day_lists_jobs_in_time_order(jobs, users, day):
    page = (
        _login(users["dispatcher"])
        .get(reverse("orders:worker-day") + f"?worker={jobs.pk}&date={day}")
        .content.decode()
    )
    assert (
        page.index("09:00") < page.index("15:00")
        and "Собрать стеллажи" in page
        and "+79110001122" in page
    )


def test_email_one_worker_and_everyone_with_route_sheets(jobs, users, day, branch):
    dispatcher = _login(users["dispatcher"])
    dispatcher.post(
        reverse("orders:worker-day-email"), {"worker": jobs.pk, "date": day.isoformat()}
    )
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["loader@example.com"] and body.index("09:00") < body.index("15:00")
    assert "+79110001122" in body and "Собрать стеллажи" in body
    # a driver with a route that day is one of "everyone" and gets the sheet attached
    driver = users["driver"]
    driver.email = "driver@example.com"
    driver.save(update_fields=["email"])
    van = make_vehicle(branch, make_depot(branch), driver=driver)
    make_manual_plan(
        branch,
        [van],
        [
            [
                make_stop_order(
                    make_client(branch=branch, name="Точка"), point=("59.94", "30.32"), date=day
                )
            ]
        ],
    )
    mail.outbox.clear()
    dispatcher.post(reverse("orders:worker-day-email"), {"worker": "all", "date": day.isoformat()})
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"loader@example.com", "driver@example.com"}
    name, content, mimetype = by_to["driver@example.com"].attachments[0]
    assert name.endswith(".pdf") and content.startswith(b"%PDF") and mimetype == "application/pdf"


def test_no_email_without_address_or_jobs(users, make_user, day):
    assert worker_day_email(make_user("driver", username="nomail", email=""), day) is None
    assert (
        worker_day_email(make_user("driver", username="idle", email="idle@example.com"), day)
        is None
    )


def test_hour_scale_shows_busy_windows_and_shift(jobs, users, day):
    schedule_cell_set(
        actor=users["admin"], user=jobs, day=day, action="shift", starts_at=T(8), ends_at=T(20)
    )
    lane = hour_lanes(jobs, [day], 12)[0]
    kinds = [(b.kind, b.left, b.width) for b in lane.blocks]
    assert ("shift", 0.0, 100.0) in kinds
    assert ("window", round(60 * 100 / 720, 3), round(120 * 100 / 720, 3)) in kinds  # 09–11
    assert lane.busy_minutes == 240
    wide = hour_lanes(jobs, [day], 24)[0]
    assert ("window", 62.5, round(120 * 100 / 1440, 3)) in [
        (b.kind, b.left, b.width) for b in wide.blocks
    ]
    page = (
        _login(jobs)
        .get(reverse("orders:worker-hours") + f"?date={day}&hours=24&week=1")
        .content.decode()
    )
    assert page.count('class="wd-row" data-day') == 7 and "wd-busy" in page


def test_worker_sees_only_their_own_day(jobs, users, make_user, day):
    other = make_user("storekeeper", username="other")
    page = (
        _login(other)
        .get(reverse("orders:worker-day") + f"?worker={jobs.pk}&date={day}")
        .content.decode()
    )
    assert "Офис на Мойке" not in page and other.display_name in page
    assert (
        _login(other).post(reverse("orders:worker-day-email"), {"worker": jobs.pk}).status_code
        == 403
    )
    assert mail.outbox == []
