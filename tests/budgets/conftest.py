"""Bundles for the bundle and command tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.apps import apps

# A valid bundle written the way export_bundle writes it (key order, percentages as
# strings but an intervention's individual share a number, whole amounts as integers,
# every optional key, line and scenario notes), so that importing it and
# exporting again gives exactly this.
BUNDLE: dict[str, Any] = {
    "format": "finsam-bundle/1",
    "federation": {
        "slug": "sodra-test",
        "name": "Samordningsförbundet Södra Testbygden",
        "equity_cap_percent": "20",
        "equity_floor": "180000",
        "individual_share_target_percent": "60",
        "org_number": "222000-1234",
        "address": "Storgatan 1, 551 11 Jönköping",
        "contact": "förbundschef@example.se",
        "municipal_split": "population",
        "population_date": "2019-07-01",
    },
    "members": [
        {"key": "fk", "name": "Försäkringskassan", "kind": "social_insurance"},
        {"key": "af", "name": "Arbetsförmedlingen", "kind": "employment_service"},
        {"key": "region", "name": "Region Jönköpings län", "kind": "region"},
        {
            "key": "habo",
            "name": "Habo kommun",
            "kind": "municipality",
            "population": 11987,
            "population_date": "2019-07-01",
            "fixed_share_percent": None,
        },
        {
            "key": "jonkoping",
            "name": "Jönköpings kommun",
            "kind": "municipality",
            "population": 141081,
            "population_date": "2019-07-01",
            "fixed_share_percent": "33.333",
        },
    ],
    "board": [
        {
            "name": "Åsa Ek",
            "member": "fk",
            "role": "ledamot",
            "position": "vice_chair",
            "term_end": "2022-12-31",
        },
        {"name": "Per Ås", "member": "fk", "role": "ersattare", "position": "", "term_end": None},
        {
            "name": "Örjan Lind",
            "member": "habo",
            "role": "ledamot",
            "position": "chair",
            "term_end": None,
        },
    ],
    "interventions": [
        {
            "key": "enter",
            "name": "Enter",
            "individual_share_percent": 100,
            "members": ["fk", "af", "region", "jonkoping"],
            "owner": "jonkoping",
            "start": "2016-01-01",
            "end": None,
            "target_group": "Personer 18–64 år med behov av insatser från flera parter",
            "purpose": "Arbete eller studier",
            "goals": [
                {"text": "Andel som går till arbete eller studier", "target": "40", "unit": "%"}
            ],
            "finansiering": {"esf": True, "andel": 0.5},
            "styrgrupp": ["fk", "af"],
        },
        {
            "key": "stod",
            "name": "Processtöd",
            "individual_share_percent": 12.5,
            "members": ["fk", "habo"],
            "owner": None,
            "start": "2020-01-01",
            "end": "2020-12-31",
            "target_group": "",
            "purpose": "",
            "goals": [],
        },
    ],
    "plan": {
        "year": 2020,
        "title": "Verksamhetsplan 2020 med budget 2020 och plan 2021–2022",
        "reference": "dnr 2019:12 / 6",
        # On review, not decided: a decided plan year is never replaced, and these
        # tests import the bundle again (tests/budgets/test_snapshot.py has decided ones).
        "status": "review",
        "decided_on": None,
        "decision_meeting_on": "2019-11-19",
        "sections": [
            {"heading": "Vision", "body": "Alla i *arbete*."},
            {"heading": "Uppdrag", "body": ""},
        ],
        "goals": [
            {"level": "overall", "text": "Fler i arbete", "measures": ["SUS", "Enkät"]},
            {"level": "financial", "text": "Budget i balans", "measures": []},
        ],
        "meetings": [
            {
                "kind": "board",
                "date": "2020-03-06",
                "title": "Styrelsemöte",
                "note": "Årsredovisning 2019",
            },
            {
                "kind": "deadline",
                "date": "2020-11-30",
                "title": "Budget 2021 fastställd",
                "note": "",
            },
        ],
    },
    "budget": {
        "year": 2020,
        "columns": ["2019:budget", "2019:forecast", "2020:budget", "2021:plan", "2022:plan"],
        "opening_equity": "785670.50",
        "deficit_reason": "Vi använder tidigare överskott.",
        "lines": [
            {
                "key": "fk",
                "category": "contribution",
                "member": "fk",
                "label": "Försäkringskassan",
                "amounts": {"2019:budget": 1000000, "2020:budget": 1100000, "2021:plan": 1100000},
            },
            {
                "key": "region",
                "category": "contribution",
                "member": "region",
                "label": "Region Jönköpings län",
                "amounts": {"2020:budget": 550000},
            },
            {
                "key": "habo",
                "category": "contribution",
                "member": "habo",
                "label": "Habo kommun",
                "amounts": {"2019:budget": 106400, "2020:budget": 118400, "2021:plan": 0},
            },
            {
                "key": "enter",
                "category": "intervention",
                "intervention": "enter",
                "label": "Enter",
                "amounts": {"2020:budget": 2914000, "2021:plan": "645333.50"},
            },
            {
                "key": "nya",
                "category": "intervention",
                "label": "Tillgängligt nya projekt",
                "amounts": {"2020:budget": 400000},
            },
            {"key": "esf", "category": "other_income", "label": "ESF", "amounts": {}},
            {
                "key": "kansli",
                "category": "administration",
                "label": "Kansli",
                "note": "Förbundschef och förbundssekreterare på heltid",
                "amounts": {"2019:forecast": "859999.99", "2020:budget": 860000},
            },
            {
                "key": "utvardering",
                "category": "other_cost",
                "label": "Utvärdering",
                "amounts": {"2022:plan": -5000},
            },
        ],
        "scenarios": [
            {
                "name": "Om ESF-projektet beviljas",
                "note": "ESF-ansökan lämnas in i mars",
                "overrides": [
                    {"line": "esf", "amounts": {"2020:budget": 545000}},
                    {
                        "line": "stod-esf",
                        "category": "intervention",
                        "intervention": "stod",
                        "label": "Processtöd ESF",
                        "note": "Medfinansiering",
                        "amounts": {"2020:budget": "100.10"},
                    },
                ],
            },
            {"name": "Utan ökning", "overrides": [{"line": "fk", "amounts": {}}]},
        ],
    },
}


@pytest.fixture
def bundle() -> dict[str, Any]:
    """A fresh copy of the valid bundle, free to change."""
    return copy.deepcopy(BUNDLE)


def _row_counts() -> dict[str, int]:
    # The audit log grows with every write by design (finsam/audit.py): not data.
    # So does the version history (django-simple-history's Historical* models).
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label != "finsam.AuditEntry" and not model.__name__.startswith("Historical")
    }


@pytest.fixture
def row_counts():
    """Rows of every model (M2M tables included), to check nothing changed."""
    return _row_counts
