"""Site staff create a förbund in the app (name and permanent address, organisation
number, address, members and kinds, the municipal split, equity cap and floor) and
invite its förbundschef; everyone else gets 404 on their pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from finsam.models import AuditEntry, Federation, Invitation, MemberKind, Role
from finsam.text import slug_from_name
from tests.finsam.mailbox import last_link

NEW = reverse("staff_federation_new")
PREFIX = "medlemmar"


def rows(*members: tuple[str, str, str, str]) -> dict[str, str]:
    data = {f"{PREFIX}-TOTAL_FORMS": str(len(members)), f"{PREFIX}-INITIAL_FORMS": "0"}
    for index, (name, kind, population, share) in enumerate(members):
        data.update(
            {
                f"{PREFIX}-{index}-name": name,
                f"{PREFIX}-{index}-kind": kind,
                f"{PREFIX}-{index}-population": population,
                f"{PREFIX}-{index}-fixed_share_percent": share,
            }
        )
    return data


KRAMFORS_MEMBERS = rows(
    ("Försäkringskassan", "social_insurance", "", ""),
    ("Arbetsförmedlingen", "employment_service", "", ""),
    ("Region Västernorrland", "region", "", ""),
    ("Kramfors kommun", "municipality", "18 210", ""),
    ("", "municipality", "", ""),
)


def kramfors(**changes: str) -> dict[str, str]:
    return {
        "name": "Samordningsförbundet Kramfors",
        "slug": "",
        "org_number": "222000-1230",
        "address": "Box 1\n872 80 Kramfors",
        "municipal_split": "population",
        "population_date": "2020-11-01",
        "equity_cap_percent": "20",
        "equity_floor": "180 000",
        "director_email": "anna@kramfors.se",
        "director_name": "Anna Andersson",
        **KRAMFORS_MEMBERS,
        **changes,
    }


def test_it_works(client, staff):
    client.force_login(staff)
    home = client.get(reverse("home"))
    assert reverse("staff_federations") in home.text  # the menu and the empty start page
    page = client.get(reverse("staff_federations"))
    assert page.status_code == 200 and NEW in page.text
    form = client.get(NEW)
    assert form.status_code == 200
    assert "kan inte ändras senare" in form.text
    assert "http://testserver/f/" in form.text
    assert 'value="Försäkringskassan"' in form.text and 'value="Arbetsförmedlingen"' in form.text

    response = client.post(NEW, kramfors(), follow=True)
    federation = Federation.objects.get()
    assert response.redirect_chain[-1][0] == reverse("staff_federation", args=["kramfors"])
    assert (
        "Samordningsförbundet Kramfors är skapat med adressen http://testserver/f/kramfors/."
        in response.text
    )
    assert "En inbjudan är skickad till anna@kramfors.se." in response.text
    assert (federation.slug, federation.org_number, federation.equity_floor) == (
        "kramfors",
        "222000-1230",
        Decimal("180000"),
    )
    assert federation.municipal_split == "population"
    assert str(federation.population_date) == "2020-11-01"
    members = list(federation.members.values_list("name", "kind", "population", "position"))
    assert members == [
        ("Försäkringskassan", MemberKind.SOCIAL_INSURANCE, None, 1),
        ("Arbetsförmedlingen", MemberKind.EMPLOYMENT_SERVICE, None, 2),
        ("Region Västernorrland", MemberKind.REGION, None, 3),
        ("Kramfors kommun", MemberKind.MUNICIPALITY, 18210, 4),
    ]
    invitation = Invitation.objects.get()
    assert (invitation.federation, invitation.role, invitation.name) == (
        federation,
        Role.DIRECTOR,
        "Anna Andersson",
    )
    assert mail.outbox[0].to == ["anna@kramfors.se"]
    assert "Du blir förbundschef" in mail.outbox[0].body
    assert last_link("anna@kramfors.se").startswith(f"/inbjudan/{invitation.pk}/")
    assert "skapade förbundet" in AuditEntry.objects.filter(actor=staff).values_list(
        "action", flat=True
    )
    # The staff's page of the förbund shows the address and the invitation.
    assert "http://testserver/f/kramfors/" in response.text
    assert "anna@kramfors.se" in response.text
    # The staff have no role in it: its own pages are its members'.
    assert client.get(federation.get_absolute_url()).status_code == 404
    listing = client.get(reverse("staff_federations"))
    assert "Samordningsförbundet Kramfors" in listing.text and "Ingen ännu" in listing.text


def test_it_checks_access(client, director, federation):
    staff_urls = [
        reverse("staff_federations"),
        NEW,
        reverse("staff_federation", args=[federation.slug]),
    ]
    for url in staff_urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(director)
    for url in staff_urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, kramfors()).status_code == 404, url
    assert Federation.objects.count() == 1
    assert reverse("staff_federations") not in client.get(reverse("home")).text


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Samordningsförbundet Kramfors", "kramfors"),
        ("Samordningsförbundet Södra Vätterbygden", "sodra-vatterbygden"),
        ("Finsam Östra Södertörn", "finsam-ostra-sodertorn"),
        (
            "Samordningsförbundet Burlöv-Kävlinge-Staffanstorp-Vellinge",
            "burlov-kavlinge-staffanstorp-vellinge",
        ),
        ("Samordningsförbundet", "samordningsforbundet"),
        ("Ærø  Finsam_förbund", "aero-finsam-forbund"),
        ("!!!", ""),
    ],
)
def test_the_address_is_derived_from_the_name(name, slug):
    assert slug_from_name(name) == slug


def test_a_typed_address_is_kept_and_checked(client, staff, federation):
    client.force_login(staff)
    response = client.post(NEW, kramfors(slug="Kramfors Ådalen"))
    assert response.status_code == 400
    assert "Kortnamnet får bara ha små bokstäver a–z" in response.text
    assert 'value="Kramfors Ådalen"' in response.text
    assert "Förbundet är inte skapat" in response.text

    response = client.post(NEW, kramfors(slug="alfa"))
    assert "Adressen /f/alfa/ används redan av Samordningsförbundet Alfa." in response.text
    # Derived from the name: the same check.
    response = client.post(NEW, kramfors(name="Samordningsförbundet Alfa"))
    assert "Adressen /f/alfa/ används redan" in response.text
    assert Federation.objects.count() == 1 and not Invitation.objects.exists()

    response = client.post(NEW, kramfors(slug="kramfors-adalen", director_email=""))
    assert "Skriv förbundschefens e-postadress, eller töm namnet." in response.text
    client.post(NEW, kramfors(slug="kramfors-adalen", director_email="", director_name=""))
    assert Federation.objects.filter(slug="kramfors-adalen").exists()
    assert not mail.outbox


def test_errors_are_swedish_and_nothing_typed_is_lost(client, staff):
    client.force_login(staff)
    data = kramfors(
        org_number="222000-1234",
        equity_cap_percent="120",
        equity_floor="mycket",
        **rows(
            ("Försäkringskassan", "social_insurance", "500", ""),
            ("", "municipality", "1 000", ""),
            ("Kramfors kommun", "municipality", "tjugo", ""),
        ),
    )
    response = client.post(NEW, data)
    assert response.status_code == 400
    for text in (
        "Organisationsnumret 222000-1234 stämmer inte (kontrollsiffran).",
        "Inte ett belopp",
        "Anges bara för kommuner.",
        "Skriv medlemmens namn, eller töm raden.",
        "Skriv folkmängden som ett heltal",
        'value="tjugo"',
        'value="mycket"',
        'value="1 000"',
        'value="222000-1234"',
        "Box 1\n872 80 Kramfors",
    ):
        assert text in response.text, text
    assert 'class="form-control text-end is-invalid"' in response.text
    assert not Federation.objects.exists()


def test_fixed_percentages_add_up_to_a_hundred(client, staff):
    client.force_login(staff)
    members = rows(
        ("Försäkringskassan", "social_insurance", "", ""),
        ("Ö kommun", "municipality", "", "60"),
        ("Ä kommun", "municipality", "", "30,5"),
    )
    response = client.post(NEW, kramfors(municipal_split="fixed", **members))
    assert response.status_code == 400
    assert (
        "Kommunernas fasta andelar är tillsammans 90,50\u00a0%; de ska bli 100 %." in response.text
    )
    assert 'value="30,5"' in response.text
    members[f"{PREFIX}-2-fixed_share_percent"] = "40"
    client.post(NEW, kramfors(municipal_split="fixed", **members))
    federation = Federation.objects.get()
    assert sorted(
        federation.members.values_list("fixed_share_percent", flat=True).exclude(
            fixed_share_percent=None
        )
    ) == [Decimal("40"), Decimal("60")]


def test_more_rows_keeps_everything_and_checks_nothing(client, staff):
    client.force_login(staff)
    data = kramfors(name="Samordningsförbundet Kramfors", equity_floor="mycket", fler_rader="1")
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert "Inte ett belopp" not in response.text  # not checked yet
    assert 'value="mycket"' in response.text and 'value="Kramfors kommun"' in response.text
    assert f'name="{PREFIX}-7-name"' in response.text  # five rows and three more
    assert f'name="{PREFIX}-8-name"' not in response.text
    assert not Federation.objects.exists()


def test_staff_send_again_and_withdraw(client, staff):
    client.force_login(staff)
    client.post(NEW, kramfors())
    invitation = Invitation.objects.get()
    page = reverse("staff_federation", args=["kramfors"])
    response = client.post(
        reverse("staff_invitation_resend", args=["kramfors", invitation.pk]), follow=True
    )
    assert "Inbjudan är skickad igen till anna@kramfors.se." in response.text
    assert len(mail.outbox) == 2
    response = client.post(
        reverse("staff_invitation_withdraw", args=["kramfors", invitation.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == page + "#inbjudningar"
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None
    # A new invitation from the staff's page, a förbundschef unless told otherwise.
    response = client.post(page, {"email": "bo@kramfors.se", "role": Role.DIRECTOR}, follow=True)
    assert "En inbjudan är skickad till bo@kramfors.se." in response.text
    assert (
        client.get(reverse("staff_invitation_resend", args=["kramfors", invitation.pk])).status_code
        == 405
    )
