from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from finsam.money import (
    amount_str,
    floor_ore,
    format_kr,
    parse_amount,
    percent,
    round_ore,
    swedish_date,
    swedish_month_abbr,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1296000, "1\u00a0296\u00a0000\u00a0kr"),
        (Decimal("-253000"), "\u2212253\u00a0000\u00a0kr"),
        (Decimal("645333.50"), "645\u00a0333,50\u00a0kr"),
        (0, "0\u00a0kr"),
    ],
)
def test_format_kr(value, expected):
    assert format_kr(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 296 000", Decimal("1296000")),
        ("1296000", Decimal("1296000")),
        ("1\u00a0296\u00a0000,50", Decimal("1296000.50")),
        ("1\u202f296\u202f000", Decimal("1296000")),
        ("645333.50", Decimal("645333.50")),
        (118400, Decimal("118400")),
        ("\u2212253 000", Decimal("-253000")),
    ],
)
def test_parse_amount_accepts_swedish_input(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("bad", ["", "abc", "1,2,3", "1e5", 1.5, True, None, "12,345", "NaN"])
def test_parse_amount_refuses(bad):
    with pytest.raises(ValueError):
        parse_amount(bad)


def test_percent_rounds_half_up():
    # 79.375 % gives 79.38 (banker's rounding would give 79.38 too, so also 0.125 -> 0.13)
    assert percent(Decimal("79375"), Decimal("100000")) == Decimal("79.38")
    assert percent(Decimal("125"), Decimal("100000")) == Decimal("0.13")
    assert percent(Decimal("1"), Decimal("0")) is None


def test_amount_str():
    assert amount_str(Decimal("1296000.00")) == "1296000"
    assert amount_str(Decimal("645333.5")) == "645333.50"
    assert amount_str(Decimal("-253000")) == "-253000"


@pytest.mark.parametrize(
    ("value", "floor", "rounded"),
    [
        (Decimal("6679200.009"), Decimal("6679200.00"), Decimal("6679200.01")),
        (Decimal("0.005"), Decimal("0.00"), Decimal("0.01")),
        (Decimal("0.004"), Decimal("0.00"), Decimal("0.00")),
        (Decimal("12.30"), Decimal("12.30"), Decimal("12.30")),
    ],
)
def test_floor_ore_never_rounds_up(value, floor, rounded):
    assert floor_ore(value) == floor
    assert round_ore(value) == rounded


MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("language", ["sv", "en"])
def test_swedish_dates_whatever_the_language(month, language):
    with translation.override(language):
        assert swedish_date(date(2019, month, 9)) == f"9 {MONTHS[month - 1]} 2019"
        assert swedish_month_abbr(date(2019, month, 1)) == MONTHS[month - 1][:3]


def test_swedish_date_of_nothing():
    assert swedish_date(None) == ""
