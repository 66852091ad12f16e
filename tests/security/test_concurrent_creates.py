"""Two identical "create" requests at the same moment (a double click, two tabs):
one is saved, the other gets a clear Swedish message, and neither is a 500 (an
IntegrityError from the unique constraint on PostgreSQL).

Covers next year's plan (roll-forward), a new plan, a member, an intervention and
a scenario with the same name. Real threads, each with its own connection (SQLite
in IMMEDIATE mode with a file database, or PostgreSQL when DATABASE_URL points
there); a few rounds each.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from budgets.models import Scenario
from finsam.db import save_new
from finsam.models import Member, Role
from interventions.models import Intervention
from plans.models import Plan
from tests.factories import MembershipFactory, UserFactory
from tests.interventions.test_views import form_data as intervention_form
from tests.plans.conftest import decide, fake_pdf, make_plan  # noqa: F401 - fake_pdf is a fixture
from tests.security.test_concurrency import _clients, _in_threads

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 4


@pytest.fixture
def second_director(federation):
    user = UserFactory(username="director2")
    MembershipFactory(user=user, federation=federation, role=Role.DIRECTOR)
    return user


def _post_twice(clients, url: str, data: dict, *, follow: bool = False) -> list:
    results = _in_threads(*((lambda c=c: c.post(url, data, follow=follow)) for c in clients))
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def _one_saved_one_told(results: list, message: str) -> None:
    codes = sorted(r.status_code for r in results)
    assert 500 not in codes, codes
    saved = [r for r in results if r.status_code == 302]
    refused = [r for r in results if r.status_code != 302]
    assert len(saved) == 1 and len(refused) == 1, codes
    assert refused[0].status_code in (200, 400)
    page = refused[0].content.decode()
    if message not in page:
        open("/tmp/dq/refused.html", "w").write(page)
    assert message in page, re.findall(r"(?:invalid-feedback|alert)[^>]*>([^<]*)", page)


def test_two_new_plans_for_one_year(federation, director, second_director):
    clients = _clients(director, second_director)
    url = reverse("plan_create", args=[federation.slug])
    for n in range(ROUNDS):
        year = 2030 + n
        results = _post_twice(clients, url, {"year": year, "title": ""})
        _one_saved_one_told(results, f"Det finns redan en verksamhetsplan för {year}.")
        assert Plan.objects.filter(federation=federation, year=year).count() == 1


def test_two_new_members_with_one_key(federation, director, second_director):
    clients = _clients(director, second_director)
    url = reverse("member_create", args=[federation.slug])
    for n in range(ROUNDS):
        data = {"name": f"Ny kommun {n}", "kind": "municipality", "key": "", "population": "1000"}
        results = _post_twice(clients, url, data)
        _one_saved_one_told(results, "används redan av en annan medlem i förbundet")
        assert Member.objects.filter(federation=federation, name=f"Ny kommun {n}").count() == 1


def test_two_new_interventions_with_one_key(federation, director, second_director):
    clients = _clients(director, second_director)
    url = reverse("intervention_create", args=[federation.slug])
    for n in range(ROUNDS):
        data = intervention_form(federation, name=f"Samverkansteam {n}", key=f"st-{n}")
        results = _post_twice(clients, url, data)
        _one_saved_one_told(results, f"Nyckeln ”st-{n}” används redan av en annan insats.")
        assert Intervention.objects.filter(federation=federation, key=f"st-{n}").count() == 1


def test_two_new_interventions_with_one_name_get_a_key_each(federation, director, second_director):
    """Without a key, the second of two interventions with one name gets a key of its
    own (tests/interventions/test_services.py), also when both arrive at once."""
    clients = _clients(director, second_director)
    url = reverse("intervention_create", args=[federation.slug])
    for n in range(ROUNDS):
        data = intervention_form(federation, name=f"Samverkansteam {n}")
        results = _post_twice(clients, url, data)
        assert [r.status_code for r in results] == [302, 302], n
        keys = set(
            Intervention.objects.filter(
                federation=federation, name=f"Samverkansteam {n}"
            ).values_list("key", flat=True)
        )
        assert keys == {f"samverkansteam-{n}", f"samverkansteam-{n}-2"}


def test_two_new_scenarios_with_one_name(federation, director, second_director):
    plan = make_plan(federation)
    budget = federation.budgets.get(year=plan.year)
    clients = _clients(director, second_director)
    url = reverse("scenario_create", args=[federation.slug, plan.year])
    for n in range(ROUNDS):
        results = _post_twice(clients, url, {"name": f"Om ESF beviljas {n}"})
        _one_saved_one_told(
            results, f"Budgeten har redan ett scenario som heter ”Om ESF beviljas {n}”."
        )
        assert Scenario.objects.filter(budget=budget, name=f"Om ESF beviljas {n}").count() == 1


@pytest.mark.usefixtures("fake_pdf")
def test_two_roll_forwards_at_once(federation, director, second_director):
    plan = make_plan(federation)
    decide(plan, director)
    clients = _clients(director, second_director)
    url = reverse("plan_roll_forward", args=[federation.slug, plan.year])
    for n in range(ROUNDS):
        Plan.objects.filter(federation=federation, year=plan.year + 1).delete()
        federation.budgets.filter(year=plan.year + 1).delete()
        results = _post_twice(clients, url, {}, follow=True)
        assert [r.status_code for r in results] == [200, 200], n
        pages = [r.content.decode() for r in results]
        assert (
            sum(f"Utkastet till verksamhetsplan {plan.year + 1} är skapat" in p for p in pages) == 1
        )
        assert (
            sum(f"Det finns redan en verksamhetsplan för {plan.year + 1}." in p for p in pages) == 1
        )
        assert Plan.objects.filter(federation=federation, year=plan.year + 1).count() == 1


# --- save_new itself: whichever check the other request's row reaches first ---------------


@pytest.mark.parametrize("seen_by", ["full_clean", "insert"])
def test_save_new_turns_the_constraint_into_the_message(federation, seen_by, monkeypatch):
    Plan.objects.create(federation=federation, year=2040, title="Först")
    twin = Plan(federation=federation, year=2040, title="Sedan")
    if seen_by == "insert":
        # The other row was committed after full_clean() looked: only the insert sees it.
        monkeypatch.setattr(twin, "full_clean", lambda: None)
    with pytest.raises(ValidationError) as error:
        save_new(
            twin,
            conflict=Plan.objects.filter(federation=federation, year=2040),
            error={"year": "Det finns redan en verksamhetsplan för 2040."},
        )
    assert error.value.message_dict == {"year": ["Det finns redan en verksamhetsplan för 2040."]}
    # The transaction goes on: the savepoint was rolled back, not the whole.
    assert Plan.objects.filter(federation=federation, year=2040).count() == 1


def test_save_new_raises_other_errors_as_they_are(federation, monkeypatch):
    Plan.objects.create(federation=federation, year=2041, title="Först")
    twin = Plan(federation=federation, year=2041, title="")
    with pytest.raises(ValidationError) as error:
        save_new(twin, conflict=Plan.objects.none(), error="fel")
    assert "title" in error.value.message_dict
    twin.title = "Sedan"
    monkeypatch.setattr(twin, "full_clean", lambda: None)
    with pytest.raises(IntegrityError):
        save_new(twin, conflict=Plan.objects.none(), error="fel")
