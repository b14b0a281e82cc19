"""Read queries of the orders app (lists, the day screen, names of statuses)."""

from __future__ import annotations

from django.core.cache import cache

from crm.orders.models import StatusName

STATUS_NAMES_CACHE_KEY = "orders:status-names"


def status_names() -> dict[tuple[str, str], str]:
    """``{(order_type, status): name}`` with per-type names overriding the all-types ones."""
    names = cache.get(STATUS_NAMES_CACHE_KEY)
    if names is None:
        rows = list(StatusName.objects.values_list("order_type", "status", "name"))
        from crm.orders.models import OrderType

        names = {}
        for order_type, status, name in sorted(rows, key=lambda r: r[0] != ""):
            types = [order_type] if order_type else list(OrderType.values)
            for t in types:
                names[(t, status)] = name
        cache.set(STATUS_NAMES_CACHE_KEY, names, 300)
    return names
