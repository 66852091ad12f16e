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

INCOME_CATEGORIES = ("contribution", "other_income")
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
