"""The plan bundle: parse, import (all or nothing) and export back."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.bundle import BundleError, parse_bundle
from budgets.models import Amount, Budget, Line
from documents.bundle.export import export_bundle
from documents.bundle.importer import bundle_import
from finsam.models import BoardSeat, Federation, Member
from interventions.models import Intervention
from tests.budgets.conftest import BUNDLE

EXPORT_QUERIES = 14


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def without_meeting_uids(data: dict[str, Any]) -> dict[str, Any]:
    """The export with the meetings' calendar UIDs left out: every export writes
    them (each meeting has one), a bundle need not have them."""
    data = copy.deepcopy(data)
    for meeting in data.get("plan", {}).get("meetings", []):
        meeting.pop("uid", None)
    return data


def round_trip(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """import → export → import → export; returns both exports."""
    budget = bundle_import(data=data)
    first = export_bundle(budget.federation, budget.year)
    budget = bundle_import(data=json.loads(dumps(first)))
    return first, export_bundle(budget.federation, budget.year)


# --- A valid bundle ------------------------------------------------------------------


def test_valid_bundle_imports_and_exports_back_equal(db, bundle):
    budget = bundle_import(data=bundle)
    assert budget.version == 1
    assert without_meeting_uids(export_bundle(budget.federation, 2020)) == bundle

    first, second = round_trip(bundle)
    assert dumps(first) == dumps(second)
    assert dumps(without_meeting_uids(first)) == dumps(bundle)
    assert Budget.objects.get(federation__slug="sodra-test", year=2020).version == 3


def test_only_given_cells_are_stored(db, bundle):
    budget = bundle_import(data=bundle)
    given_cells = sum(len(line["amounts"]) for line in bundle["budget"]["lines"]) + sum(
        len(override["amounts"])
        for scenario in bundle["budget"]["scenarios"]
        for override in scenario["overrides"]
    )
    assert Amount.objects.filter(line__budget=budget).count() == given_cells
    habo = Amount.objects.get(line__key="habo", column__year=2021)
    assert habo.amount == 0  # an explicit 0 is kept
    enter = Amount.objects.get(line__key="enter", line__scenario=None, column__year=2021)
    assert enter.amount == Decimal("645333.50")


def test_scenario_lines_are_overrides_or_added_lines(db, bundle):
    budget = bundle_import(data=bundle)
    esf = budget.scenarios.get(name="Om ESF-projektet beviljas")
    override, added = esf.lines.order_by("position")
    assert (override.key, override.category, override.label) == ("esf", "other_income", "ESF")
    assert added.key == "stod-esf" and added.intervention.key == "stod"
    fk = budget.scenarios.get(name="Utan ökning").lines.get()
    assert fk.member.key == "fk" and fk.category == "contribution"
    assert not fk.amounts.exists()  # the override's empty map: every column counts as 0


def test_import_accepts_the_spec_forms_and_exports_the_canonical_ones(db, bundle):
    bundle["federation"] = {"slug": "sodra-test", "name": "Södra", "equity_cap_percent": 20}
    bundle["members"][3].pop("fixed_share_percent")
    del bundle["board"]
    intervention = bundle["interventions"][0]
    intervention["individual_share_percent"] = 100
    intervention["goals"][0]["target"] = 40
    for key in ("owner", "start", "end", "target_group", "purpose", "goals"):
        bundle["interventions"][1].pop(key)
    bundle["plan"]["reference"] = None
    for key in ("decision_meeting_on", "sections", "goals", "meetings", "status"):
        bundle["plan"].pop(key)
    bundle["budget"]["opening_equity"] = 785670
    bundle["budget"]["deficit_reason"] = None
    bundle["budget"]["lines"][0]["amounts"]["2020:budget"] = "1 100 000"
    bundle["budget"]["scenarios"][0]["overrides"][0] = {"key": "esf", "amounts": {}}
    del bundle["budget"]["lines"][5]["amounts"]

    budget = bundle_import(data=bundle)
    out = export_bundle(budget.federation, 2020)

    assert out["federation"]["equity_cap_percent"] == "20"
    assert out["federation"]["municipal_split"] == "population"
    assert out["members"][3]["fixed_share_percent"] is None
    assert out["board"] == []
    assert out["interventions"][0]["individual_share_percent"] == 100
    assert out["interventions"][0]["goals"][0]["target"] == "40"
    assert out["interventions"][1]["owner"] is None
    assert out["plan"]["reference"] is None and out["plan"]["status"] == "draft"
    assert out["plan"]["decision_meeting_on"] is None
    assert out["budget"]["opening_equity"] == "785670"
    assert out["budget"]["deficit_reason"] is None
    assert out["budget"]["lines"][0]["amounts"]["2020:budget"] == 1100000
    assert out["budget"]["lines"][5]["amounts"] == {}
    assert out["budget"]["scenarios"][0]["overrides"][0] == {"line": "esf", "amounts": {}}


def test_export_key_order_follows_the_spec(db, bundle):
    budget = bundle_import(data=bundle)
    out = export_bundle(budget.federation, 2020)
    assert list(out) == [
        "format",
        "federation",
        "members",
        "board",
        "interventions",
        "plan",
        "budget",
    ]
    assert list(out["federation"])[:5] == [
        "slug",
        "name",
        "equity_cap_percent",
        "equity_floor",
        "individual_share_target_percent",
    ]
    assert list(out["plan"]) == [
        "year",
        "title",
        "reference",
        "status",
        "decided_on",
        "decision_meeting_on",
        "sections",
        "goals",
        "meetings",
    ]
    assert list(out["budget"]) == [
        "year",
        "columns",
        "opening_equity",
        "deficit_reason",
        "lines",
        "scenarios",
    ]
    assert list(out["budget"]["lines"][0]) == ["key", "category", "member", "label", "amounts"]
    assert list(out["budget"]["lines"][3]) == [
        "key",
        "category",
        "intervention",
        "label",
        "amounts",
    ]


def test_reimport_replaces_the_year_and_keeps_members_and_interventions(db, bundle):
    bundle_import(data=bundle)
    other_year = copy.deepcopy(bundle)
    other_year["plan"]["year"] = other_year["budget"]["year"] = 2021
    other_year["budget"]["columns"] = ["2021:budget"]
    for line in other_year["budget"]["lines"]:
        line["amounts"] = {"2021:budget": 1}
    other_year["budget"]["scenarios"] = []
    bundle_import(data=other_year)
    federation = Federation.objects.get(slug="sodra-test")
    year_2021 = export_bundle(federation, 2021)

    smaller = copy.deepcopy(bundle)
    smaller["members"] = [m for m in smaller["members"] if m["key"] != "af"]
    smaller["interventions"][0]["members"].remove("af")
    smaller["interventions"] = smaller["interventions"][:1]
    smaller["board"] = smaller["board"][:1]
    smaller["plan"]["meetings"] = []
    smaller["budget"]["lines"] = [
        line for line in smaller["budget"]["lines"] if line["key"] in {"fk", "esf"}
    ]
    smaller["budget"]["scenarios"] = smaller["budget"]["scenarios"][1:]
    budget = bundle_import(data=smaller)

    assert budget.version == 2
    out = export_bundle(federation, 2020)
    # Members and interventions are never deleted; those left out come last.
    assert [m["key"] for m in out["members"]] == ["fk", "region", "habo", "jonkoping", "af"]
    assert [i["key"] for i in out["interventions"]] == ["enter", "stod"]
    assert out["interventions"][0]["members"] == ["fk", "region", "jonkoping"]
    assert len(out["board"]) == 1
    assert out["plan"]["meetings"] == []
    assert [line["key"] for line in out["budget"]["lines"]] == ["fk", "esf"]
    assert [s["name"] for s in out["budget"]["scenarios"]] == ["Utan ökning"]
    assert Line.objects.filter(budget=budget).count() == 3
    # The other year's plan and budget are untouched (members etc. are the förbund's).
    assert {key: export_bundle(federation, 2021)[key] for key in ("plan", "budget")} == {
        key: year_2021[key] for key in ("plan", "budget")
    }


def test_board_is_kept_when_the_bundle_has_none(db, bundle):
    bundle_import(data=bundle)
    del bundle["board"]
    bundle_import(data=bundle)
    assert BoardSeat.objects.filter(member__federation__slug="sodra-test").count() == 3


def test_federation_keeps_optional_keys_the_bundle_leaves_out(db, bundle):
    bundle_import(data=bundle)
    bundle["federation"] = {"slug": "sodra-test", "name": "Nytt namn"}
    bundle_import(data=bundle)
    federation = Federation.objects.get(slug="sodra-test")
    assert federation.name == "Nytt namn"
    assert federation.org_number == "222000-1234"
    assert federation.equity_floor == Decimal("180000")


def test_import_records_who(db, bundle, director):
    budget = bundle_import(data=bundle, by=director)
    assert budget.updated_by == director


def test_export_reads_in_a_fixed_number_of_queries(db, bundle, django_assert_num_queries):
    budget = bundle_import(data=bundle)
    with django_assert_num_queries(EXPORT_QUERIES):
        export_bundle(budget.federation, 2020)

    for index in range(40):
        bundle["budget"]["lines"].append(
            {
                "key": f"extra-{index}",
                "category": "administration",
                "label": f"Rad {index}",
                "amounts": {"2020:budget": index, "2021:plan": index},
            }
        )
    bundle["budget"]["scenarios"].append(
        {"name": "Fler", "overrides": [{"line": f"extra-{i}", "amounts": {}} for i in range(9)]}
    )
    budget = bundle_import(data=bundle)
    with django_assert_num_queries(EXPORT_QUERIES):
        export_bundle(budget.federation, 2020)


def test_import_queries_do_not_grow_with_the_budget(db, bundle):
    def queries(data: dict[str, Any]) -> int:
        with CaptureQueriesContext(connection) as captured:
            bundle_import(data=data)
        return len(captured)

    small = queries(bundle)
    for index in range(60):
        bundle["budget"]["lines"].append(
            {
                "key": f"extra-{index}",
                "category": "other_cost",
                "label": f"Rad {index}",
                "amounts": {"2020:budget": index, "2021:plan": "1.50", "2022:plan": 0},
            }
        )
    bundle["federation"]["slug"] = "annat"
    assert queries(bundle) == small


# --- Rejected bundles ------------------------------------------------------------------


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(*path_and_value: Any):
    *path, value = path_and_value

    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        _at(data, tuple(path[:-1]))[path[-1]] = value
        return data

    return mutate


def _del(*path: Any):
    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        del _at(data, path[:-1])[path[-1]]
        return data

    return mutate


def _append(*path_and_value: Any):
    *path, value = path_and_value

    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        _at(data, tuple(path)).append(value)
        return data

    return mutate


def _both(*mutations):
    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        for mutation in mutations:
            data = mutation(data)
        return data

    return mutate


CHOICES_KIND = "social_insurance, employment_service, region, municipality"
CHOICES_CATEGORY = "contribution, other_income, intervention, administration, other_cost"
NOT_A_DATE = "inte ett datum (ÅÅÅÅ-MM-DD)"

BAD_BUNDLES = [
    (lambda data: [data], "paketet ska vara ett JSON-objekt"),
    (_set("format", "finsam-bundle/2"), 'format: ska vara "finsam-bundle/1"'),
    (_del("format"), "format: saknas"),
    (_del("federation"), "federation: saknas"),
    (_del("federation", "slug"), "federation.slug: saknas"),
    (
        _set("federation", "slug", "Södra test"),
        'federation.slug: ogiltig nyckel "Södra test" (bara a–z, A–Z, 0–9, - och _)',
    ),
    (_set("federation", "name", "  "), "federation.name: får inte vara tom"),
    (_set("federation", "name", "x" * 201), "federation.name: är för lång (högst 200 tecken)"),
    (
        _set("federation", "equity_cap_percent", "120"),
        "federation.equity_cap_percent: ska vara mellan 0 och 100",
    ),
    (_set("federation", "equity_cap_percent", 20.0), "federation.equity_cap_percent: inte ett tal"),
    (_set("federation", "equity_floor", "-1"), "federation.equity_floor: får inte vara negativt"),
    (
        _set("federation", "individual_share_target_percent", "60.125"),
        "federation.individual_share_target_percent: fler än två decimaler",
    ),
    (
        _set("federation", "municipal_split", "folkmängd"),
        'federation.municipal_split: okänt värde "folkmängd" (tillåtna: population, equal, fixed)',
    ),
    (_set("federation", "contact", {"email": "a@b.se"}), "federation.contact: ska vara en text"),
    (_set("federation", []), "federation: ska vara ett objekt"),
    (_set("members", {}), "members: ska vara en lista"),
    (_set("plan", "meetings", 1, "x"), "plan.meetings[1]: ska vara ett objekt"),
    (_set("board", {}), "board: ska vara en lista"),
    (
        _set("members", 1, "kind", "kommun"),
        f'members[1].kind: okänt värde "kommun" (tillåtna: {CHOICES_KIND})',
    ),
    (_set("members", 0, "population", 1000), "members[0].population: anges bara för kommuner"),
    (
        _set("members", 2, "fixed_share_percent", "10"),
        "members[2].fixed_share_percent: anges bara för kommuner",
    ),
    (_set("members", 3, "population", -5), "members[3].population: ska vara ett heltal ≥ 0"),
    (_set("members", 3, "population", "11987"), "members[3].population: ska vara ett heltal ≥ 0"),
    (
        _set("members", 3, "population_date", "2019-13-01"),
        f"members[3].population_date: {NOT_A_DATE}",
    ),
    (
        _set("members", 3, "population_date", "20190701"),
        f"members[3].population_date: {NOT_A_DATE}",
    ),
    (
        _set("members", 4, "fixed_share_percent", "33.3333"),
        "members[4].fixed_share_percent: fler än tre decimaler",
    ),
    (
        _set("members", 4, "fixed_share_percent", "100.5"),
        "members[4].fixed_share_percent: ska vara mellan 0 och 100",
    ),
    (
        _set("members", 4, "key", "habo"),
        'members[4].key: medlemmen "habo" förekommer redan (members[3].key)',
    ),
    (
        _set("board", 0, "member", "vaggeryd"),
        'board[0].member: medlemmen "vaggeryd" finns inte i members',
    ),
    (
        _set("board", 1, "role", "ordförande"),
        'board[1].role: okänt värde "ordförande" (tillåtna: ledamot, ersattare)',
    ),
    (
        _set("board", 1, "position", "sekreterare"),
        'board[1].position: okänt värde "sekreterare" (tillåtna: "", chair, vice_chair)',
    ),
    (_set("board", 2, "term_end", "2022-02-29"), f"board[2].term_end: {NOT_A_DATE}"),
    (
        _set("interventions", 0, "members", 1, "vaggeryd"),
        'interventions[0].members[1]: medlemmen "vaggeryd" finns inte i members',
    ),
    (
        _set("interventions", 0, "members", ["fk", "fk"]),
        'interventions[0].members[1]: medlemmen "fk" står två gånger',
    ),
    (_del("interventions", 1, "members"), "interventions[1].members: saknas"),
    (
        _set("interventions", 0, "owner", "vaggeryd"),
        'interventions[0].owner: medlemmen "vaggeryd" finns inte i members',
    ),
    (
        _set("interventions", 1, "individual_share_percent", -1),
        "interventions[1].individual_share_percent: ska vara mellan 0 och 100",
    ),
    (
        _set("interventions", 1, "individual_share_percent", "12.505"),
        "interventions[1].individual_share_percent: fler än två decimaler",
    ),
    (
        _set("interventions", 1, "key", "enter"),
        'interventions[1].key: insatsen "enter" förekommer redan (interventions[0].key)',
    ),
    (_set("interventions", 1, "end", "2019-12-31"), "interventions[1].end: slutar före start"),
    (
        _set("interventions", 0, "goals", 0, "target", "x" * 41),
        "interventions[0].goals[0].target: är för lång (högst 40 tecken)",
    ),
    (
        _set("interventions", 0, "styrgrupp", [1, float("nan")]),
        "interventions[0].styrgrupp[1]: inte ett tal",
    ),
    (_set("plan", "year", "2020"), "plan.year: inte ett årtal"),
    (
        _set("plan", "status", "fastställd"),
        'plan.status: okänt värde "fastställd" (tillåtna: draft, review, decided)',
    ),
    (_set("plan", "decided_on", "19 november 2019"), f"plan.decided_on: {NOT_A_DATE}"),
    (_set("plan", "decision_meeting_on", "2019-02-30"), f"plan.decision_meeting_on: {NOT_A_DATE}"),
    (_set("plan", "sections", 1, "heading", ""), "plan.sections[1].heading: får inte vara tom"),
    (
        _set("plan", "goals", 1, "level", "vision"),
        'plan.goals[1].level: okänt värde "vision" '
        "(tillåtna: overall, board, operations, interventions, financial)",
    ),
    (
        _set("plan", "goals", 0, "measures", ["SUS", 3]),
        "plan.goals[0].measures[1]: ska vara en text",
    ),
    (
        _set("plan", "meetings", 1, "kind", "möte"),
        'plan.meetings[1].kind: okänt värde "möte" '
        "(tillåtna: board, preparatory, members, planning, committee, deadline, other)",
    ),
    (_del("plan", "meetings", 0, "date"), "plan.meetings[0].date: saknas"),
    (_set("budget", "year", 2021), "budget.year: ska vara samma år som plan.year (2020)"),
    (
        _set("budget", "columns", 1, "2019:prognos"),
        'budget.columns[1]: ogiltig kolumn "2019:prognos" '
        "(ÅR:SLAG med SLAG budget, plan, forecast, actual)",
    ),
    (
        _set("budget", "columns", 1, 2019),
        "budget.columns[1]: ogiltig kolumn 2019 (ÅR:SLAG med SLAG budget, plan, forecast, actual)",
    ),
    (
        _set("budget", "columns", 4, "2019:budget"),
        'budget.columns[4]: kolumnen "2019:budget" förekommer redan (budget.columns[0])',
    ),
    (
        _set("budget", "columns", ["2019:budget", "2021:plan"]),
        'budget.columns: kolumnen "2020:budget" saknas',
    ),
    (
        _set("budget", "opening_equity", "785 670,505"),
        "budget.opening_equity: fler än två decimaler",
    ),
    (
        _set("budget", "lines", 3, "amounts", "2021:plan", 1.5),
        'budget.lines[3].amounts["2021:plan"]: inte ett tal',
    ),
    (
        _set("budget", "lines", 3, "amounts", "2021:plan", True),
        'budget.lines[3].amounts["2021:plan"]: inte ett tal',
    ),
    (
        _set("budget", "lines", 3, "amounts", "2021:plan", "12 kr"),
        'budget.lines[3].amounts["2021:plan"]: inte ett tal',
    ),
    (
        _set("budget", "lines", 3, "amounts", "2021:plan", None),
        'budget.lines[3].amounts["2021:plan"]: inte ett tal',
    ),
    (
        _set("budget", "lines", 3, "amounts", "2023:plan", 100),
        'budget.lines[3].amounts["2023:plan"]: kolumnen finns inte i budget.columns',
    ),
    (
        _set("budget", "lines", 0, "amounts", "2020:budget", "1000000000000"),
        'budget.lines[0].amounts["2020:budget"]: beloppet är för stort',
    ),
    (_set("budget", "lines", 0, "amounts", [1, 2]), "budget.lines[0].amounts: ska vara ett objekt"),
    (
        _set("budget", "lines", 4, "key", "enter"),
        'budget.lines[4].key: raden "enter" förekommer redan (budget.lines[3].key)',
    ),
    (
        _set("budget", "lines", 6, "category", "cost"),
        f'budget.lines[6].category: okänt värde "cost" (tillåtna: {CHOICES_CATEGORY})',
    ),
    (
        _del("budget", "lines", 2, "member"),
        "budget.lines[2].member: saknas (medlemsbidrag anger medlem)",
    ),
    (
        _set("budget", "lines", 2, "member", "vaggeryd"),
        'budget.lines[2].member: medlemmen "vaggeryd" finns inte i members',
    ),
    (
        _set("budget", "lines", 6, "member", "fk"),
        "budget.lines[6].member: anges bara på medlemsbidrag (contribution)",
    ),
    (
        _set("budget", "lines", 6, "intervention", "enter"),
        "budget.lines[6].intervention: anges bara på insatsrader (intervention)",
    ),
    (
        _set("budget", "lines", 4, "intervention", "okand"),
        'budget.lines[4].intervention: insatsen "okand" finns inte i interventions',
    ),
    (_del("budget", "lines", 4, "label"), "budget.lines[4].label: saknas"),
    (
        _set("budget", "scenarios", 1, "name", "Om ESF-projektet beviljas"),
        'budget.scenarios[1].name: scenariot "Om ESF-projektet beviljas" förekommer redan '
        "(budget.scenarios[0].name)",
    ),
    (
        _set("budget", "scenarios", 1, "overrides", 0, "line", "okand"),
        'budget.scenarios[1].overrides[0].line: raden "okand" finns inte i budget.lines '
        "(en ny rad anger category och label)",
    ),
    (
        _append("budget", "scenarios", 1, "overrides", {"key": "fk", "amounts": {}}),
        'budget.scenarios[1].overrides[1].key: raden "fk" förekommer redan '
        "(budget.scenarios[1].overrides[0].line)",
    ),
    (
        _set("budget", "scenarios", 1, "overrides", 0, "key", "region"),
        "budget.scenarios[1].overrides[0].key: ska vara samma som line",
    ),
    (
        _set("budget", "scenarios", 1, "overrides", 0, "label", "Annat"),
        'budget.scenarios[1].overrides[0].label: skiljer sig från raden "fk" i budget.lines; '
        "ett scenario ändrar bara beloppen",
    ),
    (
        _set("budget", "scenarios", 0, "overrides", 1, "category", "income"),
        'budget.scenarios[0].overrides[1].category: okänt värde "income" '
        f"(tillåtna: {CHOICES_CATEGORY})",
    ),
    (
        _set("budget", "scenarios", 0, "overrides", 1, "member", "fk"),
        "budget.scenarios[0].overrides[1].member: anges bara på medlemsbidrag (contribution)",
    ),
    (
        _set("budget", "scenarios", 0, "overrides", 0, "amounts", "2020:budget", 545000.0),
        'budget.scenarios[0].overrides[0].amounts["2020:budget"]: inte ett tal',
    ),
    # The first problem in document order is the one reported.
    (_both(_set("budget", "year", 2021), _del("federation", "name")), "federation.name: saknas"),
    (
        _both(_set("budget", "lines", 0, "label", ""), _set("plan", "status", "x")),
        'plan.status: okänt värde "x" (tillåtna: draft, review, decided)',
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BAD_BUNDLES)
def test_bad_bundle_is_rejected_with_its_path_and_nothing_changes(
    db, bundle, row_counts, mutate, expected
):
    bundle_import(data=copy.deepcopy(bundle))  # the year exists: the bad one would replace it
    federation = Federation.objects.get(slug="sodra-test")
    before, exported = row_counts(), export_bundle(federation, 2020)

    with pytest.raises(BundleError) as caught:
        bundle_import(data=mutate(bundle))

    assert str(caught.value) == expected
    assert caught.value.path == (expected.split(": ")[0] if ": " in expected else "")
    assert row_counts() == before
    assert export_bundle(federation, 2020) == exported
    assert Budget.objects.get(federation=federation, year=2020).version == 1


def test_bad_bundle_for_a_new_federation_creates_nothing(db, bundle, row_counts):
    before = row_counts()
    bundle["budget"]["lines"][7]["amounts"]["2022:plan"] = "fem"
    with pytest.raises(BundleError, match=r'^budget\.lines\[7\]\.amounts\["2022:plan"\]: '):
        bundle_import(data=bundle)
    assert row_counts() == before


@pytest.mark.parametrize("existing", [False, True])
def test_database_refusal_is_a_bundle_error_and_rolls_everything_back(
    db, bundle, row_counts, monkeypatch, existing
):
    if existing:
        bundle_import(data=copy.deepcopy(bundle))
    before = row_counts()

    def refuse(*args, **kwargs):
        raise IntegrityError("amount_one_per_cell")

    monkeypatch.setattr(Amount.objects, "bulk_create", refuse)
    bundle["federation"]["name"] = "Ändrat namn"
    with pytest.raises(BundleError) as caught:
        bundle_import(data=bundle)

    assert caught.value.path == "budget.lines"
    assert "amount_one_per_cell" in caught.value.message
    assert row_counts() == before
    assert not Federation.objects.filter(name="Ändrat namn").exists()


def test_model_validation_is_reported_with_the_field_path(db, bundle, row_counts, monkeypatch):
    # full_clean() is the last word on a member; its field becomes the path.
    before = row_counts()
    original = Member.full_clean

    def full_clean(member, *args, **kwargs):
        if member.key == "habo":
            raise ValidationError({"population": ["Folkmängden stämmer inte."]})
        return original(member, *args, **kwargs)

    monkeypatch.setattr(Member, "full_clean", full_clean)
    with pytest.raises(BundleError) as caught:
        bundle_import(data=bundle)
    assert str(caught.value) == "members[3].population: Folkmängden stämmer inte."
    assert row_counts() == before


def test_parse_bundle_needs_no_database(bundle):
    parsed = parse_bundle(bundle)
    assert parsed.budget.columns[2] == (2020, "budget")
    assert parsed.budget.lines[3].amounts["2021:plan"] == Decimal("645333.50")
    assert parsed.budget.scenarios[1].lines[0].member == "fk"
    assert parsed.interventions[0].extra == {
        "finansiering": {"esf": True, "andel": 0.5},
        "styrgrupp": ["fk", "af"],
    }
    assert parsed.board is not None and parsed.board[0].position == "vice_chair"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
DELETE = object()


def _places(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    return [path] + [place for key, value in children for place in _places(value, (*path, key))]


# Words of pydantic's own messages ("Input should be a valid tuple", "Field required").
PYDANTIC_WORDS = re.compile(r"\b(Input|should|valid|required|error|Value)\b")


@settings(max_examples=300, deadline=None)
@given(place=st.sampled_from(_places(BUNDLE)[1:]), value=json_values | st.just(DELETE))
def test_every_refusal_is_swedish_with_a_path(place, value):
    data = copy.deepcopy(BUNDLE)
    parent = _at(data, place[:-1])
    if value is DELETE:
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    try:
        parse_bundle(data)
    except BundleError as error:
        assert error.path.split(".")[0].split("[")[0] in BUNDLE
        assert not PYDANTIC_WORDS.search(error.message), error.message
        assert error.message != "ogiltigt värde", "a pydantic error type without a Swedish message"


def test_bundle_error_has_path_and_message():
    error = BundleError('budget.lines[3].amounts["2021:plan"]', "inte ett tal")
    assert str(error) == 'budget.lines[3].amounts["2021:plan"]: inte ett tal'
    assert str(BundleError("", "paketet ska vara ett JSON-objekt")) == (
        "paketet ska vara ett JSON-objekt"
    )


# --- Property: export → import → export is the identity ----------------------------------

KINDS = ["social_insurance", "employment_service", "region", "municipality"]
CATEGORIES = ["contribution", "other_income", "intervention", "administration", "other_cost"]
names = st.text(alphabet="abcdefghåäöÅÄÖ -–", min_size=1, max_size=20).filter(str.strip)


def _amount_json(cents: int, as_text: bool) -> int | str:
    value = Decimal(cents).scaleb(-2)
    if cents % 100 == 0 and not as_text:
        return cents // 100
    return str(value)


amounts_json = st.builds(_amount_json, st.integers(-(10**13), 10**13), st.booleans())


@st.composite
def bundles(draw) -> dict[str, Any]:
    year = draw(st.integers(2000, 2030))
    members = []
    for index in range(draw(st.integers(1, 5))):
        member: dict[str, Any] = {
            "key": f"m{index}",
            "name": draw(names),
            "kind": draw(st.sampled_from(KINDS)),
        }
        if member["kind"] == "municipality":
            member["population"] = draw(st.none() | st.integers(0, 10**6))
            member["fixed_share_percent"] = draw(
                st.none() | st.integers(0, 100_000).map(lambda n: str(Decimal(n).scaleb(-3)))
            )
        members.append(member)
    member_keys = [member["key"] for member in members]
    interventions = [
        {
            "key": f"i{index}",
            "name": draw(names),
            "individual_share_percent": str(Decimal(draw(st.integers(0, 10_000))).scaleb(-2)),
            "members": draw(st.lists(st.sampled_from(member_keys), unique=True)),
        }
        for index in range(draw(st.integers(0, 3)))
    ]
    intervention_keys = [intervention["key"] for intervention in interventions]
    others = [
        f"{year - 1}:budget",
        f"{year - 1}:forecast",
        f"{year - 1}:actual",
        f"{year + 1}:plan",
        f"{year + 2}:plan",
    ]
    columns = draw(
        st.permutations([f"{year}:budget", *draw(st.lists(st.sampled_from(others), unique=True))])
    )
    cells = st.dictionaries(st.sampled_from(columns), amounts_json, max_size=len(columns))

    def line(key: str) -> dict[str, Any]:
        category = draw(st.sampled_from(CATEGORIES))
        data: dict[str, Any] = {"key": key, "category": category}
        if category == "contribution":
            data["member"] = draw(st.sampled_from(member_keys))
        if category == "intervention" and intervention_keys and draw(st.booleans()):
            data["intervention"] = draw(st.sampled_from(intervention_keys))
        data["label"] = draw(names)
        data["amounts"] = draw(cells)
        return data

    lines = [line(f"l{index}") for index in range(draw(st.integers(0, 8)))]
    scenarios = []
    for index in range(draw(st.integers(0, 2))):
        overridden = draw(
            st.lists(st.sampled_from([ln["key"] for ln in lines]), unique=True)
            if lines
            else st.just([])
        )
        overrides = [{"line": key, "amounts": draw(cells)} for key in overridden]
        for added in range(draw(st.integers(0, 2))):
            entry = line(f"s{index}-{added}")
            entry["line"] = entry.pop("key")
            overrides.append(entry)
        scenarios.append({"name": f"Scenario {index}", "overrides": overrides})
    return {
        "format": "finsam-bundle/1",
        "federation": {
            "slug": "prop",
            "name": draw(names),
            "equity_cap_percent": "20",
            "equity_floor": None,
            "individual_share_target_percent": None,
        },
        "members": members,
        "interventions": interventions,
        "plan": {"year": year, "title": draw(names), "status": "draft"},
        "budget": {
            "year": year,
            "columns": columns,
            "opening_equity": draw(amounts_json),
            "deficit_reason": None,
            "lines": lines,
            "scenarios": scenarios,
        },
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=bundles())
def test_export_import_export_is_the_identity(db, data):
    with transaction.atomic():
        first, second = round_trip(data)
        assert dumps(first) == dumps(second)
        # And the export holds what was imported, to the öre.
        assert parse_bundle(first).budget == parse_bundle(data).budget
        assert parse_bundle(first).members == parse_bundle(data).members
        transaction.set_rollback(True)


def test_interventions_and_members_are_scoped_to_their_federation(db, bundle):
    bundle_import(data=copy.deepcopy(bundle))
    bundle["federation"]["slug"] = "annat-forbund"
    bundle_import(data=bundle)
    assert Federation.objects.count() == 2
    assert Member.objects.filter(key="habo").count() == 2
    assert Intervention.objects.filter(key="enter").count() == 2
