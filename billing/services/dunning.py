"""The dunning ladder: reminders about overdue invoices, run daily by ``run_dunning``, and the
operations of the debtors page (promise to pay, "do not remind", lifting "stop deliveries").

Rules of the ladder (``billing.models.DunningStep``):

- a step is due for an open, overdue invoice once ``days_after_due`` days have passed since its
  due date; due steps are done in ascending order;
- **never twice**: the ``DunningEvent`` row (unique per invoice and step) is inserted first and
  the step acted on in the same transaction, with the document row locked; messages leave after
  commit (``transaction.on_commit``);
- nothing is done for a paid invoice, a client with "do not remind", or a client who promised to
  pay by a date that has not passed;
- when several message steps fall due at once (the ladder meets an old debt for the first time,
  or the daily run was down), only the latest message is sent and the earlier ones are recorded
  as skipped: a client never gets three letters on one morning;
- texts are in the client's language, with placeholders {client} {invoice} {amount} {due_date}
  {days} {organisation}; every step is written on the client's timeline;
- "stop deliveries" set by the ladder is lifted automatically once the client has no overdue
  debt left (``lift_paid_stops``; also callable right after a payment)."""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.models import (
    Document,
    DunningAction,
    DunningEvent,
    DunningStep,
    PromiseToPay,
)
from billing.services.aging import open_invoices
from clients.models import Client, ClientEmail, ClientPhone, ContactPerson
from clients.services.billing_state import (
    client_set_reminder_preferences,
    client_set_stop_deliveries,
)
from crm.core.models import AuditEntry, TimelineEntry
from crm.core.services import audit_record, diff, notification_send, snapshot, timeline_add
from crm.core.templatetags.kolo import money

logger = logging.getLogger(__name__)

MESSAGE_ACTIONS = frozenset(
    {DunningAction.EMAIL, DunningAction.SMS, DunningAction.EMAIL_WITH_INVOICE}
)
PLACEHOLDER = re.compile(r"\{(client|invoice|amount|due_date|days|organisation)\}")
LANGUAGES = ("ru", "uk", "en")
#: when the manager's call task falls due, in the branch's time
CALL_TASK_TIME = datetime.time(10, 0)
SKIPPED = "skipped: a later reminder was due at the same time"


# --- Texts ----------------------------------------------------------------------------------------
def render_text(template: str, values: dict[str, str]) -> str:
    """Replace the known placeholders; anything else in braces is left as written (no
    ``str.format``: an admin's text never reaches Python's attribute lookup)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template or "")


def step_text(step: DunningStep, language: str) -> str:
    """The step's text in ``language``, falling back to Russian, then English."""
    for code in (language, "ru", "en", "uk"):
        text = getattr(step, f"text_{code}", "") if code in LANGUAGES else ""
        if text:
            return text
    return ""


def message_values(document: Document, today: datetime.date, language: str) -> dict[str, str]:
    with translation.override(language):
        due = document.due_date
        return {
            "client": document.client.name,
            "invoice": document.number or f"#{document.pk}",
            "amount": money(document.outstanding, document.currency),
            "due_date": date_format(due, "SHORT_DATE_FORMAT") if due else "",
            "days": str((today - due).days) if due else "0",
            "organisation": document.organisation.short_name,
        }


def step_message(step: DunningStep, document: Document, today: datetime.date) -> tuple[str, str]:
    """(subject, text) of the step for the invoice, in the client's language."""
    language = document.client.language or "ru"
    values = message_values(document, today, language)
    text = render_text(step_text(step, language), values)
    if step.subject:
        subject = render_text(step.subject, values)
    else:
        with translation.override(language):
            subject = _("Payment reminder: invoice %(invoice)s") % values
    return subject, text


# --- Recipients -----------------------------------------------------------------------------------
def client_email(client_id: int) -> str:
    address = (
        ClientEmail.objects.filter(client_id=client_id)
        .order_by("position", "pk")
        .values_list("email", flat=True)
        .first()
    )
    if address:
        return address
    return (
        ContactPerson.objects.filter(client_id=client_id)
        .exclude(email="")
        .order_by("position", "pk")
        .values_list("email", flat=True)
        .first()
        or ""
    )


def client_phone(client_id: int) -> str:
    number = (
        ClientPhone.objects.filter(client_id=client_id)
        .order_by("position", "pk")
        .values_list("number", flat=True)
        .first()
    )
    if number:
        return number
    return (
        ContactPerson.objects.filter(client_id=client_id)
        .exclude(phone="")
        .order_by("position", "pk")
        .values_list("phone", flat=True)
        .first()
        or ""
    )


# --- Sending (after commit) -----------------------------------------------------------------------
def _invoice_pdf(document: Document) -> bytes:
    from billing.pdf import render_document_pdf

    return render_document_pdf(document, facsimile=True)


def _fail(event_id: int, error: Exception | str) -> None:
    logger.warning("dunning event %s failed: %s", event_id, error)
    DunningEvent.objects.filter(pk=event_id).update(outcome=f"failed: {error}"[:300])


def _send_email(
    *, event_id: int, to: str, subject: str, body: str, document_id: int, attach: bool
) -> None:
    try:
        document = Document.objects.select_related("organisation", "client").get(pk=document_id)
        reply_to = [document.organisation.email] if document.organisation.email else None
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            reply_to=reply_to,
        )
        if attach:
            name = f"{document.number or document.pk}.pdf"
            message.attach(name, _invoice_pdf(document), "application/pdf")
        message.send()
    except Exception as error:  # the event is kept; its outcome says why
        _fail(event_id, error)


def _send_sms(*, event_id: int, to: str, text: str, client_id: int) -> None:
    from billing.senders import send_sms

    try:
        outcome = send_sms(to=to, text=text, client_id=client_id)
    except Exception as error:  # the provider failed: recorded on the event
        _fail(event_id, error)
    else:
        DunningEvent.objects.filter(pk=event_id).update(outcome=f"sent: {outcome}"[:300])


# --- The steps ------------------------------------------------------------------------------------
def _act_email(event: DunningEvent, document: Document, today: datetime.date) -> str:
    step = event.step
    to = client_email(document.client_id)
    if not to:
        return "no e-mail address"
    subject, body = step_message(step, document, today)
    attach = step.action == DunningAction.EMAIL_WITH_INVOICE
    kwargs = {
        "event_id": event.pk,
        "to": to,
        "subject": subject,
        "body": body,
        "document_id": document.pk,
        "attach": attach,
    }
    transaction.on_commit(lambda: _send_email(**kwargs))
    _timeline(document, step, TimelineEntry.Kind.EMAIL, f"{to}: {subject}\n{body}")
    return f"e-mail to {to}"


def _act_sms(event: DunningEvent, document: Document, today: datetime.date) -> str:
    step = event.step
    to = client_phone(document.client_id)
    if not to:
        return "no phone number"
    _subject, text = step_message(step, document, today)
    kwargs = {"event_id": event.pk, "to": to, "text": text, "client_id": document.client_id}
    transaction.on_commit(lambda: _send_sms(**kwargs))
    _timeline(document, step, TimelineEntry.Kind.MESSAGE, f"{to}: {text}")
    return f"message to {to}"


def _office_text(step: DunningStep, document: Document, today: datetime.date, default: str) -> str:
    """A text for the staff (the task's title, the stop reason) in the office's language: the
    step's own text when it has one, else ``default`` (a translated ``%(name)s`` string)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    values = message_values(document, today, language)
    text = step_text(step, language)
    return render_text(text, values) if text else default % values


def _act_call_task(event: DunningEvent, document: Document, today: datetime.date) -> str:
    from crm.leads.services import task_create

    client = document.client
    manager = client.manager
    title = _office_text(
        event.step,
        document,
        today,
        _("Call about the overdue invoice %(invoice)s: %(amount)s, %(days)s days"),
    )[:200]
    if manager is None or not manager.is_active:
        _timeline(document, event.step, TimelineEntry.Kind.SYSTEM, title)
        return "no responsible manager"
    due_at = datetime.datetime.combine(today, CALL_TASK_TIME, tzinfo=client.branch.tzinfo)
    try:
        task = task_create(
            actor=manager,
            branch=client.branch,
            title=title,
            due_at=due_at,
            assignee=manager,
            priority="high",
            client=client,
        )
    except (PermissionDenied, ValidationError) as error:
        _timeline(document, event.step, TimelineEntry.Kind.SYSTEM, title)
        return f"no task: {error}"[:300]
    notification_send(
        recipient=manager,
        title=title,
        url=reverse("billing:debtor-detail", args=[client.pk]),
        level="warning",
    )
    _timeline(document, event.step, TimelineEntry.Kind.SYSTEM, title)
    return f"task {task.pk} for {manager.get_username()}"


def _act_stop(event: DunningEvent, document: Document, today: datetime.date) -> str:
    reason = _office_text(
        event.step, document, today, _("Overdue invoice %(invoice)s: %(amount)s, %(days)s days")
    )[:300]
    client_set_stop_deliveries(client_id=document.client_id, stop=True, reason=reason)
    _timeline(
        document,
        event.step,
        TimelineEntry.Kind.SYSTEM,
        _("Deliveries stopped: %(reason)s") % {"reason": reason},
    )
    return "deliveries stopped"


ACTIONS = {
    DunningAction.EMAIL: _act_email,
    DunningAction.EMAIL_WITH_INVOICE: _act_email,
    DunningAction.SMS: _act_sms,
    DunningAction.CALL_TASK: _act_call_task,
    DunningAction.STOP_DELIVERIES: _act_stop,
}


def _timeline(document: Document, step: DunningStep, kind: str, text: str) -> None:
    head = _("Debt reminder %(step)s, invoice %(invoice)s") % {
        "step": step,
        "invoice": document.number or f"#{document.pk}",
    }
    timeline_add(
        actor=None,
        target=document.client,
        kind=kind,
        body=f"{head}\n{text}"[:10_000],
        data={"dunning_step": step.pk, "document": document.pk},
    )


# --- The daily run --------------------------------------------------------------------------------
@dataclass
class DunningRun:
    invoices: int = 0
    done: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    lifted: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "invoices": self.invoices,
            "done": dict(self.done),
            "steps": sum(self.done.values()),
            "skipped": self.skipped,
            "lifted": self.lifted,
            "errors": self.errors,
        }


def may_remind(client: Client, today: datetime.date) -> bool:
    promised = client.promise_to_pay_on
    return not client.do_not_remind and not (promised and promised >= today)


def _candidates(today: datetime.date, first_day: int) -> list[int]:
    return list(
        Document.objects.filter(
            open_invoices(), due_date__lte=today - datetime.timedelta(first_day)
        )
        .exclude(client__do_not_remind=True)
        .exclude(client__promise_to_pay_on__gte=today)
        .order_by("due_date", "pk")
        .values_list("pk", flat=True)
    )


def _due_steps(
    steps: list[DunningStep], done: set[int], days: int
) -> list[tuple[DunningStep, bool]]:
    """(step, act?) for the steps whose day has come and that were not done; earlier message
    steps superseded by a later one due at the same time are recorded, not sent."""
    due = [s for s in steps if s.days_after_due <= days and s.pk not in done]
    last_message = max((i for i, s in enumerate(due) if s.action in MESSAGE_ACTIONS), default=None)
    return [(s, s.action not in MESSAGE_ACTIONS or i == last_message) for i, s in enumerate(due)]


def _dun_invoice(
    document_id: int, steps: list[DunningStep], today: datetime.date, run: DunningRun
) -> None:
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("client", "client__branch", "client__manager", "organisation")
            .filter(open_invoices(), pk=document_id, due_date__lt=today)
            .first()
        )
        if document is None or not may_remind(document.client, today):
            return
        done = set(DunningEvent.objects.filter(document=document).values_list("step_id", flat=True))
        todo = _due_steps(steps, done, (today - document.due_date).days)
        if not todo:
            return
        run.invoices += 1
        for step, act in todo:
            event = DunningEvent.objects.create(
                document=document, step=step, client=document.client, channel=step.action
            )
            if not act:
                event.outcome = SKIPPED
                run.skipped += 1
            else:
                event.outcome = ACTIONS[step.action](event, document, today)[:300]
                run.done[step.action] = run.done.get(step.action, 0) + 1
            DunningEvent.objects.filter(pk=event.pk).update(outcome=event.outcome)


def run_dunning(today: datetime.date) -> dict[str, Any]:
    """Do every due step of the ladder for every overdue invoice (one transaction per invoice),
    then lift the ladder's "stop deliveries" of clients who no longer owe anything overdue.
    Safe to run twice a day: the second run finds nothing to do."""
    run = DunningRun()
    steps = list(DunningStep.objects.filter(is_active=True).order_by("days_after_due", "pk"))
    if steps:
        for document_id in _candidates(today, steps[0].days_after_due):
            try:
                _dun_invoice(document_id, steps, today, run)
            except Exception:  # one broken invoice must not stop the others; retried tomorrow
                logger.exception("dunning failed for document %s", document_id)
                run.errors += 1
    run.lifted = lift_paid_stops(today=today)
    return run.as_dict()


def _overdue_invoice(today: datetime.date) -> Exists:
    return Exists(
        Document.objects.filter(open_invoices(), client=OuterRef("pk"), due_date__lt=today)
    )


def lift_paid_stops(*, today: datetime.date, client_ids: Iterable[int] | None = None) -> int:
    """Lift "stop deliveries" set by the ladder for clients with no overdue invoice left."""
    stopped_by_ladder = Exists(
        DunningEvent.objects.filter(
            client=OuterRef("pk"), step__action=DunningAction.STOP_DELIVERIES
        )
    )
    clients = Client.objects.filter(stop_deliveries=True).filter(stopped_by_ladder)
    if client_ids is not None:
        clients = clients.filter(pk__in=list(client_ids))
    lifted = 0
    for client in clients.exclude(_overdue_invoice(today)).only("pk", "branch_id"):
        with transaction.atomic():
            if client_set_stop_deliveries(client_id=client.pk, stop=False, reason=""):
                lifted += 1
                timeline_add(
                    actor=None,
                    target=client,
                    kind=TimelineEntry.Kind.SYSTEM,
                    body=_("Deliveries resumed: no overdue debt left."),
                )
    return lifted


# --- The debtors page: what was sent and what comes next ------------------------------------------
@dataclass
class ReminderState:
    last_step: DunningStep | None = None
    last_at: datetime.datetime | None = None
    next_step: DunningStep | None = None
    next_on: datetime.date | None = None


def reminder_states(clients: Iterable[Client], today: datetime.date) -> dict[int, ReminderState]:
    """Per client: the last reminder done and the next one due (three queries for any number
    of clients). Skipped steps do not count as reminders."""
    clients = list(clients)
    ids = [c.pk for c in clients]
    states = {pk: ReminderState() for pk in ids}
    if not ids:
        return states
    steps = {s.pk: s for s in DunningStep.objects.all()}
    events = (
        DunningEvent.objects.filter(client_id__in=ids)
        .exclude(outcome=SKIPPED)
        .values_list("client_id", "document_id", "step_id", "done_at", "outcome")
        .order_by("done_at", "pk")
    )
    done: dict[int, set[int]] = {}
    for client_id, document_id, step_id, done_at, _outcome in events:
        done.setdefault(document_id, set()).add(step_id)
        states[client_id].last_step, states[client_id].last_at = steps.get(step_id), done_at
    skipped = DunningEvent.objects.filter(client_id__in=ids, outcome=SKIPPED)
    for document_id, step_id in skipped.values_list("document_id", "step_id"):
        done.setdefault(document_id, set()).add(step_id)
    active = sorted(
        (s for s in steps.values() if s.is_active), key=lambda s: (s.days_after_due, s.pk)
    )
    invoices = Document.objects.filter(
        open_invoices(), client_id__in=ids, due_date__isnull=False
    ).values_list("pk", "client_id", "due_date")
    by_pk = {c.pk: c for c in clients}
    for document_id, client_id, due_date in invoices:
        client = by_pk[client_id]
        if client.do_not_remind:
            continue
        todo = [s for s in active if s.pk not in done.get(document_id, set())]
        if not todo:
            continue
        # what the next run does: the latest step already due (earlier messages are skipped),
        # or else the first step still to come
        due = [s for s in todo if due_date + datetime.timedelta(days=s.days_after_due) <= today]
        step = due[-1] if due else todo[0]
        on = max(due_date + datetime.timedelta(days=step.days_after_due), today)
        if client.promise_to_pay_on and client.promise_to_pay_on >= on:
            on = client.promise_to_pay_on + datetime.timedelta(days=1)
        state = states[client_id]
        if state.next_on is None or (on, -step.days_after_due) < (
            state.next_on,
            -state.next_step.days_after_due,
        ):
            state.next_step, state.next_on = step, on
    return states


# --- The debtors page's actions -------------------------------------------------------------------
def _check_client(actor: Any, client: Client) -> None:
    from billing.roles import WORK_DEBTS
    from clients.permissions import can_see_client

    if not (actor.has_perm(WORK_DEBTS) and can_see_client(actor, client)):
        raise PermissionDenied


@transaction.atomic
def promise_to_pay_record(
    *,
    actor: Any,
    client: Client,
    promised_on: datetime.date,
    amount: Decimal | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> PromiseToPay:
    """The client promised to pay by ``promised_on``: reminders pause until that day passes."""
    _check_client(actor, client)
    today = today or timezone.localdate()
    if promised_on < today:
        raise ValidationError({"promised_on": _("The date of a promise cannot be in the past.")})
    if promised_on > today + datetime.timedelta(days=366):
        raise ValidationError({"promised_on": _("Give a date within a year.")})
    if amount is not None and amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    promise = PromiseToPay.objects.create(
        client=client,
        promised_on=promised_on,
        amount=amount,
        note=(note or "").strip()[:500],
        created_by=actor,
    )
    client_set_reminder_preferences(client_id=client.pk, promise_to_pay_on=promised_on)
    audit_record(
        actor=actor,
        instance=client,
        changes={"promise_to_pay_on": [str(client.promise_to_pay_on or ""), str(promised_on)]},
    )
    body = _("Promised to pay by %(date)s") % {
        "date": date_format(promised_on, "SHORT_DATE_FORMAT")
    }
    if amount is not None:
        body += f": {money(amount, client.currency)}"
    if promise.note:
        body += f"\n{promise.note}"
    timeline_add(actor=actor, target=client, kind=TimelineEntry.Kind.SYSTEM, body=body)
    client.promise_to_pay_on = promised_on
    return promise


@transaction.atomic
def client_reminders_set(*, actor: Any, client: Client, do_not_remind: bool) -> None:
    """Switch the debt reminders of a client off (or on again)."""
    _check_client(actor, client)
    if client.do_not_remind == do_not_remind:
        return
    client_set_reminder_preferences(client_id=client.pk, do_not_remind=do_not_remind)
    audit_record(
        actor=actor,
        instance=client,
        changes={"do_not_remind": [client.do_not_remind, do_not_remind]},
    )
    body = _("Debt reminders switched off.") if do_not_remind else _("Debt reminders switched on.")
    timeline_add(actor=actor, target=client, kind=TimelineEntry.Kind.SYSTEM, body=body)
    client.do_not_remind = do_not_remind


@transaction.atomic
def client_stop_lift(*, actor: Any, client: Client, reason: str) -> None:
    """Let deliveries go on for a client stopped for debt, by hand, with a reason."""
    _check_client(actor, client)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why deliveries may go on.")})
    if not client.stop_deliveries:
        raise ValidationError(_("Deliveries are not stopped for this client."))
    client_set_stop_deliveries(client_id=client.pk, stop=False, reason="")
    audit_record(
        actor=actor,
        instance=client,
        changes={"stop_deliveries": [True, False]},
        note=reason,
    )
    timeline_add(
        actor=actor,
        target=client,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("Deliveries resumed by hand: %(reason)s") % {"reason": reason},
    )
    client.stop_deliveries = False


@transaction.atomic
def dunning_step_save(*, actor: Any, step: DunningStep) -> DunningStep:
    """Save a rung of the ladder edited on the settings page (validated by its form)."""
    from billing.roles import MANAGE_DUNNING

    if not actor.has_perm(MANAGE_DUNNING):
        raise PermissionDenied
    if step.action not in DunningAction.values:
        raise ValidationError({"action": _("Choose an action.")})
    if step.action in MESSAGE_ACTIONS and not (step.text_ru or step.text_uk or step.text_en):
        raise ValidationError({"text_ru": _("Write the text of the message.")})
    created = step.pk is None
    fields = ["days_after_due", "action", "subject", "text_ru", "text_uk", "text_en", "is_active"]
    before = {} if created else snapshot(DunningStep.objects.get(pk=step.pk), fields)
    step.save()
    audit_record(
        actor=actor,
        instance=step,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        changes=diff(before, snapshot(step, fields)) if before else None,
    )
    return step


def install_default_ladder() -> int:
    """Create the default ladder (the one of the data migration) when there is no step at all:
    for the demo seeder and for tests after a flush. Returns how many steps were created."""
    import importlib

    if DunningStep.objects.exists():
        return 0
    migration = importlib.import_module("billing.migrations.0002_default_dunning_ladder")
    return len(DunningStep.objects.bulk_create(DunningStep(**step) for step in migration.LADDER))
