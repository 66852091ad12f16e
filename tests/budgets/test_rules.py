"""The budget rules, both sides of every threshold. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets.rules import (
    COLUMN_KINDS,
    BudgetFacts,
    InterventionFacts,
    LineFacts,
    MemberFacts,
    ScenarioFacts,
    apply_scenario,
    column_kind_label,
    column_label,
    evaluate,
    parse_column_label,
    planning_columns,
)

D = Decimal
BUDGET = "2021:budget"
COLUMNS = ("2020:actual", "2021:budget", "2022:plan", "2023:plan")

MEMBERS = (
    MemberFacts("fk", "Försäkringskassan", "social_insurance"),
    MemberFacts("af", "Arbetsförmedlingen", "employment_service"),
    MemberFacts("region", "Region Västernorrland", "region"),
    MemberFacts("kramfors", "Kramfors kommun", "municipality"),
)


def every_year(amount: int | str) -> dict[str, Decimal]:
    return {c: D(amount) for c in ("2021:budget", "2022:plan", "2023:plan")}


def contributions(total: int) -> tuple[LineFacts, ...]:
    """A 50/25/25 split of `total` per planning year."""
    return (
        LineFacts("fk", "contribution", "Försäkringskassan", every_year(total // 2), member="fk"),
        LineFacts("region", "contribution", "Regionen", every_year(total // 4), member="region"),
        LineFacts(
            "kramfors", "contribution", "Kramfors", every_year(total // 4), member="kramfors"
        ),
    )


def facts(
    *,
    total: int = 2_000_000,
    costs: int = 2_000_000,
    opening: int = 0,
    extra: tuple[LineFacts, ...] = (),
    **kwargs,
) -> BudgetFacts:
    lines = (
        contributions(total)
        + (LineFacts("kansli", "administration", "Kansli", every_year(costs)),)
        + extra
    )
    return BudgetFacts(
        federation="test",
        year=2021,
        columns=COLUMNS,
        opening_equity=D(opening),
        lines=lines,
        members=MEMBERS,
        **kwargs,
    )


def rules_of(
    budget: BudgetFacts, scenario: ScenarioFacts | None = None
) -> list[tuple[str, str, int]]:
    return [(f.rule, f.severity, f.year) for f in evaluate(budget, scenario).findings]


def test_planning_columns_are_budget_year_and_later_plans_in_year_order():
    codes = ["2022:plan", "2020:budget", "2020:forecast", "2021:plan", "2021:budget", "2023:plan"]
    assert planning_columns(2021, codes) == ["2021:budget", "2022:plan", "2023:plan"]


def test_figures_of_a_balanced_budget():
    ev = evaluate(facts(opening=100_000))
    col = ev.column(BUDGET)
    assert (col.contributions, col.state, col.region, col.municipalities) == (
        D(2_000_000),
        D(1_000_000),
        D(500_000),
        D(500_000),
    )
    assert (col.state_share, col.region_share, col.municipal_share) == (
        D("50.00"),
        D("25.00"),
        D("25.00"),
    )
    assert col.result == 0
    assert (col.opening_equity, col.closing_equity) == (D(100_000), D(100_000))
    assert col.equity_cap == D(400_000)
    assert col.administration_share == D("100.00")
    assert ev.findings == ()
    # Comparison columns carry no equity.
    assert ev.column("2020:actual").closing_equity is None


def test_equity_chains_through_the_planning_years():
    ev = evaluate(facts(costs=2_100_000, opening=500_000, deficit_reason="Sänka eget kapital"))
    assert [c.closing_equity for c in ev.planning] == [D(400_000), D(300_000), D(200_000)]
    assert [c.opening_equity for c in ev.planning] == [D(500_000), D(400_000), D(300_000)]


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        (400_000, []),  # exactly 20 % of 2 000 000 is allowed
        (400_001, [("equity-cap", "warning", y) for y in (2021, 2022, 2023)]),  # 1 kr over is not
    ],
)
def test_equity_cap_threshold(opening, expected):
    assert rules_of(facts(opening=opening)) == expected


@pytest.mark.parametrize(
    ("opening", "floor", "expected"),
    [
        (180_000, D(180_000), []),
        (179_999, D(180_000), [("equity-floor", "warning", y) for y in (2021, 2022, 2023)]),
        (0, None, []),
    ],
)
def test_equity_floor_threshold(opening, floor, expected):
    assert rules_of(facts(opening=opening, equity_floor=floor)) == expected


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        (30_000, []),
        (29_999, [("negative-equity", "error", 2023)]),
    ],
)
def test_negative_equity_threshold(opening, expected):
    # 10 000 kr deficit a year, reason given so balance is only a warning.
    budget = facts(costs=2_010_000, opening=opening, deficit_reason="Planerat underskott")
    found = [r for r in rules_of(budget) if r[0] != "budget-balance"]
    assert found == expected


@pytest.mark.parametrize(
    ("costs", "reason", "expected"),
    [
        (2_000_000, None, []),
        (2_000_001, None, [("budget-balance", "error", y) for y in (2021, 2022, 2023)]),
        (
            2_000_001,
            "Eget kapital ska ned mot rekommenderad nivå",
            [("budget-balance", "warning", y) for y in (2021, 2022, 2023)],
        ),
        (2_000_001, "   ", [("budget-balance", "error", y) for y in (2021, 2022, 2023)]),
    ],
)
def test_budget_balance(costs, reason, expected):
    budget = facts(costs=costs, opening=1_000, deficit_reason=reason)
    assert [r for r in rules_of(budget) if r[0] == "budget-balance"] == expected


def test_budget_balance_message_names_the_deficit_and_reason():
    ev = evaluate(facts(costs=2_253_000, opening=1_000_000, deficit_reason="Planerat."))
    message = next(f.message for f in ev.findings if f.rule == "budget-balance")
    assert "\u2212253\u00a0000\u00a0kr" in message
    assert "Skäl: Planerat." in message


def _split(state: str, region: str, municipalities: str) -> BudgetFacts:
    lines = (
        LineFacts("fk", "contribution", "FK", {BUDGET: D(state)}, member="fk"),
        LineFacts("region", "contribution", "Region", {BUDGET: D(region)}, member="region"),
        LineFacts(
            "kramfors", "contribution", "Kramfors", {BUDGET: D(municipalities)}, member="kramfors"
        ),
    )
    return BudgetFacts(
        federation="test",
        year=2021,
        columns=(BUDGET,),
        opening_equity=D(0),
        lines=lines,
        members=MEMBERS,
        equity_cap_percent=D(100000),
    )


@pytest.mark.parametrize(
    ("state", "region", "municipalities", "expected"),
    [
        ("500000", "250000", "250000", []),
        # Within 1 kr: öre rounding of a split that does not divide evenly.
        ("500001", "250000", "249999", []),
        ("500000.50", "249999.50", "250000", []),
        # A state third, as Sundbyberg's 2019 column printed.
        ("666666", "333334", "0", ["state", "region", "municipalities"]),
        ("500002", "249999", "249999", ["state"]),
    ],
)
def test_funding_split_tolerance(state, region, municipalities, expected):
    findings = evaluate(_split(state, region, municipalities)).findings
    split = [f for f in findings if f.rule == "funding-split"]
    assert len(split) == len(expected)
    assert all(f.severity == "error" and f.year == 2021 for f in split)
    for finding, group in zip(split, expected, strict=True):
        assert {"state": "Staten", "region": "Regionen", "municipalities": "Kommunerna"}[
            group
        ] in finding.message


def test_funding_split_just_over_one_krona():
    # 1.01 kr off each way is more than the tolerance.
    findings = evaluate(_split("500001.01", "250000", "249998.99")).findings
    assert [f.rule for f in findings] == ["funding-split", "funding-split"]


def _municipal(a_amount: str, b_amount: str, a_pop: int = 7500, b_pop: int = 2500) -> BudgetFacts:
    members = MEMBERS[:3] + (
        MemberFacts("a", "A kommun", "municipality", population=a_pop),
        MemberFacts("b", "B kommun", "municipality", population=b_pop),
    )
    lines = (
        LineFacts("fk", "contribution", "FK", {BUDGET: D(200_000)}, member="fk"),
        LineFacts("region", "contribution", "Region", {BUDGET: D(100_000)}, member="region"),
        LineFacts("a", "contribution", "A", {BUDGET: D(a_amount)}, member="a"),
        LineFacts("b", "contribution", "B", {BUDGET: D(b_amount)}, member="b"),
    )
    return BudgetFacts(
        federation="test",
        year=2021,
        columns=(BUDGET,),
        opening_equity=D(0),
        lines=lines,
        members=members,
    )


@pytest.mark.parametrize(
    ("a_amount", "b_amount", "expected"),
    [
        ("75000", "25000", []),
        ("76000", "24000", []),  # exactly 1 percentage point off: allowed
        ("76001", "23999", ["a", "b"]),  # just over
    ],
)
def test_municipal_split_by_population(a_amount, b_amount, expected):
    findings = evaluate(_municipal(a_amount, b_amount)).findings
    found = [f for f in findings if f.rule == "municipal-split"]
    assert [f.member for f in found] == expected
    assert all(f.severity == "warning" for f in found)
    if found:
        assert found[0].line == "a"
        assert "A kommun" in found[0].message


def test_municipal_split_needs_every_population():
    budget = _municipal("99000", "1000")
    members = budget.members[:4] + (MemberFacts("b", "B kommun", "municipality", population=None),)
    assert [
        f
        for f in evaluate(replace(budget, members=members)).findings
        if f.rule == "municipal-split"
    ] == []


def _with_interventions(*interventions: InterventionFacts, amounts=None) -> BudgetFacts:
    lines = tuple(
        LineFacts(i.key, "intervention", i.name, amounts or every_year(100_000), intervention=i.key)
        for i in interventions
    ) + (LineFacts("reserv", "intervention", "Kvar att fördela", every_year(100_000)),)
    return facts(
        costs=2_000_000 - 100_000 * (len(interventions) + 1),
        opening=0,
        extra=lines,
        interventions=interventions,
    )


def test_individual_and_structural_share_weighted_by_linked_lines():
    budget = _with_interventions(
        InterventionFacts("enter", "Enter", D(100), ("fk", "kramfors")),
        InterventionFacts("sams", "SAMS", D(0), ("fk", "region")),
        InterventionFacts("mix", "Mix", D(50), ("af", "region")),
    )
    col = evaluate(budget).column(BUDGET)
    # (100 000 + 0 + 50 000) / 300 000; the reserve line is left out.
    assert col.individual_share == D("50.00")
    assert col.structural_share == D("50.00")
    assert col.intervention_costs == D(400_000)
    assert col.intervention_share == D("20.00")


def test_individual_share_rounds_half_up():
    # 79.375 % individinriktad gives 79.38, and 20.625 % strukturell gives 20.63.
    budget = _with_interventions(
        InterventionFacts("a", "A", D("79.375"), ("fk", "region")),
    )
    col = evaluate(budget).column(BUDGET)
    assert (col.individual_share, col.structural_share) == (D("79.38"), D("20.63"))


def test_shares_are_none_without_linked_lines_or_contributions():
    col = evaluate(facts()).column(BUDGET)
    assert col.individual_share is None and col.structural_share is None
    empty = BudgetFacts(federation="t", year=2021, columns=(BUDGET,), opening_equity=D(0), lines=())
    col = evaluate(empty).column(BUDGET)
    assert col.state_share is None and col.intervention_share is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (D("50.00"), []),
        (D("50.01"), [("individual-share-target", "warning", y) for y in (2021, 2022, 2023)]),
    ],
)
def test_individual_share_target(target, expected):
    budget = replace(
        _with_interventions(
            InterventionFacts("enter", "Enter", D(100), ("fk", "kramfors")),
            InterventionFacts("sams", "SAMS", D(0), ("fk", "region")),
        ),
        individual_share_target_percent=target,
    )
    assert [r for r in rules_of(budget) if r[0] == "individual-share-target"] == expected


@pytest.mark.parametrize(
    ("member_keys", "fires"),
    [
        (("fk", "af"), False),  # two parties
        (("fk", "kramfors"), False),
        (("kramfors",), True),  # one party
        ((), True),
    ],
)
def test_intervention_members(member_keys, fires):
    budget = _with_interventions(InterventionFacts("x", "Insats X", D(100), member_keys))
    found = [f for f in evaluate(budget).findings if f.rule == "intervention-members"]
    assert bool(found) == fires
    if fires:
        assert (found[0].severity, found[0].year, found[0].intervention) == ("error", 2021, "x")
        assert "Insats X" in found[0].message


def test_several_municipalities_count_as_one_party():
    members = MEMBERS + (MemberFacts("solleftea", "Sollefteå kommun", "municipality"),)
    budget = replace(
        _with_interventions(InterventionFacts("x", "X", D(100), ("kramfors", "solleftea"))),
        members=members,
    )
    found = [f for f in evaluate(budget).findings if f.rule == "intervention-members"]
    assert len(found) == 1


def test_intervention_members_year_is_first_year_with_money():
    budget = _with_interventions(
        InterventionFacts("x", "X", D(100), ("fk",)),
        amounts={"2022:plan": D(5), "2020:actual": D(7)},
    )
    found = [f for f in evaluate(budget).findings if f.rule == "intervention-members"]
    assert [f.year for f in found] == [2022]
    no_money = _with_interventions(
        InterventionFacts("x", "X", D(100), ("fk",)), amounts={"2020:actual": D(7)}
    )
    assert [f for f in evaluate(no_money).findings if f.rule == "intervention-members"] == []


@pytest.mark.parametrize(
    ("decided_on", "meeting", "fires"),
    [
        (date(2020, 11, 30), None, False),
        (date(2020, 12, 1), None, True),
        (None, date(2020, 11, 30), False),
        (None, date(2020, 12, 15), True),
        (None, None, False),
    ],
)
def test_decision_deadline(decided_on, meeting, fires):
    budget = facts(decided_on=decided_on, decision_meeting_on=meeting)
    found = [f for f in evaluate(budget).findings if f.rule == "decision-deadline"]
    assert [(f.severity, f.year) for f in found] == ([("warning", 2021)] if fires else [])
    if fires:
        assert "30 november 2020" in found[0].message


def test_scenario_overrides_replace_amounts_and_add_lines():
    base = facts(opening=0)
    scenario = ScenarioFacts(
        "Om ESF-projektet beviljas",
        lines=(
            LineFacts("kansli", "administration", "Kansli", {BUDGET: D(1_500_000)}),
            LineFacts("esf", "other_income", "ESF", {BUDGET: D(545_000)}),
        ),
    )
    lines = apply_scenario(base.lines, scenario)
    assert [line.key for line in lines] == ["fk", "region", "kramfors", "kansli", "esf"]
    ev = evaluate(base, scenario)
    assert ev.scenario == "Om ESF-projektet beviljas"
    col = ev.column(BUDGET)
    assert col.other_income == D(545_000)
    assert col.result == D(2_000_000 + 545_000 - 1_500_000)
    # What the override leaves out is 0: 2022 has no administration at all.
    assert ev.column("2022:plan").administration_costs == 0
    # The base is untouched.
    assert evaluate(base).column(BUDGET).result == 0


@settings(max_examples=80, deadline=None)
@given(
    amounts=st.lists(st.decimals(min_value=1, max_value=10**9, places=2), min_size=4, max_size=4),
    factor=st.decimals(min_value="0.01", max_value=1000, places=2),
)
def test_scaling_every_contribution_keeps_the_shares(amounts, factor):
    def budget(scale: Decimal) -> BudgetFacts:
        lines = tuple(
            LineFacts(m.key, "contribution", m.name, {BUDGET: amount * scale}, member=m.key)
            for m, amount in zip(MEMBERS, amounts, strict=True)
        )
        return BudgetFacts(
            federation="t",
            year=2021,
            columns=(BUDGET,),
            opening_equity=D(0),
            lines=lines,
            members=MEMBERS,
        )

    before = evaluate(budget(D(1))).column(BUDGET)
    after = evaluate(budget(factor)).column(BUDGET)
    assert after.contributions == before.contributions * factor
    for share in ("state_share", "region_share", "municipal_share"):
        assert getattr(after, share) == getattr(before, share)


# --- column labels: one definition ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("2020:budget", "Budget 2020"),
        ("2021:plan", "Plan 2021"),
        ("2019:forecast", "Prognos 2019"),
        ("2018:actual", "Utfall 2018"),
    ],
)
def test_column_label_and_back(code, label):
    assert column_label(code) == label
    assert parse_column_label(label) == code
    assert parse_column_label(f"  {label.upper()} ") == code
    assert parse_column_label(label.lower()) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Budget",
        "2020",
        "Budget 20",
        "Budget 20201",
        "Budget 2020 x",
        "Resultat 2020",
        "Budget ٢٠٢٠",
    ],
)
def test_parse_column_label_refuses_the_rest(text):
    assert parse_column_label(text) is None


def test_the_models_column_kinds_have_the_rules_labels():
    from budgets.models import ColumnKind
    from budgets.templatetags.budget_tags import column_kind

    assert {kind: str(label) for kind, label in ColumnKind.choices} == {
        kind: column_kind_label(kind) for kind in COLUMN_KINDS
    }
    assert column_kind("forecast") == "Prognos"


# --- issue 16, point 7: negative amounts, and contributions linked to no member -----------

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("category", "amount", "expected"),
    [
        ("administration", "-1", "Kostnaden Rättelse är negativ 2021 (−1 kr)"),
        ("intervention", "-5000", "Kostnaden Rättelse är negativ 2021 (−5 000 kr)"),
        ("other_cost", "-0.01", "Kostnaden Rättelse är negativ 2021 (−0,01 kr)"),
        ("administration", "0", None),
        ("administration", "1", None),
        # Other income may be negative without a word (a negative interest, say).
        ("other_income", "-300", None),
    ],
)
def test_a_negative_cost_is_a_warning_on_its_line(category, amount, expected):
    line = LineFacts("fix", category, "Rättelse", {BUDGET: D(amount)})
    found = [f for f in evaluate(facts(extra=(line,))).findings if f.rule == "negative-amount"]
    if expected is None:
        assert found == []
    else:
        [finding] = found
        assert finding.message.replace(NBSP, " ").startswith(expected)
        assert (finding.severity, finding.year, finding.line, finding.column) == (
            "warning",
            2021,
            "fix",
            BUDGET,
        )


def test_a_negative_contribution_is_a_warning_on_its_line():
    budget = facts()
    lines = tuple(
        replace(line, amounts={**line.amounts, BUDGET: -line.amounts[BUDGET]})
        if line.key == "region"
        else line
        for line in budget.lines
    )
    found = [
        f for f in evaluate(replace(budget, lines=lines)).findings if f.rule == "negative-amount"
    ]
    assert [(f.line, f.member, f.year, f.severity) for f in found] == [
        ("region", "region", 2021, "warning")
    ]
    assert (
        found[0]
        .message.replace(NBSP, " ")
        .startswith("Medlemsbidraget Regionen är negativt 2021 (−500 000 kr)")
    )


def test_a_contribution_linked_to_no_member_is_marked_and_named_in_the_split():
    """The trial: "Regionen betalar 0 kr" while a "Region Västernorrland 595 000" row was
    on the screen, linked to no member."""
    budget = facts()
    lines = tuple(
        replace(line, member=None, label="Region Västernorrland") if line.key == "region" else line
        for line in budget.lines
    )
    findings = evaluate(replace(budget, lines=lines)).findings
    marked = [f for f in findings if f.rule == "contribution-member" and f.year == 2021]
    assert [(f.line, f.column, f.severity) for f in marked] == [("region", BUDGET, "warning")]
    assert "Region Västernorrland (500 000 kr 2021) är inte kopplat till någon medlem" in (
        marked[0].message.replace(NBSP, " ")
    )
    [region] = [
        f
        for f in findings
        if f.rule == "funding-split" and f.year == 2021 and f.message.startswith("Regionen")
    ]
    assert region.message.replace(NBSP, " ").endswith(
        "Kopplade till ingen medlem, och därför inte räknade till någon part: "
        "Region Västernorrland (500 000 kr)."
    )


def test_a_linked_budget_has_none_of_the_new_warnings():
    rules = {rule for rule, _, _ in rules_of(facts())}
    assert not rules & {"negative-amount", "contribution-member"}
