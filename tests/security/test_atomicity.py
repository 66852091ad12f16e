"""A budget save is all or nothing: an error half-way through a 300-line save
leaves the database exactly as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError

from budgets.grid import stored_draft
from budgets.models import Amount, Budget, Column, Line, Scenario
from budgets.selectors import budget_facts
from budgets.services import budget_save
from finsam.models import AuditEntry
from tests.budgets.test_views import make_budget

# transaction=True: the save is a real top-level transaction, not a savepoint.
pytestmark = pytest.mark.django_db(transaction=True)

LINES = 300
FAILING_LINE = 150


def _dump(budget: Budget) -> dict[str, list[dict[str, object]]]:
    """Every row that a save can touch, in full."""
    return {
        "budget": list(Budget.objects.filter(pk=budget.pk).values()),
        "columns": list(Column.objects.filter(budget=budget).order_by("pk").values()),
        "scenarios": list(Scenario.objects.filter(budget=budget).order_by("pk").values()),
        "lines": list(Line.objects.filter(budget=budget).order_by("pk").values()),
        "amounts": list(Amount.objects.filter(line__budget=budget).order_by("pk").values()),
        "audit": list(AuditEntry.objects.order_by("pk").values()),
    }


@pytest.fixture
def big_budget(federation):
    budget = make_budget(federation, extra_lines=LINES - 6)
    assert Line.objects.filter(budget=budget, scenario=None).count() == LINES
    return budget


def _changed_draft(budget: Budget):
    draft = stored_draft(budget_facts(budget), budget, None)
    assert len(draft.lines) == LINES
    for n, line in enumerate(draft.lines):
        line.amounts["2021:budget"] = Decimal(1000 + n)
    draft.deficit_reason = "Ändrat"
    draft.columns.append("2024:plan")  # a new column is created before the lines
    return draft


def test_error_in_the_amounts_at_line_150_changes_nothing(big_budget, monkeypatch):
    before = _dump(big_budget)
    draft = _changed_draft(big_budget)
    original = Amount.objects.bulk_create

    def bulk_create(objs, *args, **kwargs):
        objs = list(objs)
        # Write the first 149 lines' amounts, then fail on line 150's.
        done = [a for a in objs if a.line.position < FAILING_LINE - 1]
        original(done, *args, **kwargs)
        assert Amount.objects.filter(line__budget=big_budget).count() >= len(done)
        raise RuntimeError(f"injected error at line {FAILING_LINE}")

    monkeypatch.setattr(Amount.objects, "bulk_create", bulk_create)
    with pytest.raises(RuntimeError, match="injected"):
        budget_save(budget=big_budget, draft=draft, expected_version=big_budget.version)
    assert _dump(big_budget) == before


def test_database_refusing_line_150_changes_nothing(big_budget):
    """Line 150 breaks a check constraint (a contribution without a member): the
    database itself refuses the insert half-way through."""
    before = _dump(big_budget)
    draft = _changed_draft(big_budget)
    line = draft.lines[FAILING_LINE - 1]
    line.category, line.member = "contribution", None
    with pytest.raises(IntegrityError):
        budget_save(budget=big_budget, draft=draft, expected_version=big_budget.version)
    assert _dump(big_budget) == before


def test_the_same_save_without_the_error_goes_through(big_budget):
    before = _dump(big_budget)
    budget_save(
        budget=big_budget, draft=_changed_draft(big_budget), expected_version=big_budget.version
    )
    after = _dump(big_budget)
    assert after != before
    assert after["budget"][0]["version"] == before["budget"][0]["version"] + 1
    assert len(after["columns"]) == len(before["columns"]) + 1
    assert len(after["audit"]) == len(before["audit"]) + 1
