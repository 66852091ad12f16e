"""The intervention rules, both sides of every threshold. No database.

The findings rules live in budgets/rules.py (with the other budget rules); goal
follow-up and the plan years an intervention is part of in interventions/rules.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from budgets.rules import (
    BudgetFacts,
    InterventionFacts,
    LineFacts,
    MemberFacts,
    evaluate,
    intervention_own_findings,
    intervention_period_text,
)
from interventions.rules import (
    ACHIEVED,
    NOT_ACHIEVED,
    NOT_MEASURABLE,
    NOT_REPORTED,
    PlanYearFacts,
    funded_columns,
    goal_status,
    in_plan_year,
    period_overlaps,
    plan_years,
    too_few_parties,
)

D = Decimal
COLUMNS = ("2020:actual", "2021:budget", "2022:plan", "2023:plan")
PLANNING = ("2021:budget", "2022:plan", "2023:plan")

MEMBERS = (
    MemberFacts("fk", "Försäkringskassan", "social_insurance"),
    MemberFacts("af", "Arbetsförmedlingen", "employment_service"),
    MemberFacts("region", "Region Västernorrland", "region"),
    MemberFacts("region-2", "Region Jämtland", "region"),
    MemberFacts("kramfors", "Kramfors kommun", "municipality"),
    MemberFacts("solleftea", "Sollefteå kommun", "municipality"),
)


def insats(**kwargs) -> InterventionFacts:
    values = {
        "key": "x",
        "name": "Insats X",
        "individual_share_percent": D(100),
        "member_keys": ("fk", "kramfors"),
    }
    return InterventionFacts(**(values | kwargs))


def budget(
    *interventions: InterventionFacts,
    amounts: dict[str, Decimal] | None = None,
    lines: tuple[LineFacts, ...] = (),
) -> BudgetFacts:
    """A 50/25/25 budget in balance, each intervention with its own line."""
    every = {c: D(1_000_000) for c in PLANNING}
    own = amounts if amounts is not None else {c: D(100_000) for c in PLANNING}
    base = (
        LineFacts("fk", "contribution", "FK", {c: D(500_000) for c in PLANNING}, member="fk"),
        LineFacts(
            "region", "contribution", "Region", {c: D(250_000) for c in PLANNING}, member="region"
        ),
        LineFacts(
            "kramfors",
            "contribution",
            "Kramfors",
            {c: D(250_000) for c in PLANNING},
            member="kramfors",
        ),
    )
    linked = tuple(
        LineFacts(i.key, "intervention", i.name, own, intervention=i.key) for i in interventions
    )
    admin = LineFacts(
        "kansli",
        "administration",
        "Kansli",
        {c: every[c] - sum((line.amount(c) for line in linked + lines), D(0)) for c in PLANNING},
    )
    return BudgetFacts(
        federation="test",
        year=2021,
        columns=COLUMNS,
        opening_equity=D(0),
        lines=base + linked + lines + (admin,),
        members=MEMBERS,
        interventions=interventions,
    )


def findings(facts: BudgetFacts, rule: str):  # type: ignore[no-untyped-def]
    return [f for f in evaluate(facts).findings if f.rule == rule]


# --- intervention-members: at least two of the four parties ------------------------------


@pytest.mark.parametrize(
    ("member_keys", "fires"),
    [
        ((), True),
        (("kramfors",), True),
        # Several municipalities are one party (the municipal side): still one.
        (("kramfors", "solleftea"), True),
        (("region", "region-2"), True),
        # A municipality and a region are two parties.
        (("kramfors", "region"), False),
        (("fk", "af"), False),
        (("fk", "af", "region", "kramfors", "solleftea"), False),
    ],
)
def test_parties(member_keys, fires):
    found = findings(budget(insats(member_keys=member_keys)), "intervention-members")
    assert bool(found) == fires
    if fires:
        assert (found[0].severity, found[0].year, found[0].intervention) == ("error", 2021, "x")


# --- intervention-dates: the end is not before the start --------------------------------


@pytest.mark.parametrize(
    ("start", "end", "fires"),
    [
        (date(2021, 3, 1), date(2021, 3, 1), False),  # one day
        (date(2021, 3, 1), date(2021, 2, 28), True),  # the day before
        (date(2021, 3, 1), None, False),
        (None, date(2021, 3, 1), False),
        (date(2021, 3, 1), date(2023, 12, 31), False),
    ],
)
def test_dates(start, end, fires):
    found = findings(budget(insats(start=start, end=end)), "intervention-dates")
    assert bool(found) == fires
    if fires:
        finding = found[0]
        assert (finding.severity, finding.year, finding.column) == ("error", 2021, "2021:budget")
        assert finding.message == (
            "Insatsen Insats X slutar 28 februari 2021, före sin start 1 mars 2021."
        )


# --- intervention-period: money in a year wholly outside start–end ------------------------


@pytest.mark.parametrize(
    ("start", "end", "years_flagged"),
    [
        (None, None, []),
        (date(2021, 1, 1), date(2023, 12, 31), []),
        # The period ends on the last day of 2022: 2022 is inside, 2023 is not.
        (date(2021, 1, 1), date(2022, 12, 31), [2023]),
        # It ends on the first day of 2023: 2023 is touched, so inside.
        (date(2021, 1, 1), date(2023, 1, 1), []),
        # It starts on the last day of 2021: 2021 is inside.
        (date(2021, 12, 31), None, []),
        # It starts on the first day of 2022: 2021 is wholly before it.
        (date(2022, 1, 1), None, [2021]),
        (date(2022, 6, 1), date(2022, 6, 30), [2021, 2023]),
    ],
)
def test_period(start, end, years_flagged):
    found = findings(budget(insats(start=start, end=end)), "intervention-period")
    assert [f.year for f in found] == years_flagged
    assert all(f.severity == "warning" and f.line == "x" for f in found)
    assert [f.column for f in found] == [
        next(c for c in PLANNING if c.startswith(str(y))) for y in years_flagged
    ]


def test_period_ignores_years_without_money_and_comparison_columns():
    amounts = {"2020:actual": D(50_000), "2021:budget": D(100_000), "2022:plan": D(0)}
    facts = budget(insats(start=date(2021, 1, 1), end=date(2021, 12, 31)), amounts=amounts)
    assert findings(facts, "intervention-period") == []


def test_period_message_names_the_money_and_the_period():
    facts = budget(insats(start=date(2021, 1, 1), end=date(2022, 12, 31)))
    [finding] = findings(facts, "intervention-period")
    assert finding.message == (
        "Insatsen Insats X har 100\u00a0000\u00a0kr i budgeten 2023, "
        "men pågår 1 januari 2021–31 december 2022."
    )


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (date(2018, 1, 1), date(2022, 12, 31), "1 januari 2018–31 december 2022"),
        (date(2019, 9, 1), None, "från 1 september 2019"),
        (None, date(2022, 6, 30), "till 30 juni 2022"),
        (None, None, ""),
    ],
)
def test_period_text(start, end, text):
    assert intervention_period_text(start, end) == text


# --- intervention-goal-target: a goal needs a measurable target ---------------------------


@pytest.mark.parametrize(("without_target", "fires"), [(0, False), (1, True), (3, True)])
def test_goal_target(without_target, fires):
    found = findings(
        budget(insats(goals_without_target=without_target)), "intervention-goal-target"
    )
    assert bool(found) == fires
    if fires:
        assert (found[0].severity, found[0].year, found[0].intervention) == ("warning", 2021, "x")
        assert f"har {without_target} mål utan mätbart målvärde" in found[0].message


# --- which interventions the budget checks ------------------------------------------------


def test_an_intervention_without_money_in_a_planning_column_is_not_checked():
    broken = insats(
        member_keys=("kramfors",),
        start=date(2021, 3, 1),
        end=date(2021, 1, 1),
        goals_without_target=2,
    )
    facts = budget(broken, amounts={"2020:actual": D(100_000)})
    assert not [f for f in evaluate(facts).findings if f.intervention == "x"]


def test_findings_point_at_the_first_planning_year_with_money():
    broken = insats(
        member_keys=("kramfors",),
        start=date(2023, 3, 1),
        end=date(2023, 1, 1),
        goals_without_target=1,
    )
    facts = budget(broken, amounts={"2022:plan": D(0), "2023:plan": D(10_000)})
    found = {f.rule: f.year for f in evaluate(facts).findings if f.intervention == "x"}
    assert found == {
        "intervention-members": 2023,
        "intervention-dates": 2023,
        "intervention-goal-target": 2023,
    }


def test_own_findings_for_an_intervention_no_budget_finances():
    broken = insats(start=date(2021, 3, 1), end=date(2021, 1, 1), goals_without_target=1)
    found = intervention_own_findings(broken)
    assert [(f.rule, f.year) for f in found] == [
        ("intervention-dates", None),
        ("intervention-goal-target", None),
    ]
    assert intervention_own_findings(insats()) == []


# --- the individual share drives the budget's split -----------------------------------------


@pytest.mark.parametrize(
    ("share", "individual", "structural"),
    [
        (D(100), D("100.00"), D("0.00")),
        (D(50), D("50.00"), D("50.00")),
        (D(0), D("0.00"), D("100.00")),
        (D("33.33"), D("33.33"), D("66.67")),
    ],
)
def test_individual_share_sets_the_split(share, individual, structural):
    col = evaluate(budget(insats(individual_share_percent=share))).column("2021:budget")
    assert (col.individual_share, col.structural_share) == (individual, structural)


def test_reserve_lines_are_left_out_of_the_split():
    reserve = (
        LineFacts("reserv", "intervention", "Kvar att fördela", {"2021:budget": D(300_000)}),
    )
    col = evaluate(budget(insats(individual_share_percent=D(50)), lines=reserve)).column(
        "2021:budget"
    )
    assert (col.individual_share, col.structural_share) == (D("50.00"), D("50.00"))


# --- goal follow-up: uppnått / ej uppnått / ej rapporterat --------------------------------


@pytest.mark.parametrize(
    ("target", "comparison", "outcome", "status"),
    [
        (D(40), "at_least", D(40), ACHIEVED),  # exactly the target
        (D(40), "at_least", D("39.99"), NOT_ACHIEVED),
        (D(40), "at_least", D(85), ACHIEVED),
        (D(10), "at_most", D(10), ACHIEVED),
        (D(10), "at_most", D("10.01"), NOT_ACHIEVED),
        (D(40), "at_least", None, NOT_REPORTED),
        (None, "at_least", None, NOT_REPORTED),
        (None, "at_least", D(12), NOT_MEASURABLE),
        (D(0), "at_least", D(0), ACHIEVED),
    ],
)
def test_goal_status(target, comparison, outcome, status):
    assert goal_status(target, comparison, outcome).code == status


def test_goal_status_labels_are_swedish():
    assert goal_status(D(40), "at_least", D(41)).label == "uppnått"
    assert goal_status(D(40), "at_least", D(39)).label == "ej uppnått"
    assert goal_status(D(40), "at_least", None).label == "ej rapporterat"


# --- the plan years an intervention is part of: one definition -----------------------


def years(facts: PlanYearFacts, span=range(2018, 2026)) -> list[int]:
    return [year for year in span if in_plan_year(facts, year)]


# (what, the facts, the plan years among 2018–2025 it is part of)
IN_PLAN_YEAR = [
    (
        "within its dates",
        PlanYearFacts(date(2020, 1, 1), date(2021, 12, 31), "ongoing"),
        [2020, 2021],
    ),
    # A year the period only touches is in: it starts 31 December, ends 1 January.
    (
        "touching the years",
        PlanYearFacts(date(2019, 12, 31), date(2021, 1, 1), "ongoing"),
        [2019, 2020, 2021],
    ),
    ("a start and no end", PlanYearFacts(date(2023, 6, 1), None, "granted"), [2023, 2024, 2025]),
    ("an end and no start", PlanYearFacts(None, date(2019, 3, 1), "finished"), [2018, 2019]),
    # Money outside its dates puts it in that plan too (the budget says so; the
    # budget's check "intervention-period" warns about it).
    (
        "dates and money outside them",
        PlanYearFacts(date(2020, 1, 1), date(2020, 12, 31), "finished", frozenset({(2022, 2022)})),
        [2020, 2022],
    ),
    ("no dates, beviljad", PlanYearFacts(None, None, "granted"), list(range(2018, 2026))),
    ("no dates, pågående", PlanYearFacts(None, None, "ongoing"), list(range(2018, 2026))),
    ("no dates, an idea without money", PlanYearFacts(None, None, "idea"), []),
    ("no dates, finished without money", PlanYearFacts(None, None, "finished"), []),
    # The plan of the budget year that gives it money, and the year the money is for.
    (
        "no dates, money in a later plan column",
        PlanYearFacts(None, None, "finished", frozenset({(2021, 2022)})),
        [2021, 2022],
    ),
    (
        "no dates, money in the budget column",
        PlanYearFacts(None, None, "applied", frozenset({(2021, 2021)})),
        [2021],
    ),
]


@pytest.mark.parametrize(
    ("what", "facts", "expected"), IN_PLAN_YEAR, ids=[r[0] for r in IN_PLAN_YEAR]
)
def test_in_plan_year(what, facts, expected):
    assert years(facts) == expected


@pytest.mark.parametrize(
    ("what", "facts", "expected"), IN_PLAN_YEAR, ids=[r[0] for r in IN_PLAN_YEAR]
)
def test_plan_years_are_the_years_it_is_in(what, facts, expected):
    """plan_years (the freeze's) is in_plan_year over every year: None for those that
    go on into every year to come; a period without a start counts from 2018 here."""
    found = plan_years(facts, first_year=2018)
    if found is None:
        assert expected and expected[-1] == 2025  # in every year to come
        assert facts.end is None
    else:
        assert sorted(found) == expected


def test_a_period_without_a_start_counts_from_the_first_adopted_year():
    facts = PlanYearFacts(None, date(2021, 6, 30), "ongoing")
    assert plan_years(facts, first_year=2020) == {2020, 2021}
    assert plan_years(facts, first_year=2023) == {2021}  # its end is earlier


@pytest.mark.parametrize(
    ("start", "end", "year", "overlaps"),
    [
        (date(2020, 12, 31), None, 2020, True),
        (date(2021, 1, 1), None, 2020, False),
        (None, date(2020, 1, 1), 2020, True),
        (None, date(2019, 12, 31), 2020, False),
        (None, None, 2020, True),
    ],
)
def test_period_overlaps_both_sides_of_the_year(start, end, year, overlaps):
    assert period_overlaps(start, end, year) is overlaps


def test_funded_columns_are_planning_columns_with_money():
    rows = [
        (2021, 2020, "forecast", D(500)),  # comparison: not planning
        (2021, 2021, "budget", D(100)),
        (2021, 2022, "plan", D(100)),
        (2021, 2022, "plan", D(-100)),  # two lines that cancel out: no money
        (2021, 2023, "plan", D(0)),
        (2021, 2021, "plan", D(7)),  # a plan column of the budget year is not planning
        (2022, None, None, None),  # a line without amounts
    ]
    assert funded_columns(rows) == frozenset({(2021, 2021)})


@pytest.mark.parametrize(("count", "too_few"), [(0, True), (1, True), (2, False), (4, False)])
def test_two_parties_at_least(count, too_few):
    assert too_few_parties(count) is too_few
