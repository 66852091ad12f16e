"""The plan-year guard for interventions: an intervention that belongs to
fastställda plan years only is frozen with them (plans/freeze.py is the guard of a
plan year, and the one that locks).

An intervention belongs to the förbund, not to one plan: it is part of every plan
year it runs in. Changing one that runs only in adopted years would change an
adopted plan; one that goes on into a year not yet adopted may be changed (that
is how next year's plan is written).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from interventions.models import Intervention
from interventions.rules import PlanYearFacts, funded_columns, plan_years
from plans.freeze import PlanFrozen, frozen_years, lock_plans


def plan_year_facts(intervention: Intervention) -> PlanYearFacts:
    """What decides the intervention's plan years (interventions.rules.in_plan_year).
    The money is read through the relation budgets declares (budgets.Line.intervention):
    budgets sit above interventions, so nothing of theirs is imported here."""
    amounts: Iterable[tuple[int, int | None, str | None, Decimal | None]] = ()
    if intervention.pk is not None:
        amounts = intervention.budget_lines.filter(scenario__isnull=True).values_list(
            "budget__year", "amounts__column__year", "amounts__column__kind", "amounts__amount"
        )
    return PlanYearFacts(
        start=intervention.start,
        end=intervention.end,
        status=intervention.status,
        funded=funded_columns(amounts),
    )


def intervention_frozen_year(intervention: Intervention) -> int | None:
    """The adopted plan year that an intervention belongs to, when it belongs to
    adopted years only (so any change to it changes an adopted plan); else None.

    An intervention that goes on into a year whose plan is not adopted may be
    changed: that is how next year's plan is written."""
    frozen = frozen_years(intervention.federation_id)
    if not frozen:
        return None
    years = plan_years(plan_year_facts(intervention), first_year=min(frozen))
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
