"""POST /api/v1/telephony/events/: validated, idempotent on call id + event, handed to the
telephony app's ``handle_call_event`` with the key's branch."""

from __future__ import annotations

import datetime
import sys
import types

import pytest

from crm.api.models import ApiCall, CallState
from crm.api.services import api_key_create

pytestmark = pytest.mark.django_db

EVENT = {
    "event": "incoming",
    "call_id": "pbx-42",
    "caller": "+7 911 123-45-67",
    "called": "101",
    "at": "2026-03-02T10:15:00+03:00",
}


@pytest.fixture
def handled(monkeypatch):
    """A stand-in telephony service recording what it is given."""
    calls: list[dict] = []

    def handle_call_event(**kwargs):
        calls.append(kwargs)
        return types.SimpleNamespace(pk=len(calls))

    fake = types.ModuleType("crm.telephony.services")
    fake.handle_call_event = handle_call_event
    monkeypatch.setitem(sys.modules, "crm.telephony.services", fake)
    return calls


def test_event_is_handed_to_telephony_with_the_keys_branch(post, branch, handled):
    response = post("telephony/events/", EVENT)
    assert response.status_code == 201, response.content
    assert response.json() == {"status": "created", "kind": "call", "id": 1}
    (kwargs,) = handled
    assert kwargs["branch"] == branch and kwargs["event"] == "incoming"
    assert kwargs["call_id"] == "pbx-42" and kwargs["caller"] == "+7 911 123-45-67"
    assert kwargs["called"] == "101" and kwargs["at"] == datetime.datetime(
        2026, 3, 2, 7, 15, tzinfo=datetime.UTC
    )
    assert kwargs["duration_seconds"] is None and kwargs["recording_url"] == ""


def test_duplicate_event_is_handled_once(post, handled):
    assert post("telephony/events/", EVENT).status_code == 201
    again = post("telephony/events/", EVENT)
    assert again.status_code == 200 and again.json()["id"] == 1
    assert len(handled) == 1
    # the next event of the same call is another request
    ended = {**EVENT, "event": "ended", "duration_seconds": 75}
    assert post("telephony/events/", ended).status_code == 201
    assert [c["event"] for c in handled] == ["incoming", "ended"]
    assert ApiCall.objects.filter(external_id="pbx-42:incoming").count() == 2


def test_the_same_call_id_in_another_branch_is_another_call(post, other_branch, handled):
    _key, raw = api_key_create(actor=None, name="АТС Москва", branch=other_branch)
    assert post("telephony/events/", EVENT).status_code == 201
    assert post("telephony/events/", EVENT, key=raw).status_code == 201
    assert [c["branch"].code for c in handled] == ["spb", "msk"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "ringing"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"caller": ""}, "caller"),
        ({"at": "вчера"}, "at"),
        ({"at": "1900-01-01T00:00:00+17:07"}, "at"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"recording_url": "ftp://x"}, "recording_url"),
        ({"extension": "101"}, "extension"),
    ],
)
def test_invalid_events_are_422(post, handled, change, field):
    response = post("telephony/events/", {**EVENT, **change})
    assert response.status_code == 422 and field in response.json()["errors"]
    assert handled == []
    assert ApiCall.objects.get().state == CallState.REJECTED


def test_events_need_a_key(post, handled):
    assert post("telephony/events/", EVENT, key=None).status_code == 401
    assert handled == []


def test_real_telephony_service_records_the_call_once(post, branch):
    pytest.importorskip("crm.telephony.services")
    from crm.telephony.models import Call

    first = post("telephony/events/", EVENT)
    assert first.status_code == 201, first.content
    assert post("telephony/events/", EVENT).json()["id"] == first.json()["id"]
    call = Call.objects.get()
    assert call.branch == branch and call.call_id == "pbx-42"
