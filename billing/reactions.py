"""Billing's reactions to other apps' domain signals (connected in ``billing.wiring_payments``).

A driver marks a stop done with cash or card taken (``routes.services.live.stop_payment_taken``,
sent after commit): the money becomes a ``Payment`` of the stop's client (source "driver's
tablet", ``external_key`` ``stop:<id>`` so a repeated signal never records it twice), allocated to
the oldest open invoices."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing.models import Payment, PaymentMethod, PaymentSource

log = logging.getLogger(__name__)

DRIVER_METHODS = {"cash": PaymentMethod.CASH, "card": PaymentMethod.CARD}


def stop_external_key(stop_id: int) -> str:
    return f"stop:{stop_id}"


def record_stop_payment(
    *, stop_id: int, client_id: int, amount: Decimal, method: str, action_id: str = ""
) -> Payment | None:
    """Record the money a driver took at a stop (idempotent on the stop)."""
    from billing.services.payments import payment_record
    from clients.models import Client
    from routes.models import RouteStop

    if method not in DRIVER_METHODS or not amount or Decimal(amount) <= 0:
        return None
    stop = RouteStop.objects.select_related("route__driver", "plan").filter(pk=stop_id).first()
    client = Client.objects.filter(pk=client_id).first()
    if stop is None or client is None:
        return None
    actor = stop.route.driver
    return payment_record(
        actor=actor,
        client=client,
        amount=Decimal(amount),
        method=DRIVER_METHODS[method],
        date=stop.plan.date,
        note=f"{_('Route stop')} #{stop_id}",
        source=PaymentSource.DRIVER,
        external_key=stop_external_key(stop_id),
        route_stop=stop,
    )


def on_stop_payment_taken(sender: Any, **kwargs: Any) -> None:
    """Receiver of ``stop_payment_taken``; a failure is logged, never breaks the driver's tap
    (the money stays visible on the stop for the accountant)."""
    try:
        record_stop_payment(
            stop_id=kwargs["stop_id"],
            client_id=kwargs["client_id"],
            amount=kwargs["amount"],
            method=kwargs["method"],
            action_id=kwargs.get("action_id", ""),
        )
    except (ValidationError, LookupError, ValueError, ArithmeticError):
        log.exception("billing: the driver's payment at stop %s was not recorded", kwargs)
