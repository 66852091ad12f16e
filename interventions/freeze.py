"""The plan-year guard for interventions: an intervention that belongs to
fastställda plan years only is frozen with them (plans/freeze.py is the guard of a
plan year, and the one that locks).

An intervention belongs to the förbund, not to one plan: it is part of every plan
year it runs in. Changing one that runs only in adopted years would change an
adopted plan; one that goes on into a year not yet adopted may be changed (that
is how next year's plan is written).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from interventions.models import Intervention
from plans.freeze import PlanFrozen, frozen_years, lock_plans
from plans.rules import planning_columns

# Interventions without dates that go on until someone ends them.
CONTINUING_STATUSES = ("granted", "ongoing")


def _intervention_years(intervention: Intervention) -> set[int] | None:
    """The plan years the intervention is part of, or None when it goes on without
    an end (it is then part of plans to come, which are not adopted yet).

    With dates, the dates decide. Without, money in a budget's planning columns
    does; and one that is beviljad or pågående goes on."""
    if intervention.start or intervention.end:
        if intervention.end is None:
            return None
        first = intervention.start.year if intervention.start else None
        if first is None:
            years = frozen_years(intervention.federation_id)
            first = min(years | {intervention.end.year})
        return set(range(first, intervention.end.year + 1))
    if intervention.status in CONTINUING_STATUSES:
        return None
    if intervention.pk is None:
        return set()
    years: set[int] = set()
    # The amounts of the base budget lines that finance it, read through the
    # relation budgets declares (budgets.Line.intervention): budgets sit above
    # interventions, so nothing of theirs is imported here.
    rows = intervention.budget_lines.filter(scenario__isnull=True).values_list(
        "budget__year", "amounts__column__year", "amounts__column__kind", "amounts__amount"
    )
    for budget_year, column_year, kind, amount in rows:
        if amount and planning_columns(budget_year, [f"{column_year}:{kind}"]):
            years.add(column_year)
    return years


def intervention_frozen_year(intervention: Intervention) -> int | None:
    """The adopted plan year that an intervention belongs to, when it belongs to
    adopted years only (so any change to it changes an adopted plan); else None.

    An intervention that goes on into a year whose plan is not adopted may be
    changed: that is how next year's plan is written."""
    frozen = frozen_years(intervention.federation_id)
    if not frozen:
        return None
    years = _intervention_years(intervention)
    if not years or not years <= frozen:
        return None
    return max(years)


def intervention_frozen_message(intervention: Intervention, year: int) -> str:
    return _(
        "Insatsen %(name)s ingår bara i den fastställda verksamhetsplanen %(year)s och "
        "kan inte ändras. Den som är förbundschef kan starta en ny revision av planen."
    ) % {"name": intervention.name or _("(utan namn)"), "year": year}


def ensure_intervention_not_frozen(intervention: Intervention) -> None:
    """Raise PlanFrozen when changing the intervention (as it is stored, or a new
    one as given) would change an adopted plan.

    The same guard as for a plan year: it first locks the förbund's plan rows (all
    of them, since an intervention may belong to several years) in the caller's
    transaction, so it waits for an adoption under way."""
    lock_plans(intervention.federation_id)
    year = intervention_frozen_year(intervention)
    if year is not None:
        raise PlanFrozen(
            intervention_frozen_message(intervention, year),
            year=year,
            federation_id=intervention.federation_id,
        )
