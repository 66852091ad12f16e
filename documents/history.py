"""Ändringar sedan utskicket: everything that changed in a plan since it was last
sent to review: its text, goals and årshjul (plans/history.py), its budget
(budgets/history.py) and the förbund's interventions (interventions/history.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from budgets.history import BudgetChange, budget_changes_since
from interventions.history import InterventionChange, intervention_changes_since
from plans.history import (
    ItemChange,
    SectionChange,
    decided_at,
    item_changes_since,
    section_changes_since,
)
from plans.models import Plan
from plans.selectors import review_sent_at


@dataclass(frozen=True)
class ReviewChanges:
    since: datetime
    by: str
    sections: list[SectionChange]
    items: list[ItemChange]
    budget: list[BudgetChange]
    interventions: list[InterventionChange]

    @property
    def count(self) -> int:
        return len(self.sections) + len(self.items) + len(self.budget) + len(self.interventions)


def changes_since_review(plan: Plan) -> ReviewChanges | None:
    """What changed in the plan's text, goals and årshjul since it was last sent to
    review; None if it never was."""
    sent = review_sent_at(plan)
    if sent is None:
        return None
    decided = decided_at(plan)
    return ReviewChanges(
        since=sent.at,
        by=sent.by_name,
        sections=section_changes_since(plan, sent.at),
        items=item_changes_since(plan, sent.at),
        budget=budget_changes_since(plan, sent.at),
        interventions=intervention_changes_since(plan, sent.at, decided),
    )
