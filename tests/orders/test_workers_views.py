"""Worker pages through HTTP: the assign page (flat query count, assigning, errors back on the
form), the workers card on the order, the worker's tablet page with start/finish and read
receipts, someone else's job hidden, HR's skills page and a worker's profile."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from crm.accounts.models_schedules import StaffProfile
from crm.accounts.models_skills import RatingAdjustment, Skill
from crm.orders.models_workers import OrderSkillNeed, WorkerAssignment, WorkerMessage
from crm.orders.services import workers as services
from tests.clients.factories import make_client
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def order(branch, users):
    client = make_client(branch=branch, manager=users["manager"], name="Квартирный переезд")
    return make_order(
        client=client,
        date=datetime.date.today() + datetime.timedelta(days=1),
        window_from=datetime.time(10),
        window_to=datetime.time(13),
        driver_comment="Разобрать шкаф, 3 этаж без лифта",
    )


def test_assign_page_lists_candidates_with_flat_queries(
    order, users, make_user, django_assert_max_num_queries
):
    make_user("driver", username="w1")
    dispatcher = _login(users["dispatcher"])
    url = reverse("orders:order-workers", args=[order.pk])
    with django_assert_max_num_queries(40) as first:
        page = dispatcher.get(url)
    assert page.status_code == 200 and 'data-worker="w1"' in page.content.decode()
    for i in range(5):
        make_user("driver", username=f"more{i}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert "more4" in dispatcher.get(url).content.decode()


def test_dispatcher_assigns_and_the_order_card_shows_the_worker(order, users, make_user):
    worker = make_user("driver", username="w1", first_name="Гоша")
    dispatcher = _login(users["dispatcher"])
    url = reverse("orders:order-workers", args=[order.pk])
    assert dispatcher.post(url, {"workers": [worker.pk]}).status_code == 302
    assert WorkerAssignment.objects.get(order=order).worker == worker
    card = dispatcher.get(reverse("orders:order-detail", args=[order.pk])).content.decode()
    assert 'id="order-workers"' in card and "Гоша" in card and 'id="assign-worker"' in card
    # a worker not offered any more (already on the job) comes back as a form error
    again = dispatcher.post(url, {"workers": [worker.pk]})
    assert again.status_code == 200 and "form-errors" in again.content.decode()
    assert WorkerAssignment.objects.filter(order=order).count() == 1


def test_order_skills_narrow_the_candidates(order, users, make_user):
    rigger = Skill.objects.create(name="Такелажник")
    skilled = make_user("driver", username="skilled")
    make_user("driver", username="plain")
    StaffProfile.objects.create(user=skilled).skills.add(rigger)
    dispatcher = _login(users["dispatcher"])
    dispatcher.post(reverse("orders:order-skills", args=[order.pk]), {"skills": [rigger.pk]})
    assert OrderSkillNeed.objects.filter(order=order, skill=rigger).exists()
    page = dispatcher.get(reverse("orders:order-workers", args=[order.pk])).content.decode()
    assert 'data-worker="skilled"' in page and 'data-worker="plain"' not in page


def test_worker_starts_and_finishes_on_the_tablet_and_reads_messages(order, users, make_user):
    worker = make_user("driver", username="w1")
    job = services.worker_assign(actor=users["dispatcher"], order=order, workers=[worker])[0]
    services.worker_message_send(actor=users["dispatcher"], assignment=job, body="Возьмите ремни")
    tablet = _login(worker)
    page = tablet.get(
        reverse("orders:my-jobs") + f"?date={order.date.isoformat()}"
    ).content.decode()
    assert "Разобрать шкаф" in page and "Возьмите ремни" in page and "Start the job" in page
    assert WorkerMessage.objects.get().read_at is not None
    dispatcher_view = _login(users["dispatcher"]).get(
        reverse("orders:order-workers", args=[order.pk])
    )
    assert "badge-ok" in dispatcher_view.content.decode()  # "read HH:MM"
    assert (
        tablet.post(reverse("orders:assignment-action", args=[job.pk, "start"])).status_code == 302
    )
    tablet.post(reverse("orders:assignment-action", args=[job.pk, "finish"]))
    job.refresh_from_db()
    assert job.status == "done" and job.started_at and job.finished_at
    # another worker cannot touch this job: it does not exist for them
    stranger = _login(make_user("driver", username="w2"))
    assert (
        stranger.post(reverse("orders:assignment-action", args=[job.pk, "cancel"])).status_code
        == 404
    )


def test_hr_edits_skills_category_and_adjusts_the_rating(users, make_user):
    worker = make_user("driver", username="w1")
    loader = Skill.objects.create(name="Грузчик")
    hr = _login(users["hr"])
    assert hr.post(reverse("orders:skills"), {"name": "Флорист"}).status_code == 302
    page = hr.get(reverse("orders:skills")).content.decode()
    assert "Флорист" in page and 'id="worker-list"' in page
    url = reverse("orders:worker-profile", args=[worker.pk])
    hr.post(
        url,
        {
            "form": "profile",
            "skills": [loader.pk],
            "category": "Старший грузчик",
            "vacation_days_per_year": 31,
        },
    )
    profile = StaffProfile.objects.get(user=worker)
    assert list(profile.skills.all()) == [loader] and profile.category == "Старший грузчик"
    bad = hr.post(url, {"form": "rating", "delta": "0", "reason": "ошибка"})
    assert bad.status_code == 200 and "not zero" in bad.content.decode()
    hr.post(url, {"form": "rating", "delta": "-0.5", "reason": "Опоздал к клиенту"})
    adjustment = RatingAdjustment.objects.get()
    assert adjustment.delta == Decimal("-0.50") and adjustment.actor == users["hr"]
    assert "4.50" in hr.get(url).content.decode()
    assert _login(users["dispatcher"]).get(url).status_code == 403
