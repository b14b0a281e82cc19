"""Shared expressions: money sums that are never NULL, the difference of two dates in days, and
a route's actual cost (km × cost per km + hours × cost per hour + the fixed cost of the van)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Extract

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
RATIO = DecimalField(max_digits=16, decimal_places=4)


def money_sum(expr: Any, filter: Q | None = None) -> Coalesce:
    """``Sum`` that is 0.00 instead of NULL when nothing matched."""
    if isinstance(expr, str):
        expr = F(expr)
    return Coalesce(Sum(expr, filter=filter, output_field=MONEY), Value(ZERO), output_field=MONEY)


def money(value: Any) -> Decimal:
    return (value if value is not None else ZERO).quantize(Decimal("0.01"))


class DateDiff(Func):
    """``a - b`` for two dates: whole days (Postgres ``date - date`` is an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def percent(part: Any, whole: Any) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal; ``None`` when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def route_actual_km(prefix: str = "") -> Any:
    """Kilometres the van really drove (GPS), the planned ones until it has driven."""
    return Case(
        When(**{f"{prefix}km_driven__gt": 0}, then=F(f"{prefix}km_driven")),
        default=F(f"{prefix}km"),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )


def route_actual_hours(prefix: str = "") -> Any:
    """Hours between the start and the end of the route; the planned ones until it finished."""
    planned = ExpressionWrapper(F(f"{prefix}minutes") / Value(Decimal("60")), output_field=RATIO)
    actual = ExpressionWrapper(
        Extract(F(f"{prefix}finished_at") - F(f"{prefix}started_at"), "epoch")
        / Value(Decimal("3600")),
        output_field=RATIO,
    )
    return Case(
        When(
            Q(**{f"{prefix}started_at__isnull": False, f"{prefix}finished_at__isnull": False}),
            then=actual,
        ),
        default=planned,
        output_field=RATIO,
    )


def route_planned_hours(prefix: str = "") -> Any:
    return ExpressionWrapper(F(f"{prefix}minutes") / Value(Decimal("60")), output_field=RATIO)


def route_km_cost(prefix: str = "") -> Any:
    return ExpressionWrapper(
        route_actual_km(prefix) * F(f"{prefix}vehicle__cost_per_km"), output_field=MONEY
    )


def route_time_cost(prefix: str = "") -> Any:
    """The driver's time: hours × the van's cost per hour, plus its fixed cost per trip."""
    return ExpressionWrapper(
        route_actual_hours(prefix) * F(f"{prefix}vehicle__cost_per_hour")
        + F(f"{prefix}vehicle__fixed_cost"),
        output_field=MONEY,
    )


def route_planned_cost(prefix: str = "") -> Any:
    return ExpressionWrapper(
        F(f"{prefix}km") * F(f"{prefix}vehicle__cost_per_km")
        + route_planned_hours(prefix) * F(f"{prefix}vehicle__cost_per_hour")
        + F(f"{prefix}vehicle__fixed_cost"),
        output_field=MONEY,
    )


class SqlRows:
    """A lazily evaluated, sliceable list of dict rows over one SQL query (for ``Paginator``
    and the exports): ``len()`` runs a COUNT, a slice runs the query with LIMIT/OFFSET."""

    def __init__(self, sql: str, params: list[Any]) -> None:
        self.sql, self.params = sql, list(params)
        self._count: int | None = None

    def _fetch(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [col[0] for col in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        if self._count is None:
            sql = f"SELECT COUNT(*) AS n FROM ({self.sql}) q"
            self._count = int(self._fetch(sql, self.params)[0]["n"])
        return self._count

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        start, stop = key.start or 0, key.stop
        limit = "" if stop is None else f" LIMIT {int(stop) - int(start)}"
        return self._fetch(f"{self.sql}{limit} OFFSET {int(start)}", self.params)

    def __iter__(self) -> Any:
        return iter(self[0:None])

    def aggregate(self, expressions: dict[str, str]) -> dict[str, Any]:
        """``{"alias": "SUM(col)"}`` over all the rows (the row count comes with it, so a
        paginator does not run the query once more to count)."""
        select = ", ".join(f"{expr} AS {alias}" for alias, expr in expressions.items())
        sql = f"SELECT COUNT(*) AS rows_total, {select} FROM ({self.sql}) q"
        row = self._fetch(sql, self.params)[0]
        self._count = int(row.pop("rows_total"))
        return row
