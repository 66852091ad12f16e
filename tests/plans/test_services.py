"""Writes to the plan: the standard outline, the statutory dates, ordering."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from documents import adoption
from plans import services
from plans.models import PlanStatus, SectionKind

pytestmark = pytest.mark.django_db


def test_a_new_plan_has_the_standard_outline_and_the_statutory_dates(federation, director):
    plan = services.plan_create(federation=federation, year=2027, by=director)
    assert [s.heading for s in plan.sections.all()] == [
        "Inledning",
        "Vision och uppdrag",
        "Målgrupper",
        "Mål",
        "Insatser",
        "Uppföljning",
        "Kommunikation",
        "Risker",
        "Årshjul",
        "Budget",
    ]
    generated = {s.heading: s.kind for s in plan.sections.all() if s.is_generated}
    assert generated == {
        "Mål": SectionKind.GOALS,
        "Insatser": SectionKind.INTERVENTIONS,
        "Årshjul": SectionKind.ANNUAL_CYCLE,
        "Budget": SectionKind.BUDGET,
    }
    assert federation.name in plan.sections.get(heading="Inledning").body
    meetings = list(plan.meetings.all())
    assert [(m.kind, m.date) for m in meetings] == [
        ("deadline", date(2027, 3, 31)),  # årsredovisning within three months
        ("members", date(2027, 10, 15)),  # medlemssamråd before the decision
        ("deadline", date(2027, 11, 30)),  # plan and budget 2028 adopted
    ]
    assert meetings[1].date < meetings[2].date
    assert plan.status == PlanStatus.DRAFT and plan.updated_by == director


def test_the_members_meeting_falls_on_a_weekday(federation):
    plan = services.plan_create(
        federation=federation, year=2028, by=None
    )  # 15 Oct 2028 is a Sunday
    members = plan.meetings.get(kind="members")
    assert members.date == date(2028, 10, 16) and members.date.weekday() < 5


def test_one_plan_per_year(federation):
    services.plan_create(federation=federation, year=2027, by=None)
    with pytest.raises(ValidationError) as error:
        services.plan_create(federation=federation, year=2027, by=None)
    assert "year" in error.value.message_dict


def test_the_status_changes_only_through_the_workflow(plan):
    # plan_update keeps to the plan's facts; adoption is plan_decide, after beredning
    # (tests/plans/test_workflow.py).
    with pytest.raises(TypeError):
        services.plan_update(plan=plan, by=None, title=plan.title, status=PlanStatus.DECIDED)
    with pytest.raises(ValidationError):
        adoption.plan_decide(plan=plan, by=None, decided_on=date(2020, 11, 19), reference="dnr 1")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.decided_on is None


def test_sections_move_and_new_ones_come_last(plan):
    headings = lambda: [s.heading for s in plan.sections.order_by("position", "id")]  # noqa: E731
    section = services.section_create(plan=plan, by=None, heading="Bilaga", body="x")
    assert headings()[-1] == "Bilaga"
    services.section_move(section=section, by=None, offset=-1)
    assert headings()[-2:] == ["Bilaga", "Budget"]
    first = plan.sections.order_by("position").first()
    services.section_move(section=first, by=None, offset=-1)  # the top stays the top
    assert headings()[0] == "Inledning"
    services.section_move(section=first, by=None, offset=1)
    assert headings()[:2] == ["Vision och uppdrag", "Inledning"]


def test_every_write_stamps_the_plan(plan, director):
    before = plan.updated_at
    services.meeting_create(plan=plan, by=director, kind="board", date=date(2021, 5, 5))
    plan.refresh_from_db()
    assert plan.updated_at > before and plan.updated_by == director


def test_goal_measures_are_a_list(plan):
    goal = services.goal_create(
        plan=plan,
        by=None,
        level="board",
        text="Styrelsen utbildas",
        measures=["Två utbildningsdagar"],
    )
    assert goal.measures == ["Två utbildningsdagar"]
    with pytest.raises(ValidationError):
        services.goal_create(plan=plan, by=None, level="nonsense", text="x")
