"""Crafted input that a browser never sends: a year 0 in the outcomes URL, and an
integer too large for any database column in the form's member fields. Each gives
a 404 or a form error, never a 500 (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest

from interventions.models import Intervention
from tests.interventions.conftest import make_intervention
from tests.interventions.test_views import form_data, url

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize("year", [0, 1, 1899, 3000, 99999])
def test_an_outcome_year_outside_the_calendar_is_404(client, director, federation, year):
    intervention = make_intervention(federation, "enter", goals=(("Mål", None, ""),))
    client.force_login(director)
    address = url("intervention_outcomes_edit", intervention.pk, year)
    assert client.get(address).status_code == 404
    assert client.post(address, {}).status_code == 404


def test_an_outcome_year_in_the_calendar_works(client, director, federation):
    intervention = make_intervention(federation, "enter", goals=(("Mål", None, ""),))
    client.force_login(director)
    assert client.get(url("intervention_outcomes_edit", intervention.pk, 2021)).status_code == 200


@pytest.mark.parametrize("field", ["members", "steering_members", "owner"])
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1e400", "12abc"])
def test_an_impossible_member_id_is_a_form_error(client, director, federation, field, value):
    client.force_login(director)
    data = form_data(federation)
    data[field] = [value] if field != "owner" else value
    response = client.post(url("intervention_create"), data)
    assert response.status_code in (200, 400)
    assert "is-invalid" in response.text or "invalid-feedback" in response.text
    assert not Intervention.objects.filter(name="Samverkansteam").exists()
