"""``handle_call_event``: the caller found by the number however it is written, the pop-up pushed
to the operator at the extension (or every operator of the branch) on each one's own channel, a
re-sent event changing nothing, the finished call on the client's timeline and a missed call
turned into a call-back task; and the extensions' service."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.accounts.roles import Role
from crm.core.models import TimelineEntry
from crm.core.realtime import user_group
from crm.leads.models import Task
from crm.telephony.models import Call, CallEvent, CallStatus, OperatorExtension
from crm.telephony.services import (
    call_create_client,
    handle_call_event,
    operator_extension_set,
)
from tests.clients.factories import make_client
from tests.telephony.factories import Pushes, make_extension, next_call_id

pytestmark = pytest.mark.django_db

PHONE = "+79111234567"


@pytest.fixture
def pushes(monkeypatch) -> Pushes:
    recorder = Pushes()
    monkeypatch.setattr("crm.core.realtime.publish", recorder)
    return recorder


@pytest.fixture
def staff(make_user, other_branch):
    return {
        "op1": make_user(Role.OPERATOR, username="op1"),
        "op2": make_user(Role.OPERATOR, username="op2"),
        "gone": make_user(Role.OPERATOR, username="op-gone", is_active=False),
        "manager": make_user(Role.MANAGER, username="mgr"),
        "head": make_user(Role.HEAD_OF_SALES, username="head"),
        "foreign": make_user(Role.OPERATOR, username="op-msk", branch=other_branch),
    }


def _event(branch, event, call_id, caller=PHONE, **kwargs):
    return handle_call_event(branch=branch, event=event, call_id=call_id, caller=caller, **kwargs)


def test_known_caller_pops_up_only_for_the_operator_at_the_extension(
    branch, staff, pushes, django_capture_on_commit_callbacks
):
    client = make_client(
        branch=branch, name="Кафе «Белка»", phones=[PHONE], manager=staff["manager"]
    )
    make_extension(staff["op1"], "101")
    make_extension(staff["op2"], "102")
    with django_capture_on_commit_callbacks(execute=True):
        call = _event(branch, "incoming", "c-1", caller="8 (911) 123-45-67", called="101")
    assert call.client == client and call.operator == staff["op1"]
    assert call.status == CallStatus.RINGING and call.caller_number == PHONE
    assert list(call.notified.all()) == [staff["op1"]]
    assert pushes.groups("call.incoming") == [user_group(staff["op1"].pk)]
    event = pushes.sent[0][1]
    assert event == {
        "type": "call.incoming",
        "call": call.pk,
        "status": "ringing",
        "url": f"/telephony/calls/{call.pk}/popup/",
    }


def test_no_matching_extension_pops_up_for_every_active_operator_of_the_branch(
    branch, staff, pushes, django_capture_on_commit_callbacks
):
    make_extension(staff["op1"], "101")
    with django_capture_on_commit_callbacks(execute=True):
        call = _event(branch, "incoming", "c-2", caller="+7 921 000-00-00", called="74951234567")
    assert call.client is None and call.operator is None
    expected = {user_group(staff["op1"].pk), user_group(staff["op2"].pk)}
    assert set(pushes.groups("call.incoming")) == expected  # not the manager, nor other branches
    assert len(pushes.groups()) == 2
    assert set(call.notified.all()) == {staff["op1"], staff["op2"]}


def test_an_inactive_operators_extension_falls_back_to_every_operator(branch, staff, pushes):
    make_extension(staff["gone"], "109")
    call = _event(branch, "incoming", "c-3", called="109")
    assert set(call.notified.all()) == {staff["op1"], staff["op2"]}


def test_a_branch_without_operators_sends_calls_to_its_sales_staff(other_branch, make_user):
    manager = make_user(Role.MANAGER, username="msk-mgr", branch=other_branch)
    head = make_user(Role.HEAD_OF_SALES, username="msk-head", branch=other_branch)
    make_user(Role.DRIVER, username="msk-driver", branch=other_branch)
    call = _event(other_branch, "incoming", "c-4")
    assert set(call.notified.all()) == {manager, head}


def test_nothing_is_pushed_when_the_transaction_rolls_back(branch, staff, pushes):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _event(branch, "incoming", "c-5")
        raise RuntimeError("rolled back")
    assert pushes.sent == [] and not Call.objects.exists()


def test_a_re_sent_event_is_ignored(branch, staff, pushes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _event(branch, "incoming", "c-6")
        again = _event(branch, "incoming", "c-6", called="999")
    assert again.pk == first.pk and Call.objects.count() == 1
    assert CallEvent.objects.filter(call=first).count() == 1
    assert len(pushes.groups("call.incoming")) == 2  # once per operator, not twice


def test_the_same_call_id_in_another_branch_is_another_call(branch, other_branch, staff):
    here = _event(branch, "incoming", "same-id")
    there = _event(other_branch, "incoming", "same-id")
    assert here.pk != there.pk


def test_an_answered_call_ends_on_the_clients_timeline(branch, staff, pushes):
    client = make_client(branch=branch, phones=[PHONE], manager=staff["manager"])
    make_extension(staff["op1"], "101")
    start = timezone.now() - datetime.timedelta(minutes=3)
    cid = next_call_id()
    _event(branch, "incoming", cid, called="101", at=start)
    _event(branch, "answered", cid, called="101", at=start + datetime.timedelta(seconds=10))
    url = "https://pbx.example.com/rec/1.mp3"
    call = _event(
        branch,
        "ended",
        cid,
        at=start + datetime.timedelta(seconds=135),
        duration_seconds=125,
        recording_url=url,
    )
    _event(branch, "ended", cid, duration_seconds=999)  # re-sent: ignored
    call.refresh_from_db()
    assert call.status == CallStatus.ENDED and call.duration_seconds == 125
    entries = TimelineEntry.objects.filter(object_id=client.pk, kind=TimelineEntry.Kind.CALL)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.author == staff["op1"]
    assert entry.data == {
        "call": call.pk,
        "direction": "incoming",
        "status": "ended",
        "duration_seconds": 125,
        "operator": staff["op1"].pk,
        "recording_url": url,
    }
    assert "2:05" in entry.body and url in entry.body and staff["op1"].display_name in entry.body
    assert not Task.objects.exists()


def test_the_duration_is_counted_from_the_answer_when_the_pbx_gives_none(branch, staff):
    start = timezone.now()
    cid = next_call_id()
    _event(branch, "incoming", cid, at=start)
    _event(branch, "answered", cid, at=start + datetime.timedelta(seconds=5))
    call = _event(branch, "ended", cid, at=start + datetime.timedelta(seconds=65))
    assert call.duration_seconds == 60


@pytest.mark.parametrize("last_event", ["ended", "missed"])
def test_a_missed_call_becomes_a_task_for_the_responsible_manager(
    branch, staff, pushes, last_event
):
    client = make_client(branch=branch, name="ООО Вода", phones=[PHONE], manager=staff["manager"])
    cid = next_call_id()
    _event(branch, "incoming", cid)
    call = _event(branch, last_event, cid)
    _event(branch, "missed" if last_event == "ended" else "ended", cid)  # both may come
    call.refresh_from_db()
    assert call.status == CallStatus.MISSED
    task = Task.objects.get()
    assert call.missed_task == task
    assert task.assignee == staff["manager"] and task.client == client
    assert task.priority == "high" and "ООО Вода" in task.title
    assert task.due_at > timezone.now()
    entry = TimelineEntry.objects.get(object_id=client.pk, kind=TimelineEntry.Kind.CALL)
    assert entry.data["status"] == "missed" and "Missed" in entry.body


def test_a_missed_call_from_an_unknown_number_goes_to_the_head_of_sales(branch, staff):
    cid = next_call_id()
    _event(branch, "incoming", cid, caller="+7 921 555-44-33")
    _event(branch, "missed", cid)
    task = Task.objects.get()
    assert task.assignee == staff["head"] and task.client is None
    assert "+7 921 555-44-33" in task.title
    assert not TimelineEntry.objects.filter(kind=TimelineEntry.Kind.CALL).exists()


def test_a_missed_call_with_nobody_to_keep_tasks_notifies_the_operators(other_branch, make_user):
    from crm.core.models import Notification

    operator = make_user(Role.OPERATOR, username="msk-op", branch=other_branch)
    cid = next_call_id()
    _event(other_branch, "incoming", cid)
    _event(other_branch, "missed", cid)
    assert not Task.objects.exists()
    assert Notification.objects.filter(recipient=operator, title__contains="Missed call").exists()


def test_ended_without_an_incoming_event_still_logs_the_call(branch, staff):
    client = make_client(branch=branch, phones=[PHONE], manager=staff["manager"])
    call = _event(branch, "ended", next_call_id())
    assert call.client == client and call.status == CallStatus.MISSED
    assert call.notified.count() == 0  # too late for a pop-up


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"event": "ringing"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"call_id": "x" * 101}, "call_id"),
        ({"duration_seconds": -1}, "duration_seconds"),
    ],
)
def test_bad_events_are_rejected(branch, kwargs, field):
    params = {"event": "incoming", "call_id": "ok", "caller": PHONE, **kwargs}
    with pytest.raises(ValidationError) as error:
        handle_call_event(branch=branch, **params)
    assert field in error.value.message_dict
    assert not Call.objects.exists()


# --- Extensions -----------------------------------------------------------------------------------
def test_extensions_are_unique_per_branch(users, staff):
    admin = users["admin"]
    operator_extension_set(actor=admin, user=staff["op1"], extension="101")
    with pytest.raises(ValidationError) as error:
        operator_extension_set(actor=admin, user=staff["op2"], extension="101")
    assert "extension" in error.value.message_dict
    operator_extension_set(actor=admin, user=staff["foreign"], extension="101")  # other branch
    record = operator_extension_set(actor=admin, user=staff["op1"], extension="105")  # replaced
    assert OperatorExtension.objects.filter(user=staff["op1"]).get() == record
    assert record.extension == "105"


@pytest.mark.parametrize("bad", ["", "12a", "1" * 21])
def test_extensions_must_be_digits(users, staff, bad):
    with pytest.raises(ValidationError):
        operator_extension_set(actor=users["admin"], user=staff["op1"], extension=bad)


def test_only_admins_set_extensions(users, staff):
    with pytest.raises(PermissionDenied):
        operator_extension_set(actor=users["operator"], user=staff["op1"], extension="101")


# --- New client from the pop-up -------------------------------------------------------------------
def test_a_new_client_from_an_unknown_callers_pop_up_gets_the_number(branch, staff):
    cid = next_call_id()
    _event(branch, "incoming", cid, caller="8 921 555-44-33")
    call = _event(branch, "missed", cid)
    client = call_create_client(actor=staff["op1"], call=call, name="Новый клиент")
    call.refresh_from_db()
    assert call.client == client and client.source == "call"
    assert [p.number for p in client.phones.all()] == ["+79215554433"]
    assert TimelineEntry.objects.filter(object_id=client.pk, kind="call").count() == 1
    with pytest.raises(ValidationError):
        call_create_client(actor=staff["op1"], call=call, name="Ещё один")
