"""The förbund page's "Kom igång": members, board seats, the basis of the municipal
split, a plan and a budget, and people, each with the page where it is done; the
plan's and the budget's step is made above the core (documents/selectors.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.models import Budget
from documents.selectors import federation_overview, plan_and_budget_steps
from finsam.findings import WARNING
from finsam.getting_started import getting_started
from finsam.models import Invitation, MemberKind, Role
from finsam.rules import (
    MUNICIPAL_SPLIT_BASIS,
    MunicipalityFacts,
    fixed_shares_problem,
    split_basis_findings,
)
from plans.models import Plan
from tests.factories import FederationFactory, MemberFactory, MembershipFactory, UserFactory


def town(name: str, population: int | None = None, share: str | None = None) -> MunicipalityFacts:
    return MunicipalityFacts(
        key=name.lower(),
        name=name,
        population=population,
        fixed_share_percent=None if share is None else Decimal(share),
    )


JULY = date(2019, 7, 1)


@pytest.mark.parametrize(
    ("split", "day", "towns", "messages"),
    [
        ("equal", None, [town("Habo")], []),
        ("population", JULY, [], []),
        ("population", JULY, [town("Habo", 12000), town("Mullsjö", 7000)], []),
        (
            "population",
            JULY,
            [town("Habo", 12000), town("Mullsjö")],
            ["Folkmängd saknas för Mullsjö."],
        ),
        (
            "population",
            None,
            [town("Habo", 12000)],
            ["Ange vilket datum folkmängden gäller (förbundets uppgifter)."],
        ),
        ("population", JULY, [town("Habo", 0)], ["Folkmängd saknas för Habo."]),
        ("fixed", None, [town("Habo", share="60"), town("Mullsjö", share="40")], []),
        (
            "fixed",
            None,
            [town("Habo", share="60"), town("Mullsjö", share="39.99")],
            ["Kommunernas fasta andelar är tillsammans 99,99\u00a0%; de ska bli 100 %."],
        ),
        (
            "fixed",
            None,
            [town("Habo", share="60"), town("Mullsjö", share="40.01")],
            ["Kommunernas fasta andelar är tillsammans 100,01\u00a0%; de ska bli 100 %."],
        ),
        (
            "fixed",
            None,
            [town("Habo", share="100"), town("Mullsjö")],
            ["Ange en fast andel för varje kommun (1 av 2 har en)."],
        ),
        (
            "fixed",
            None,
            [town("Habo"), town("Mullsjö")],
            ["Ange kommunernas fasta andelar av kommunernas del."],
        ),
    ],
)
def test_split_basis_findings(split, day, towns, messages):
    findings = split_basis_findings(split, day, towns)
    assert [f.message for f in findings] == messages
    assert all(f.rule == MUNICIPAL_SPLIT_BASIS and f.severity == WARNING for f in findings)


def test_fixed_shares_problem_with_nothing_given_is_none():
    assert fixed_shares_problem([]) is None
    assert fixed_shares_problem([None, None]) is None
    assert fixed_shares_problem([Decimal("100")]) is None


def steps(page) -> dict[str, bool]:
    return {step.key: step.done for step in page.context["getting_started"].steps}


def test_an_empty_federation_lacks_everything(client, db):
    federation = FederationFactory(name="Samordningsförbundet Kramfors", slug="kramfors")
    director = UserFactory()
    MembershipFactory(user=director, federation=federation, role=Role.DIRECTOR)
    client.force_login(director)
    page = client.get(federation.get_absolute_url())
    assert steps(page) == {
        "members": False,
        "seats": False,
        "split": False,
        "plan": False,
        "people": False,
    }
    assert [s.key for s in page.context["getting_started"].steps] == [
        "members",
        "seats",
        "split",
        "plan",
        "people",
    ]
    assert "Kom igång" in page.text and "5 av 5 steg kvar" in page.text
    for url in (
        reverse("member_create", args=["kramfors"]),
        reverse("plan_create", args=["kramfors"]),
        reverse("people", args=["kramfors"]),
    ):
        assert f'href="{url}"' in page.text
    assert "Lägg till Försäkringskassan, Arbetsförmedlingen, minst en region" in page.text
    assert "Skapa förbundets första verksamhetsplan" in page.text


def test_each_step_is_done_when_its_part_is_there(client, director, federation):
    """The fixed cast's förbund has its members and board; then the split, the plan,
    the budget and the people, one by one."""
    client.force_login(director)
    page = client.get(federation.get_absolute_url())
    assert steps(page) == {
        "members": True,
        "seats": True,
        "split": False,
        "plan": False,
        "people": False,
    }
    # The fixture's municipalities have populations but the förbund no date.
    assert "Ange vilket datum folkmängden gäller" in page.text
    assert f'href="{reverse("federation_edit", args=[federation.slug])}"' in page.text

    federation.population_date = date(2025, 7, 1)
    federation.save()
    town_without = MemberFactory(
        federation=federation, name="C kommun", key="c", kind=MemberKind.MUNICIPALITY, position=9
    )
    page = client.get(federation.get_absolute_url())
    assert "Folkmängd saknas för C kommun." in page.text
    assert f'href="{reverse("member_edit", args=[federation.slug, town_without.pk])}"' in page.text
    town_without.delete()

    Plan.objects.create(federation=federation, year=2027, title="Verksamhetsplan 2027")
    page = client.get(federation.get_absolute_url())
    assert steps(page)["split"] and not steps(page)["plan"]
    assert "Verksamhetsplanen för 2027 har ingen budget ännu." in page.text
    assert f'href="{reverse("plan_detail", args=[federation.slug, 2027])}"' in page.text
    assert f'href="{reverse("budget_create", args=[federation.slug, 2027])}">Skapa budget 2027' in (
        page.text
    )

    Budget.objects.create(federation=federation, year=2027)
    Invitation.objects.create(federation=federation, email="b@alfa.se", role=Role.BOARD)
    page = client.get(federation.get_absolute_url())
    assert all(steps(page).values())
    # Nothing missing: the card is not shown.
    assert 'id="kom-igang"' not in page.text


def test_equal_parts_need_no_population(client, director, federation):
    federation.municipal_split = "equal"
    federation.save()
    client.force_login(director)
    step = next(
        s
        for s in client.get(federation.get_absolute_url()).context["getting_started"].steps
        if s.key == "split"
    )
    assert step.done and step.detail == "Kommunerna delar lika; ingen folkmängd behövs."


def test_readers_see_what_is_missing_without_the_links(client, reviewer, federation):
    client.force_login(reviewer)
    page = client.get(federation.get_absolute_url())
    assert 'id="kom-igang"' in page.text
    assert reverse("plan_create", args=[federation.slug]) not in page.text
    assert reverse("people", args=[federation.slug]) not in page.text


def test_the_plan_step_is_made_above_the_core(federation):
    """The core's "Kom igång" takes the plan's step from the förbund page
    (documents/views.py); without it, the core's own steps only."""
    overview = federation_overview(federation)
    alone = getting_started(federation, overview, people=0, invited=0)
    assert "plan" not in {s.key for s in alone.steps}
    given = getting_started(
        federation, overview, people=0, invited=0, steps=plan_and_budget_steps(federation)
    )
    assert [s.key for s in given.steps] == ["members", "seats", "split", "plan", "people"]
