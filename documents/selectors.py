"""The plan-year summaries of the start page and the förbund page: each förbund's
years with their budget and plan (from budgets and plans), with the förbund's
members and board (finsam/selectors.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from budgets.models import Budget
from finsam.models import Federation
from finsam.selectors import MembersOverview, members_overview
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
