"""The business's own names of the core statuses (per order type or for all types)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction

from crm.core.services import audit_record
from crm.orders.models import OrderStatus, OrderType, StatusName
from crm.orders.selectors import STATUS_NAMES_CACHE_KEY


@transaction.atomic
def status_names_save(*, actor: Any, names: dict[tuple[str, str], str]) -> int:
    """``names``: ``{(order_type or "", status): name}``; an empty name restores the default.
    Returns how many names changed."""
    if not actor.has_perm("orders.change_statusname"):
        raise PermissionDenied
    current = {(r.order_type, r.status): r for r in StatusName.objects.all()}
    changed = 0
    for (order_type, status), raw in names.items():
        if status not in OrderStatus.values or order_type not in ("", *OrderType.values):
            continue
        name = (raw or "").strip()[:60]
        row = current.get((order_type, status))
        if not name and row is not None:
            row.delete()
            changed += 1
        elif name and row is None:
            row = StatusName.objects.create(order_type=order_type, status=status, name=name)
            audit_record(actor=actor, instance=row, action="create", changes={"name": [None, name]})
            changed += 1
        elif name and row is not None and row.name != name:
            audit_record(actor=actor, instance=row, changes={"name": [row.name, name]})
            row.name = name
            row.save(update_fields=["name"])
            changed += 1
    # Now for this request's own pages, and again after commit in case a concurrent reader
    # cached the old names in between.
    cache.delete(STATUS_NAMES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(STATUS_NAMES_CACHE_KEY))
    return changed
