"""Telephony services: operators' extensions and the PBX's call events.

``handle_call_event`` is the one entry point for the PBX (the intake API calls it): it stores each
event of a call once, pops the caller's card up on the right operators' screens (each on the
operator's own live channel, so operators never see each other's pop-ups), writes the finished
call on the client's timeline and turns a missed call into a call-back task."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, ClientSource
from clients.services import client_create, client_find_duplicates
from crm.accounts.roles import Role
from crm.core.models import TimelineEntry
from crm.core.phones import format_phone, normalize_phone
from crm.core.realtime import publish_on_commit, user_group
from crm.core.services import audit_record, notification_send, timeline_add
from crm.telephony.models import Call, CallEvent, CallEventKind, CallStatus, OperatorExtension
from crm.telephony.roles import MANAGE_EXTENSIONS

logger = logging.getLogger(__name__)

#: Who takes calls when the called extension matches nobody: the branch's operators; a branch
#: without operators falls back to its sales staff.
CALL_TAKERS = (Role.OPERATOR,)
FALLBACK_CALL_TAKERS = (Role.MANAGER, Role.HEAD_OF_SALES)
SAVED_FIELDS = [
    "client",
    "operator",
    "status",
    "answered_at",
    "ended_at",
    "duration_seconds",
    "recording_url",
    "timeline_entry",
    "missed_task",
]
#: A missed call's call-back task is due this long after the call.
CALL_BACK_WITHIN = datetime.timedelta(minutes=30)


# --- Extensions -----------------------------------------------------------------------------------
@transaction.atomic
def operator_extension_set(*, actor: Any, user: Any, extension: str) -> OperatorExtension:
    """Give ``user`` the extension (replacing their previous one); unique within their branch."""
    if not actor.has_perm(MANAGE_EXTENSIONS):
        raise PermissionDenied
    extension = (extension or "").strip()
    if user.branch_id is None:
        raise ValidationError({"user": _("The employee has no branch.")})
    record = OperatorExtension.objects.filter(user=user).first() or OperatorExtension(user=user)
    record.branch_id = user.branch_id
    record.extension = extension
    record.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    taken = OperatorExtension.objects.filter(branch_id=user.branch_id, extension=extension)
    if taken.exclude(user=user).exists():
        raise ValidationError(
            {"extension": _("Extension %(ext)s is taken in this branch.") % {"ext": extension}}
        )
    created = record.pk is None
    record.save()
    audit_record(
        actor=actor,
        instance=user,
        changes={"extension": ["" if created else "…", extension]},
        note=_("Phone extension"),
    )
    return record


@transaction.atomic
def operator_extension_delete(*, actor: Any, record: OperatorExtension) -> None:
    if not actor.has_perm(MANAGE_EXTENSIONS):
        raise PermissionDenied
    audit_record(
        actor=actor,
        instance=record.user,
        changes={"extension": [record.extension, ""]},
        note=_("Phone extension"),
    )
    record.delete()


# --- Who is calling, who answers ------------------------------------------------------------------
def find_caller(*, branch: Any, phone: str) -> Client | None:
    """The branch's client whose card (or contact person) has this number: an active card
    before an archived one; None for an unknown or invalid number."""
    found = client_find_duplicates(phone=phone, branch=branch)
    return found.filter(is_archived=False).first() or found.first()


def operator_at(*, branch: Any, extension: str) -> Any | None:
    extension = (extension or "").strip()
    if not extension:
        return None
    record = (
        OperatorExtension.objects.filter(branch=branch, extension=extension, user__is_active=True)
        .select_related("user")
        .first()
    )
    return record.user if record else None


def call_takers(*, branch: Any) -> list[Any]:
    """Everyone who takes the branch's calls when no extension matched."""
    users = get_user_model().objects.filter(branch=branch, is_active=True).order_by("pk")
    takers = list(users.filter(role__in=CALL_TAKERS))
    return takers or list(users.filter(role__in=FALLBACK_CALL_TAKERS))


def popup_url(call: Call) -> str:
    return reverse("telephony:call-popup", args=[call.pk])


def _push(call: Call, users: list[Any], event_type: str) -> None:
    payload = {"type": event_type, "call": call.pk, "status": call.status, "url": popup_url(call)}
    for user in users:
        publish_on_commit(user_group(user.pk), payload)


# --- The PBX's events -----------------------------------------------------------------------------
@transaction.atomic
def handle_call_event(
    *,
    branch: Any,
    event: str,
    call_id: str,
    caller: str,
    called: str = "",
    at: datetime.datetime | None = None,
    duration_seconds: int | None = None,
    recording_url: str = "",
) -> Call:
    """Record one PBX event (idempotent on ``call_id`` + ``event``: a repeat changes nothing and
    returns the same call). ``incoming`` pops the card up for the operator at extension
    ``called`` (or every call taker of the branch); ``ended``/``missed`` log the call on the
    client's timeline, and a call nobody answered becomes a call-back task."""
    if event not in CallEventKind.values:
        raise ValidationError({"event": _("Unknown call event “%(e)s”.") % {"e": event}})
    call_id = (call_id or "").strip()
    if not call_id or len(call_id) > 100:
        raise ValidationError({"call_id": _("A call id of 1–100 characters is required.")})
    if duration_seconds is not None and duration_seconds < 0:
        raise ValidationError({"duration_seconds": _("The duration cannot be negative.")})
    at = at or timezone.now()
    caller = (caller or "").strip()[:40]
    called = (called or "").strip()[:40]
    call, _created = Call.objects.select_for_update().get_or_create(
        branch=branch,
        call_id=call_id,
        defaults={
            "caller": caller,
            "caller_number": normalize_phone(caller) or "",
            "called": called,
            "started_at": at,
        },
    )
    if CallEvent.objects.filter(call=call, event=event).exists():
        return call  # a re-sent event: already handled
    CallEvent.objects.create(call=call, event=event, at=at)
    if call.client_id is None and caller:
        call.client = find_caller(branch=branch, phone=caller)
    if recording_url:
        call.recording_url = recording_url[:500]
    if duration_seconds is not None:
        call.duration_seconds = duration_seconds
    HANDLERS[event](call, at=at, called=called)
    call.save(update_fields=SAVED_FIELDS)
    return call


def _on_incoming(call: Call, *, at: datetime.datetime, called: str) -> None:
    if call.is_over:  # the PBX sent "ended" first: too late for a pop-up
        return
    operator = operator_at(branch=call.branch, extension=called)
    takers = [operator] if operator else call_takers(branch=call.branch)
    call.operator = operator
    call.notified.add(*takers)
    _push(call, takers, "call.incoming")


def _on_answered(call: Call, *, at: datetime.datetime, called: str) -> None:
    if call.is_over:
        return
    call.status = CallStatus.ANSWERED
    call.answered_at = at
    call.operator = operator_at(branch=call.branch, extension=called) or call.operator
    _push(call, list(call.notified.all()), "call.status")


def _on_over(call: Call, *, at: datetime.datetime, called: str) -> None:
    if call.is_over:  # "missed" and "ended" both came: the first one settled the call
        return
    answered = call.answered_at is not None
    call.status = CallStatus.ENDED if answered else CallStatus.MISSED
    call.ended_at = at
    if call.duration_seconds is None and answered:
        call.duration_seconds = max(0, int((at - call.answered_at).total_seconds()))
    _log_on_timeline(call)
    if not answered:
        _create_call_back_task(call)
    _push(call, list(call.notified.all()), "call.status")


HANDLERS = {
    CallEventKind.INCOMING: _on_incoming,
    CallEventKind.ANSWERED: _on_answered,
    CallEventKind.ENDED: _on_over,
    CallEventKind.MISSED: _on_over,
}


def _duration_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d}"


def call_summary(call: Call) -> str:
    """What the timeline says about a call, in the office's language."""
    caller = format_phone(call.caller_number) if call.caller_number else call.caller
    if call.status == CallStatus.MISSED:
        text = _("Missed incoming call from %(caller)s") % {"caller": caller or "—"}
    else:
        text = _("Incoming call from %(caller)s, %(duration)s") % {
            "caller": caller or "—",
            "duration": _duration_text(call.duration_seconds),
        }
    if call.operator is not None:
        text += ". " + _("Operator: %(name)s") % {"name": call.operator.display_name}
    if call.recording_url:
        text += ". " + _("Recording: %(url)s") % {"url": call.recording_url}
    return text


def _log_on_timeline(call: Call) -> None:
    if call.client is None or call.timeline_entry_id:
        return
    call.timeline_entry = timeline_add(
        actor=call.operator,
        target=call.client,
        kind=TimelineEntry.Kind.CALL,
        body=call_summary(call),
        data={
            "call": call.pk,
            "direction": call.direction,
            "status": call.status,
            "duration_seconds": call.duration_seconds,
            "operator": call.operator_id,
            "recording_url": call.recording_url,
        },
    )


def _head_of_sales(branch: Any) -> Any | None:
    return (
        get_user_model()
        .objects.filter(branch=branch, is_active=True, role=Role.HEAD_OF_SALES)
        .order_by("pk")
        .first()
    )


def _call_back_owner(call: Call) -> Any | None:
    """The client's responsible manager; the head of sales for unknown numbers (operators have
    no task list) or when the manager is gone."""
    manager = call.client.manager if call.client is not None else None
    if manager is not None and manager.is_active and manager.has_perm("leads.add_task"):
        return manager
    head = _head_of_sales(call.branch)
    if head is not None and head.has_perm("leads.add_task"):
        return head
    return None


def _create_call_back_task(call: Call) -> None:
    from crm.leads.services import task_create

    if call.missed_task_id:
        return
    caller = format_phone(call.caller_number) if call.caller_number else call.caller or "—"
    if call.client is not None:
        title = _("Missed call from %(name)s (%(phone)s): call back") % {
            "name": call.client.name,
            "phone": caller,
        }
        url = reverse("clients:client-detail", args=[call.client_id])
    else:
        title = _("Missed call from an unknown number %(phone)s: call back") % {"phone": caller}
        url = ""
    owner = _call_back_owner(call)
    if owner is None:
        for user in call.notified.all():  # nobody keeps tasks: at least tell who got the call
            notification_send(recipient=user, title=title[:200], url=url, level="warning")
        return
    call.missed_task = task_create(
        actor=owner,
        branch=call.branch,
        title=title[:200],
        due_at=(call.ended_at or timezone.now()) + CALL_BACK_WITHIN,
        assignee=owner,
        priority="high",
        client=call.client,
    )
    notification_send(recipient=owner, title=title[:200], url=url, level="warning")


# --- From the pop-up ------------------------------------------------------------------------------
@transaction.atomic
def call_create_client(*, actor: Any, call: Call, name: str) -> Client:
    """A new client card from an unknown caller's pop-up: the caller's number on it, the call
    linked (and logged on its timeline once the call is over)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.client_id is not None:
        raise ValidationError(_("This call already has a client."))
    phones = [call.caller_number] if call.caller_number else []
    client = client_create(
        actor=actor, branch=call.branch, name=name, phones=phones, source=ClientSource.CALL
    )
    call.client = client
    if call.is_over:
        _log_on_timeline(call)
    call.save(update_fields=["client", "timeline_entry"])
    return client
