"""Line and document totals with VAT, rounded half-up to kopecks at the line.

Prices include VAT by default (as on the catalogue and orders): the VAT of a line is
``amount × rate / (100 + rate)``. With ``prices_include_vat=False`` the VAT is added on top. The
document's VAT is the sum of its lines' VAT (what Russian invoices print), never recomputed from
the total."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from crm.core.money import quantize
from crm.orders.models import VatRate

HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


def line_amounts(
    quantity: Decimal | int | str,
    unit_price: Decimal | int | str,
    vat_rate: str,
    *,
    prices_include_vat: bool = True,
) -> tuple[Decimal, Decimal]:
    """``(amount including VAT, VAT in it)``."""
    gross = quantize(Decimal(str(quantity)) * Decimal(str(unit_price)))
    rate = VatRate.percent(vat_rate)
    if not rate:
        return gross, ZERO
    if prices_include_vat:
        return gross, quantize(gross * rate / (HUNDRED + rate))
    vat = quantize(gross * rate / HUNDRED)
    return gross + vat, vat


def document_totals(lines: Iterable[Any]) -> tuple[Decimal, Decimal, Decimal]:
    """``(without VAT, VAT, total)`` of lines that have ``amount`` and ``vat_amount``."""
    total = vat = ZERO
    for line in lines:
        total += line.amount
        vat += line.vat_amount
    return total - vat, vat, total
