"""A pasted budget table into a plan year's budget: the names to match, and the save.

The table is read by `budgets.table_paste.parse_table` (pure); this module is the
database side of it, for `import_budget_table` and the paste box alike:

- `table_names(federation)`: the förbund's member and intervention names (and their
  keys), which `parse_table` matches lines against;
- `budget_import_table(federation=, year=, table=, by=)`: create or replace the
  plan year's budget from the table, in one transaction and through the same save
  as the grid and the Excel import (`budgets.services.budget_save`). The plan's
  sections, goals and meetings are not touched. A plan year without a plan, or
  with a fastställd plan, is refused (`TableImportRefused`, `PlanFrozen`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from budgets.models import Budget, ColumnKind, Line
from budgets.rules import column_code
from budgets.services import budget_save
from budgets.table_data import PastedTable, TableError
from finsam.audit import record
from finsam.models import Federation
from plans.freeze import decision_text, ensure_plan_not_frozen
from plans.models import Plan

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class TableImportRefused(Exception):
    """The table is not saved, for the Swedish reason given; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TableNames:
    """The förbund's names to match a table against, each to its key."""

    members: dict[str, str]
    interventions: dict[str, str]


def table_names(federation: Federation) -> TableNames:
    """Members and interventions by name (in their order), in two queries."""
    return TableNames(
        members=dict(federation.members.order_by("position", "pk").values_list("name", "key")),
        interventions=dict(
            federation.interventions.order_by("position", "pk").values_list("name", "key")
        ),
    )


def _stored_keys(budget: Budget, table: PastedTable, names: TableNames) -> dict[int, str]:
    """The keys of the stored lines that table lines are (by row): the same label, or
    else the same category and member or intervention. A table read again over its
    budget so keeps each line's key, its history and any scenario's override of it."""
    stored = list(
        budget.lines.filter(scenario=None)
        .select_related("member", "intervention")
        .order_by("position", "pk")
    )
    keys: dict[int, str] = {}
    used: set[str] = set()

    def take(row: int, line: Line) -> None:
        keys[row] = line.key
        used.add(line.key)

    for table_line in table.lines:
        same = [
            line
            for line in stored
            if line.key not in used and line.label.casefold() == table_line.label.casefold()
        ]
        if same:
            take(table_line.row, same[0])
    for table_line in table.lines:
        if table_line.row in keys:
            continue
        member = names.members.get(table_line.member or "")
        intervention = names.interventions.get(table_line.intervention or "")
        for line in stored:
            if line.key in used or line.category != table_line.category:
                continue
            if (member and line.member and line.member.key == member) or (
                intervention and line.intervention and line.intervention.key == intervention
            ):
                take(table_line.row, line)
                break
    return keys


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


@transaction.atomic
def budget_import_table(
    *,
    federation: Federation,
    year: int,
    table: PastedTable,
    by: AbstractBaseUser | None = None,
) -> Budget:
    """Create or replace the budget of the förbund's plan year `year` from `table`.

    The budget gets the table's columns (in year order) and lines, and its opening
    equity from the IB rows (a table without one keeps the stored opening equity).
    Its scenarios and deficit reason stay. All or nothing: anything refused rolls
    the whole import back.
    """
    plan = Plan.objects.filter(federation=federation, year=year).order_by("-pk").first()
    if plan is None:
        raise TableImportRefused(
            _(
                "Det finns ingen verksamhetsplan %(year)s för %(federation)s. Skapa planen "
                "först; tabellen blir dess budget."
            )
            % {"year": year, "federation": federation.name}
        )
    # The plan-year guard, first in the transaction (plans/freeze.py).
    ensure_plan_not_frozen(federation, year, message=decision_text(plan))
    if table.year != year:
        raise TableImportRefused(
            _("Tabellen lästes för %(read)s, inte för %(year)s.")
            % {"read": table.year, "year": year}
        )
    if column_code(year, ColumnKind.BUDGET) not in table.codes:
        raise TableImportRefused(
            _(
                "Tabellen har ingen kolumn för budgeten %(year)s (t.ex. »Budget %(year)s«), "
                "så den kan inte bli planårets budget."
            )
            % {"year": year}
        )
    budget = Budget.objects.filter(federation=federation, year=year).first()
    created = budget is None
    if budget is None:
        budget = Budget(federation=federation, year=year, updated_by=_user(by))
        budget.full_clean()
        budget.save()
    names = table_names(federation)
    try:
        draft = table.draft(
            member_keys=names.members,
            intervention_keys=names.interventions,
            opening_equity=budget.opening_equity,
            deficit_reason=budget.deficit_reason,
            keys=_stored_keys(budget, table, names),
        )
    except TableError as exc:
        raise TableImportRefused(str(exc)) from exc
    try:
        budget_save(budget=budget, draft=draft, expected_version=budget.version, by=by)
    except ValidationError as exc:
        if exc.code == "plan_frozen":
            raise
        raise TableImportRefused("; ".join(exc.messages)) from exc
    except DatabaseError as exc:
        raise TableImportRefused(
            _("databasen godtog inte budgeten (%(error)s)") % {"error": exc}
        ) from exc
    record(
        action="läste in en budgettabell",
        by=by,
        federation=federation,
        obj=budget,
        changes={
            "year": year,
            "created": created,
            "version": budget.version,
            "columns": draft.columns,
            "lines": len(draft.lines),
            "opening_equity": str(draft.opening_equity),
            "printed_totals_not_matching": [t.message for t in table.mismatches],
        },
    )
    return budget
