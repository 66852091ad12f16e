"""A plan with every kind of chapter, for the plan tests; and a way to grow it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

from budgets.models import Amount, Line
from documents import adoption
from documents.bundle.importer import bundle_import
from documents.pdf import CACHE_ALIAS
from finsam.models import Federation
from interventions.models import Intervention, InterventionGoal
from plans import services
from plans.models import Goal, GoalLevel, Meeting, MeetingKind, Plan, Section
from tests.budgets.test_views import make_budget

PLAN_YEAR = 2021  # make_budget's year
DEMO_DIR = Path(settings.BASE_DIR) / "documents" / "demo"


def make_plan(federation: Federation) -> Plan:
    """make_budget's budget (with the intervention Enter) and a plan from the
    standard outline, with goals and a few meetings."""
    make_budget(federation)
    plan = services.plan_create(federation=federation, year=PLAN_YEAR, by=None)
    Goal.objects.bulk_create(
        [
            Goal(
                plan=plan,
                level=GoalLevel.OVERALL,
                text="Fler i arbete eller studier",
                measures=["Andel deltagare i arbete"],
                position=0,
            ),
            Goal(
                plan=plan,
                level=GoalLevel.FINANCIAL,
                text="Budget i balans",
                measures=["Årets resultat är minst 0 kr"],
                position=1,
            ),
        ]
    )
    Meeting.objects.create(
        plan=plan,
        kind=MeetingKind.BOARD,
        date=date(PLAN_YEAR, 3, 6),
        title="Styrelsemöte",
        place="Kommunhuset",
    )
    return plan


def grow_plan(
    plan: Plan, *, sections: int = 0, interventions: int = 0, lines: int = 0, meetings: int = 0
) -> None:
    """More of everything, for the tests that the query count stays flat."""
    federation = plan.federation
    start = plan.sections.count()
    Section.objects.bulk_create(
        Section(plan=plan, heading=f"Extra avsnitt {i}", body=f"Text **{i}**", position=start + i)
        for i in range(sections)
    )
    members = list(federation.members.all())
    budget = federation.budgets.get(year=plan.year)
    columns = list(budget.columns.all())
    created = []
    for i in range(interventions):
        intervention = Intervention.objects.create(
            federation=federation,
            key=f"extra-{i}",
            name=f"Extra insats {i}",
            individual_share_percent=Decimal(50),
            position=10 + i,
        )
        intervention.members.set(members[:2])
        InterventionGoal.objects.create(intervention=intervention, text="Ett mål", position=0)
        created.append(intervention)
    new_lines = Line.objects.bulk_create(
        Line(
            budget=budget,
            key=f"extra-rad-{i}",
            category="intervention",
            label=f"Extra rad {i}",
            intervention=created[i % len(created)] if created else None,
            position=100 + i,
        )
        for i in range(lines)
    )
    Amount.objects.bulk_create(
        Amount(line=line, column=column, amount=Decimal(1000))
        for line in new_lines
        for column in columns
    )
    Meeting.objects.bulk_create(
        Meeting(
            plan=plan,
            kind=MeetingKind.PREPARATORY,
            date=date(plan.year, 1 + i % 12, 10),
            title=f"Beredning {i}",
        )
        for i in range(meetings)
    )


@pytest.fixture
def plan(federation) -> Plan:
    return make_plan(federation)


@pytest.fixture
def other_plan(other_federation) -> Plan:
    return make_plan(other_federation)


@pytest.fixture(autouse=True)
def empty_pdf_cache():
    caches[CACHE_ALIAS].clear()
    yield
    caches[CACHE_ALIAS].clear()


def import_demo(name: str):
    """A demo bundle into the test database; returns (budget, bundle)."""
    data = json.loads((DEMO_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return bundle_import(data=data), data


# --- the workflow (tests/plans/test_workflow*.py, test_comments.py, test_history.py) ---


@pytest.fixture
def fake_pdf(monkeypatch):
    """Adoption stores the plan's PDF; most tests need only bytes that stand for it
    (one test in test_workflow.py renders the real thing)."""
    import hashlib

    def render(html: str, *, fetcher: object = None, archive: object = None) -> bytes:
        return b"%PDF-1.7\n% test\n" + hashlib.sha256(html.encode()).hexdigest().encode()

    monkeypatch.setattr("documents.pdf.html_to_pdf", render)


def decide(
    plan: Plan, by, *, on: date = date(PLAN_YEAR - 1, 11, 19), reference: str = "dnr 2020:7"
):
    """Send the plan to review (if it is a draft) and record the board's adoption."""
    if plan.status == "draft":
        adoption.plan_send_to_review(plan=plan, by=by)
    decision = adoption.plan_decide(plan=plan, by=by, decided_on=on, reference=reference)
    plan.refresh_from_db()
    return decision


@pytest.fixture
def decided_plan(plan, director, fake_pdf) -> Plan:
    decide(plan, director)
    return plan
