"""Russian legal requisites: INN (with checksum), KPP, OGRN, BIK and bank accounts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(value: str) -> bool:
    if not value.isdigit() or not value.isascii():
        return False
    if len(value) == 10:
        return _check_digit(value, _INN10) == int(value[9])
    if len(value) == 12:
        return _check_digit(value, _INN12_1) == int(value[10]) and _check_digit(
            value, _INN12_2
        ) == int(value[11])
    return False


def inn_with_checksum(prefix: str) -> str:
    """Complete 9 (company) or 10 (person) digits into a valid INN — for seeds and tests."""
    if len(prefix) == 9:
        return prefix + str(_check_digit(prefix, _INN10))
    if len(prefix) == 10:
        first = prefix + str(_check_digit(prefix, _INN12_1))
        return first + str(_check_digit(first, _INN12_2))
    raise ValueError("an INN prefix has 9 or 10 digits")


def validate_inn(value: str) -> None:
    if not value:
        return
    if not value.isascii() or not value.isdigit() or len(value) not in (10, 12):
        raise ValidationError(_("An INN has 10 digits (company) or 12 digits (person)."))
    if not inn_is_valid(value):
        raise ValidationError(_("This INN has a wrong check digit; check for a typo."))


def _digits(value: str, length: int, message: str) -> None:
    if value and not (value.isascii() and value.isdigit() and len(value) == length):
        raise ValidationError(message)


def validate_kpp(value: str) -> None:
    _digits(value, 9, _("A KPP has 9 digits."))


def validate_bik(value: str) -> None:
    _digits(value, 9, _("A BIK has 9 digits."))


def validate_account(value: str) -> None:
    _digits(value, 20, _("A bank account number has 20 digits."))


def validate_ogrn(value: str) -> None:
    if value and not (value.isascii() and value.isdigit() and len(value) in (13, 15)):
        raise ValidationError(_("An OGRN has 13 digits (OGRNIP: 15)."))
