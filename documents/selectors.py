"""The plan-year summaries of the start page and the förbund page: each förbund's
years with their budget and plan (from budgets and plans), with the förbund's
members and board (finsam/selectors.py), and the plan's and the budget's step of
"Kom igång" (the core's steps are finsam/getting_started.py's).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from budgets.models import Budget
from finsam.models import Federation
from finsam.selectors import MembersOverview, members_overview
from finsam.steps import PLAN_ORDER, Step
from plans.models import Plan, PlanStatus


@dataclass(frozen=True)
class PlanYear:
    year: int
    has_budget: bool
    plan_title: str | None
    plan_status: str | None

    @property
    def plan_status_label(self) -> str | None:
        return None if self.plan_status is None else PlanStatus(self.plan_status).label


@dataclass(frozen=True)
class FederationOverview(MembersOverview):
    """The förbund page: its members and board (finsam/selectors.py) and its plan
    years."""

    federation: Federation
    # Sorted union of the years that have a budget or a verksamhetsplan.
    plan_years: tuple[int, ...]
    years: tuple[PlanYear, ...]


def federation_overview(federation: Federation) -> FederationOverview:
    """Members with their board seats, the setup findings and the plan years.

    Four queries: members, seats, budget years, plans.
    """
    overview = members_overview(federation)
    budget_years = set(
        Budget.objects.filter(federation=federation).order_by().values_list("year", flat=True)
    )
    plans = {
        year: (title, status)
        for year, title, status in Plan.objects.filter(federation=federation)
        .order_by()
        .values_list("year", "title", "status")
    }
    plan_years = tuple(sorted(budget_years | plans.keys()))
    years = tuple(
        PlanYear(
            year=year,
            has_budget=year in budget_years,
            plan_title=plans[year][0] if year in plans else None,
            plan_status=plans[year][1] if year in plans else None,
        )
        for year in plan_years
    )
    return FederationOverview(
        federation=federation,
        members=overview.members,
        findings=overview.findings,
        plan_years=plan_years,
        years=years,
        municipal_population=overview.municipal_population,
    )


def plan_and_budget_steps(federation) -> list[Step]:
    """The förbund page's "Kom igång" step for the plan and its budget (the core's
    own steps are finsam/getting_started.py's). One query."""
    years = dict(
        Plan.objects.filter(federation=federation)
        .annotate(
            has_budget=Exists(
                Budget.objects.filter(
                    federation_id=OuterRef("federation_id"), year=OuterRef("year")
                )
            )
        )
        .order_by("year")
        .values_list("year", "has_budget")
    )
    title = _("Verksamhetsplan och budget")
    if not years:
        return [
            Step(
                key="plan",
                title=title,
                done=False,
                order=PLAN_ORDER,
                detail=_("Skapa förbundets första verksamhetsplan; budgeten hör till planens år."),
                url=reverse("plan_create", args=[federation.slug]),
                action=_("Ny verksamhetsplan"),
            )
        ]
    with_budget = [year for year, has_budget in years.items() if has_budget]
    if with_budget:
        return [
            Step(
                key="plan",
                title=title,
                done=True,
                order=PLAN_ORDER,
                detail=_("Verksamhetsplan och budget för %(year)d.") % {"year": with_budget[-1]},
                url=reverse("plan_detail", args=[federation.slug, with_budget[-1]]),
                action=_("Till planen"),
            )
        ]
    year = max(years)
    return [
        Step(
            key="plan",
            title=title,
            done=False,
            order=PLAN_ORDER,
            detail=_("Verksamhetsplanen för %(year)d har ingen budget ännu.") % {"year": year},
            url=reverse("budget_create", args=[federation.slug, year]),
            action=_("Skapa budget %(year)d") % {"year": year},
        )
    ]
