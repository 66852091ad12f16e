from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from finsam.money import (
    AMOUNT_LIMIT,
    DEFAULT_EQUITY_CAP_PERCENT,
    amount_str,
    floor_ore,
    format_kr,
    parse_amount,
    percent,
    round_ore,
    swedish_date,
    swedish_month_abbr,
    to_places,
    too_large,
    whole_if_integral,
    whole_ore,
    within_places,
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


# --- the amount limit and the default equity cap: one definition each ---------------

TOP = Decimal("999999999999.99")  # the most DecimalField(max_digits=14, decimal_places=2) holds


@pytest.mark.parametrize(
    ("amount", "large"),
    [(TOP, False), (-TOP, False), (AMOUNT_LIMIT, True), (-AMOUNT_LIMIT, True), (Decimal(0), False)],
)
def test_too_large_is_the_databases_limit(amount, large):
    assert too_large(amount) is large


@pytest.mark.parametrize(
    ("amount", "whole"),
    [
        (Decimal("1296000"), True),
        (Decimal("645333.50"), True),
        (Decimal("0.01"), True),
        (Decimal("0.005"), False),
        (Decimal("1E+30"), False),  # more digits than the context holds with öre
        (Decimal("Infinity"), False),
        (Decimal("NaN"), False),
    ],
)
def test_whole_ore(amount, whole):
    assert whole_ore(amount) is whole


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1296000.00"), "1296000"),
        (Decimal("1.2E+3"), "1200"),
        (Decimal("645333.50"), "645333.50"),
        (Decimal("-253000.00"), "-253000"),
    ],
)
def test_whole_if_integral(value, shown):
    assert str(whole_if_integral(value)) == shown


def test_every_amount_reader_has_the_same_limit():
    from budgets.editing import _parse_amount
    from budgets.table_text import read_cell
    from finsam.forms import AmountField

    field = AmountField()
    assert field.clean("999 999 999 999,99") == TOP
    assert _parse_amount("999 999 999 999,99") == TOP
    assert read_cell("999 999 999 999,99").value == TOP
    for text in ("1 000 000 000 000", "\u22121 000 000 000 000"):
        with pytest.raises(ValidationError, match="för stort"):
            field.clean(text)
        with pytest.raises(ValueError, match="för stort"):
            _parse_amount(text)
        with pytest.raises(ValueError, match="för stort"):
            read_cell(text)


def test_one_default_equity_cap():
    from budgets.rules import BudgetFacts
    from finsam.models import Federation

    assert DEFAULT_EQUITY_CAP_PERCENT == Decimal(20)
    assert Federation().equity_cap_percent == DEFAULT_EQUITY_CAP_PERCENT
    from finsam.staff.forms import FederationCreateForm

    assert FederationCreateForm().fields["equity_cap_percent"].initial == DEFAULT_EQUITY_CAP_PERCENT
    facts = BudgetFacts(federation="", year=2020, columns=(), opening_equity=Decimal(0), lines=())
    assert facts.equity_cap_percent == DEFAULT_EQUITY_CAP_PERCENT


@pytest.mark.parametrize(
    ("value", "places", "exact", "within"),
    [
        (Decimal("20"), 3, "20.000", True),
        (Decimal("33.333"), 3, "33.333", True),
        (Decimal("33.3335"), 3, "33.334", False),  # half-up
        (Decimal("12.5"), 2, "12.50", True),
        (Decimal("12.505"), 2, "12.51", False),
        (Decimal("7"), 0, "7", True),
    ],
)
def test_to_places_and_within_places(value, places, exact, within):
    assert str(to_places(value, places)) == exact
    assert within_places(value, places) is within


def test_rounding_happens_only_in_the_money_module():
    """Every rounding goes through finsam/money.py (issue 14): no other application
    module calls Decimal's quantize."""
    from tests.test_architecture import ROOT, application_modules

    money = ROOT / "finsam" / "money.py"
    elsewhere = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in application_modules()
        if path != money
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".quantize(" in line
    ]
    assert elsewhere == []
    assert ".quantize(" in money.read_text(encoding="utf-8")
