"""The plan year's own rules, both sides of every threshold. No database."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from plans.models import MeetingKind
from plans.rules import (
    decision_deadline,
    decision_deadline_findings,
    is_planning_column,
    planning_columns,
)
from plans.services import statutory_meetings
from plans.wheel import wheel_title


@pytest.mark.parametrize(
    ("budget_year", "column_year", "kind", "planning"),
    [
        (2021, 2021, "budget", True),
        (2021, 2022, "plan", True),
        (2021, 2030, "plan", True),
        (2021, 2021, "plan", False),  # the budget year's own column is its budget
        (2021, 2022, "budget", False),  # next year's budget is next year's
        (2021, 2020, "budget", False),  # last year: for comparison
        (2021, 2020, "plan", False),
        (2021, 2021, "forecast", False),
        (2021, 2022, "actual", False),
    ],
)
def test_the_planning_column_rule(budget_year, column_year, kind, planning):
    assert is_planning_column(budget_year, column_year, kind) is planning
    code = f"{column_year}:{kind}"
    assert (planning_columns(budget_year, [code]) == [code]) is planning


@pytest.mark.parametrize("year", [2020, 2021, 2025])
def test_the_decision_deadline_is_30_november_the_year_before(year):
    deadline = decision_deadline(year)
    assert deadline == date(year - 1, 11, 30)
    # The annual wheel's statutory deadline is the same day.
    deadlines = [
        when
        for kind, when, title, _note in statutory_meetings(year - 1)
        if kind == MeetingKind.DEADLINE and "fastställda" in title
    ]
    assert deadlines == [deadline]


@pytest.mark.parametrize(
    ("decided_on", "late"),
    [(date(2020, 11, 30), False), (date(2020, 12, 1), True), (date(2020, 1, 1), False)],
)
def test_adopted_on_the_deadline_is_in_time(decided_on, late):
    found = list(
        decision_deadline_findings(year=2021, decided_on=decided_on, decision_meeting_on=None)
    )
    assert bool(found) is late
    if late:
        assert found[0].message.endswith("efter den 30 november 2020.")


@pytest.mark.parametrize(
    ("kinds", "title"),
    [
        (["board"], "Årshjul 2020: 1 möte, se listan"),
        (["deadline"], "Årshjul 2020: 1 hålltid, se listan"),
        (["board", "members", "deadline"], "Årshjul 2020: 2 möten och 1 hålltid, se listan"),
        (["board", "deadline", "deadline"], "Årshjul 2020: 1 möte och 2 hålltider, se listan"),
        ([], "Årshjul 2020: 0 möten, se listan"),
    ],
)
def test_the_wheels_text_counts_in_swedish(kinds, title):
    """Issue 17: the wheel's Alt text said "1 möten"."""
    meetings = [SimpleNamespace(kind=kind, date=date(2020, 3, 1)) for kind in kinds]
    assert wheel_title(2020, meetings) == title
