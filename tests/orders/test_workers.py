"""Workers on orders: eligibility (skills, shift, overlapping jobs) and ordering (travel from the
last job, then rating), assigning under the rules, a job's start and finish by the worker or the
dispatcher, messages with the time they were read, and the computed rating."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.accounts.models_schedules import StaffProfile
from crm.accounts.models_skills import Skill
from crm.accounts.services_schedules import schedule_cell_set
from crm.accounts.services_skills import rating_adjust
from crm.core.models import TimelineKind
from crm.core.services import timeline_add
from crm.orders.models_workers import OrderSkillNeed, WorkerAssignment
from crm.orders.services import workers as services
from crm.orders.workers import eligible_workers, order_span, worker_ratings
from tests.clients.factories import make_client
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db
T = datetime.time
NEVSKY = {
    "address": "Невский пр., 1",
    "latitude": Decimal("59.935"),
    "longitude": Decimal("30.325"),
}
KUPCHINO = {"address": "Купчино", "latitude": Decimal("59.830"), "longitude": Decimal("30.380")}


@pytest.fixture
def day(branch):
    return datetime.date.today() + datetime.timedelta(days=2)


@pytest.fixture
def crew(make_user):
    return {
        name: make_user(
            "driver" if name != "olga" else "storekeeper", username=name, first_name=name.title()
        )
        for name in ("ivan", "petr", "olga")
    }


@pytest.fixture
def rigger(db):
    return Skill.objects.create(name="Такелажник")


@pytest.fixture
def client_(branch, users):
    return make_client(branch=branch, manager=users["manager"], name="Переезд-Сервис")


def _order(client, day, frm, to, stop=NEVSKY, actor=None):
    return make_order(
        client=client,
        actor=actor,
        date=day,
        window_from=T(frm),
        window_to=T(to),
        stops=[dict(stop)],
    )


def _skills(user, *skills):
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    profile.skills.set(skills)


def test_eligibility_filters_skill_shift_and_overlap(crew, rigger, client_, day, users):
    order = _order(client_, day, 10, 12)
    OrderSkillNeed.objects.create(order=order, skill=rigger)
    _skills(crew["ivan"], rigger)
    _skills(crew["petr"], rigger)
    _skills(crew["olga"], rigger)
    assert {c.worker.username for c in eligible_workers(order)} == {"ivan", "petr", "olga"}
    # petr is sick that day; olga has an overlapping job; a manager is no field worker
    schedule_cell_set(actor=users["admin"], user=crew["petr"], day=day, action="sick")
    other = _order(client_, day, 11, 13)
    WorkerAssignment.objects.create(order=other, worker=crew["olga"])
    assert [c.worker.username for c in eligible_workers(order)] == ["ivan"]
    # no longer the skill: nobody
    _skills(crew["ivan"])
    assert eligible_workers(order) == []


def test_shift_must_cover_the_start(crew, client_, day, users):
    order = _order(client_, day, 19, 21)
    schedule_cell_set(
        actor=users["admin"],
        user=crew["ivan"],
        day=day,
        action="shift",
        starts_at=T(8),
        ends_at=T(18),
    )
    schedule_cell_set(
        actor=users["admin"],
        user=crew["petr"],
        day=day,
        action="shift",
        starts_at=T(18),
        ends_at=T(6),
    )
    names = {c.worker.username for c in eligible_workers(order)}
    assert "ivan" not in names and "petr" in names and "olga" in names  # olga keeps no schedule


def test_sorted_by_travel_from_the_last_job_then_rating(crew, client_, day, users):
    order = _order(client_, day, 14, 16, stop=NEVSKY)
    near = _order(client_, day, 9, 11, stop=NEVSKY)
    far = _order(client_, day, 9, 11, stop=KUPCHINO)
    WorkerAssignment.objects.create(order=near, worker=crew["petr"], status="done")
    WorkerAssignment.objects.create(order=far, worker=crew["ivan"], status="done")
    rating_adjust(actor=users["admin"], user=crew["olga"], delta=Decimal("-1"), reason="Опоздания")
    ranked = [c for c in eligible_workers(order) if c.worker.username in crew]
    assert [c.worker.username for c in ranked] == ["petr", "ivan", "olga"]
    assert ranked[0].travel <= 1 and ranked[1].travel > 10 and ranked[2].travel is None
    assert ranked[2].rating == Decimal("4.00")


def test_assign_checks_eligibility_rights_and_closed_orders(crew, rigger, client_, day, users):
    order = _order(client_, day, 10, 12)
    OrderSkillNeed.objects.create(order=order, skill=rigger)
    _skills(crew["ivan"], rigger)
    created = services.worker_assign(actor=users["dispatcher"], order=order, workers=[crew["ivan"]])
    assert [a.worker for a in created] == [crew["ivan"]]
    with pytest.raises(ValidationError, match="Petr"):
        services.worker_assign(actor=users["dispatcher"], order=order, workers=[crew["petr"]])
    with pytest.raises(ValidationError):  # already on it
        services.worker_assign(actor=users["dispatcher"], order=order, workers=[crew["ivan"]])
    with pytest.raises(PermissionDenied):
        services.worker_assign(actor=users["accountant"], order=order, workers=[crew["ivan"]])
    assert WorkerAssignment.objects.count() == 1


def test_job_moves_by_worker_and_dispatcher(crew, client_, day, users):
    order = _order(client_, day, 10, 12)
    job = services.worker_assign(actor=users["dispatcher"], order=order, workers=[crew["ivan"]])[0]
    with pytest.raises(PermissionDenied):
        services.assignment_move(actor=crew["petr"], assignment=job, action="start")
    with pytest.raises(PermissionDenied):  # cancelling is the dispatcher's
        services.assignment_move(actor=crew["ivan"], assignment=job, action="cancel")
    with pytest.raises(ValidationError):
        services.assignment_move(actor=crew["ivan"], assignment=job, action="finish")
    started = services.assignment_move(actor=crew["ivan"], assignment=job, action="start")
    with pytest.raises(ValidationError, match="before it started"):
        services.assignment_move(
            actor=users["dispatcher"],
            assignment=job,
            action="finish",
            at=started.started_at - datetime.timedelta(minutes=5),
        )
    done = services.assignment_move(actor=users["dispatcher"], assignment=job, action="finish")
    assert done.status == "done" and done.finished_at >= done.started_at


def test_rating_counts_lateness_complaints_and_adjustments(crew, client_, day, users):
    order = _order(client_, day, 10, 12)
    start = order_span(order)[0]
    WorkerAssignment.objects.create(
        order=order,
        worker=crew["ivan"],
        status="done",
        started_at=start + datetime.timedelta(minutes=40),
        finished_at=timezone.now(),
    )
    WorkerAssignment.objects.create(
        order=order,
        worker=crew["petr"],
        status="done",
        started_at=start + datetime.timedelta(minutes=10),
        finished_at=timezone.now(),
    )
    assert worker_ratings([crew["ivan"].pk, crew["petr"].pk]) == {
        crew["ivan"].pk: Decimal("4.80"),
        crew["petr"].pk: Decimal("5.00"),
    }
    timeline_add(
        actor=users["manager"], target=order, kind=TimelineKind.COMPLAINT, body="Поцарапали шкаф"
    )
    rating_adjust(
        actor=users["admin"], user=crew["petr"], delta=Decimal("0.30"), reason="Благодарность"
    )
    ratings = worker_ratings([crew["ivan"].pk, crew["petr"].pk])
    assert ratings[crew["ivan"].pk] == Decimal("4.30")
    assert ratings[crew["petr"].pk] == Decimal("4.80")  # the same order: 5 − 0.50 + 0.30
    rating_adjust(actor=users["admin"], user=crew["olga"], delta=Decimal("1"), reason="Премия")
    assert worker_ratings([crew["olga"].pk])[crew["olga"].pk] == Decimal("5.00")  # capped
    rating_adjust(actor=users["admin"], user=crew["olga"], delta=Decimal("-5"), reason="Прогулы")
    assert worker_ratings([crew["olga"].pk])[crew["olga"].pk] == Decimal("1.00")
    with pytest.raises(ValidationError):
        rating_adjust(actor=users["admin"], user=crew["olga"], delta=Decimal("0"), reason="x")
    with pytest.raises(PermissionDenied):
        rating_adjust(actor=users["dispatcher"], user=crew["olga"], delta=Decimal("1"), reason="x")


def test_message_is_read_when_the_worker_opens_the_jobs(crew, client_, day, users, client):
    order = _order(client_, day, 10, 12)
    job = services.worker_assign(actor=users["dispatcher"], order=order, workers=[crew["ivan"]])[0]
    message = services.worker_message_send(
        actor=users["dispatcher"], assignment=job, body="Возьмите ремни"
    )
    with pytest.raises(ValidationError):
        services.worker_message_send(actor=users["dispatcher"], assignment=job, body="  ")
    with pytest.raises(PermissionDenied):
        services.worker_message_send(actor=crew["ivan"], assignment=job, body="Я")
    assert services.worker_messages_mark_read(worker=crew["petr"], assignment_ids=[job.pk]) == 0
    assert services.worker_messages_mark_read(worker=crew["ivan"], assignment_ids=[job.pk]) == 1
    message.refresh_from_db()
    assert message.read_at is not None
