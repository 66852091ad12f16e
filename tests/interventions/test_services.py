"""Writes: intervention create/update/delete, goals, and the yearly outcomes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from interventions.models import Intervention, InterventionGoal, InterventionOutcome
from interventions.services import (
    GoalInput,
    OutcomeInput,
    intervention_create,
    intervention_delete,
    intervention_update,
    outcome_delete,
    outcomes_record,
)
from tests.interventions.conftest import make_budget, members, record

D = Decimal
pytestmark = pytest.mark.django_db


def _fields(federation, **kwargs):
    by_key = members(federation)
    values = {
        "name": "Samverkansteam Alfa",
        "status": "granted",
        "individual_share_percent": D(50),
        "members": [by_key["fk"], by_key["kommun-a"]],
        "steering_members": [by_key["fk"]],
        "owner": by_key["kommun-a"],
        "owner_unit": "Arbetsmarknadsenheten",
        "goals": [
            GoalInput(text="Till arbete eller studier", target=D(40), unit="%"),
            GoalInput(text="Ärenden per år", target=D(30), unit="ärenden per år"),
        ],
    }
    return values | kwargs


def test_create_with_goals_and_a_key_from_the_name(federation, director):
    intervention = intervention_create(federation=federation, by=director, **_fields(federation))
    assert intervention.key == "samverkansteam-alfa"
    assert [(g.text, g.target, g.position) for g in intervention.goals.all()] == [
        ("Till arbete eller studier", D(40), 0),
        ("Ärenden per år", D(30), 1),
    ]
    assert [m.key for m in intervention.members.all()] == ["fk", "kommun-a"]
    assert [m.key for m in intervention.steering_members.all()] == ["fk"]
    # A second one with the same name gets a key of its own; new ones go last.
    second = intervention_create(federation=federation, by=director, **_fields(federation))
    assert second.key == "samverkansteam-alfa-2"
    assert second.position == intervention.position + 1


def test_create_refuses_a_taken_key_end_before_start_and_bad_ages(federation, director):
    intervention_create(federation=federation, by=director, key="alfa", **_fields(federation))
    with pytest.raises(ValidationError) as taken:
        intervention_create(federation=federation, by=director, key="alfa", **_fields(federation))
    assert "används redan" in str(taken.value.message_dict["key"])
    with pytest.raises(ValidationError) as dates:
        intervention_create(
            federation=federation,
            by=director,
            **_fields(federation, start=date(2021, 3, 1), end=date(2021, 2, 28)),
        )
    assert dates.value.message_dict["end"] == [
        "Slutdatum 2021-02-28 ligger före startdatum 2021-03-01."
    ]
    with pytest.raises(ValidationError) as ages:
        intervention_create(
            federation=federation, by=director, **_fields(federation, age_min=30, age_max=18)
        )
    assert "age_max" in ages.value.message_dict
    assert Intervention.objects.count() == 1


def test_members_of_another_federation_are_refused(federation, other_federation, director):
    foreign = other_federation.members.get(key="fk")
    with pytest.raises(ValidationError) as exc:
        intervention_create(
            federation=federation, by=director, **_fields(federation, owner=foreign)
        )
    assert exc.value.message_dict["owner"] == ["Medlemmen hör till ett annat förbund."]
    with pytest.raises(ValidationError):
        intervention_create(
            federation=federation, by=director, **_fields(federation, steering_members=[foreign])
        )
    assert not Intervention.objects.exists()


def test_update_keeps_the_outcomes_of_the_goals_it_keeps(federation, director):
    intervention = intervention_create(federation=federation, by=director, **_fields(federation))
    kept, dropped = intervention.goals.all()
    record(kept, 2021, 38)
    record(dropped, 2021, 31)
    intervention_update(
        intervention=intervention,
        by=director,
        **_fields(
            federation,
            name="Nytt namn",
            individual_share_percent=D(100),
            goals=[
                GoalInput(text="Nytt mål", target=None),
                GoalInput(id=kept.pk, text="Till arbete eller studier", target=D(45), unit="%"),
            ],
        ),
    )
    intervention.refresh_from_db()
    assert intervention.key == "samverkansteam-alfa"  # an empty key keeps the current one
    assert (intervention.name, intervention.individual_share_percent) == ("Nytt namn", D(100))
    assert [(g.text, g.target, g.position) for g in intervention.goals.all()] == [
        ("Nytt mål", None, 0),
        ("Till arbete eller studier", D(45), 1),
    ]
    assert list(InterventionOutcome.objects.values_list("goal_id", "value")) == [(kept.pk, D(38))]


def test_update_refuses_another_interventions_goal(federation, director, enter):
    intervention = intervention_create(federation=federation, by=director, **_fields(federation))
    foreign = enter.goals.first()
    with pytest.raises(ValidationError):
        intervention_update(
            intervention=intervention,
            by=director,
            **_fields(federation, goals=[GoalInput(id=foreign.pk, text="Kapat")]),
        )
    assert InterventionGoal.objects.get(pk=foreign.pk).text == "Andel till arbete eller studier"


def test_delete_is_refused_while_a_budget_line_finances_it(federation, director, enter):
    make_budget(federation, interventions={enter: 100_000})
    with pytest.raises(ValidationError) as exc:
        intervention_delete(intervention=enter, by=director)
    assert "budgeten för 2021" in exc.value.messages[0]
    lonely = intervention_create(federation=federation, by=director, **_fields(federation))
    record(lonely.goals.first(), 2021, 1)
    intervention_delete(intervention=lonely, by=director)
    assert not Intervention.objects.filter(pk=lonely.pk).exists()
    assert not InterventionOutcome.objects.exists()


def test_outcomes_are_recorded_changed_and_removed(federation, director, enter):
    work, satisfied = enter.goals.all()
    outcomes_record(
        intervention=enter,
        year=2021,
        by=director,
        outcomes={
            work.pk: OutcomeInput(D(38), "Vakans under våren"),
            satisfied.pk: OutcomeInput(None),
        },
    )
    outcome = InterventionOutcome.objects.get()
    assert (outcome.goal, outcome.year, outcome.value, outcome.note, outcome.updated_by) == (
        work,
        2021,
        D(38),
        "Vakans under våren",
        director,
    )
    outcomes_record(
        intervention=enter,
        year=2021,
        by=director,
        outcomes={work.pk: OutcomeInput(D(42)), satisfied.pk: OutcomeInput(D(90))},
    )
    assert sorted(InterventionOutcome.objects.values_list("value", flat=True)) == [D(42), D(90)]
    outcomes_record(
        intervention=enter, year=2021, by=director, outcomes={work.pk: OutcomeInput(None)}
    )
    assert list(InterventionOutcome.objects.values_list("goal_id", flat=True)) == [satisfied.pk]


def test_outcomes_refuse_foreign_goals_and_odd_years(federation, director, enter):
    other = intervention_create(federation=federation, by=director, **_fields(federation))
    with pytest.raises(ValidationError):
        outcomes_record(
            intervention=enter,
            year=2021,
            by=director,
            outcomes={other.goals.first().pk: OutcomeInput(D(1))},
        )
    with pytest.raises(ValidationError):
        outcomes_record(intervention=enter, year=20210, by=director, outcomes={})
    assert not InterventionOutcome.objects.exists()


def test_outcome_delete(federation, director, enter):
    outcome = record(enter.goals.first(), 2021, 40)
    outcome_delete(outcome=outcome, by=director)
    assert not InterventionOutcome.objects.exists()


def test_writes_are_in_the_audit_log(federation, director, enter):
    from finsam.models import AuditEntry

    work = enter.goals.first()
    outcomes_record(
        intervention=enter, year=2021, by=director, outcomes={work.pk: OutcomeInput(D(38))}
    )
    intervention_update(
        intervention=enter,
        by=director,
        **_fields(
            federation,
            name="Enter",
            key="enter",
            individual_share_percent=D(60),
            goals=[GoalInput(id=work.pk, text=work.text, target=D(40), unit="%")],
        ),
    )
    entries = list(AuditEntry.objects.filter(federation=federation).order_by("id"))
    outcome_entry, update_entry = entries[-2:]
    assert (outcome_entry.action, outcome_entry.actor) == ("registrerade utfall", director)
    assert outcome_entry.changes == {
        "year": 2021,
        "outcomes": {"Andel till arbete eller studier": [None, "38"]},
    }
    assert update_entry.action == "ändrade insatsen"
    assert update_entry.changes["individual_share_percent"] == ["100", "60"]
    assert update_entry.changes["status"] == ["ongoing", "granted"]
