"""The contribution planner, from Södra Vätterbygden 2020: the pure split, and the
planner page's whole computation (`plan_contributions`) without the form. No
database, no HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets.planner import (
    KEY_EQUAL,
    KEY_FIXED,
    KEY_POPULATION,
    KEY_PREVIOUS,
    Increase,
    PlannerInputs,
    PlannerMember,
    default_key,
    default_key_column,
    largest_budget,
    plan_contributions,
    split_budget,
)
from budgets.rules import LineFacts, MemberFacts
from finsam.money import format_kr

D = Decimal

# 2019's contributions are the key.
KEY_2019 = {
    "habo": D(106_400),
    "jonkoping": D(1_225_700),
    "mullsjo": D(65_200),
    "vaggeryd": D(120_700),
    "region": D(1_518_000),
    "fk": D(3_036_000),
}
POPULATION_2019 = {"habo": 11_987, "jonkoping": 141_081, "mullsjo": 7_266, "vaggeryd": 13_883}


def members(offers: dict[str, Decimal | None], weights: dict[str, Decimal] | None = None):
    weights = weights or KEY_2019
    kinds = {"fk": "social_insurance", "af": "employment_service", "region": "region"}
    result = [PlannerMember("af", "Arbetsförmedlingen", "employment_service", D(0))]
    for key in KEY_2019:
        kind = kinds.get(key, "municipality")
        weight = weights[key] if kind == "municipality" else KEY_2019[key]
        result.append(PlannerMember(key, key.capitalize(), kind, D(weight), offers.get(key)))
    return result


OFFERS = {
    "habo": KEY_2019["habo"] * D("1.2"),
    "vaggeryd": KEY_2019["vaggeryd"] * D("1.2"),
    "region": KEY_2019["region"] * D("1.2"),
    "jonkoping": KEY_2019["jonkoping"] * D("1.1"),
    "mullsjo": KEY_2019["mullsjo"] * D("1.1"),
    "fk": D(5_600_000),
}


def test_the_member_that_offers_least_decides():
    result = largest_budget(members(OFFERS))
    assert result.budget == D(6_679_200)
    assert set(result.deciders) == {"jonkoping", "mullsjo"}
    assert sum(result.amounts.values()) == result.budget
    assert result.amounts["fk"] == D(3_339_600)
    assert result.amounts["region"] == D(1_669_800)
    assert result.amounts.get("af", D(0)) == 0
    for key, offer in OFFERS.items():
        assert result.amounts[key] <= offer


def test_plan_rounded_budget_splits_exactly_by_population():
    plan = members(OFFERS, {k: D(v) for k, v in POPULATION_2019.items()})
    amounts = split_budget(D(6_680_000), plan)
    assert sum(amounts.values()) == D(6_680_000)
    municipal = sum(amounts[k] for k in POPULATION_2019)
    assert municipal == D(1_670_000)
    # Jönköping is the largest and takes the rounding öre.
    assert amounts["jonkoping"] == D(1_670_000) - sum(
        amounts[k] for k in ("habo", "mullsjo", "vaggeryd")
    )


def test_a_group_offer_limits_the_budget():
    result = largest_budget(members({}), group_offers={"region": D(1_000_000)})
    assert result.budget == D(4_000_000)
    assert result.deciders == ("region",)


def test_no_offer_is_an_error():
    with pytest.raises(ValueError):
        largest_budget(members({}))


@settings(max_examples=60, deadline=None)
@given(
    total=st.decimals(min_value=0, max_value=10**10, places=2),
    weights=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8),
)
def test_split_sums_exactly_to_the_ore(total, weights):
    plan = [
        PlannerMember("fk", "FK", "social_insurance", D(1)),
        PlannerMember("region", "Region", "region", D(1)),
    ] + [PlannerMember(f"k{i}", f"K{i}", "municipality", D(w)) for i, w in enumerate(weights)]
    amounts = split_budget(total, plan)
    assert sum(amounts.values()) == total
    assert all(a == a.quantize(D("0.01")) for a in amounts.values())
    # 50/25/25 within 1 kr.
    assert abs(amounts["fk"] - total / 2) <= 1
    assert abs(amounts["region"] - total / 4) <= 1


# --- the planner page's computation, without the form --------------------------------
#
# The same Södra Vätterbygden 2020 as tests/budgets/test_planner_views.py, as plain
# values: its members, 2019's contributions as the comparison column, the offers.


NAMES = {
    "fk": "Försäkringskassan",
    "af": "Arbetsförmedlingen",
    "region": "Region Jönköpings län",
    "habo": "Habo kommun",
    "jonkoping": "Jönköpings kommun",
    "mullsjo": "Mullsjö kommun",
    "vaggeryd": "Vaggeryds kommun",
}
KINDS = {"fk": "social_insurance", "af": "employment_service", "region": "region"}


def contributors(**changes: dict) -> tuple[MemberFacts, ...]:
    """The seven members; `changes` sets a member's population or fixed share."""
    return tuple(
        MemberFacts(key, name, KINDS.get(key, "municipality"), **changes.get(key, {}))
        for key, name in NAMES.items()
    )


def lines_2019(amounts: dict[str, Decimal] = KEY_2019) -> tuple[LineFacts, ...]:
    return tuple(
        LineFacts(key, "contribution", NAMES[key], {"2019:budget": amount}, member=key)
        for key, amount in amounts.items()
    )


TYPED = {
    "habo": Increase(D(20)),
    "vaggeryd": Increase(D(20)),
    "region": Increase(D(20)),
    "jonkoping": Increase(D(10)),
    "mullsjo": Increase(D(10)),
    "fk": D(5_600_000),
}


def inputs(**changes) -> PlannerInputs:
    values = {
        "column": "2020:budget",
        "key": KEY_PREVIOUS,
        "key_column": "2019:budget",
        "contributors": contributors(),
        "lines": lines_2019(),
        "offers": TYPED,
        "group_offers": {},
    }
    return PlannerInputs(**(values | changes))


POPULATIONS = {k: {"population": v} for k, v in POPULATION_2019.items()}
FIXED = {
    k: {"fixed_share_percent": D(v)}
    for k, v in {"habo": 10, "jonkoping": 70, "mullsjo": 5, "vaggeryd": 15}.items()
}
NO_OFFERS = {key: None for key in TYPED}

# (what, inputs, largest budget, total filled in, who decides)
OUTCOMES = [
    (
        "+20 % and +10 %: the +10 % members decide",
        inputs(),
        D(6_679_200),
        D(6_679_200),
        ("Jönköpings kommun", "Mullsjö kommun"),
    ),
    (
        "the same offers typed in kronor",
        inputs(
            offers={
                k: v.of(KEY_2019[k]) if isinstance(v, Increase) else v for k, v in TYPED.items()
            }
        ),
        D(6_679_200),
        D(6_679_200),
        ("Jönköpings kommun", "Mullsjö kommun"),
    ),
    (
        "a rounded total below the largest is filled in",
        inputs(rounded=D(6_675_000)),
        D(6_679_200),
        D(6_675_000),
        ("Jönköpings kommun", "Mullsjö kommun"),
    ),
    (
        "a rounded total of exactly the largest is allowed",
        inputs(rounded=D(6_679_200)),
        D(6_679_200),
        D(6_679_200),
        ("Jönköpings kommun", "Mullsjö kommun"),
    ),
    (
        "equal shares: Mullsjö's small +10 % decides",
        inputs(key=KEY_EQUAL),
        D(71_720) * 16,
        D(71_720) * 16,
        ("Mullsjö kommun",),
    ),
    (
        "a group offer decides; the state's +100 % is on its 2019 amount",
        inputs(offers=NO_OFFERS, group_offers={"region": D(1_600_000), "state": Increase(D(100))}),
        D(6_400_000),
        D(6_400_000),
        ("regionen",),
    ),
    (
        "only the state offers",
        inputs(offers={"fk": D(3_000_000)}),
        D(6_000_000),
        D(6_000_000),
        ("Försäkringskassan",),
    ),
]


@pytest.mark.parametrize(
    ("what", "case", "largest", "total", "deciders"), OUTCOMES, ids=[row[0] for row in OUTCOMES]
)
def test_planner_outcome(what, case, largest, total, deciders):
    answer = plan_contributions(case)
    assert answer.problems == ()
    outcome = answer.outcome
    assert (outcome.largest, outcome.total, outcome.decider_names) == (largest, total, deciders)
    assert outcome.rounded == (total != largest)
    # 50/25/25 of the total, to the öre, nobody over their offer.
    assert outcome.amounts_total == total
    groups = {g.group: g.amount for g in outcome.groups}
    assert groups == {"state": total / 2, "region": total / 4, "municipalities": total / 4}
    assert outcome.amounts["af"] == 0
    for row in outcome.rows:
        assert row.amount == row.amount.quantize(D("0.01"))
        if row.offer is not None:
            assert row.amount <= row.offer


def test_planner_outcome_rows_for_sodra_vatterbygden():
    outcome = plan_contributions(inputs()).outcome
    rows = {row.key: row for row in outcome.rows}
    assert {key: row.limit for key, row in rows.items()} == {
        "fk": D(11_200_000),
        "af": None,
        "region": D(7_286_400),
        "habo": D(7_286_400),
        "jonkoping": D(6_679_200),
        "mullsjo": D(6_679_200),
        "vaggeryd": D(7_286_400),
    }
    # The +10 % members decide, so the budget is 2019's plus 10 %, and so is everyone's
    # amount (Arbetsförmedlingen pays through Försäkringskassan).
    assert outcome.amounts == {"af": D(0)} | {k: v * D("1.1") for k, v in KEY_2019.items()}
    assert rows["jonkoping"].change == D("10.00") and rows["habo"].change == D("10.00")
    assert rows["jonkoping"].headroom == 0
    assert rows["habo"].headroom == D(127_680) - D(117_040)
    assert rows["fk"].group_share == D(100) and rows["af"].group_share == D(0)
    assert rows["jonkoping"].basis == KEY_2019["jonkoping"]
    assert outcome.basis_total == sum(KEY_2019.values())
    assert outcome.deciders_text == "Jönköpings kommun och Mullsjö kommun avgör budgetens storlek."
    assert outcome.signature.startswith("2020:budget||fk=3339600")
    assert outcome.notes == ()


def test_planner_by_population_and_by_fixed_shares():
    by_population = plan_contributions(
        inputs(key=KEY_POPULATION, contributors=contributors(**POPULATIONS))
    ).outcome
    # By population Jönköping's share is larger, so its +10 % alone decides.
    assert by_population.decider_names == ("Jönköpings kommun",)
    population = sum(POPULATION_2019.values())
    assert {r.key: r.group_share for r in by_population.rows if r.group == "municipalities"} == {
        k: round_ore_percent(v, population) for k, v in POPULATION_2019.items()
    }
    fixed = plan_contributions(inputs(key=KEY_FIXED, contributors=contributors(**FIXED))).outcome
    quarter = fixed.largest / 4
    assert fixed.amounts["jonkoping"] == (quarter * D("0.70")).quantize(D("0.01"))
    assert fixed.amounts["mullsjo"] == (quarter * D("0.05")).quantize(D("0.01"))


def round_ore_percent(part: int, whole: int) -> Decimal:
    return (D(part) * 100 / D(whole)).quantize(D("0.01"))


# (what, inputs, the input the problem is about, part of its message)
PROBLEMS = [
    (
        "last year's key needs a comparison column",
        inputs(key_column=None, offers={"fk": D(1)}),
        "key_column",
        "Välj den kolumn vars bidrag är nyckeln.",
    ),
    (
        "the population key needs every municipality's population",
        inputs(key=KEY_POPULATION, contributors=contributors(habo={"population": 11_987})),
        "key",
        "Folkmängd saknas för Jönköpings kommun, Mullsjö kommun och Vaggeryds kommun.",
    ),
    (
        "a population of 0 is missing too",
        inputs(
            key=KEY_POPULATION,
            contributors=contributors(**POPULATIONS | {"habo": {"population": 0}}),
        ),
        "key",
        "Folkmängd saknas för Habo kommun.",
    ),
    (
        "the fixed key needs every municipality's share",
        inputs(key=KEY_FIXED, contributors=contributors(**FIXED | {"mullsjo": {}})),
        "key",
        "Fast procentsats saknas för Mullsjö kommun.",
    ),
    (
        "municipalities without contributions in the key column",
        inputs(lines=lines_2019({"fk": D(1), "region": D(1)})),
        "key_column",
        "Kommunerna har inga bidrag i kolumn Budget 2019 att fördela efter.",
    ),
    (
        "a förbund without a region",
        inputs(key=KEY_EQUAL, contributors=tuple(c for c in contributors() if c.kind != "region")),
        None,
        "Förbundet saknar någon region som kan betala gruppens del.",
    ),
    (
        "an increase needs a comparison column",
        inputs(key=KEY_EQUAL, key_column=None, offers={"habo": Increase(D(20))}),
        "offer_habo",
        "+20\u00a0% av vad? Det finns inget bidrag i jämförelsekolumnen",
    ),
    (
        "an increase needs an amount in the comparison column",
        inputs(key=KEY_EQUAL, lines=lines_2019(KEY_2019 | {"habo": D(0)})),
        "offer_habo",
        "+20\u00a0% av vad?",
    ),
    (
        "a group's increase needs the group's amount",
        inputs(
            key=KEY_EQUAL,
            key_column=None,
            offers=NO_OFFERS,
            group_offers={"municipalities": Increase(D(5))},
        ),
        "group_municipalities",
        "+5\u00a0% av vad?",
    ),
    (
        "no offer at all",
        inputs(offers=NO_OFFERS),
        None,
        "Ange minst ett bud",
    ),
]


@pytest.mark.parametrize(
    ("what", "case", "field", "message"), PROBLEMS, ids=[row[0] for row in PROBLEMS]
)
def test_planner_problem(what, case, field, message):
    answer = plan_contributions(case)
    assert answer.outcome is None
    assert [p.field for p in answer.problems] == [field]
    assert message in answer.problems[0].message


def test_every_offer_without_a_basis_is_named():
    answer = plan_contributions(inputs(key=KEY_EQUAL, key_column=None))
    assert [p.field for p in answer.problems] == [
        "offer_region",
        "offer_habo",
        "offer_jonkoping",
        "offer_mullsjo",
        "offer_vaggeryd",
    ]


@pytest.mark.parametrize(
    ("rounded", "refused"), [(D(6_679_200), False), (D("6679200.01"), True), (D(6_680_000), True)]
)
def test_a_rounded_total_over_the_largest_is_refused_but_shown(rounded, refused):
    answer = plan_contributions(inputs(rounded=rounded))
    # The largest budget and who decides it are shown either way.
    assert answer.outcome.largest == D(6_679_200)
    assert answer.outcome.total == D(6_679_200)
    assert [p.field for p in answer.problems] == (["rounded"] if refused else [])
    if refused and rounded == D(6_680_000):
        message = answer.problems[0].message
        assert message.startswith(
            "6\u00a0680\u00a0000\u00a0kr är mer än den största möjliga budgeten "
            "6\u00a0679\u00a0200\u00a0kr. "
        )
        # Each member over its offer, with what it would pay of 6 680 000.
        amounts = split_budget(rounded, members(OFFERS))
        for key in ("jonkoping", "mullsjo"):
            assert (
                f"{NAMES[key]} skulle betala {format_kr(amounts[key])}, "
                f"över sitt bud {format_kr(OFFERS[key])}"
            ) in message
        assert message.count("skulle betala") == 2


def test_a_group_over_its_offer_is_named_with_the_groups_label():
    case = inputs(offers=NO_OFFERS, group_offers={"region": D(1_600_000)}, rounded=D(6_500_000))
    message = plan_contributions(case).problems[0].message
    assert (
        "Regionen skulle betala 1\u00a0625\u00a0000\u00a0kr, över budet 1\u00a0600\u00a0000\u00a0kr"
        in message
    )


def test_a_member_with_weight_0_is_noted():
    # Habo paid nothing in 2019: by last year's key it pays nothing now, and its offer
    # cannot limit the budget.
    case = inputs(lines=lines_2019(KEY_2019 | {"habo": D(0)}), offers=TYPED | {"habo": D(1)})
    outcome = plan_contributions(case).outcome
    assert outcome.amounts["habo"] == 0
    assert outcome.notes == (
        "Habo kommun har vikten 0 med den här nyckeln, så budet påverkar inte budgeten.",
    )
    without_offer = plan_contributions(
        inputs(lines=lines_2019(KEY_2019 | {"habo": D(0)}), offers=TYPED | {"habo": None})
    ).outcome
    assert without_offer.notes == (
        "Habo kommun har vikten 0 med den här nyckeln och betalar därför inget.",
    )


@pytest.mark.parametrize(
    ("split", "changes", "has_key_column", "key", "note"),
    [
        ("population", POPULATIONS, True, KEY_POPULATION, ""),
        ("population", {}, True, KEY_PREVIOUS, "men den saknas för Habo kommun, Jönköpings"),
        (
            "population",
            {},
            False,
            KEY_EQUAL,
            "Förbundsordningen fördelar kommunernas del efter folkmängd",
        ),
        ("fixed", FIXED, False, KEY_FIXED, ""),
        (
            "fixed",
            FIXED | {"habo": {}},
            True,
            KEY_PREVIOUS,
            "efter fast procentsats, men den saknas för Habo kommun.",
        ),
        ("equal", {}, True, KEY_EQUAL, ""),
    ],
)
def test_default_key(split, changes, has_key_column, key, note):
    chosen, text = default_key(split, contributors(**changes), has_key_column=has_key_column)
    assert chosen == key
    assert (note in text) if note else text == ""


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (("2019:actual", "2019:budget", "2020:budget", "2021:plan"), "2019:budget"),
        (("2019:actual", "2019:forecast", "2020:budget"), "2019:forecast"),
        (("2019:plan", "2019:actual", "2020:budget"), "2019:actual"),
        (("2017:budget", "2018:actual", "2020:budget"), "2018:actual"),
        (("2020:budget", "2021:plan"), None),
        ((), None),
    ],
)
def test_default_key_column_is_last_years_contributions(columns, expected):
    assert default_key_column(2020, columns) == expected


@pytest.mark.parametrize(
    ("increase", "basis", "offer"),
    [
        (D(20), D(106_400), D(127_680)),
        (D(10), D(65_200), D(71_720)),
        (D("12.5"), D(1_000), D(1_125)),
        (D(-5), D(1_000), D(950)),
        (D(-100), D(1_000), D(0)),
        (D(10), D("0.05"), D("0.06")),  # 0,055 rounds half-up to the öre
    ],
)
def test_an_increase_on_its_basis(increase, basis, offer):
    assert Increase(increase).of(basis) == offer


def test_the_planners_keys_are_the_forbundsordnings():
    from finsam.models import MemberKind, MunicipalSplit

    assert {KEY_POPULATION, KEY_EQUAL, KEY_FIXED} == set(MunicipalSplit.values)
    assert set(KINDS.values()) | {"municipality"} == set(MemberKind.values)
