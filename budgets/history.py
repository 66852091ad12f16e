"""The budget's changes since a moment, cell by cell, for "Ändringar sedan
utskicket" (documents/history.py). Budget lines are kept by django-simple-history,
keyed by budget and line key since a budget save writes its lines anew (each
version holds the line's amounts then)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from budgets.models import Budget, Line
from budgets.rules import column_label
from finsam.money import format_kr
from plans.history import saved_by
from plans.models import Plan

HistoricalLine = Line.history.model


@dataclass(frozen=True)
class BudgetChange:
    """One cell of the budget that differs from how it was: the line, the column
    in Swedish ("Budget 2024"), before and after in kronor (None: no amount), who
    made the last change of it and when."""

    line: str
    scenario: str
    column: str
    before: Decimal | None
    after: Decimal | None
    by: str
    at: datetime

    @property
    def before_kr(self) -> str:
        return format_kr(self.before) if self.before is not None else "–"

    @property
    def after_kr(self) -> str:
        return format_kr(self.after) if self.after is not None else "–"


def _amount(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def budget_changes_since(plan: Plan, since: datetime) -> list[BudgetChange]:
    """Every budget cell of the plan year that changed since `since`, from the budget
    lines' saved versions (a line is known by its scenario and key: a save writes the
    lines anew). In the budget's line order, then column order."""
    budget = Budget.objects.filter(federation_id=plan.federation_id, year=plan.year).first()
    if budget is None:
        return []
    scenarios = dict(budget.scenarios.values_list("pk", "name"))
    rows = list(
        HistoricalLine.objects.filter(budget_id=budget.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    then: dict[tuple[int | None, str], Any] = {}
    later: dict[tuple[int | None, str], list[Any]] = {}
    for row in rows:
        scope = (row.scenario_id, row.key)
        if row.history_date <= since:
            then[scope] = None if row.history_type == "-" else row
        else:
            later.setdefault(scope, []).append(row)
    columns = list(budget.columns.order_by("position", "id"))
    order = {column.code: index for index, column in enumerate(columns)}
    current = {
        (line.scenario_id, line.key): line
        for line in Line.objects.filter(budget=budget).order_by("position", "id")
    }
    changes: list[BudgetChange] = []
    scopes = list(current) + [s for s in {**then, **later} if s not in current]
    for scope in scopes:
        history = later.get(scope, [])
        if not history:
            continue
        before_row = then.get(scope)
        before = {k: _amount(v) for k, v in (before_row.amounts if before_row else {}).items()}
        # The line as the versions since then leave it: a removed line has no amounts.
        value = dict(before)
        changed_by: dict[str, Any] = {}
        for row in history:
            now = (
                {}
                if row.history_type == "-"
                else {k: _amount(v) for k, v in (row.amounts or {}).items()}
            )
            if row.history_type == "-":
                # A save deletes and writes the lines anew: the delete is not a change.
                continue
            for code in set(value) | set(now):
                if value.get(code) != now.get(code):
                    changed_by[code] = row
            value = now
        if scope not in current:
            for code in value:
                changed_by.setdefault(code, history[-1])
            value = {}
        label_row = current.get(scope) or history[-1]
        for code in sorted(set(before) | set(value), key=lambda c: (order.get(c, 99), c)):
            if before.get(code) == value.get(code) or code not in changed_by:
                continue
            row = changed_by[code]
            changes.append(
                BudgetChange(
                    line=label_row.label,
                    scenario=scenarios.get(scope[0], "") if scope[0] else "",
                    column=column_label(code),
                    before=before.get(code),
                    after=value.get(code),
                    by=saved_by(row),
                    at=row.history_date,
                )
            )
    return changes
