"""Labs reacts to lower apps through their signals (orders never imports labs): the delivery
order of a shipped sample completed → the client received the sample."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from crm.orders.models import Order
from crm.orders.services import order_status_changed


@receiver(order_status_changed, sender=Order, dispatch_uid="labs.sample_delivered")
def _sample_delivered(sender: Any, order: Order, target: str, **kwargs: Any) -> None:
    from labs.services import lab_requests_on_order_completed

    lab_requests_on_order_completed(order=order, target=target)
