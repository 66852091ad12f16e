"""The contribution planner, from Södra Vätterbygden 2020. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets.planner import PlannerMember, largest_budget, split_budget

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
    assert amounts["jonkoping"] == D(1_670_000) - sum(amounts[k] for k in ("habo", "mullsjo", "vaggeryd"))


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
