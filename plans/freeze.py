"""An adopted plan is frozen: the one place that says so, and refuses writes.

A plan year is frozen while its plan is fastställd (decided). Then nothing that the
plan shows may change: its sections, goals and årshjul (plans/services.py), that
year's budget with its scenarios, the Excel import and the contribution planner
(budgets/services.py), and the interventions that belong to frozen years only
(interventions/services.py). Every one of those services calls a guard below, so
every write path refuses; the views show the same Swedish message. To change an
adopted plan the director starts a "ny revision" (plans.services.plan_new_revision),
which makes the plan a draft again; the adopted version stays in its snapshot.

This module imports only models, so that any app's services may use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from plans.models import Plan, PlanStatus

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from finsam.models import Federation
    from interventions.models import Intervention

# Interventions without dates that go on until someone ends them.
CONTINUING_STATUSES = ("granted", "ongoing")


class PlanFrozen(ValidationError):
    """A write to a plan year whose plan is fastställd."""

    def __init__(self, message: str, *, year: int) -> None:
        super().__init__(message, code="plan_frozen")
        self.year = year


def frozen_message(year: int) -> str:
    return _(
        "Verksamhetsplanen %(year)s är fastställd och kan inte ändras. Den som är "
        "förbundschef kan starta en ny revision av planen; den fastställda versionen "
        "finns kvar som den var."
    ) % {"year": year}


def _federation_id(federation: Federation | int) -> int:
    return federation if isinstance(federation, int) else federation.pk


def plan_is_frozen(federation: Federation | int, year: int) -> bool:
    """Is the förbund's plan for the year fastställd (and so not to be changed)?"""
    return Plan.objects.filter(
        federation_id=_federation_id(federation), year=year, status=PlanStatus.DECIDED
    ).exists()


def frozen_years(federation: Federation | int) -> set[int]:
    return set(
        Plan.objects.filter(
            federation_id=_federation_id(federation), status=PlanStatus.DECIDED
        ).values_list("year", flat=True)
    )


def ensure_plan_not_frozen(federation: Federation | int, year: int) -> None:
    """Raise PlanFrozen if the year's plan is fastställd. Services call this first."""
    if plan_is_frozen(federation, year):
        raise PlanFrozen(frozen_message(year), year=year)


# --- interventions ---------------------------------------------------------------------


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
    from budgets.models import Amount
    from budgets.rules import planning_columns

    years: set[int] = set()
    rows = Amount.objects.filter(
        line__intervention=intervention, line__scenario__isnull=True
    ).exclude(amount=0).values_list("line__budget__year", "column__year", "column__kind")
    for budget_year, column_year, kind in rows:
        if planning_columns(budget_year, [f"{column_year}:{kind}"]):
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
    one as given) would change an adopted plan."""
    year = intervention_frozen_year(intervention)
    if year is not None:
        raise PlanFrozen(intervention_frozen_message(intervention, year), year=year)


# --- views -----------------------------------------------------------------------------


def frozen_response(
    request: HttpRequest, federation: Federation, year: int
) -> HttpResponse | None:
    """For an edit view of a frozen year: the page that says why nothing can be
    changed (409 Conflict); None when the year is not frozen."""
    if not plan_is_frozen(federation, year):
        return None
    return refusal_response(request, federation, year, frozen_message(year))


def refusal_response(
    request: HttpRequest, federation: Federation, year: int, message: str
) -> HttpResponse:
    from django.shortcuts import render

    from finsam.access import role_in
    from finsam.roles import EDIT, role_may

    plan = Plan.objects.filter(federation=federation, year=year).first()
    return render(
        request,
        "plans/frozen.html",
        {
            "federation": federation,
            "plan": plan,
            "year": year,
            "message": message,
            "may_revise": role_may(role_in(request.user, federation), EDIT),
        },
        status=409,
    )
