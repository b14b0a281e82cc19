"""Outgoing SMS / messenger messages of the debt reminders, through a pluggable sender.

``settings.BILLING_SMS_SENDER`` is the dotted path of a class with a
``send(*, to: str, text: str, client_id: int | None = None) -> str`` method that returns a short
outcome for the log (a provider's message id…) and raises ``SendError`` when the message could
not be sent. The default, ``LogSender``, sends nothing: it logs and records what would have been
sent (``LogSender.outbox``), like Django's locmem e-mail backend. E-mail goes through Django's
e-mail backend, not through a sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "billing.senders.LogSender"


class SendError(Exception):
    """The message was not sent (the provider refused it, the number is wrong…)."""


class Sender(Protocol):
    def send(self, *, to: str, text: str, client_id: int | None = None) -> str: ...


@dataclass(frozen=True)
class SentMessage:
    to: str
    text: str
    client_id: int | None


class LogSender:
    """Sends nothing; logs the message and keeps it in ``outbox`` (tests and demos read it)."""

    outbox: list[SentMessage] = []

    def send(self, *, to: str, text: str, client_id: int | None = None) -> str:
        LogSender.outbox.append(SentMessage(to, text, client_id))
        logger.info("SMS to %s (client %s): %s", to, client_id, text)
        return "logged"


def get_sender() -> Sender:
    """A new instance of the configured sender."""
    path = getattr(settings, "BILLING_SMS_SENDER", "") or DEFAULT_SENDER
    return import_string(path)()


def send_sms(*, to: str, text: str, client_id: int | None = None) -> str:
    return get_sender().send(to=to, text=text, client_id=client_id)
