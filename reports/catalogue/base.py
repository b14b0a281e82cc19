"""What a report is: columns with a kind (text, int, money, percent, date, number) that drives
the HTML formatting, the .xlsx number formats and the totals row; a builder returning a ``Table``;
an optional chart (Chart.js data fed through ``json_script``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from reports.filters import ReportFilter

#: the page shows this many rows; the exports take all of them up to ``EXPORT_LIMIT``
PAGE_ROWS = 100
EXPORT_LIMIT = 20_000
KINDS = ("text", "int", "money", "percent", "date", "number")
#: Okabe–Ito: distinguishable with every common colour-vision deficiency
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str = "text"
    #: summed into the totals row (money, int, number columns)
    total: bool = False
    #: the list a cell was counted from: ``link(row, flt) -> url or None``
    link: Callable[[dict[str, Any], ReportFilter], str | None] | None = None


@dataclass
class Table:
    rows: list[dict[str, Any]] | QuerySet
    #: ``None``: summed from the rows over the columns with ``total=True``
    totals: dict[str, Any] | None = None
    chart: dict[str, Any] | None = None
    note: Any = ""


@dataclass(frozen=True)
class Report:
    slug: str
    title: Any
    permission: str
    columns: list[Column]
    build: Callable[[ReportFilter, Any, QueryDict], Table]
    description: Any = ""
    section: Any = ""
    #: drill-down lists: reached from a figure, not listed in the reports index
    drill: bool = False
    #: extra GET parameters the report understands (kept in links and exports)
    params: tuple[str, ...] = field(default_factory=tuple)


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    for column in report.columns:
        assert column.kind in KINDS, column.kind
    REPORTS[report.slug] = report
    return report


def reports_for(user: Any, *, drill: bool = False) -> list[Report]:
    return [r for r in REPORTS.values() if r.drill == drill and user.has_perm(r.permission)]


def sum_totals(rows: list[dict[str, Any]], columns: list[Column]) -> dict[str, Any]:
    """The totals row of an already aggregated (small) table."""
    totals: dict[str, Any] = {}
    for column in columns:
        if column.total:
            zero: Any = Decimal("0.00") if column.kind == "money" else 0
            totals[column.key] = sum((row.get(column.key) or zero for row in rows), zero)
    return totals


def chart(
    kind: str, labels: list[Any], datasets: list[tuple[Any, list[Any]]], *, money: bool = True
) -> dict[str, Any]:
    """Chart.js data: ``datasets`` as (label, values); values become floats for drawing only."""
    return {
        "type": kind,
        "money": money,
        "labels": [str(label) for label in labels],
        "datasets": [
            {
                "label": str(label),
                "data": [float(v or 0) for v in values],
                "color": PALETTE[index % len(PALETTE)],
            }
            for index, (label, values) in enumerate(datasets)
        ],
        "palette": PALETTE,
    }
