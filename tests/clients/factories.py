from __future__ import annotations

from typing import Any

from clients.models import Client
from clients.services import client_create
from clients.validators import inn_with_checksum

_counter = {"n": 0}


def make_client(
    *, branch: Any, manager: Any = None, name: str | None = None, **fields: Any
) -> Client:
    """A client built through the service (no actor: system work), owned by ``manager``."""
    _counter["n"] += 1
    fields.setdefault("phones", [f"+7911{_counter['n']:07d}"])
    return client_create(
        actor=None,
        branch=branch,
        manager=manager,
        name=name or f"Клиент {_counter['n']}",
        **fields,
    )


def valid_inn(n: int = 1, person: bool = False) -> str:
    return inn_with_checksum(f"{7800000000 + n}" if person else f"{780000000 + n}")
