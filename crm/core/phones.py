"""Phone numbers normalised to E.164 with libphonenumber, and a digits-only search key."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

_NON_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str, region: str | None = None) -> str | None:
    """``"8 (911) 123-45-67"`` -> ``"+79111234567"``; None when it is not a valid number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    region = region or settings.PHONE_DEFAULT_REGION
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_digits(raw: str) -> str:
    """Digits only, with a Russian trunk ``8`` in front of 10 digits read as ``7``: the form a
    search for a phone fragment matches against, however the user typed it."""
    digits = _NON_DIGITS.sub("", raw or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    return digits


def format_phone(e164: str) -> str:
    """``+79111234567`` -> ``+7 911 123-45-67`` for display."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
