"""Money: rounding and formatting, in one place.

Amounts are Decimal kronor. Percentages round half-up to two decimals
(Nationella rådet's follow-up and our report format both show two).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.formats import date_format
from django.utils.numberformat import format as number_format

ORE = Decimal("0.01")
HUNDRED = Decimal(100)
NBSP = "\u00a0"
MINUS = "\u2212"
TOO_LARGE = "beloppet är för stort"
ASCII_DIGITS = frozenset("0123456789")
# DecimalField(max_digits=14, decimal_places=2) holds twelve digits of kronor: every
# amount is less than 10^12 kr, at most 999 999 999 999,99.
AMOUNT_LIMIT = Decimal(10) ** 12
# Nationella rådet recommends eget kapital below a share of the year's contributions,
# commonly 20 %; a förbund may set its own (Federation.equity_cap_percent).
DEFAULT_EQUITY_CAP_PERCENT = Decimal(20)


def parse_amount(value: object) -> Decimal:
    """Parse an amount from JSON (int or decimal string) or a form.

    Accepts spaces, no-break spaces and thin spaces as thousands separators and a
    decimal comma. Raises ValueError with a Swedish message on anything else;
    floats are refused so that no binary rounding slips in.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("inte ett tal")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("inte ett tal")
        return value
    if not isinstance(value, str):
        raise ValueError("inte ett tal")
    text = value.strip()
    for sep in (" ", NBSP, "\u202f", "\u2009"):
        text = text.replace(sep, "")
    text = text.replace(MINUS, "-").replace(",", ".")
    if not text or text.count(".") > 1:
        raise ValueError("inte ett tal")
    # ASCII digits only: str.isdigit() and Decimal() also take Arabic-Indic (٣),
    # fullwidth (３) and other digits, which nobody means to type into an amount.
    if not all(c in ASCII_DIGITS or c in ".-+" for c in text):
        raise ValueError("inte ett tal")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("inte ett tal") from None
    if not amount.is_finite():
        raise ValueError("inte ett tal")
    try:
        rounded = amount.quantize(ORE, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds
        raise ValueError(TOO_LARGE) from None
    if amount != rounded:
        raise ValueError("fler än två decimaler")
    return amount


# The unit the app writes after an amount ("200 000 kr"), as a user may type it back.
_TYPED_UNIT = re.compile(r"\s*kr\.?\s*$", re.IGNORECASE)


def parse_typed_amount(text: str) -> Decimal:
    """An amount as a person types it, or copies it from the app's own pages and
    Excel: parse_amount's forms ("1 296 000,50", "−5 000" with U+2212) and also the
    app's display format with its unit, "200 000 kr". Not for the bundle, whose
    amounts are plain decimal strings."""
    return parse_amount(_TYPED_UNIT.sub("", text.strip()))


def too_large(amount: Decimal) -> bool:
    """Whether the amount is more than the database holds (AMOUNT_LIMIT)."""
    return abs(amount) >= AMOUNT_LIMIT


def to_places(value: Decimal, places: int) -> Decimal:
    """`value` with exactly `places` decimals, rounded half-up: 20 → 20.000."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def within_places(value: Decimal, places: int) -> bool:
    """Whether `value` is a finite number with at most `places` decimals."""
    try:
        return value.is_finite() and value == to_places(value, places)
    except InvalidOperation:  # more digits than the decimal context holds
        return False


def whole_ore(amount: Decimal) -> bool:
    """Whether the amount is kronor and whole öre, with no third decimal."""
    return within_places(amount, 2)


def whole_if_integral(value: Decimal) -> Decimal:
    """1296000.00 → 1296000 (no ".00", no exponent); 645333.50 stays."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def round_ore(value: Decimal) -> Decimal:
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def floor_ore(value: Decimal) -> Decimal:
    """Down to whole öre: what an offer allows, never an öre over it."""
    return value.quantize(ORE, rounding=ROUND_DOWN)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in percent, rounded half-up to two decimals; None if whole is 0."""
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(ORE, rounding=ROUND_HALF_UP)


def amount_str(value: Decimal) -> str:
    """An amount as the report writes it: "1296000", "645333.50", "-253000"."""
    if value == value.to_integral_value():
        return str(int(value))
    return str(round_ore(value))


def percent_str(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(ORE, rounding=ROUND_HALF_UP))


def format_kr(value: Decimal | int | None, *, decimals: int | None = None) -> str:
    """ "1 296 000 kr" with no-break spaces; öre only when there are any."""
    if value is None:
        return ""
    value = Decimal(value)
    if decimals is None:
        decimals = 0 if value == value.to_integral_value() else 2
    text = number_format(
        abs(value),
        ",",
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=NBSP,
        force_grouping=True,
    )
    sign = MINUS if value < 0 else ""
    return f"{sign}{text}{NBSP}kr"


def format_number(value: Decimal | int | None) -> str:
    """A grouped number without unit: "1 296 000"."""
    return format_kr(value).removesuffix(f"{NBSP}kr")


def format_percent(value: Decimal | None) -> str:
    """ "36,07 %" """
    if value is None:
        return "–"
    text = number_format(value, ",", decimal_pos=2)
    return f"{text}{NBSP}%"


def _in_swedish(value: date, format_string: str) -> str:
    # Swedish whatever language the request, command or task runs in.
    with translation.override("sv"):
        return date_format(value, format_string)


def swedish_date(value: date | None) -> str:
    """ "19 november 2019" """
    if value is None:
        return ""
    return _in_swedish(value, "j F Y")


def swedish_month_abbr(value: date) -> str:
    """The month's short name: "jan", "feb", "mar", …, "maj", …, "okt", …"""
    return _in_swedish(value, "b")
