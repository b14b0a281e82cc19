"""Gapless document numbers per kind, organisation and year: ``СЧ-2026-000123``.

The sequence row is locked with ``SELECT … FOR UPDATE`` inside the caller's transaction, so two
accountants issuing at the same moment get consecutive numbers, and a rolled-back issue gives its
number back (the increment rolls back with it) — no gaps, no duplicates."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction

from billing.models import DOC_PREFIX, DocumentSequence, Organisation


def format_number(kind: str, year: int, number: int) -> str:
    return f"{DOC_PREFIX[kind]}-{year}-{number:06d}"


def _locked_sequence(organisation: Organisation, kind: str, year: int) -> DocumentSequence:
    keys = {"organisation": organisation, "kind": kind, "year": year}
    sequence = DocumentSequence.objects.select_for_update().filter(**keys).first()
    if sequence is not None:
        return sequence
    try:
        with transaction.atomic():  # a savepoint: a concurrent creator may win the race
            DocumentSequence.objects.create(**keys)
    except IntegrityError:
        pass
    return DocumentSequence.objects.select_for_update().get(**keys)


def reserve_numbers(*, organisation: Organisation, kind: str, year: int, count: int) -> list[str]:
    """``count`` consecutive numbers; must run inside the transaction that uses them."""
    if count <= 0:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_numbers must run inside transaction.atomic()")
    sequence = _locked_sequence(organisation, kind, year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    return [format_number(kind, year, n) for n in range(first, first + count)]


def next_number(*, organisation: Organisation, kind: str, on: datetime.date) -> str:
    return reserve_numbers(organisation=organisation, kind=kind, year=on.year, count=1)[0]
