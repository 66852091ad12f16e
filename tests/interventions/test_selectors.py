"""Reads: money per year by the latest budget, the register's filters, the detail
page's findings (the budget report's), and the plan chapter."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from budgets.funding import (
    KIND_MIXED,
    KIND_STRUCTURAL,
    RegisterFilters,
    intervention_chapters,
    intervention_detail,
    intervention_register,
    planned_money,
)
from budgets.models import Amount, Column, Line
from budgets.rules import evaluate
from budgets.selectors import budget_facts
from interventions.models import InterventionStatus
from tests.interventions.conftest import make_budget, make_intervention, members, record

D = Decimal
pytestmark = pytest.mark.django_db


def test_money_per_year_comes_from_the_newest_budget_that_plans_the_year(federation, enter):
    make_budget(federation, year=2021, interventions={enter: 100_000})  # 2021–2023
    newer = make_budget(federation, year=2022, interventions={enter: 300_000})  # 2022–2024
    # The 2022 budget gives Enter nothing in 2023: its word counts, not 2021's plan.
    Amount.objects.filter(line__budget=newer, line__key="enter", column__year=2023).delete()
    money = planned_money(federation)
    assert money.years == (2021, 2022, 2023, 2024)
    assert money.latest_budget_year == 2022
    assert [money.of(enter.pk, y) for y in (2020, 2021, 2022, 2023, 2024)] == [
        D(0),
        D(100_000),
        D(300_000),
        D(0),
        D(300_000),
    ]
    assert money.years_with_money(enter.pk) == (2021, 2022, 2024)


def test_scenario_lines_are_not_the_budget(federation, enter):
    budget = make_budget(federation, interventions={enter: 100_000})
    scenario = budget.scenarios.create(name="Om ESF beviljas")
    line = Line.objects.create(
        budget=budget,
        scenario=scenario,
        key="enter",
        category="intervention",
        label="Enter",
        intervention=enter,
    )
    Amount.objects.create(
        line=line, column=Column.objects.get(budget=budget, year=2021), amount=D(9)
    )
    assert planned_money(federation).of(enter.pk, 2021) == D(100_000)


def _names(register) -> list[str]:
    return [row.intervention.key for row in register.rows]


def test_register_filters(federation, enter):
    by_key = members(federation)
    make_intervention(
        federation,
        "sams",
        name="Processtöd SAMS",
        individual_share_percent=D(0),
        member_keys=("region", "kommun-b"),
        status=InterventionStatus.GRANTED,
        steering_group="Beredningsgruppen",
    )
    make_intervention(
        federation,
        "efterstod",
        name="Efterstöd",
        individual_share_percent=D(50),
        member_keys=("fk", "af"),
        owner=by_key["kommun-b"],
        start=date(2023, 1, 1),
        end=date(2023, 12, 31),
    )
    make_intervention(
        federation,
        "halsoskola",
        name="Hälsoskola",
        status=InterventionStatus.FINISHED,
        target_group="Åldersgruppen 18–29 år",
    )
    make_budget(federation, interventions={enter: 100_000})

    def names(**kwargs) -> list[str]:
        return _names(intervention_register(federation, RegisterFilters(**kwargs)))

    assert names() == ["enter", "sams", "efterstod", "halsoskola"]
    assert names(status="granted") == ["sams"]
    assert names(kind=KIND_STRUCTURAL) == ["sams"]
    assert names(kind=KIND_MIXED) == ["efterstod"]
    assert names(kind="individual") == ["enter", "halsoskola"]
    # A member takes part, owns or steers.
    assert names(member=by_key["kommun-b"].pk) == ["sams", "efterstod"]
    assert names(member=by_key["af"].pk) == ["enter", "efterstod"]
    # A year: money in the year, or dates that cover it.
    assert names(year=2021) == ["enter"]
    assert names(year=2023) == ["enter", "efterstod"]
    assert names(year=2024) == ["enter"]  # open-ended since 2016
    assert names(year=2015) == []
    # Free text, case-insensitive also for å, ä, ö (SQLite's LIKE is not).
    assert names(text="åldersgruppen") == ["halsoskola"]
    assert names(text="SAMS") == ["sams"]
    assert names(text="arbetsmarknadsenheten") == ["enter"]
    assert names(status="ongoing", kind="individual", text="enter") == ["enter"]


def test_register_money_columns_and_totals(federation, enter):
    other = make_intervention(federation, "fia", name="FIA")
    make_budget(federation, interventions={enter: 100_000, other: 50_000}, reserve=25_000)
    register = intervention_register(federation, RegisterFilters())
    assert register.years == (2021, 2022, 2023)
    assert register.totals == (D(150_000),) * 3  # the reserve is no intervention's
    assert register.rows[0].amounts == (D(100_000),) * 3
    assert register.rows[0].parties == ("FK", "AF", "Region", "Kommun")
    register = intervention_register(federation, RegisterFilters(year=2020))
    assert register.years == (2020,)


def test_detail_findings_are_the_budget_reports(federation):
    lonely = make_intervention(
        federation,
        "lonely",
        name="Ensam",
        member_keys=("kommun-a", "kommun-b"),
        start=date(2021, 1, 1),
        end=date(2022, 12, 31),
        goals=(("Mål utan värde", None, ""), ("Mätbart", D(10), "st")),
    )
    budget = make_budget(federation, interventions={lonely: 100_000})
    report = [f for f in evaluate(budget_facts(budget)).findings if f.intervention == "lonely"]
    assert {f.rule for f in report} == {
        "intervention-members",
        "intervention-period",
        "intervention-goal-target",
    }
    detail = intervention_detail(lonely, today=date(2026, 6, 1))
    [block] = detail.budgets
    assert list(block.findings) == sorted(report, key=lambda f: f.severity != "error")
    assert detail.own_findings == ()
    assert detail.findings == list(block.findings)


def test_detail_without_budget_checks_the_intervention_itself(federation):
    idea = make_intervention(
        federation, "ide", status=InterventionStatus.IDEA, goals=(("Något bättre", None, ""),)
    )
    detail = intervention_detail(idea, today=date(2026, 6, 1))
    assert detail.budgets == ()
    assert [f.rule for f in detail.own_findings] == ["intervention-goal-target"]
    assert detail.report_years == (2026,)


def test_detail_budget_lines_goals_and_outcomes(federation, enter):
    make_budget(federation, year=2021, interventions={enter: 100_000})
    make_budget(federation, year=2022, interventions={enter: 200_000})
    work, satisfied = enter.goals.all()
    record(work, 2021, 38)
    record(work, 2022, 41)
    record(satisfied, 2022, 85)
    detail = intervention_detail(enter, today=date(2023, 3, 1))
    assert [block.year for block in detail.budgets] == [2022, 2021]
    newest = detail.budgets[0]
    assert [c.label for c in newest.columns] == [
        "Prognos 2021",
        "Budget 2022",
        "Plan 2023",
        "Plan 2024",
    ]
    assert [c.is_planning for c in newest.columns] == [False, True, True, True]
    assert newest.totals == (D(200_000),) * 4
    assert detail.parties == ("Försäkringskassan", "Arbetsförmedlingen", "regionen", "kommunerna")
    # Enter runs since 2016: the last five years up to the newest plan, and today.
    assert detail.report_years == (2019, 2020, 2021, 2022, 2023)
    assert detail.years == (2021, 2022, 2023)
    statuses = {
        (row.goal.text, cell.year): cell.status.label for row in detail.goals for cell in row.cells
    }
    assert statuses[("Andel till arbete eller studier", 2021)] == "ej uppnått"
    assert statuses[("Andel till arbete eller studier", 2022)] == "uppnått"
    assert statuses[("Nöjda deltagare", 2021)] == "ej rapporterat"
    assert statuses[("Nöjda deltagare", 2022)] == "uppnått"


def test_chapters_of_the_plan_year(federation, enter, django_assert_num_queries):
    by_key = members(federation)
    enter.steering_members.set([by_key["fk"], by_key["region"]])
    enter.steering_group = "förbundschefen"
    enter.reports_participants = True
    enter.save()
    finished = make_intervention(federation, "gammal", status=InterventionStatus.FINISHED)
    idea = make_intervention(federation, "ide", status=InterventionStatus.IDEA)
    later = make_intervention(federation, "senare", start=date(2024, 1, 1))
    make_intervention(federation, "lots", status=InterventionStatus.ONGOING)
    make_budget(federation, interventions={enter: 100_000, finished: 0})
    with django_assert_num_queries(7):
        chapters = intervention_chapters(federation, 2021)
    assert [c.intervention.key for c in chapters] == ["enter", "lots"]
    assert {finished, idea, later}.isdisjoint(c.intervention for c in chapters)
    chapter = chapters[0]
    assert chapter.owner == "A kommun, Arbetsmarknadsenheten"
    assert chapter.steering == "Försäkringskassan, Region Test; förbundschefen"
    assert chapter.age_range == "18–64 år"
    assert [(g.text, g.target) for g in chapter.goals] == [
        ("Andel till arbete eller studier", "minst 40 %"),
        ("Nöjda deltagare", "minst 85 %"),
    ]
    assert [(f.label, f.amount) for f in chapter.funding] == [
        ("Budget 2021", D(100_000)),
        ("Plan 2022", D(100_000)),
        ("Plan 2023", D(100_000)),
    ]
    assert chapters[1].funding == ()

    html = render_to_string(
        "interventions/partials/intervention_chapter.html", {"chapter": chapter}
    )
    for text in (
        "<h3>Enter</h3>",
        "<dt>Målgrupp</dt>",
        "<dt>Syfte</dt>",
        "<dt>Mål</dt>",
        "<dt>Projektägare</dt>",
        "<dt>Styrgrupp</dt>",
        "Finansiering per år",
        "Budget 2021",
        "100\u00a0000\u00a0kr",
        "(18–64 år)",
        "minst 40 %",
        "SUS / Uppföljning Finsam",
    ):
        assert text in html
    assert 'class="row' not in html and "col-" not in html  # no Bootstrap grid: printable


def test_chapter_queries_do_not_grow(federation, django_assert_num_queries):
    make_budget(
        federation,
        interventions={
            make_intervention(federation, f"i{n}", goals=(("Mål", D(1), "st"),)): 1000
            for n in range(30)
        },
    )
    with django_assert_num_queries(7):
        assert len(intervention_chapters(federation, 2021)) == 30


def test_the_register_decides_what_the_page_marks(federation):
    """The page marks what the selector decided (the template applies no rule):
    too few parties for one not over, no goals for one more than an idea."""
    make_intervention(federation, "ensam", member_keys=("fk",), status=InterventionStatus.ONGOING)
    make_intervention(federation, "klar", member_keys=("fk",), status=InterventionStatus.FINISHED)
    make_intervention(
        federation, "ide", member_keys=("fk", "region"), status=InterventionStatus.IDEA
    )
    make_intervention(
        federation,
        "tva",
        member_keys=("kommun-a", "kommun-b", "region"),
        goals=(("Mål", D(40), "%"),),
        status=InterventionStatus.GRANTED,
    )
    rows = {
        r.intervention.key: r for r in intervention_register(federation, RegisterFilters()).rows
    }
    assert {k: (r.too_few_parties, r.lacks_goals) for k, r in rows.items()} == {
        "ensam": (True, True),
        "klar": (False, False),
        "ide": (False, False),
        "tva": (False, False),
    }
    assert intervention_detail(rows["klar"].intervention).too_few_parties  # its own page says so
    assert not intervention_detail(rows["tva"].intervention).too_few_parties
