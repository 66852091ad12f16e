"""Rules about an intervention, as pure functions over plain values: which plan
years it is part of, and how an outcome compares with its goal's target.

The rules that produce findings about interventions (parties, dates, money
outside the period, goals without a target) live with the budget rules in
`budgets/rules.py`, so the budget report and the intervention page show the same
findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from plans.rules import is_planning_column

# --- the plan years an intervention is part of -------------------------------------

# Without dates, an intervention that is beviljad or pågående goes on until someone
# ends it (its money may be in another intervention's line, like Sundbyberg's
# Finsamlots).
CONTINUING_STATUSES = ("granted", "ongoing")


@dataclass(frozen=True)
class PlanYearFacts:
    start: date | None
    end: date | None
    status: str
    # (budget year, column year) of each planning column that gives it money.
    funded: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None


def funded_columns(
    amounts: Iterable[tuple[int, int | None, str | None, Decimal | None]],
) -> frozenset[tuple[int, int]]:
    """(budget year, column year) of the planning columns whose amounts for the
    intervention (base budget lines, summed per column) are not 0, from rows of
    (budget year, column year, column kind, amount)."""
    sums: dict[tuple[int, int], Decimal] = {}
    for budget_year, column_year, kind, amount in amounts:
        if column_year is None or kind is None or amount is None:
            continue
        if is_planning_column(budget_year, column_year, kind):
            key = (budget_year, column_year)
            sums[key] = sums.get(key, Decimal(0)) + amount
    return frozenset(key for key, total in sums.items() if total)


def period_overlaps(start: date | None, end: date | None, year: int) -> bool:
    """Whether a period (open at either end) shares a day with the year."""
    return (start is None or start <= date(year, 12, 31)) and (
        end is None or end >= date(year, 1, 1)
    )


def in_plan_year(facts: PlanYearFacts, year: int) -> bool:
    """Is the intervention part of plan year `year`: its chapter in that year's plan?

    Yes when the year's budget gives it money in a planning column, or a budget
    gives it money for that year. Otherwise its dates decide (they overlap the
    year); without dates, one that is beviljad or pågående is part of every year."""
    if any(year in (budget_year, column_year) for budget_year, column_year in facts.funded):
        return True
    if facts.dated:
        return period_overlaps(facts.start, facts.end, year)
    return facts.status in CONTINUING_STATUSES


def plan_years(facts: PlanYearFacts, *, first_year: int) -> set[int] | None:
    """Every plan year the intervention is part of (`in_plan_year`), or None when
    that is every year to come: it has a start but no end, or, without dates, it
    goes on. A period without a start counts from `first_year` (the first adopted
    year), or from its end if that is earlier."""
    if facts.dated and facts.end is None:
        return None
    if not facts.dated and facts.status in CONTINUING_STATUSES:
        return None
    candidates = {year for pair in facts.funded for year in pair}
    if facts.end is not None:
        first = facts.start.year if facts.start else min(first_year, facts.end.year)
        candidates |= set(range(first, facts.end.year + 1))
    return {year for year in candidates if in_plan_year(facts, year)}


# --- goals and outcomes -------------------------------------------------------------

ACHIEVED = "achieved"
NOT_ACHIEVED = "not_achieved"
NOT_REPORTED = "not_reported"
NOT_MEASURABLE = "not_measurable"

STATUS_LABELS = {
    ACHIEVED: "uppnått",
    NOT_ACHIEVED: "ej uppnått",
    NOT_REPORTED: "ej rapporterat",
    NOT_MEASURABLE: "inget mätbart mål",
}

AT_LEAST = "at_least"
AT_MOST = "at_most"


@dataclass(frozen=True)
class GoalStatus:
    code: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.code]


def goal_status(target: Decimal | None, comparison: str, outcome: Decimal | None) -> GoalStatus:
    """Uppnått when the outcome reaches the target: at least the target (40 % to work
    or studies), or at most it for a goal that is a ceiling. Exactly the target is
    reached. No outcome is "ej rapporterat", even when the goal has no target, so
    a missing report always shows."""
    if outcome is None:
        return GoalStatus(NOT_REPORTED)
    if target is None:
        return GoalStatus(NOT_MEASURABLE)
    reached = outcome <= target if comparison == AT_MOST else outcome >= target
    return GoalStatus(ACHIEVED if reached else NOT_ACHIEVED)


# --- who takes part ---------------------------------------------------------------

# 2 § lag (2003:1210): insatser are joint, so at least two of the four parties
# (Försäkringskassan, Arbetsförmedlingen, the regions, the municipalities) take part.
MIN_PARTIES = 2


def too_few_parties(count: int) -> bool:
    return count < MIN_PARTIES
