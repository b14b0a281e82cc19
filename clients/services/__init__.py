"""Write operations on clients. Every one validates, saves atomically and leaves a history row.

Other apps use these (never the ORM) to create or change clients:

- ``client_create(*, actor, **fields)`` — leads convert into clients through it;
- ``client_find_duplicates(*, phone=None, email=None, inn=None, branch=None)`` — dedupe at intake;
- ``client_set_balance(*, actor, client, balance, reason="")`` — billing keeps the balance.
"""

from clients.services.clients import (
    client_archive,
    client_create,
    client_delete,
    client_find_duplicates,
    client_has_history,
    client_record_order,
    client_set_attention,
    client_set_balance,
    client_set_bonus_count,
    client_set_mood,
    client_update,
)
from clients.services.merge import client_merge
from clients.services.saved_filters import (
    saved_filter_create,
    saved_filter_delete,
    saved_filter_rename,
)

__all__ = [
    "client_archive",
    "client_create",
    "client_delete",
    "client_find_duplicates",
    "client_has_history",
    "client_merge",
    "client_record_order",
    "client_set_attention",
    "client_set_balance",
    "client_set_bonus_count",
    "client_set_mood",
    "client_update",
    "saved_filter_create",
    "saved_filter_delete",
    "saved_filter_rename",
]
