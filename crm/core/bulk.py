"""Bulk writes that stay fast at tens of thousands of rows.

Django's ``bulk_update`` builds one ``CASE WHEN pk = … THEN …`` expression per field and row; at
1 000 rows × 7 fields that is most of a second of Python before the query is even sent. On
PostgreSQL ``bulk_update_rows`` sends ``UPDATE … FROM (VALUES …)`` instead — the same result,
typed by casts, in a fraction of the time. Other databases (the embedded SQLite) fall back to
``bulk_update``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def bulk_update_rows(
    objs: Iterable[models.Model], fields: Sequence[str], *, batch_size: int = 1000
) -> int:
    """Write ``fields`` of every object in ``objs`` (all of one model) by primary key.
    Like ``bulk_update``: no signals, no ``save()``, no ``auto_now``. Returns rows updated."""
    rows = list(objs)
    if not rows or not fields:
        return 0
    model = type(rows[0])
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_update(rows, list(fields), batch_size=batch_size)
    columns = [model._meta.pk, *(model._meta.get_field(name) for name in fields)]
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            sql, params = _update_from_values(model, columns, batch)
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated


def _update_from_values(
    model: type[models.Model], columns: list[models.Field], rows: list[models.Model]
) -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    placeholder = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    aliases = [f"c{i}" for i in range(len(columns))]
    assignments = ", ".join(
        f"{quote(f.column)} = v.{alias}" for f, alias in zip(columns[1:], aliases[1:], strict=True)
    )
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "
        f"FROM (VALUES {', '.join([placeholder] * len(rows))}) AS v({', '.join(aliases)}) "
        f"WHERE t.{quote(columns[0].column)} = v.c0"
    )
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection)
        for row in rows
        for field in columns
    ]
    return sql, params
