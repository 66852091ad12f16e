"""Pure rules of the plan's workflow: the adoption's warnings and how next year's
plan moves dates and years. Plain values in, plain values out; no ORM."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from budgets.rules import BudgetFacts, decision_deadline
from finsam.money import swedish_date


def adoption_warnings(
    *, year: int, decided_on: date, members_meetings: Iterable[date]
) -> list[str]:
    """What the board should know when it adopts the plan for `year` on `decided_on`.

    The law (2003:1210) and the förbundsordningar: the plan and budget are adopted
    before 30 November of the year before (the same rule as the budget's
    decision-deadline finding), after the members have been consulted
    (medlemssamråd) that year or the year before."""
    warnings = [
        finding.message
        for finding in decision_deadline(
            BudgetFacts(
                federation="", year=year, columns=(), opening_equity=0,  # type: ignore[arg-type]
                lines=(), decided_on=decided_on,
            )
        )
    ]
    earliest = date(year - 1, 1, 1)
    held = [day for day in members_meetings if earliest <= day <= decided_on]
    if not held:
        warnings.append(
            f"Inget medlemssamråd finns i årshjulet mellan 1 januari {year - 1} och "
            f"beslutsdagen {swedish_date(decided_on)}. Medlemmarna ska höras innan "
            f"styrelsen fastställer verksamhetsplan och budget."
        )
    return warnings


def meeting_window(year: int) -> tuple[date, date]:
    """The dates a meeting of the plan for `year` may have: the plan year and the
    year on each side (the plan is prepared and adopted the year before, and the
    årshjul may name next year's first dates)."""
    return date(year - 1, 1, 1), date(year + 1, 12, 31)


def meeting_date_error(*, year: int, day: date) -> str | None:
    """Why `day` cannot be a meeting of the plan for `year`, or None."""
    first, last = meeting_window(year)
    if first <= day <= last:
        return None
    return (
        f"Mötets datum ska ligga mellan {swedish_date(first)} och {swedish_date(last)} "
        f"(planåret {year} och året före och efter)."
    )


def same_date_next_year(day: date) -> date:
    """29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def same_weekday_next_year(day: date) -> date:
    """The same weekday, as near as can be to the same date a year on (at most
    three days away), and in the next year."""
    target = same_date_next_year(day)
    delta = (day.weekday() - target.weekday()) % 7
    if delta > 3:
        delta -= 7
    moved = target + timedelta(days=delta)
    if moved.year < target.year:
        moved += timedelta(days=7)
    elif moved.year > target.year:
        moved -= timedelta(days=7)
    return moved


YEAR = re.compile(r"(?<!\d)(19|20)(\d\d)(?!\d)")


def shift_years(text: str, *, first: int, last: int) -> str:
    """Every year from `first` to `last` in the text, one year on (in one pass, so
    "2020–2021" becomes "2021–2022", not "2022–2022")."""

    def one_on(match: re.Match[str]) -> str:
        year = int(match.group(0))
        return str(year + 1) if first <= year <= last else match.group(0)

    return YEAR.sub(one_on, text)


def mentions_year(text: str, year: int) -> bool:
    return any(int(m.group(0)) == year for m in YEAR.finditer(text))
