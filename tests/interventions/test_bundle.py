"""The plan bundle carries the intervention's own fields, its goals' comparison and
outcomes; a reimport keeps the outcomes of goals that stay."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from budgets.bundle import BundleError
from documents.bundle.export import export_bundle
from documents.bundle.importer import bundle_import
from interventions.models import Intervention, InterventionOutcome
from tests.budgets.conftest import BUNDLE

D = Decimal
pytestmark = pytest.mark.django_db

FULL = {
    "short_name": "Enter",
    "status": "granted",
    "category_label": "individinriktad",
    "age_min": 18,
    "age_max": 64,
    "description": "Ett team med anställda från alla fyra parter.",
    "owner_unit": "AMA",
    "steering_members": ["region", "fk"],
    "steering_group": "Förbundschefen",
    "reports_participants": True,
    "interim_report_on": "2020-08-31",
    "annual_report_on": "2021-02-15",
}


@pytest.fixture
def bundle() -> dict[str, Any]:
    data = copy.deepcopy(BUNDLE)
    enter = data["interventions"][0]
    enter.update(FULL)
    enter["goals"] = [
        {
            "text": "Andel som går till arbete eller studier",
            "target": "40",
            "unit": "%",
            "outcomes": [
                {"year": 2019, "value": "38", "note": "Vakans"},
                {"year": 2020, "value": "42.5", "note": ""},
            ],
        },
        {"text": "Avbrott", "target": "10", "unit": "%", "comparison": "at_most"},
        {"text": "Övriga ska få stöd", "target": "", "unit": ""},
    ]
    return data


def test_the_new_keys_round_trip(bundle):
    budget = bundle_import(data=bundle)
    out = export_bundle(budget.federation, 2020)
    enter = out["interventions"][0]
    for key, value in FULL.items():
        expected = ["fk", "region"] if key == "steering_members" else value  # members' order
        assert enter[key] == expected, key
    assert enter["goals"] == [
        {
            "text": "Andel som går till arbete eller studier",
            "target": "40",
            "unit": "%",
            "outcomes": [
                {"year": 2019, "value": "38", "note": "Vakans"},
                {"year": 2020, "value": "42.5", "note": ""},
            ],
        },
        {"text": "Avbrott", "target": "10", "unit": "%", "comparison": "at_most"},
        {"text": "Övriga ska få stöd", "target": "", "unit": ""},
    ]
    assert enter["finansiering"] == {"esf": True, "andel": 0.5}  # unknown keys stay extras
    # Defaults are left out, so a bundle without our keys exports back unchanged.
    assert not set(FULL) & set(out["interventions"][1])
    again = bundle_import(data=json.loads(json.dumps(out)))
    assert export_bundle(again.federation, 2020) == out


def test_reimport_keeps_outcomes_of_goals_that_stay(bundle):
    bundle_import(data=bundle)
    kept = InterventionOutcome.objects.get(year=2019)
    smaller = copy.deepcopy(bundle)
    goals = smaller["interventions"][0]["goals"]
    del goals[0]["outcomes"]  # says nothing about outcomes: they stay
    goals[0]["target"] = "45"
    smaller["interventions"][0]["goals"] = [goals[2], goals[0]]  # "Avbrott" is gone
    bundle_import(data=smaller)
    enter = Intervention.objects.get(key="enter")
    assert [(g.text, g.target, g.position) for g in enter.goals.all()] == [
        ("Övriga ska få stöd", None, 0),
        ("Andel som går till arbete eller studier", D(45), 1),
    ]
    assert InterventionOutcome.objects.filter(pk=kept.pk).exists()
    assert InterventionOutcome.objects.count() == 2
    # Given outcomes replace the stored ones of that goal.
    smaller["interventions"][0]["goals"][1]["outcomes"] = [{"year": 2021, "value": 50}]
    bundle_import(data=smaller)
    assert list(InterventionOutcome.objects.values_list("year", "value")) == [(2021, D(50))]


def _set(path: tuple[Any, ...], value: Any):
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


ENTER = ("interventions", 0)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            _set((*ENTER, "status"), "klar"),
            'interventions[0].status: okänt värde "klar" '
            "(tillåtna: idea, application, granted, ongoing, finished)",
        ),
        (_set((*ENTER, "age_min"), 121), "interventions[0].age_min: ska vara ett heltal 0–120"),
        (_set((*ENTER, "age_max"), 17), "interventions[0].age_max: är lägre än age_min"),
        (
            _set((*ENTER, "steering_members"), ["fk", "vaggeryd"]),
            'interventions[0].steering_members[1]: medlemmen "vaggeryd" finns inte i members',
        ),
        (
            _set((*ENTER, "reports_participants"), "ja"),
            "interventions[0].reports_participants: ska vara true eller false",
        ),
        (
            _set((*ENTER, "interim_report_on"), "augusti"),
            "interventions[0].interim_report_on: inte ett datum (ÅÅÅÅ-MM-DD)",
        ),
        (
            _set((*ENTER, "goals", 0, "target"), "fyrtio"),
            "interventions[0].goals[0].target: inte ett tal",
        ),
        (
            _set((*ENTER, "goals", 0, "target"), 40.5),
            "interventions[0].goals[0].target: inte ett tal",
        ),
        (
            _set((*ENTER, "goals", 1, "comparison"), "exakt"),
            'interventions[0].goals[1].comparison: okänt värde "exakt" (tillåtna: at_least, at_most)',
        ),
        (
            _set(
                (*ENTER, "goals", 0, "outcomes"),
                [{"year": 2019, "value": 1}, {"year": 2019, "value": 2}],
            ),
            'interventions[0].goals[0].outcomes[1].year: året "2019" förekommer redan '
            "(interventions[0].goals[0].outcomes[0].year)",
        ),
        (
            _set((*ENTER, "goals", 0, "outcomes"), [{"year": 2019}]),
            "interventions[0].goals[0].outcomes[0].value: saknas",
        ),
    ],
)
def test_bad_values_are_rejected_with_their_path(bundle, mutate, message):
    mutate(bundle)
    with pytest.raises(BundleError) as exc:
        bundle_import(data=bundle)
    assert str(exc.value) == message
    assert not Intervention.objects.exists()


def test_the_demo_bundles_have_the_seed_interventions():
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "documents" / "demo"
    expected = {
        "sodra-vatterbygden-2020.json": {"enter", "fia", "it-sparet", "sams", "efterstod", "se-n"},
        "sundbyberg-2020.json": {"finsamteam", "finsamlots"},
        "burlov-kavlinge-staffanstorp-vellinge-2024.json": {
            "samteam-burlov",
            "samteam-staffanstorp",
            "aktiv",
            "forstudie-vellinge",
        },
    }
    for name, keys in expected.items():
        data = json.loads((demo / name).read_text())
        interventions = {i["key"]: i for i in data["interventions"]}
        assert keys <= set(interventions), name
        for key in keys:
            assert interventions[key].get("status") in {"granted", "ongoing"}, key
        budget = bundle_import(data=data)
        linked = set(
            budget.lines.filter(intervention__isnull=False).values_list(
                "intervention__key", flat=True
            )
        )
        assert keys - {"finsamlots"} <= linked, name  # the lots is in Finsamteam's line
    enter = Intervention.objects.get(key="enter")
    assert [(g.target, g.unit) for g in enter.goals.all() if g.target is not None] == [
        (D(40), "%"),
        (D(75), "%"),
        (D(75), "%"),
        (D(85), "%"),
    ]
    assert Intervention.objects.get(key="se-n").owner_unit == "Arbetsmarknadsenheten"
