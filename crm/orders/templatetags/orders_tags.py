"""Small display helpers of the order pages."""

from __future__ import annotations

from django import template

register = template.Library()

STATUS_BADGES = {
    "new": "badge-info",
    "confirmed": "",
    "in_work": "badge-warn",
    "on_hold": "badge-danger",
    "completed": "badge-ok",
    "cancelled": "badge-muted",
}


@register.filter
def status_badge(status: str) -> str:
    """The badge class of an order status (the same colours everywhere)."""
    return STATUS_BADGES.get(status, "")


@register.filter
def qty(value: object) -> str:
    """A quantity without trailing zeros: 2.000 -> 2, 1.500 -> 1.5."""
    try:
        text = format(value.normalize(), "f")  # type: ignore[attr-defined]
    except AttributeError:
        return str(value)
    return text


@register.filter
def status_name(order: object, status: str | None = None) -> str:
    """The business's name of the order's status (or of ``status`` for that order's type)."""
    from crm.orders.models import OrderStatus
    from crm.orders.selectors import status_names

    code = status or order.status  # type: ignore[attr-defined]
    if not code:
        return "—"
    names = status_names()
    return names.get((order.order_type, code)) or str(OrderStatus(code).label)  # type: ignore
