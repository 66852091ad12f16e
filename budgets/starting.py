"""Where a new budget starts (issue 15, point 3): what "Skapa budget" offers a plan
year without a budget.

- **An empty budget from the förbund itself** (`empty_draft`, pure): a contribution
  line per member, filled in from the planner's split (`budgets.planner.split_total`)
  when a total is given; the standard cost lines of a förbund's kansli
  (`STANDARD_COST_LINES`); a line per intervention in that plan year
  (`budgets.selectors.interventions_running`, the plan's own definition); and the columns prognos N−1, budget N, plan N+1 and N+2
  (`starting_columns`). Written by `budgets.services.budget_create_empty`.
- **A copy of an earlier year's budget**, its columns moved to the new year as the
  roll-forward moves them: `budgets.services.budget_create_copy`.
- **The förbund's own table, pasted**: read by `budgets.table_paste.parse_table`,
  saved by `budgets.table_import.budget_import_table` after the user has confirmed
  each line's category in the preview (budgets/create_views.py).

Every one of them saves through `budgets.services.budget_save`, as the grid does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from budgets.editing import BudgetDraft, DraftLine
from budgets.rules import ADMINISTRATION, CONTRIBUTION, INTERVENTION, column_code

# The costs every förbund's kansli has, in the order budgets print them.
STANDARD_COST_LINES = (
    _("Personal"),
    _("Sociala avgifter"),
    _("Styrelse"),
    _("Revision"),
    _("Ekonomitjänster"),
    _("Lokal"),
    _("IT"),
    _("Kommunikation"),
)


def starting_columns(year: int) -> list[str]:
    """Prognos N−1 (what the year before will end at, the opening equity's basis),
    budget N and the multi-year plan N+1 and N+2, in year order."""
    return [
        column_code(year - 1, "forecast"),
        column_code(year, "budget"),
        column_code(year + 1, "plan"),
        column_code(year + 2, "plan"),
    ]


def empty_draft(
    year: int,
    *,
    members: Sequence[tuple[str, str]],
    interventions: Sequence[tuple[str, str]],
    contributions: Mapping[str, Decimal] | None = None,
) -> BudgetDraft:
    """The empty budget of `year`: `members` and `interventions` are (key, name) in
    the order to show them; `contributions` each member's amount in the budget column
    (member key → kronor), or None to leave the amounts blank."""
    budget_column = column_code(year, "budget")
    taken: set[str] = set()

    def key_for(wanted: str) -> str:
        base = slugify(wanted)[:76] or "rad"
        key, n = base, 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        taken.add(key)
        return key

    lines = [
        DraftLine(
            key=key_for(key),
            category=CONTRIBUTION,
            label=name,
            member=key,
            amounts=(
                {budget_column: contributions[key]}
                if contributions is not None and key in contributions
                else {}
            ),
        )
        for key, name in members
    ]
    lines += [
        DraftLine(key=key_for(str(label)), category=ADMINISTRATION, label=str(label))
        for label in STANDARD_COST_LINES
    ]
    lines += [
        DraftLine(key=key_for(key), category=INTERVENTION, label=name, intervention=key)
        for key, name in interventions
    ]
    return BudgetDraft(columns=starting_columns(year), lines=lines)
