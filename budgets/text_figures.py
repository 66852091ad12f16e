"""Budget figures in the plan's text: live ones the author inserts, and stale ones.

- A placeholder such as `{{ UB 2026 }}` in a section is the budget's figure, written as
  the app writes amounts ("4 519 281 kr"), wherever the text is shown: the plan page,
  the PDF, the adopted version. It can never disagree with the table.
- A plain amount in a sentence that speaks of a budget figure of a planning year
  ("Eget kapital beräknas vid utgången av 2026 uppgå till 6 082 393 kr") but matches no
  figure or line of the budget is stale: the plan page says which figure it should be.
  Amounts in sentences that name no budget figure (a salary, a membership fee) are the
  text's own and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from budgets.rules import Evaluation
from finsam.money import format_kr, round_ore

# Name in the text → (figure, its name in a sentence). Keys are matched in any case.
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "ib": ("opening_equity", "eget kapital vid början av"),
    "ub": ("closing_equity", "eget kapital vid utgången av"),
    "resultat": ("result", "resultat för"),
    "intäkter": ("income", "intäkter"),
    "kostnader": ("costs", "kostnader"),
    "medlemsbidrag": ("contributions", "medlemsbidrag"),
    "tak": ("equity_cap", "tak för eget kapital"),
}
# The labels the "Infoga belopp" menu offers, in its order.
MENU = (
    ("UB", "Eget kapital vid årets slut (UB)"),
    ("IB", "Eget kapital vid årets början (IB)"),
    ("Resultat", "Årets resultat"),
    ("Intäkter", "Summa intäkter"),
    ("Kostnader", "Summa kostnader"),
    ("Medlemsbidrag", "Medlemsbidrag"),
    ("Tak", "Tak för eget kapital"),
)
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-zÅÄÖåäö]+)\s+(\d{4})\s*\}\}")

# How a sentence names a figure (checked in this order: the first that fits).
SENTENCE_FIGURES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"eget kapital[^.]*?(ingående|början|\bIB\b)", re.I), "opening_equity"),
    (re.compile(r"eget kapital|\bUB\b", re.I), "closing_equity"),
    (re.compile(r"\b(årets|budgeterat|budgeterade) resultat|\bresultatet\b", re.I), "result"),
    # Only the budget's own totals: "kostnader" alone is as often a part ("kostnader för
    # teamet 1 180 000 kr") as the whole.
    (re.compile(r"\b(summa|totala|sammanlagda) kostnader", re.I), "costs"),
    (re.compile(r"\b(summa|totala|sammanlagda) intäkter", re.I), "income"),
)
FIGURE_NAMES = {figure: name for figure, name in PLACEHOLDERS.values()}
# "6 082 393 kr", "−253 000 kr", "1 296 000,50 kronor" (spaces, no-break or thin spaces).
AMOUNT = re.compile(
    r"(?<![\d,])([-−]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+|[-−]?\d{4,})(?:,(\d{1,2}))?\s*(?:kr\b|kronor)"
)
YEAR = re.compile(r"\b(20\d{2})\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])|\n\s*\n|\n(?=\s*[-*•]\s)")


@dataclass(frozen=True)
class StaleAmount:
    """An amount in a section that should be the budget's figure, and is not."""

    section: str  # the section's heading
    written: Decimal
    figure: str
    year: int
    value: Decimal

    @property
    def message(self) -> str:
        return (
            f"Avsnittet {self.section} nämner {format_kr(self.written)}; budgetens "
            f"{FIGURE_NAMES[self.figure]} {self.year} är {format_kr(self.value)}. Skriv "
            f"{{{{ {_placeholder_name(self.figure)} {self.year} }}}} så följer texten budgeten."
        )


def _placeholder_name(figure: str) -> str:
    for name, (key, _label) in PLACEHOLDERS.items():
        if key == figure:
            return name.upper() if len(name) == 2 else name.capitalize()
    raise KeyError(figure)


def figure_values(evaluation: Evaluation) -> dict[tuple[str, int], Decimal]:
    """(figure, year) → the base budget's value, for each planning year."""
    values: dict[tuple[str, int], Decimal] = {}
    for col in evaluation.planning:
        for figure, _name in PLACEHOLDERS.values():
            value = getattr(col, figure)
            if value is not None:
                values[(figure, col.year)] = value
    return values


def fill_figures(text: str, values: Mapping[tuple[str, int], Decimal]) -> str:
    """The text with each known placeholder as its figure ("4 519 281 kr"); an unknown
    one (a name or a year the budget does not have) stays as written, for the author to
    see and mend."""

    def figure(match: re.Match[str]) -> str:
        known = PLACEHOLDERS.get(match.group(1).lower())
        if known is None:
            return match.group(0)
        value = values.get((known[0], int(match.group(2))))
        return match.group(0) if value is None else format_kr(value)

    return PLACEHOLDER.sub(figure, text)


def unknown_placeholders(text: str, values: Mapping[tuple[str, int], Decimal]) -> list[str]:
    out = []
    for match in PLACEHOLDER.finditer(text):
        known = PLACEHOLDERS.get(match.group(1).lower())
        if known is None or (known[0], int(match.group(2))) not in values:
            out.append(match.group(0))
    return out


def _amount(match: re.Match[str]) -> Decimal:
    whole = re.sub(r"[ \u00a0\u202f]", "", match.group(1)).replace("−", "-")
    return Decimal(f"{whole}.{match.group(2) or '0'}")


def stale_amounts(
    heading: str,
    text: str,
    values: Mapping[tuple[str, int], Decimal],
    line_amounts: Iterable[Decimal] = (),
) -> list[StaleAmount]:
    """The amounts in `text` that a sentence ties to a budget figure of a planning year
    but that match no figure and no line of the budget (to the krona). Each amount is
    the figure named last before it in its sentence, for the year named last before it."""
    known = {round_ore(v) for v in values.values()} | {round_ore(v) for v in line_amounts}
    known |= {-v for v in known}
    years = {year for _figure, year in values}
    found = []
    for sentence in SENTENCE_END.split(PLACEHOLDER.sub("", text)):
        amounts = list(AMOUNT.finditer(sentence))
        if not amounts:
            continue
        named = [
            (m.start(), m.end(), figure)
            for pattern, figure in SENTENCE_FIGURES
            for m in pattern.finditer(sentence)
        ]
        mentioned = [int(y) for y in YEAR.findall(sentence) if int(y) in years]
        if not named or not mentioned:
            continue
        for match in amounts:
            written = _amount(match)
            if round_ore(written) in known:
                continue
            # The figure named last before the amount, else the first one after it.
            before_it = [n for n in named if n[1] <= match.start()]
            figure = (
                max(before_it, key=lambda n: n[1])[2]
                if before_it
                else min(named, key=lambda n: n[0])[2]
            )
            # The year named last before the amount, else the first one named.
            before = [int(y) for y in YEAR.findall(sentence[: match.start()]) if int(y) in years]
            year = before[-1] if before else mentioned[0]
            value = values.get((figure, year))
            if value is not None:
                found.append(StaleAmount(heading, written, figure, year, value))
    return found
