"""The core's pages: start page, förbund page, editing förbund, members, board seats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.models import Budget, Category, Line
from finsam.models import BoardSeat, Member
from plans.models import Plan, PlanStatus
from tests.factories import BoardSeatFactory, MemberFactory


def url(name, federation, **kwargs):
    return reverse(name, kwargs={"slug": federation.slug, **kwargs})


def edit_urls(federation):
    member = federation.members.get(key="kommun-b")
    seat = BoardSeat.objects.filter(member=member).first()
    return [
        url("federation_edit", federation),
        url("member_create", federation),
        url("member_edit", federation, member_id=member.pk),
        url("member_delete", federation, member_id=member.pk),
        url("seat_create", federation),
        url("seat_edit", federation, seat_id=seat.pk),
        url("seat_delete", federation, seat_id=seat.pk),
    ]


def test_it_works(client, director, federation):
    client.force_login(director)

    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Samordningsförbundet Alfa" in home.text
    assert "Förbundschef" in home.text

    page = client.get(federation.get_absolute_url())
    assert page.status_code == 200
    for text in (
        "Medlemmar",
        "Försäkringskassan",
        "Arbetsförmedlingen",
        "Region Test",
        "A kommun",
        "Styrelse",
        "Ledamot",
        "Ersättare",
        "Redigera förbundet",
        "uppfyller lagens krav",
    ):
        assert text in page.text
    # Populations and their shares of the municipal total, right-aligned.
    assert '<td class="num">30\u00a0000</td>' in page.text
    assert '<td class="num">75,00\u00a0%</td>' in page.text

    for edit_url in edit_urls(federation):
        assert client.get(edit_url).status_code == 200, edit_url


def test_it_checks_access(client, federation, other_federation, reviewer, outsider):
    # Not logged in: to the login page.
    response = client.get(federation.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))

    # Another förbund's director: 404 on every page, edit or not.
    client.force_login(outsider)
    for page_url in [federation.get_absolute_url(), *edit_urls(federation)]:
        assert client.get(page_url).status_code == 404, page_url
        assert client.post(page_url).status_code == 404, page_url

    # The förbund's own reviewer reads but does not edit.
    client.force_login(reviewer)
    assert client.get(federation.get_absolute_url()).status_code == 200
    assert "Redigera förbundet" not in client.get(federation.get_absolute_url()).text
    for edit_url in edit_urls(federation):
        assert client.get(edit_url).status_code == 403, edit_url
        assert client.post(edit_url).status_code == 403, edit_url


def test_objects_of_another_federation_are_404_under_ones_own_slug(
    client, director, federation, other_federation
):
    client.force_login(director)
    foreign_member = other_federation.members.first()
    foreign_seat = BoardSeat.objects.filter(member__federation=other_federation).first()
    for name, kwargs in [
        ("member_edit", {"member_id": foreign_member.pk}),
        ("member_delete", {"member_id": foreign_member.pk}),
        ("seat_edit", {"seat_id": foreign_seat.pk}),
        ("seat_delete", {"seat_id": foreign_seat.pk}),
    ]:
        own_slug_url = url(name, federation, **kwargs)
        assert client.get(own_slug_url).status_code == 404
        assert client.post(own_slug_url).status_code == 404
    assert Member.objects.filter(pk=foreign_member.pk).exists()
    assert BoardSeat.objects.filter(pk=foreign_seat.pk).exists()


def test_home_lists_only_ones_own_federations(client, director, federation, other_federation):
    client.force_login(director)
    page = client.get(reverse("home"))
    assert "Samordningsförbundet Alfa" in page.text
    assert "Samordningsförbundet Beta" not in page.text


def test_federation_page_shows_setup_findings_by_severity(client, director, federation):
    federation.members.get(key="region").delete()
    BoardSeat.objects.filter(member__key="kommun-b", role="ersattare").delete()
    client.force_login(director)
    page = client.get(federation.get_absolute_url()).text
    assert "alert-danger" in page
    assert "Förbundet har ingen region som medlem." in page
    assert "alert-warning" in page
    assert "B kommun saknar ersättare i styrelsen." in page
    assert page.index("alert-danger") < page.index("alert-warning")


def test_federation_page_lists_plan_years(client, director, federation):
    Budget.objects.create(federation=federation, year=2026)
    Plan.objects.create(
        federation=federation, year=2026, title="Verksamhetsplan 2026", status=PlanStatus.DECIDED
    )
    Plan.objects.create(federation=federation, year=2027, title="Verksamhetsplan 2027")
    client.force_login(director)
    page = client.get(federation.get_absolute_url()).text
    assert "Verksamhetsplan 2026" in page
    assert "Fastställd" in page
    assert "Verksamhetsplan 2027" in page
    assert reverse("budget_detail", args=["alfa", 2026]) in page
    assert f'href="{reverse("budget_detail", args=["alfa", 2027])}"' not in page
    # A plan without a budget offers to create one.
    assert f'href="{reverse("budget_create", args=["alfa", 2027])}">Skapa budget 2027' in page


def test_federation_page_query_count_is_flat(
    client, director, federation, django_assert_num_queries
):
    client.force_login(director)
    page_url = federation.get_absolute_url()
    # The first request saves the session (its expiry moves); the next ones within the
    # minute do not (finsam.middleware.SessionLifetimeMiddleware). It also looks once
    # for a two-factor device (finsam/twofactor/middleware.py remembers the answer).
    with django_assert_num_queries(13):  # the 9 below, the device, savepoint, update, release
        assert client.get(page_url).status_code == 200
    # session, user, membership with förbund, members, seats, budget years, plans, and for
    # "Kom igång" the people and invitations, and the plans with their budgets
    with django_assert_num_queries(9):
        assert client.get(page_url).status_code == 200
    for n in range(5):
        member = MemberFactory(federation=federation, name=f"Kommun {n}", population=1000)
        BoardSeatFactory(member=member, role="ledamot")
        BoardSeatFactory(member=member, role="ersattare")
        Budget.objects.create(federation=federation, year=2020 + n)
        Plan.objects.create(federation=federation, year=2021 + n, title=f"Plan {n}")
    with django_assert_num_queries(9):
        assert client.get(page_url).status_code == 200


def test_federation_edit(client, director, federation):
    client.force_login(director)
    response = client.post(
        url("federation_edit", federation),
        {
            "name": "Samordningsförbundet Alfa",
            "org_number": "222000-1230",
            "equity_cap_percent": "20,5",
            "equity_floor": "180 000",
            "municipal_split": "population",
            "population_date": "2025-07-01",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == federation.get_absolute_url()
    assert "Förbundets uppgifter är sparade." in response.text
    assert "180\u00a0000\u00a0kr" in response.text
    federation.refresh_from_db()
    assert federation.equity_cap_percent == Decimal("20.5")
    assert federation.equity_floor == Decimal("180000")


def test_federation_edit_shows_errors_in_swedish(client, director, federation):
    client.force_login(director)
    response = client.post(
        url("federation_edit", federation),
        {
            "name": "",
            "equity_cap_percent": "120",
            "equity_floor": "mycket",
            "municipal_split": "population",
        },
    )
    assert response.status_code == 200
    assert "Detta fält måste fyllas i." in response.text
    assert "Inte ett belopp" in response.text
    federation.refresh_from_db()
    assert federation.name == "Samordningsförbundet Alfa"


def test_member_create_edit_delete(client, director, federation):
    client.force_login(director)
    response = client.post(
        url("member_create", federation),
        {
            "name": "Jönköpings kommun",
            "kind": "municipality",
            "population": "141000",
        },
        follow=True,
    )
    assert "Jönköpings kommun är tillagd som medlem." in response.text
    member = federation.members.get(name="Jönköpings kommun")
    assert member.key == "jonkopings-kommun"

    response = client.post(
        url("member_edit", federation, member_id=member.pk),
        {
            "name": "Jönköpings kommun",
            "kind": "municipality",
            "key": "jonkoping",
            "population": "142000",
            "position": "3",
        },
        follow=True,
    )
    assert "Jönköpings kommun är sparad." in response.text
    member.refresh_from_db()
    assert (member.key, member.population, member.position) == ("jonkoping", 142000, 3)

    confirm = client.get(url("member_delete", federation, member_id=member.pk))
    assert "Vill du ta bort Jönköpings kommun som medlem i förbundet?" in confirm.text
    response = client.post(url("member_delete", federation, member_id=member.pk), follow=True)
    assert "Jönköpings kommun är borttagen som medlem." in response.text
    assert not Member.objects.filter(pk=member.pk).exists()


def test_member_form_errors(client, director, federation):
    client.force_login(director)
    response = client.post(
        url("member_create", federation),
        {
            "name": "Region Två",
            "kind": "region",
            "key": "fk",
            "population": "5",
        },
    )
    assert response.status_code == 200
    assert "Anges bara för kommuner." in response.text
    response = client.post(
        url("member_create", federation),
        {
            "name": "Försäkringskassan",
            "kind": "social_insurance",
            "key": "fk",
        },
    )
    assert "Nyckeln ”fk” används redan" in response.text


def test_member_delete_is_refused_while_a_budget_line_uses_it(client, director, federation):
    member = federation.members.get(key="kommun-a")
    budget = Budget.objects.create(federation=federation, year=2026)
    Line.objects.create(
        budget=budget, key="a", category=Category.CONTRIBUTION, label="A", member=member
    )
    client.force_login(director)
    delete_url = url("member_delete", federation, member_id=member.pk)
    confirm = client.get(delete_url)
    assert "A kommun kan inte tas bort eftersom budgeten för 2026" in confirm.text
    assert 'type="submit"' not in confirm.text.split('<main id="main"')[1]
    response = client.post(delete_url)
    assert response.status_code == 200
    assert "A kommun kan inte tas bort eftersom budgeten för 2026" in response.text
    assert Member.objects.filter(pk=member.pk).exists()


def test_seat_create_edit_delete(client, director, federation):
    client.force_login(director)
    region = federation.members.get(key="region")
    form_page = client.get(url("seat_create", federation) + "?medlem=region")
    assert f'<option value="{region.pk}" selected>' in form_page.text
    response = client.post(
        url("seat_create", federation),
        {
            "member": region.pk,
            "person": "Anna Andersson",
            "role": "ledamot",
            "position": "chair",
            "term_end": "2026-12-31",
        },
        follow=True,
    )
    assert "Anna Andersson är tillagd i styrelsen för Region Test." in response.text
    seat = BoardSeat.objects.get(person="Anna Andersson")
    assert seat.get_position_display() == "Ordförande"

    response = client.post(
        url("seat_edit", federation, seat_id=seat.pk),
        {
            "member": region.pk,
            "person": "Anna Andersson",
            "role": "ersattare",
            "position": "",
        },
        follow=True,
    )
    assert "Styrelseplatsen för Anna Andersson är sparad." in response.text
    seat.refresh_from_db()
    assert seat.role == "ersattare"

    response = client.post(url("seat_delete", federation, seat_id=seat.pk), follow=True)
    assert "Anna Andersson är borttagen ur styrelsen." in response.text
    assert not BoardSeat.objects.filter(pk=seat.pk).exists()


def test_seat_form_offers_only_the_federations_members(
    client, director, federation, other_federation
):
    client.force_login(director)
    foreign = other_federation.members.first()
    response = client.post(
        url("seat_create", federation),
        {
            "member": foreign.pk,
            "person": "Eva",
            "role": "ledamot",
        },
    )
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.text
    assert not BoardSeat.objects.filter(person="Eva").exists()


@pytest.mark.parametrize("next_url", ["", "/f/alfa/"])
def test_login_and_logout_in_swedish(client, director, password, next_url):
    page = client.get(reverse("login"))
    assert "Logga in" in page.text
    assert "Användarnamn" in page.text
    assert "Lösenord" in page.text
    wrong = client.post(reverse("login"), {"username": "director", "password": "fel"})
    assert "korrekt användarnamn" in wrong.text.lower() or "ange ett korrekt" in wrong.text.lower()

    response = client.post(
        reverse("login"), {"username": "director", "password": password, "next": next_url}
    )
    assert response.status_code == 302
    assert response.url == (next_url or reverse("home"))

    response = client.post(reverse("logout"), follow=True)
    assert "Du är utloggad." in response.text
    assert "Logga in" in response.text
