"""The follow-up's rules that need no database: which budget line an account is
suggested for. The förbund's mapping is its own (AccountMapping); this only proposes
one, from the accounts' names and numbers, for the table where she confirms it.

Two charts of accounts are in use, numbered differently (../shared/sie/README.md):
BAS (companies: 4xxx goods, 5–6xxx external costs, 7xxx personnel, 8xxx financial) and
Kommun-Bas (municipalities and kommunalförbund: 45xx bidrag, 5xxx personnel, 6–7xxx
other costs, 84xx financial income, 85xx financial costs). Which one a file uses is
read from its names: personnel on 5xxx or bidrag on 45xx is Kommun-Bas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from budgets.models import INCOME_CATEGORIES
from finsam.findings import ERROR, WARNING, Finding
from finsam.money import format_kr, percent, round_ore, to_places

ZERO = Decimal(0)

PERSONNEL = re.compile(r"lön|personal|arvode|sociala avg|pension|semester", re.I)
GRANTS = re.compile(r"bidrag", re.I)
WORD = re.compile(r"[a-zåäöéü]{4,}", re.I)
# Words in account names that say nothing about which line it is.
COMMON = frozenset(
    {"konto", "kostnader", "kostnad", "övriga", "övrig", "intäkter", "intäkt", "avgifter"}
)


@dataclass(frozen=True)
class BudgetLine:
    key: str
    category: str  # budgets.models.Category's value
    label: str


def is_kommun_bas(accounts: Mapping[str, str]) -> bool:
    return any(
        (number.startswith("5") and PERSONNEL.search(name))
        or (number.startswith("45") and GRANTS.search(name))
        for number, name in accounts.items()
    )


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)} - COMMON


def _category(number: str, name: str, kommun_bas: bool) -> str | None:
    """The budget category an account's number (and, for income, its name) points to."""
    first, two = number[0], number[:2]
    if first == "3":
        return "contribution" if GRANTS.search(name) or "medlem" in name.lower() else "other_income"
    if kommun_bas:
        if two == "45":
            return "intervention"
        if first in "567":
            return "administration"
        if two == "84":
            return "other_income"
        if first in "48":
            return "other_cost"
        return None
    if first in "567":
        return "administration"
    if first == "4":
        return "other_cost"
    if two == "83":
        return "other_income"
    if first == "8":
        return "other_cost"
    return None


def suggest_mapping(
    accounts: Mapping[str, str], lines: Sequence[BudgetLine]
) -> dict[str, str | None]:
    """Account number → the suggested line's key, or None where nothing fits (listed
    as unmapped, never dropped). A line whose label shares a word with the account's
    name wins (income with income, costs with costs); otherwise the first line of the
    category the number points to."""
    kommun_bas = is_kommun_bas(accounts)
    suggestions: dict[str, str | None] = {}
    for number, name in sorted(accounts.items()):
        category = _category(number, name, kommun_bas)
        income = category in INCOME_CATEGORIES
        words = _words(name)
        same_side = [line for line in lines if (line.category in INCOME_CATEGORIES) == income]
        by_name = max(
            same_side,
            key=lambda line: len(words & _words(line.label)),
            default=None,
        )
        if by_name is not None and words & _words(by_name.label):
            suggestions[number] = by_name.key
            continue
        in_category = [line for line in lines if line.category == category]
        suggestions[number] = in_category[0].key if in_category else None
    return suggestions


# --- the follow-up's figures ---------------------------------------------------------

MONTHS_IN_YEAR = 12
FORECAST_METHODS = {
    "remaining": "Utfall hittills plus återstående budget",
    "run_rate": "Utfall hittills i samma takt året ut",
    "entered": "Inmatad prognos per rad",
}
# An intervention that has used this many percentage points more of its budget than
# the share of the year gone is named.
OVERSPEND_POINTS = Decimal(25)


@dataclass(frozen=True)
class AccountRange:
    first: str
    last: str
    key: str

    def covers(self, account: str) -> bool:
        return self.first <= account <= self.last


@dataclass(frozen=True)
class LineFollowUp:
    line: BudgetLine
    budget: Decimal
    actual: Decimal
    used_percent: Decimal | None  # of the year's budget
    expected: Decimal  # the budget's share of the months gone
    forecast: Decimal
    deviation: Decimal  # forecast − budget
    deviation_percent: Decimal | None


def actuals_by_line(
    totals: Mapping[str, Decimal],
    mappings: Sequence[AccountRange],
    lines: Sequence[BudgetLine],
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """The accounts' actuals to date per line key, as the budget counts them (income
    positive: the bookkeeping's credit is negative), and the accounts no mapping
    covers, with their amounts (never dropped)."""
    income = {line.key for line in lines if line.category in INCOME_CATEGORIES}
    known = {line.key for line in lines}
    by_line: dict[str, Decimal] = {}
    unmapped: dict[str, Decimal] = {}
    for account, amount in sorted(totals.items()):
        mapping = next((m for m in mappings if m.covers(account) and m.key in known), None)
        if mapping is None:
            unmapped[account] = amount
            continue
        signed = -amount if mapping.key in income else amount
        by_line[mapping.key] = by_line.get(mapping.key, ZERO) + signed
    return by_line, unmapped


def forecast(
    budget: Decimal, actual: Decimal, months: int, method: str, entered: Decimal | None = None
) -> Decimal:
    """The year's forecast for a line: entered (where she has entered one), actual plus
    the budget of the months left, or the actual's pace over the whole year."""
    if method == "entered" and entered is not None:
        return entered
    if months <= 0:
        return budget
    if method == "run_rate":
        return round_ore(actual * MONTHS_IN_YEAR / months)
    return round_ore(actual + budget * (MONTHS_IN_YEAR - months) / MONTHS_IN_YEAR)


def follow_up(
    lines: Sequence[BudgetLine],
    budgets: Mapping[str, Decimal],
    actual: Mapping[str, Decimal],
    months: int,
    method: str = "remaining",
    entered: Mapping[str, Decimal] | None = None,
) -> list[LineFollowUp]:
    entered = entered or {}
    result = []
    for line in lines:
        budget = budgets.get(line.key, ZERO)
        spent = actual.get(line.key, ZERO)
        expected = round_ore(budget * months / MONTHS_IN_YEAR)
        year_forecast = forecast(budget, spent, months, method, entered.get(line.key))
        result.append(
            LineFollowUp(
                line=line,
                budget=budget,
                actual=spent,
                used_percent=percent(spent, budget),
                expected=expected,
                forecast=year_forecast,
                deviation=year_forecast - budget,
                deviation_percent=percent(year_forecast - budget, budget),
            )
        )
    return result


def subtotal(label: str, category: str, rows: Sequence[LineFollowUp]) -> LineFollowUp:
    """A group's sum as a row of its own: shares and deviation of the sums."""
    budget = sum((r.budget for r in rows), ZERO)
    spent = sum((r.actual for r in rows), ZERO)
    year_forecast = sum((r.forecast for r in rows), ZERO)
    return LineFollowUp(
        line=BudgetLine("", category, label),
        budget=budget,
        actual=spent,
        used_percent=percent(spent, budget),
        expected=sum((r.expected for r in rows), ZERO),
        forecast=year_forecast,
        deviation=year_forecast - budget,
        deviation_percent=percent(year_forecast - budget, budget),
    )


@dataclass(frozen=True)
class ForecastYear:
    income: Decimal
    costs: Decimal
    result: Decimal
    closing_equity: Decimal


def forecast_year(rows: Sequence[LineFollowUp], opening_equity: Decimal) -> ForecastYear:
    income = sum((r.forecast for r in rows if r.line.category in INCOME_CATEGORIES), ZERO)
    costs = sum((r.forecast for r in rows if r.line.category not in INCOME_CATEGORIES), ZERO)
    return ForecastYear(income, costs, income - costs, opening_equity + income - costs)


def _whole_percent(value: Decimal) -> str:
    """ "80 %": a share in a sentence, to the whole percent (half-up)."""
    return f"{to_places(value, 0)}\u00a0%"


def follow_up_findings(
    year: int,
    rows: Sequence[LineFollowUp],
    totals: ForecastYear,
    months: int,
    *,
    equity_cap: Decimal | None,
    equity_floor: Decimal | None,
    unmapped: Mapping[str, Decimal],
) -> list[Finding]:
    """What the board should see in the follow-up, in plain Swedish."""
    findings: list[Finding] = []
    if totals.result < 0:
        findings.append(
            Finding(
                "followup-deficit",
                WARNING,
                year,
                f"Prognosen för {year} är ett underskott på {format_kr(-totals.result)}.",
            )
        )
    equity = totals.closing_equity
    if equity < 0:
        findings.append(
            Finding(
                "followup-equity-negative",
                ERROR,
                year,
                f"Enligt prognosen blir det egna kapitalet negativt vid utgången av {year}: "
                f"{format_kr(equity)}.",
            )
        )
    elif equity_floor is not None and equity < equity_floor:
        findings.append(
            Finding(
                "followup-equity-floor",
                WARNING,
                year,
                f"Enligt prognosen blir det egna kapitalet {format_kr(equity)} vid utgången "
                f"av {year}, under förbundets golv på {format_kr(equity_floor)}.",
            )
        )
    if equity_cap is not None and equity > equity_cap:
        findings.append(
            Finding(
                "followup-equity-cap",
                WARNING,
                year,
                f"Enligt prognosen blir det egna kapitalet {format_kr(equity)} vid utgången "
                f"av {year}, över taket på {format_kr(equity_cap)}.",
            )
        )
    gone = percent(Decimal(months), Decimal(MONTHS_IN_YEAR)) or ZERO
    for row in rows:
        if (
            row.line.category == "intervention"
            and row.used_percent is not None
            and row.used_percent > gone + OVERSPEND_POINTS
        ):
            findings.append(
                Finding(
                    "followup-intervention-pace",
                    WARNING,
                    year,
                    f"{row.line.label} har använt {_whole_percent(row.used_percent)} av årets "
                    f"budget när {_whole_percent(gone)} av året har gått.",
                    line=row.line.key,
                )
            )
        if row.budget == ZERO and row.actual != ZERO:
            findings.append(
                Finding(
                    "followup-actual-without-budget",
                    WARNING,
                    year,
                    f"{row.line.label} har ett utfall på {format_kr(row.actual)} men ingen "
                    "budget för året.",
                    line=row.line.key,
                )
            )
    for account, amount in sorted(unmapped.items()):
        findings.append(
            Finding(
                "followup-unmapped-account",
                WARNING,
                year,
                f"Konto {account} har ett utfall på {format_kr(amount)} men är inte kopplat "
                "till någon budgetrad.",
            )
        )
    return findings
