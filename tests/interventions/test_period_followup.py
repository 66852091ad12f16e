"""Issue 18, point 6: an intervention's follow-up per period: participants as counts
and each goal's outcome against its target, in the board's report."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from interventions.models import (
    GoalComparison,
    Intervention,
    InterventionGoal,
    PeriodFollowUp,
)
from interventions.period import goal_met, period_data, period_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def enter(federation):
    intervention = Intervention.objects.create(federation=federation, key="enter", name="Enter")
    InterventionGoal.objects.create(
        intervention=intervention, text="Till arbete", target=Decimal(40), unit="%", position=1
    )
    InterventionGoal.objects.create(
        intervention=intervention,
        text="Avbrott",
        target=Decimal(10),
        comparison=GoalComparison.AT_MOST,
        position=2,
    )
    InterventionGoal.objects.create(intervention=intervention, text="Nöjda", position=3)
    return intervention


def edit_url(intervention, year=2026, month=6):
    return reverse(
        "intervention_period_edit",
        args=[intervention.federation.slug, intervention.pk, year, month],
    )


def test_goal_met_by_its_comparison():
    assert goal_met(GoalComparison.AT_LEAST, Decimal(40), Decimal(41)) is True
    assert goal_met(GoalComparison.AT_LEAST, Decimal(40), Decimal(39)) is False
    assert goal_met(GoalComparison.AT_MOST, Decimal(10), Decimal(12)) is False
    assert goal_met(GoalComparison.AT_MOST, Decimal(10), Decimal(10)) is True
    assert goal_met(GoalComparison.AT_LEAST, None, Decimal(1)) is None
    assert goal_met(GoalComparison.AT_LEAST, Decimal(1), None) is None


def test_the_total_cannot_be_less_than_women_and_men(enter):
    with pytest.raises(IntegrityError):
        PeriodFollowUp.objects.create(
            intervention=enter, year=2026, month=6, women=5, men=5, total=9
        )


def test_the_director_records_counts_and_outcomes(client, director, enter):
    client.force_login(director)
    goals = list(enter.goals.all())
    answer = client.post(
        edit_url(enter),
        {
            "women": "12",
            "men": "8",
            "total": "22",
            f"goal-{goals[0].pk}": "45",
            f"goal-{goals[1].pk}": "12",
        },
    )
    assert answer.status_code == 302
    [row] = period_rows(enter.federation, 2026, 6)
    assert (row.counts.women, row.counts.men, row.counts.total) == (12, 8, 22)
    assert [g.met for g in row.goals] == [True, False, None]
    data = period_data([row])
    assert data[0]["participants"] == {"women": 12, "men": 8, "total": 22}
    assert data[0]["goals"][0]["outcome"] == "45"
    assert period_rows(enter.federation, 2026, 7)[0].counts is None


def test_a_bad_post_keeps_what_she_typed(client, director, enter):
    client.force_login(director)
    answer = client.post(edit_url(enter), {"women": "12", "men": "8", "total": "15", "note": "Vår"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Totalt kan inte vara mindre än kvinnor och män tillsammans." in html
    assert 'value="12"' in html and 'value="Vår"' in html
    assert not PeriodFollowUp.objects.exists()


def test_another_federations_intervention_answers_404(client, outsider, enter):
    client.force_login(outsider)
    assert client.get(edit_url(enter)).status_code == 404
    assert client.post(edit_url(enter), {"women": 1, "men": 1, "total": 2}).status_code == 404
    assert not PeriodFollowUp.objects.exists()


def test_a_viewer_may_not_record(client, viewer, enter):
    client.force_login(viewer)
    assert client.post(edit_url(enter), {"women": 1, "men": 1, "total": 2}).status_code in (
        403,
        404,
    )
    assert not PeriodFollowUp.objects.exists()
