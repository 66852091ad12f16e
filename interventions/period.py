"""Interventions' follow-up per period, as the board's follow-up report reads it:
each intervention running in the year, its participants as counts (women, men,
total; never persons) and each goal's outcome to date against its target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from finsam.models import Federation
from finsam.money import amount_str
from interventions.models import (
    GoalComparison,
    Intervention,
    PeriodFollowUp,
)


@dataclass(frozen=True)
class Counts:
    women: int
    men: int
    total: int


@dataclass(frozen=True)
class PeriodGoal:
    text: str
    target_text: str
    value: Decimal | None
    met: bool | None  # None: no target or no outcome yet


@dataclass(frozen=True)
class InterventionPeriodRow:
    pk: int
    key: str
    name: str
    counts: Counts | None  # None: not reported for the period
    goals: tuple[PeriodGoal, ...]


def goal_met(comparison: str, target: Decimal | None, value: Decimal | None) -> bool | None:
    if target is None or value is None:
        return None
    if comparison == GoalComparison.AT_MOST:
        return value <= target
    return value >= target


def period_rows(federation: Federation, year: int, month: int) -> list[InterventionPeriodRow]:
    """Every intervention running in the year, in the register's order."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    interventions = (
        Intervention.objects.filter(federation=federation)
        .filter(Q(start__isnull=True) | Q(start__lte=last))
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .prefetch_related("goals")
        .order_by("position", "id")
    )
    periods = {
        p.intervention_id: p
        for p in PeriodFollowUp.objects.filter(
            intervention__federation=federation, year=year, month=month
        ).prefetch_related("outcomes")
    }
    rows = []
    for intervention in interventions:
        period = periods.get(intervention.pk)
        values = {o.goal_id: o.value for o in period.outcomes.all()} if period else {}
        rows.append(
            InterventionPeriodRow(
                pk=intervention.pk,
                key=intervention.key,
                name=intervention.name,
                counts=Counts(period.women, period.men, period.total) if period else None,
                goals=tuple(
                    PeriodGoal(
                        text=goal.text,
                        target_text=goal.target_text,
                        value=values.get(goal.pk),
                        met=goal_met(goal.comparison, goal.target, values.get(goal.pk)),
                    )
                    for goal in intervention.goals.all()
                ),
            )
        )
    return rows


def period_data(rows: list[InterventionPeriodRow] | tuple[InterventionPeriodRow, ...]) -> list:
    """The rows as plain JSON, for the frozen report."""
    return [
        {
            "key": row.key,
            "name": row.name,
            "participants": (
                {"women": row.counts.women, "men": row.counts.men, "total": row.counts.total}
                if row.counts
                else None
            ),
            "goals": [
                {
                    "text": goal.text,
                    "target": goal.target_text,
                    "outcome": amount_str(goal.value) if goal.value is not None else None,
                    "met": goal.met,
                }
                for goal in row.goals
            ],
        }
        for row in rows
    ]
