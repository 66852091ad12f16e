"""The contribution planner page, end to end from Södra Vätterbygden 2020.

2019's contributions are the key (Habo 106 400, Jönköping 1 225 700, Mullsjö
65 200, Vaggeryd 120 700, the region 1 518 000, the state 3 036 000). Habo,
Vaggeryd and the region offer +20 %, Jönköping and Mullsjö only +10 %, the state
5 600 000 kr. The largest budget is 6 679 200 kr (the plan rounded it to
6 680 000), and Jönköping and Mullsjö decide it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from budgets.forms import Increase, OfferField, PlannerForm
from budgets.models import Amount, Budget, Line
from budgets.rules import evaluate
from budgets.selectors import budget_facts
from budgets.services import contributions_fill, scenario_create
from documents.bundle.importer import bundle_import
from finsam.forms import AmountField
from finsam.models import Role
from finsam.money import round_ore
from tests.factories import MembershipFactory, UserFactory

D = Decimal
DEMO = Path(__file__).resolve().parents[2] / "documents" / "demo" / "sodra-vatterbygden-2020.json"
KEY_2019 = {
    "habo": D(106_400),
    "jonkoping": D(1_225_700),
    "mullsjo": D(65_200),
    "vaggeryd": D(120_700),
    "region": D(1_518_000),
    "fk": D(3_036_000),
}
POPULATION_2019 = {"habo": 11_987, "jonkoping": 141_081, "mullsjo": 7_266, "vaggeryd": 13_883}
OFFERS = {
    "offer_habo": "+20 %",
    "offer_vaggeryd": "+20 %",
    "offer_region": "+20 %",
    "offer_jonkoping": "+10 %",
    "offer_mullsjo": "+10 %",
    "offer_fk": "5 600 000",
}
DECIDERS = "Jönköpings kommun och Mullsjö kommun avgör budgetens storlek."


@pytest.fixture
def sodra(db) -> Budget:
    with DEMO.open(encoding="utf-8") as f:
        data = json.load(f)
    # The planner is for a plan being written; the demo's is adopted, which freezes
    # its budget (plans/freeze.py), so here it is a draft.
    data["plan"]["status"] = "draft"
    return bundle_import(data=data)


def _user(federation, role: str, username: str):
    user = UserFactory(username=username)
    MembershipFactory(user=user, federation=federation, role=role)
    return user


@pytest.fixture
def chef(sodra):
    return _user(sodra.federation, Role.DIRECTOR, "chef-sodra")


def planner_url(budget: Budget) -> str:
    return reverse("budget_planner", args=[budget.federation.slug, budget.year])


def post_data(**extra: str) -> dict[str, str]:
    data = {
        "column": "2020:budget",
        "key": "previous",
        "key_column": "2019:budget",
        "compute": "1",
        **OFFERS,
    }
    data.update(extra)
    return data


def contributions(budget: Budget, column: str, scenario=None) -> dict[str, Decimal]:
    """Member key → its contribution in one column, as stored (base lines only, or
    one scenario's own lines)."""
    year, kind = column.split(":")
    amounts: dict[str, Decimal] = {}
    for amount in Amount.objects.filter(
        line__budget=budget,
        line__scenario=scenario,
        line__category="contribution",
        column__year=int(year),
        column__kind=kind,
    ).select_related("line__member"):
        key = amount.line.member.key
        amounts[key] = amounts.get(key, D(0)) + amount.amount
    return amounts


def compute(client, budget: Budget, **extra: str):
    response = client.post(planner_url(budget), post_data(**extra))
    assert response.status_code == 200
    return response


def fill(client, budget: Budget, **extra: str):
    """Compute, then press "Fyll i kolumnen" with what the page showed."""
    outcome = compute(client, budget, **extra).context["outcome"]
    assert outcome is not None
    data = post_data(**extra) | {"fill": "1", "computed": outcome.signature}
    data.pop("compute")
    return client.post(planner_url(budget), data), outcome


# --- the page -----------------------------------------------------------------------


def test_the_demo_bundle_has_2019s_contributions(sodra):
    assert contributions(sodra, "2019:budget") == KEY_2019
    assert sodra.columns.filter(year=2019, kind="budget").exists()


def test_it_works(client, sodra, chef):
    sodra.federation.members.update(population=None)  # as in the seed: none given
    client.force_login(chef)
    response = client.get(planner_url(sodra))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bidragsplanerare" in html
    for name in ("Habo kommun", "Jönköpings kommun", "Region Jönköpings län", "Försäkringskassan"):
        assert name in html
    assert "1\u00a0225\u00a0700\u00a0kr" in html  # Jönköping's 2019 contribution
    assert "Betalar genom Försäkringskassan" in html  # Arbetsförmedlingen has no offer
    form = response.context["form"]
    assert form["column"].value() == "2020:budget"
    assert form["key_column"].value() == "2019:budget"
    # The förbundsordning splits by population, but the demo has none: say so.
    assert form["key"].value() == "previous"
    assert "saknas för Habo kommun" in html
    assert "<script>" not in html.replace('<script src="', "")


def test_it_checks_access(client, sodra, federation, outsider, reviewer, board_member, viewer):
    # A budget of the cast's own förbund, for the read-only roles.
    own = Budget.objects.create(federation=federation, year=2021)
    own_url = planner_url(own)
    for user in (reviewer, board_member, viewer):
        client.force_login(user)
        assert client.get(own_url).status_code == 403
        assert client.post(own_url, post_data()).status_code == 403
    # Another förbund's budget answers 404, even to a director there.
    client.force_login(outsider)
    assert client.get(planner_url(sodra)).status_code == 404
    assert client.post(planner_url(sodra), post_data(fill="1")).status_code == 404
    assert client.get(planner_url(own)).status_code == 404
    client.logout()
    assert client.get(planner_url(sodra)).status_code == 302
    assert contributions(sodra, "2020:budget")["jonkoping"] == D(1_345_100)  # untouched


def test_the_planner_is_an_edit_view():
    from budgets.scenario_views import budget_planner
    from finsam.roles import EDIT

    assert budget_planner.finsam_action == EDIT


# --- the acceptance: Södra Vätterbygden 2020 ----------------------------------------


def test_the_member_that_puts_in_least_decides(client, sodra, chef):
    client.force_login(chef)
    response = compute(client, sodra)
    outcome = response.context["outcome"]
    assert outcome.largest == D(6_679_200)
    assert outcome.total == D(6_679_200)
    assert outcome.decider_names == ("Jönköpings kommun", "Mullsjö kommun")
    assert outcome.deciders_text == DECIDERS
    html = response.content.decode()
    assert DECIDERS in html
    assert "6\u00a0679\u00a0200\u00a0kr" in html
    rows = {row.key: row for row in outcome.rows}
    assert {k for k, row in rows.items() if row.decides} == {"jonkoping", "mullsjo"}
    # Each member's limit: +20 % allows 7 286 400, +10 % only 6 679 200.
    assert rows["habo"].limit == D(7_286_400)
    assert rows["region"].limit == D(7_286_400)
    assert rows["jonkoping"].limit == D(6_679_200)
    assert rows["fk"].limit == D(11_200_000)
    assert rows["af"].limit is None
    # 50/25/25, nobody over their offer.
    assert outcome.amounts == {
        "fk": D(3_339_600),
        "af": D(0),
        "region": D(1_669_800),
        "habo": D(117_040),
        "jonkoping": D(1_348_270),
        "mullsjo": D(71_720),
        "vaggeryd": D(132_770),
    }
    assert outcome.amounts_total == D(6_679_200)
    assert rows["jonkoping"].change == D("10.00")
    assert rows["jonkoping"].headroom == 0
    # Nothing is written until "Fyll i kolumnen".
    assert contributions(sodra, "2020:budget")["jonkoping"] == D(1_345_100)


def test_filling_the_column_sums_exactly_to_the_budget(client, sodra, chef):
    client.force_login(chef)
    version = sodra.version
    response, outcome = fill(client, sodra)
    assert response.status_code == 302
    assert response.url == sodra.get_absolute_url()
    filled = contributions(sodra, "2020:budget")
    assert filled == {k: v for k, v in outcome.amounts.items() if k != "af"}
    assert sum(filled.values()) == D("6679200.00")
    # The state's line is the existing "Staten gm Försäkringskassan"; no new lines.
    staten = Line.objects.get(budget=sodra, scenario=None, key="staten")
    assert staten.amounts.get(column__year=2020, column__kind="budget").amount == D(3_339_600)
    assert not Line.objects.filter(budget=sodra, member__key="af").exists()
    # Other columns are untouched.
    assert contributions(sodra, "2021:plan")["jonkoping"] == D(1_345_100)
    assert contributions(sodra, "2019:budget") == KEY_2019
    sodra.refresh_from_db()
    assert sodra.version == version + 1
    assert sodra.updated_by == chef
    # The budget keeps 50/25/25 in 2020.
    evaluation = evaluate(budget_facts(sodra))
    col = evaluation.column("2020:budget")
    assert (col.state, col.region, col.municipalities) == (
        D(3_339_600),
        D(1_669_800),
        D(1_669_800),
    )
    assert not [f for f in evaluation.findings if f.rule == "funding-split" and f.year == 2020]
    page = client.get(response.url)
    assert "Medlemsbidragen för Budget 2020 är ifyllda" in page.content.decode()


def test_the_plans_rounding_to_6_680_000_is_more_than_the_offers_allow(client, sodra, chef):
    client.force_login(chef)
    response = compute(client, sodra, rounded="6 680 000")
    form = response.context["form"]
    assert not form.is_valid()
    message = " ".join(form.errors["rounded"])
    assert "6\u00a0680\u00a0000\u00a0kr är mer än den största möjliga budgeten" in message
    assert "6\u00a0679\u00a0200\u00a0kr" in message
    assert "Jönköpings kommun skulle betala" in message
    # The largest budget and its deciders still show, but nothing can be filled in.
    html = response.content.decode()
    assert DECIDERS in html
    assert 'name="fill"' not in html
    response = client.post(
        planner_url(sodra), post_data(rounded="6 680 000", fill="1", computed="x")
    )
    assert response.status_code == 200
    assert contributions(sodra, "2020:budget")["jonkoping"] == D(1_345_100)


def test_a_rounded_budget_is_filled_in_exactly(client, sodra, chef):
    client.force_login(chef)
    response, outcome = fill(client, sodra, rounded="6\u00a0675\u00a0000")
    assert response.status_code == 302
    assert outcome.largest == D(6_679_200) and outcome.total == D(6_675_000)
    filled = contributions(sodra, "2020:budget")
    assert sum(filled.values()) == D("6675000.00")
    assert filled["fk"] == D(3_337_500)
    assert filled["region"] == D(1_668_750)
    municipal = sum(filled[k] for k in POPULATION_2019)
    assert municipal == D(1_668_750)
    assert all(v == v.quantize(D("0.01")) for v in filled.values())
    for key, offer in {"jonkoping": D(1_348_270), "mullsjo": D(71_720)}.items():
        assert filled[key] <= offer


def test_population_key_splits_the_municipal_quarter_exactly(client, sodra, chef):
    for member in sodra.federation.members.filter(kind="municipality"):
        member.population = POPULATION_2019[member.key]
        member.save()
    client.force_login(chef)
    page = client.get(planner_url(sodra))
    assert page.context["form"]["key"].value() == "population"  # the förbundsordning's key
    outcome = compute(client, sodra, key="population").context["outcome"]
    # By population Jönköping's share is larger, so its +10 % alone decides.
    assert outcome.decider_names == ("Jönköpings kommun",)
    assert outcome.largest < D(6_679_200)
    assert outcome.amounts_total == outcome.largest
    total = (outcome.largest // 10_000) * 10_000  # rounded down to whole 10 000s
    response, outcome = fill(client, sodra, key="population", rounded=str(total))
    assert response.status_code == 302
    filled = contributions(sodra, "2020:budget")
    assert sum(filled.values()) == total
    quarter = total / 4
    assert sum(filled[k] for k in POPULATION_2019) == quarter
    # Every municipality gets its population share rounded to the öre; the rounding
    # öre go to the largest municipality, Jönköping.
    population = sum(POPULATION_2019.values())
    for key in ("habo", "mullsjo", "vaggeryd"):
        assert filled[key] == round_ore(quarter * POPULATION_2019[key] / population)
    assert filled["jonkoping"] == quarter - sum(filled[k] for k in ("habo", "mullsjo", "vaggeryd"))
    assert abs(filled["jonkoping"] - quarter * POPULATION_2019["jonkoping"] / population) < 1


def test_population_key_without_populations_is_refused(client, sodra, chef):
    sodra.federation.members.update(population=None)
    client.force_login(chef)
    form = compute(client, sodra, key="population").context["form"]
    assert "Folkmängd saknas för Habo kommun, Jönköpings kommun, Mullsjö kommun och " in " ".join(
        form.errors["key"]
    )


def test_equal_and_fixed_keys(client, sodra, chef):
    client.force_login(chef)
    outcome = compute(client, sodra, key="equal").context["outcome"]
    municipal = [outcome.amounts[k] for k in POPULATION_2019]
    assert max(municipal) - min(municipal) <= D("0.01")
    # Mullsjö's +10 % on 65 200 is the smallest offer for an equal quarter share.
    assert outcome.decider_names == ("Mullsjö kommun",)
    assert outcome.largest == D(71_720) * 16

    shares = {"habo": "10", "jonkoping": "70", "mullsjo": "5", "vaggeryd": "15"}
    for member in sodra.federation.members.filter(kind="municipality"):
        member.fixed_share_percent = D(shares[member.key])
        member.save()
    outcome = compute(client, sodra, key="fixed").context["outcome"]
    quarter = outcome.largest / 4
    assert outcome.amounts["jonkoping"] == (quarter * D("0.70")).quantize(D("0.01"))
    assert outcome.amounts_total == outcome.largest


def test_offers_typed_the_swedish_way(client, sodra, chef):
    client.force_login(chef)
    typed = {
        "offer_habo": "127\u00a0680",
        "offer_vaggeryd": "144\u202f840,00",
        "offer_region": "1 821 600",
        "offer_jonkoping": "1348270",
        "offer_mullsjo": "71 720,00",
        "offer_fk": "+84,44 %",
    }
    outcome = compute(client, sodra, **typed).context["outcome"]
    assert outcome.largest == D(6_679_200)
    assert outcome.decider_names == ("Jönköpings kommun", "Mullsjö kommun")


def test_a_group_offer_decides(client, sodra, chef):
    client.force_login(chef)
    data = {k: "" for k in OFFERS} | {"group_region": "1 600 000", "group_state": "+100 %"}
    outcome = compute(client, sodra, **data).context["outcome"]
    assert outcome.largest == D(6_400_000)
    assert outcome.deciders_text == "Regionen avgör budgetens storlek."
    groups = {g.group: g for g in outcome.groups}
    assert groups["region"].decides and groups["region"].limit == D(6_400_000)
    assert groups["state"].limit == D(12_144_000)
    # The member "region" has no offer of its own, so it does not decide.
    assert not {row.key: row for row in outcome.rows}["region"].decides


def test_bad_input_is_explained(client, sodra, chef):
    client.force_login(chef)
    form = compute(client, sodra, offer_habo="mycket", offer_mullsjo="12,345").context["form"]
    assert "Inte ett bud" in " ".join(form.errors["offer_habo"])
    assert "Högst två decimaler" in " ".join(form.errors["offer_mullsjo"])
    empty = {k: "" for k in OFFERS}
    form = compute(client, sodra, **empty).context["form"]
    assert "Ange minst ett bud" in " ".join(form.non_field_errors())
    form = compute(client, sodra, key_column="", offer_habo="+20 %").context["form"]
    assert "key_column" in form.errors


def test_changed_offers_are_not_filled_in_unseen(client, sodra, chef):
    client.force_login(chef)
    outcome = compute(client, sodra).context["outcome"]
    changed = post_data(offer_jonkoping="+20 %", offer_mullsjo="+20 %")
    data = changed | {"fill": "1", "computed": outcome.signature}
    response = client.post(planner_url(sodra), data)
    assert response.status_code == 200
    assert "inget är ifyllt" in response.content.decode()
    assert contributions(sodra, "2020:budget")["jonkoping"] == D(1_345_100)


def test_filling_a_scenario_leaves_the_base_alone(client, sodra, chef):
    scenario = scenario_create(budget=sodra, name="Om ESF-projektet beviljas", by=chef)
    client.force_login(chef)
    response, outcome = fill(client, sodra, scenario=scenario.name)
    assert response.status_code == 302
    assert contributions(sodra, "2020:budget")["jonkoping"] == D(1_345_100)
    own = contributions(sodra, "2020:budget", scenario=scenario)
    assert sum(own.values()) == D(6_679_200)
    facts = budget_facts(sodra)
    evaluation = evaluate(facts, facts.scenarios[0])
    assert evaluation.column("2020:budget").contributions == D(6_679_200)
    # An override replaces a line's amounts: the other columns are copied along.
    assert evaluation.column("2021:plan").contributions == D(6_680_000)
    assert evaluate(facts).column("2021:plan").contributions == D(6_680_000)


# --- the service --------------------------------------------------------------------


def test_contributions_fill_creates_missing_lines_and_zeroes_duplicates(sodra, chef):
    staten = Line.objects.get(budget=sodra, scenario=None, key="staten")
    extra = Line.objects.create(
        budget=sodra,
        key="fk-extra",
        category="contribution",
        label="Extra",
        member=staten.member,
        position=999,  # after "staten", which gets the amount
    )
    column = sodra.columns.get(year=2020, kind="budget")
    Amount.objects.create(line=extra, column=column, amount=D(5))
    contributions_fill(
        budget=sodra,
        column="2020:budget",
        amounts={"fk": D("100.50"), "af": D(0), "habo": D(7)},
        by=chef,
    )
    assert contributions(sodra, "2020:budget")["fk"] == D("100.50")
    assert not extra.amounts.filter(column=column).exists()
    assert not Line.objects.filter(budget=sodra, member__key="af").exists()

    Line.objects.filter(budget=sodra, member__key="habo").delete()
    contributions_fill(budget=sodra, column="2021:plan", amounts={"habo": D(9)}, by=chef)
    line = Line.objects.get(budget=sodra, member__key="habo")
    assert (line.key, line.label, line.scenario) == ("habo", "Habo kommun", None)
    assert line.amounts.get().amount == D(9)


def test_contributions_fill_refuses_what_is_not_there(sodra, chef):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="ingen kolumn 2030:plan"):
        contributions_fill(budget=sodra, column="2030:plan", amounts={}, by=chef)
    with pytest.raises(ValidationError, match="ingen medlem"):
        contributions_fill(budget=sodra, column="2020:budget", amounts={"nej": D(1)}, by=chef)
    with pytest.raises(ValidationError, match="kronor och öre"):
        contributions_fill(
            budget=sodra, column="2020:budget", amounts={"habo": D("1.005")}, by=chef
        )


# --- the fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1 296 000", D(1_296_000)),
        ("1\u00a0296\u00a0000,50", D("1296000.50")),
        ("1\u202f296\u202f000", D(1_296_000)),
        ("  645333.5 ", D("645333.5")),
        ("\u2212253 000", D(-253_000)),
        ("", None),
    ],
)
def test_amount_field_reads_swedish_numbers(typed, expected):
    assert AmountField(required=False).clean(typed) == expected


@pytest.mark.parametrize("typed", ["tolv", "1,2,3", "1 000,005", "1e6", "10000000000000"])
def test_amount_field_refuses_other_text(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        AmountField().clean(typed)


def test_amount_field_limits_and_display():
    from django.core.exceptions import ValidationError

    field = AmountField(min_value=0)
    with pytest.raises(ValidationError, match="lägre än 0"):
        field.clean("-1")
    assert field.prepare_value(D(1_296_000)) == "1\u00a0296\u00a0000"


@pytest.mark.parametrize(
    ("typed", "percent"),
    [
        ("+20 %", "20"),
        ("+20%", "20"),
        ("20 %", "20"),
        ("+12,5\u00a0%", "12.5"),
        ("\u22125 %", "-5"),
    ],
)
def test_offer_field_reads_increases(typed, percent):
    value = OfferField().clean(typed)
    assert value == Increase(D(percent))
    assert Increase(D("20")).of(D(106_400)) == D(127_680)
    assert str(Increase(D("12.5"))) == "+12,5\u00a0%"


def test_planner_form_needs_planning_columns(sodra):
    sodra.columns.filter(kind__in=["budget", "plan"], year__gte=2020).delete()
    form = PlannerForm(
        facts=budget_facts(sodra),
        federation=sodra.federation,
        members=list(sodra.federation.members.all()),
    )
    assert not form.has_columns
