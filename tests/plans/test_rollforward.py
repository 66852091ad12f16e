"""Next year's plan from the adopted one: sections, goals, the årshjul a year on,
ongoing interventions going on, and the budget moved one year with a forecast
column and the forecast's closing equity as opening equity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.models import Amount, Budget, Column
from budgets.selectors import budget_summary
from documents import rollforward
from plans.models import Plan, PlanStatus
from plans.rules import same_date_next_year, same_weekday_next_year, shift_years
from tests.plans.conftest import import_demo

D = Decimal

# --- the rules (no database) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "moved"),
    [
        (date(2019, 11, 19), date(2020, 11, 17)),  # a Tuesday stays a Tuesday
        (date(2019, 9, 10), date(2020, 9, 8)),
        (date(2020, 1, 1), date(2021, 1, 6)),  # never back into the old year
        (date(2021, 12, 31), date(2022, 12, 30)),  # nor on into the year after
        (date(2020, 2, 29), date(2021, 2, 27)),
    ],
)
def test_a_meeting_moves_to_the_same_weekday_a_year_on(day, moved):
    assert same_weekday_next_year(day) == moved
    assert moved.weekday() == day.weekday() and moved.year == day.year + 1
    assert abs((moved - same_date_next_year(day)).days) <= 6


def test_a_deadline_keeps_its_date():
    assert same_date_next_year(date(2020, 3, 31)) == date(2021, 3, 31)
    assert same_date_next_year(date(2020, 2, 29)) == date(2021, 2, 28)


def test_years_move_one_on_in_one_pass():
    text = "Verksamhetsplan 2020 med budget 2020 och plan 2021–2022 (dnr 2019:12, lag 2003:1210)"
    assert shift_years(text, first=2019, last=2025) == (
        "Verksamhetsplan 2021 med budget 2021 och plan 2022–2023 (dnr 2020:12, lag 2003:1210)"
    )


# --- the Södra Vätterbygden 2020 demo -------------------------------------------------


@pytest.fixture
def sodra_2020(db):
    budget, _data = import_demo("sodra-vatterbygden-2020")
    return Plan.objects.get(federation=budget.federation, year=2020)


@pytest.mark.django_db
def test_the_sodra_vatterbygden_2020_demo_rolls_forward_to_2021(sodra_2020, director):
    assert sodra_2020.is_decided
    old_budget = Budget.objects.get(federation=sodra_2020.federation, year=2020)
    old = {
        line.key: {a.column.code: a.amount for a in line.amounts.all()}
        for line in old_budget.lines.filter(scenario=None).prefetch_related("amounts__column")
    }

    plan = rollforward.plan_roll_forward(plan=sodra_2020, by=director)

    assert plan.year == 2021 and plan.status == PlanStatus.DRAFT and plan.carried_from == sodra_2020
    assert plan.title == "Verksamhetsplan 2021 med budget 2021 och plan 2022–2023"
    assert plan.reference == "" and plan.decided_on is None
    budget = Budget.objects.get(federation=plan.federation, year=2021)
    assert [c.code for c in budget.columns.all()] == [
        "2020:forecast",
        "2021:budget",
        "2022:plan",
        "2023:plan",
    ]
    assert budget.opening_equity == D(136_870)
    summary = budget_summary(budget)
    assert summary.base.evaluation.planning[0].opening_equity == D(136_870)
    new = {
        line.key: {a.column.code: a.amount for a in line.amounts.all()}
        for line in budget.lines.filter(scenario=None).prefetch_related("amounts__column")
    }
    assert set(new) == set(old)
    enter_old, enter_new = old["enter"], new["enter"]
    assert enter_new["2020:forecast"] == enter_old["2020:budget"]
    assert enter_new["2021:budget"] == enter_old["2021:plan"]
    assert enter_new["2022:plan"] == enter_old["2022:plan"]
    assert enter_new["2023:plan"] == enter_old["2022:plan"]  # a copy, to look over
    assert budget.deficit_reason == ""
    # Sections, goals and the årshjul are copied, the meetings a year on.
    assert [s.body for s in plan.sections.all()] == [s.body for s in sodra_2020.sections.all()]
    assert "Insatser 2021" in [s.heading for s in plan.sections.all()]
    assert plan.goals.count() == sodra_2020.goals.count() > 0
    assert [(m.kind, m.date) for m in plan.meetings.all()] == [
        ("planning", date(2020, 9, 8)),
        ("board", date(2020, 11, 17)),
        ("deadline", date(2021, 8, 31)),
    ]
    assert plan.decision_meeting_on == date(2020, 11, 17)
    # What to look over.
    items = " ".join(plan.review_items)
    assert "136\u00a0870\u00a0kr" in items
    assert "prognos 2020 (från budget 2020)" in items and "plan 2023 (från plan 2022)" in items
    assert "Pågående insatser som fortsätter 2021: Enter" in items
    assert "Skälet till underskott" in items
    # The source is untouched, and stays adopted.
    sodra_2020.refresh_from_db()
    assert sodra_2020.is_decided and sodra_2020.sections.count() == plan.sections.count()


@pytest.mark.django_db
def test_a_forecast_in_the_plan_decides_the_opening_equity(sodra_2020, director):
    budget = Budget.objects.get(federation=sodra_2020.federation, year=2020)
    forecast = Column.objects.create(budget=budget, year=2020, kind="forecast", position=9)
    for line in budget.lines.filter(scenario=None).prefetch_related("amounts__column"):
        amounts = {a.column.code: a.amount for a in line.amounts.all()}
        if "2020:budget" in amounts:
            value = amounts["2020:budget"] - (D(100_000) if line.key == "kansli" else 0)
            Amount.objects.create(line=line, column=forecast, amount=value)
    plan = rollforward.plan_roll_forward(plan=sodra_2020, by=director)
    new_budget = Budget.objects.get(federation=plan.federation, year=2021)
    assert new_budget.opening_equity == D(236_870)  # 100 000 kr less spent on the kansli
    assert (
        new_budget.lines.get(key="kansli", scenario=None)
        .amounts.get(column__year=2020, column__kind="forecast")
        .amount
        == budget.lines.get(key="kansli", scenario=None).amounts.get(column=forecast).amount
    )


@pytest.mark.django_db
def test_scenarios_move_with_the_budget(plan, director, fake_pdf):
    from tests.plans.conftest import decide

    decide(plan, director)
    new = rollforward.plan_roll_forward(plan=plan, by=director)
    budget = Budget.objects.get(federation=plan.federation, year=new.year)
    scenario = budget.scenarios.get()
    esf = scenario.lines.get(key="esf")
    # make_budget's ESF override has 545 000 in 2021:budget, which becomes the forecast
    # of 2021 in the 2022 budget.
    assert {a.column.code: a.amount for a in esf.amounts.select_related("column")} == {
        "2021:forecast": D(545_000)
    }
    assert any("Scenarierna följer med" in item for item in new.review_items)


@pytest.mark.django_db
def test_only_an_adopted_plan_rolls_forward_and_only_once(plan, director, fake_pdf):
    with pytest.raises(ValidationError):
        rollforward.plan_roll_forward(plan=plan, by=director)
    from tests.plans.conftest import decide

    decide(plan, director)
    rollforward.plan_roll_forward(plan=plan, by=director)
    with pytest.raises(ValidationError):
        rollforward.plan_roll_forward(plan=plan, by=director)
    assert Plan.objects.filter(federation=plan.federation).count() == 2


@pytest.mark.django_db
def test_it_works(client, director, decided_plan):
    client.force_login(director)
    address = reverse("plan_roll_forward", args=[decided_plan.federation.slug, decided_plan.year])
    assert "Skapa nästa års plan" in client.get(decided_plan.get_absolute_url()).text
    assert client.get(address).status_code == 200
    response = client.post(address)
    new = Plan.objects.get(federation=decided_plan.federation, year=decided_plan.year + 1)
    assert response.status_code == 302 and response.url == new.get_absolute_url()
    page = client.get(new.get_absolute_url())
    assert "Att se över" in page.text and "Ingående eget kapital 2022" in page.text


@pytest.mark.django_db
def test_it_checks_access(client, reviewer, outsider, decided_plan):
    address = reverse("plan_roll_forward", args=[decided_plan.federation.slug, decided_plan.year])
    client.force_login(reviewer)
    assert client.post(address).status_code == 403
    client.force_login(outsider)
    assert client.post(address).status_code == 404
    assert Plan.objects.filter(federation=decided_plan.federation).count() == 1
