"""Amounts in words, in Russian, as printed on invoices and acts ("Сумма прописью").

``amount_in_words(Decimal("1234.50"))`` → "Одна тысяча двести тридцать четыре рубля 50 копеек".
Grammatical gender and the three plural forms (1 рубль, 2 рубля, 5 рублей) follow the currency:
rouble (masculine), hryvnia (feminine), US dollar and euro (masculine; euro does not decline)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MALE, FEMALE = "m", "f"

_UNITS = {
    MALE: ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
    FEMALE: ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
}
_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_TENS = [
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
]
_HUNDREDS = [
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
]
#: (forms for 1 / 2–4 / 5+, gender) of each group of three digits above the units
_SCALES = [
    (("тысяча", "тысячи", "тысяч"), FEMALE),
    (("миллион", "миллиона", "миллионов"), MALE),
    (("миллиард", "миллиарда", "миллиардов"), MALE),
    (("триллион", "триллиона", "триллионов"), MALE),
]


@dataclass(frozen=True)
class Currency:
    major: tuple[str, str, str]
    major_gender: str
    minor: tuple[str, str, str]
    minor_gender: str


CURRENCIES: dict[str, Currency] = {
    "RUB": Currency(("рубль", "рубля", "рублей"), MALE, ("копейка", "копейки", "копеек"), FEMALE),
    "UAH": Currency(
        ("гривна", "гривны", "гривен"), FEMALE, ("копейка", "копейки", "копеек"), FEMALE
    ),
    "USD": Currency(
        ("доллар США", "доллара США", "долларов США"), MALE, ("цент", "цента", "центов"), MALE
    ),
    "EUR": Currency(("евро", "евро", "евро"), MALE, ("цент", "цента", "центов"), MALE),
}


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian form for ``n``: 1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return forms[2]
    n %= 10
    if n == 1:
        return forms[0]
    if 2 <= n <= 4:
        return forms[1]
    return forms[2]


def _triple(n: int, gender: str) -> list[str]:
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        words += [_TENS[rest // 10], _UNITS[gender][rest % 10]]
    return [w for w in words if w]


def number_in_words(n: int, gender: str = MALE) -> str:
    """A non-negative integer in words: ``number_in_words(21, FEMALE)`` → "двадцать одна"."""
    if n < 0:
        return "минус " + number_in_words(-n, gender)
    if n == 0:
        return "ноль"
    words = _triple(n % 1000, gender)
    n //= 1000
    for forms, scale_gender in _SCALES:
        if not n:
            break
        group = n % 1000
        if group:
            words = [*_triple(group, scale_gender), plural(group, forms), *words]
        n //= 1000
    if n:
        raise ValueError("The number is too large to spell.")
    return " ".join(words)


def amount_in_words(amount: Decimal | int | str, currency: str = "RUB") -> str:
    """ "Одна тысяча двести тридцать четыре рубля 50 копеек": the whole part in words with a
    capital letter, the minor part in digits (as Russian accounting documents print it)."""
    cur = CURRENCIES.get(currency.upper(), CURRENCIES["RUB"])
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "минус " if value < 0 else ""
    value = abs(value)
    major = int(value)
    minor = int((value - major) * 100)
    text = (
        f"{sign}{number_in_words(major, cur.major_gender)} {plural(major, cur.major)} "
        f"{minor:02d} {plural(minor, cur.minor)}"
    )
    return text[0].upper() + text[1:]
