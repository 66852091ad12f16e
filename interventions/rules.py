"""Follow-up of an intervention's goals, as pure functions over plain values.

The rules that produce findings about interventions (parties, dates, money
outside the period, goals without a target) live with the budget rules in
`budgets/rules.py`, so the budget report and the intervention page show the same
findings. What is here only compares an outcome with its target.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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


def parties_label(count: int) -> str:
    """ "2 av 4 parter" """
    return f"{count} av 4 parter"
