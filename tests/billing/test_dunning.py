"""The dunning ladder over simulated days: each step once and in order, nothing after payment,
a promise or "do not remind"; stop deliveries on day 30 and lifted after payment; the pluggable
SMS sender; e-mails (with the invoice PDF) in the outbox; texts in the client's language."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings

from billing.models import DunningAction, DunningEvent, DunningStep
from billing.senders import LogSender, SendError
from billing.services import dunning
from billing.services.payments import payment_record
from clients.models import Client
from clients.services.billing_state import client_set_reminder_preferences
from crm.core.models import TimelineEntry
from crm.leads.models import Task
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

pytestmark = pytest.mark.django_db
START = datetime.date.today() - datetime.timedelta(days=60)  # the invoice's due date
LADDER_DAYS = [1, 3, 7, 14, 30]


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _fast_pdf(monkeypatch):
    dunning.install_default_ladder()  # a transactional test elsewhere may have flushed it
    monkeypatch.setattr(dunning, "_invoice_pdf", lambda document: b"%PDF-1.4 test invoice")
    LogSender.outbox.clear()


@pytest.fixture
def debtor(branch, users):
    make_organisation(branch)
    client = make_billing_client(
        branch,
        name="ООО «Должник»",
        manager=users["manager"],
        emails=["buh@dolzhnik.ru"],
        phones=["+79110000001"],
    )
    invoice = make_invoice(client, amount="12000.00", date=day(-10), due_date=START)
    return client, invoice


@pytest.fixture
def run_days(django_capture_on_commit_callbacks):
    def run(days: range, on_day=None) -> list[tuple[int, int]]:
        done = []
        for n in days:
            if on_day:
                on_day(n)
            before = set(DunningEvent.objects.values_list("pk", flat=True))
            with django_capture_on_commit_callbacks(execute=True):
                dunning.run_dunning(day(n))
            new = DunningEvent.objects.exclude(pk__in=before).select_related("step")
            done += sorted((n, e.step.days_after_due) for e in new)
        return done

    return run


def test_the_default_ladder():
    steps = list(DunningStep.objects.values_list("days_after_due", "action"))
    assert steps == [
        (1, DunningAction.EMAIL),
        (3, DunningAction.SMS),
        (7, DunningAction.EMAIL_WITH_INVOICE),
        (14, DunningAction.CALL_TASK),
        (30, DunningAction.STOP_DELIVERIES),
    ]
    assert all(s.text_ru and s.text_uk and s.text_en for s in DunningStep.objects.all())


def test_over_forty_days_each_step_is_done_once_in_order(debtor, users, run_days):
    client, invoice = debtor
    done = run_days(range(0, 41))
    assert done == [(n, n) for n in LADDER_DAYS]
    # e-mails: day 1 plain, day 7 with the invoice attached
    assert [m.to for m in mail.outbox] == [["buh@dolzhnik.ru"], ["buh@dolzhnik.ru"]]
    assert mail.outbox[0].attachments == []
    [(name, content, mime)] = mail.outbox[1].attachments
    assert (name, content, mime) == (
        f"{invoice.number}.pdf",
        b"%PDF-1.4 test invoice",
        "application/pdf",
    )
    assert "12\xa0000,00" in mail.outbox[0].body or "12 000,00" in mail.outbox[0].body
    assert (
        invoice.number in mail.outbox[0].body
        and "Здравствуйте, ООО «Должник»" in mail.outbox[0].body
    )
    # SMS on day 3 through the default log-only sender
    [sms] = LogSender.outbox
    assert sms.to == "+79110000001" and "просрочен на 3 дн." in sms.text
    # call task for the manager on day 14
    [task] = Task.objects.filter(client=client)
    assert task.assignee == users["manager"] and task.priority == "high"
    # stop deliveries on day 30
    client.refresh_from_db()
    assert client.stop_deliveries and invoice.number in client.stop_deliveries_reason
    # every step on the client's timeline
    entries = TimelineEntry.objects.filter(object_id=client.pk, data__has_key="dunning_step")
    assert entries.count() == 5
    assert DunningEvent.objects.filter(outcome__startswith="failed").count() == 0


def test_stop_deliveries_is_set_on_day_30_and_lifted_after_payment(debtor, run_days):
    client, _invoice = debtor
    run_days(range(0, 31))
    client.refresh_from_db()
    assert client.stop_deliveries
    payment_record(
        actor=None, client=client, amount=Decimal("12000.00"), method="bank", date=day(33)
    )
    assert run_days(range(34, 41)) == []
    client.refresh_from_db()
    assert not client.stop_deliveries and client.stop_deliveries_reason == ""
    assert TimelineEntry.objects.filter(
        object_id=client.pk, body__startswith="Deliveries resumed"
    ).exists()


def test_nothing_more_once_the_debt_is_paid(debtor, run_days):
    client, _invoice = debtor

    def pay(n):
        if n == 5:
            payment_record(
                actor=None, client=client, amount=Decimal("12000.00"), method="cash", date=day(5)
            )

    assert run_days(range(0, 41), on_day=pay) == [(1, 1), (3, 3)]
    assert len(mail.outbox) == 1


def test_a_partial_payment_keeps_the_ladder_going(debtor, run_days):
    client, _invoice = debtor

    def pay(n):
        if n == 2:
            payment_record(
                actor=None, client=client, amount=Decimal("2000.00"), method="cash", date=day(2)
            )

    assert [d for _n, d in run_days(range(0, 15), on_day=pay)] == [1, 3, 7, 14]
    assert "10\xa0000,00" in LogSender.outbox[0].text or "10 000,00" in LogSender.outbox[0].text


def test_a_promise_to_pay_pauses_the_ladder_until_its_date_passes(debtor, users, run_days):
    client, _invoice = debtor

    def promise(n):
        if n == 4:
            dunning.promise_to_pay_record(
                actor=users["accountant"], client=client, promised_on=day(12), today=day(4)
            )

    done = run_days(range(0, 41), on_day=promise)
    assert done == [(1, 1), (3, 3), (13, 7), (14, 14), (30, 30)]


def test_do_not_remind_means_no_step_at_all(debtor, users, run_days):
    client, _invoice = debtor
    dunning.client_reminders_set(actor=users["accountant"], client=client, do_not_remind=True)
    assert run_days(range(0, 41)) == []
    assert mail.outbox == [] and LogSender.outbox == []
    client.refresh_from_db()
    assert not client.stop_deliveries


def test_a_second_run_the_same_day_does_nothing_and_the_pair_is_unique(debtor, run_days):
    _client, invoice = debtor
    assert run_days(range(7, 8)) != []
    assert run_days(range(7, 8)) == []
    step = DunningStep.objects.get(days_after_due=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DunningEvent.objects.create(document=invoice, step=step, client=invoice.client)


def test_an_old_debt_gets_only_the_latest_message_at_once(debtor, run_days):
    _client, _invoice = debtor
    assert run_days(range(20, 21)) == [(20, 1), (20, 3), (20, 7), (20, 14)]
    skipped = DunningEvent.objects.filter(outcome=dunning.SKIPPED)
    assert sorted(skipped.values_list("step__days_after_due", flat=True)) == [1, 3]
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments  # the +7 letter, with the invoice
    assert LogSender.outbox == []


@pytest.mark.parametrize(
    ("language", "greeting"),
    [("ru", "Здравствуйте"), ("uk", "Добрий день"), ("en", "Dear ООО «Должник»")],
)
def test_texts_are_in_the_clients_language(debtor, run_days, language, greeting):
    client, _invoice = debtor
    client_set_reminder_preferences(client_id=client.pk, language=language)
    run_days(range(1, 2))
    assert mail.outbox[0].body.startswith(greeting)


def test_placeholders_are_replaced_and_nothing_else_is_evaluated():
    values = {"client": "Ромашка", "amount": "1 000,00 ₽"}
    text = "{client}: {amount} {client.__class__} {unknown}"
    assert dunning.render_text(text, values) == "Ромашка: 1 000,00 ₽ {client.__class__} {unknown}"


class RecordingSender:
    sent: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str, client_id: int | None = None) -> str:
        RecordingSender.sent.append((to, text))
        return "id-42"


class BrokenSender:
    def send(self, *, to: str, text: str, client_id: int | None = None) -> str:
        raise SendError("provider down")


def test_the_sms_sender_is_pluggable(debtor, run_days):
    RecordingSender.sent.clear()
    with override_settings(BILLING_SMS_SENDER="tests.billing.test_dunning.RecordingSender"):
        run_days(range(3, 4))
    [(to, text)] = RecordingSender.sent
    assert to == "+79110000001" and "3 дн." in text
    assert LogSender.outbox == []
    assert DunningEvent.objects.get(step__days_after_due=3).outcome == "sent: id-42"


def test_a_failed_send_is_recorded_and_not_retried(debtor, run_days):
    with override_settings(BILLING_SMS_SENDER="tests.billing.test_dunning.BrokenSender"):
        run_days(range(3, 4))
        assert run_days(range(4, 5)) == []
    event = DunningEvent.objects.get(step__days_after_due=3)
    assert event.outcome == "failed: provider down"


def test_no_address_is_recorded_as_the_outcome(branch, run_days):
    make_organisation(branch)
    client = make_billing_client(branch, phones=[])
    make_invoice(client, amount="10.00", date=day(-5), due_date=START)
    run_days(range(1, 2))
    assert DunningEvent.objects.get().outcome == "no e-mail address"
    assert mail.outbox == []


def test_the_real_invoice_pdf_is_attached(debtor, run_days, monkeypatch):
    monkeypatch.undo()
    run_days(range(7, 8))
    [(_name, content, _mime)] = mail.outbox[0].attachments
    assert content.startswith(b"%PDF")


def test_the_celery_task_marks_overdue_first(debtor, monkeypatch):
    from billing.models import DocStatus
    from billing.tasks_dunning import run_dunning_task

    _client, invoice = debtor
    calls = []
    monkeypatch.setattr(dunning, "run_dunning", lambda today: calls.append(today) or {"steps": 0})
    result = run_dunning_task.apply().get()
    invoice.refresh_from_db()
    assert invoice.status == DocStatus.OVERDUE and result["marked_overdue"] == 1
    assert calls and Client.objects.count() == 1


def test_reminder_states_show_the_last_reminder_and_what_comes_next(debtor, users, run_days):
    client, _invoice = debtor
    [state] = dunning.reminder_states([client], day(20)).values()
    assert (state.last_step, state.next_step.days_after_due, state.next_on) == (None, 14, day(20))
    run_days(range(20, 21))
    [state] = dunning.reminder_states([client], day(21)).values()
    assert state.last_step.days_after_due == 14  # the skipped +1 and +3 are not reminders
    assert (state.next_step.days_after_due, state.next_on) == (30, day(30))
    client.promise_to_pay_on = day(35)
    [state] = dunning.reminder_states([client], day(21)).values()
    assert state.next_on == day(36)


def test_one_broken_invoice_does_not_stop_the_others(debtor, branch, monkeypatch):
    client, invoice = debtor
    second = make_billing_client(branch, emails=["pay@second.ru"])
    make_invoice(second, amount="50.00", date=day(-5), due_date=START)
    real = dunning.client_email

    def broken(client_id):
        if client_id == client.pk:
            raise RuntimeError("boom")
        return real(client_id)

    monkeypatch.setattr(dunning, "client_email", broken)
    result = dunning.run_dunning(day(1))
    assert (result["errors"], result["steps"]) == (1, 1)
    assert not DunningEvent.objects.filter(document=invoice).exists()  # retried the next day
    monkeypatch.setattr(dunning, "client_email", real)
    assert dunning.run_dunning(day(2))["steps"] == 1
