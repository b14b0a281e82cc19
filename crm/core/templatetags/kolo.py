from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import number_format

register = template.Library()


@register.filter
def field_label(field_name: str, obj: Any) -> str:
    """The verbose name of ``field_name`` on ``obj``'s model (falls back to the name)."""
    try:
        return str(obj._meta.get_field(field_name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return field_name


CURRENCY_SIGNS = {"RUB": "₽", "UAH": "₴", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br"}


@register.filter
def money(amount: Decimal | int | None, currency: str = "RUB") -> str:
    """``1234.5`` -> ``1 234,50 ₽`` in the active locale."""
    if amount is None or amount == "":
        return "—"
    formatted = number_format(Decimal(amount), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{formatted}\u00a0{CURRENCY_SIGNS.get(currency, currency)}"
