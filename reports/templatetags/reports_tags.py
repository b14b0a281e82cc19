"""Cells of a report table: formatted by the column's kind in the user's locale, linked to the
list the figure was counted from."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import date_format, number_format
from django.utils.html import format_html

from crm.core.templatetags.kolo import money
from reports.catalogue.base import Column
from reports.filters import ReportFilter

register = template.Library()


def format_value(value: Any, kind: str, currency: str = "RUB") -> str:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return money(value, currency)
    if kind == "percent":
        return f"{number_format(value, decimal_pos=1, use_l10n=True)}\u00a0%"
    if kind == "number":
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    if kind == "int":
        return number_format(value, use_l10n=True, force_grouping=True)
    if kind == "date":
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


@register.simple_tag
def report_cell(row: dict[str, Any], column: Column, flt: ReportFilter) -> str:
    text = format_value(row.get(column.key), column.kind)
    url = column.link(row, flt) if column.link else None
    if url:
        return format_html('<a href="{}">{}</a>', url, text)
    return format_html("{}", text)


@register.simple_tag
def report_total(totals: dict[str, Any], column: Column) -> str:
    if column.key not in totals:
        return ""
    return format_value(totals[column.key], column.kind)


@register.filter
def fmt(value: Any, kind: str) -> str:
    return format_value(value, kind)


@register.filter
def get_item(row: dict[str, Any], key: str) -> Any:
    return row.get(key)
