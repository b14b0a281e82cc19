from decimal import Decimal

import pytest

from crm.core.money import CurrencyMismatch, Money, quantize
from crm.core.phones import format_phone, normalize_phone, phone_digits
from crm.core.templatetags.kolo import money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        ("10", "10.00"),
        ("1.235", "1.24"),
        ("1.245", "1.25"),
        ("2.675", "2.68"),
    ],
)
def test_quantize_rounds_half_up(raw, expected):
    assert quantize(raw) == Decimal(expected)


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5)
    with pytest.raises(CurrencyMismatch):
        Money(Decimal("1"), "RUB") + Money(Decimal("1"), "UAH")
    with pytest.raises(TypeError):
        Money(Decimal("1")) * 1.5


def test_money_arithmetic_keeps_kopecks():
    # The amount is quantised when created, so a line of 3 × 33.333 is 3 × 33.33.
    assert Money(Decimal("33.333")) * 3 == Money(Decimal("99.99"))
    assert Money(Decimal("0.10")) * Decimal("0.5") == Money(Decimal("0.05"))
    assert Money(Decimal("10")) - Money(Decimal("2.5")) == Money(Decimal("7.50"))
    assert not Money.zero()


@pytest.mark.parametrize(
    "raw",
    [
        "+7 911 123-45-67",
        "8 (911) 123 45 67",
        "89111234567",
        "+79111234567",
        "7-911-123-4567",
        " 8 911 1234567 ",
    ],
)
def test_russian_numbers_typed_any_way_normalise_to_e164(raw, settings):
    settings.PHONE_DEFAULT_REGION = "RU"
    assert normalize_phone(raw) == "+79111234567"
    assert phone_digits(raw).endswith("9111234567")


@pytest.mark.parametrize("raw", ["", "123", "abc", "+7 911", "😀"])
def test_invalid_numbers_are_rejected(raw):
    assert normalize_phone(raw) is None


def test_ukrainian_number_and_display_format():
    assert normalize_phone("+380 44 123 4567") == "+380441234567"
    assert format_phone("+79111234567") == "+7 911 123-45-67"


def test_money_filter_formats_in_the_active_locale():
    from django.utils import translation

    with translation.override("ru"):
        assert money(Decimal("1234567.5")) == "1\xa0234\xa0567,50\xa0₽"
    with translation.override("en"):
        assert money(Decimal("1234.5"), "USD") == "1,234.50\xa0$"
    assert money(None) == "—"
