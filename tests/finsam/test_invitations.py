"""Taking up an invitation: a new account sets its password from the one-time link;
an existing account logs in and takes it up; a used, replaced, withdrawn, expired
or made-up link gets a Swedish page with the way forward."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from finsam.models import AuditEntry, Invitation, Membership, Role
from finsam.people import services
from tests.factories import PASSWORD, UserFactory
from tests.finsam.mailbox import last_link

NEW_PASSWORD = "Ljusblå-kaffekopp-2026"


@pytest.fixture
def invited(client, director, federation):
    """Anna is invited as förbundschef; the mail's link (a path); the director is logged out."""
    client.force_login(director)
    client.post(
        reverse("people", args=[federation.slug]),
        {"email": "anna@kramfors.se", "name": "Anna Andersson", "role": Role.DIRECTOR},
    )
    client.logout()
    return last_link("anna@kramfors.se")


def set_password(client, path: str, **data):
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    return client.post(
        response.url,
        {
            "first_name": "Anna",
            "last_name": "Andersson",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            **data,
        },
    )


def test_a_new_account_sets_its_password_from_the_link(client, invited, federation):
    response = client.get(invited)
    invitation = Invitation.objects.get()
    # The token goes into the session; the page she lands on has none in its address.
    assert response.url == reverse("invitation_accept", args=[invitation.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Välkommen till Samordningsförbundet Alfa" in page.text
    assert (
        "Ditt användarnamn blir din e-postadress" in page.text and "anna@kramfors.se" in page.text
    )
    assert 'value="Anna"' in page.text and 'value="Andersson"' in page.text

    response = client.post(
        response.url,
        {
            "first_name": "Anna",
            "last_name": "Andersson",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == federation.get_absolute_url()
    assert "Välkommen till Samordningsförbundet Alfa! Du är förbundschef." in response.text
    user = get_user_model().objects.get(username="anna@kramfors.se")
    assert (user.email, user.get_full_name(), user.check_password(NEW_PASSWORD)) == (
        "anna@kramfors.se",
        "Anna Andersson",
        True,
    )
    assert Membership.objects.get(user=user, federation=federation).role == Role.DIRECTOR
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert {"valde lösenord via inbjudan", "tog emot inbjudan"} <= set(
        AuditEntry.objects.filter(actor=user).values_list("action", flat=True)
    )
    # She can log in with the address and the password.
    client.logout()
    login = client.post(
        reverse("login"), {"username": "anna@kramfors.se", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302 and login.url == reverse("home")


def test_the_link_works_once(client, invited):
    set_password(client, invited)
    client.logout()
    response = client.get(invited)
    assert response.status_code == 410
    assert "Inbjudan är redan mottagen" in response.text
    assert reverse("login") in response.text and reverse("password_reset") in response.text
    assert get_user_model().objects.filter(username="anna@kramfors.se").count() == 1


def test_password_errors_are_swedish_and_keep_the_names(client, invited):
    response = set_password(
        client, invited, first_name="Annika", new_password1="kort", new_password2="kortare"
    )
    assert response.status_code == 400
    assert "De två lösenordsfälten stämmer inte överens." in response.text
    assert 'value="Annika"' in response.text
    response = set_password(client, invited, new_password1="12345678", new_password2="12345678")
    assert "Det här lösenordet är för kort" in response.text
    assert not get_user_model().objects.filter(username="anna@kramfors.se").exists()


def test_sending_again_replaces_the_link(client, director, federation, invited):
    invitation = Invitation.objects.get()
    client.force_login(director)
    client.post(reverse("invitation_resend", args=[federation.slug, invitation.pk]))
    client.logout()
    new_link = last_link("anna@kramfors.se")
    assert new_link != invited
    response = client.get(invited)
    assert response.status_code == 404
    assert "Länken gäller inte" in response.text and "nyare inbjudan" in response.text
    assert set_password(client, new_link).status_code == 302


def test_a_withdrawn_invitation_says_so(client, director, federation, invited):
    invitation = Invitation.objects.get()
    client.force_login(director)
    client.post(reverse("invitation_withdraw", args=[federation.slug, invitation.pk]))
    client.logout()
    response = client.get(invited)
    assert response.status_code == 410
    assert "Inbjudan är återkallad" in response.text


def test_an_expired_link_says_so(client, invited):
    with time_machine.travel(timezone.localtime() + timedelta(days=7, minutes=1)):
        response = client.get(invited)
    assert response.status_code == 410
    assert "Länken har gått ut" in response.text and "gäller i 7 dagar" in response.text
    with time_machine.travel(timezone.localtime() + timedelta(days=6, hours=23)):
        assert client.get(invited).status_code == 302


def test_a_link_opened_but_not_finished_expires_too(client, invited):
    """Her session (with the token) ends long before the link; then the link again."""
    accept = client.get(invited).url
    with time_machine.travel(timezone.localtime() + timedelta(days=8)):
        response = client.post(
            accept,
            {
                "first_name": "A",
                "last_name": "B",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 404
        assert "Länken gäller inte" in response.text
        assert client.get(invited).status_code == 410
    assert not get_user_model().objects.filter(username="anna@kramfors.se").exists()


def test_a_made_up_link_is_not_found(client, invited):
    invitation = Invitation.objects.get()
    for path in (
        invited[:-3] + "abc/",
        reverse("invitation_open", args=[invitation.pk, "1-abc"]),
        reverse("invitation_open", args=[invitation.pk + 1, invited.split("/")[-2]]),
        reverse("invitation_accept", args=[invitation.pk]),  # no token in the session
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Länken gäller inte" in response.text


def test_an_existing_account_logs_in_and_takes_it_up(
    client, director, federation, other_federation
):
    karin = UserFactory(username="karin", email="karin@beta.se")
    client.force_login(director)
    client.post(
        reverse("people", args=[federation.slug]), {"email": "Karin@Beta.se", "role": Role.REVIEWER}
    )
    client.logout()
    invitation = Invitation.objects.get()
    accept = client.get(last_link("karin@beta.se")).url
    page = client.get(accept)
    assert "Det finns redan ett konto för karin@beta.se" in page.text
    login_url = reverse("login") + "?next=" + accept
    assert login_url in page.text.replace("&amp;", "&")
    # Logging in keeps the token in the session and comes back here.
    response = client.post(login_url, {"username": "karin", "password": PASSWORD, "next": accept})
    assert response.url == accept
    page = client.get(accept)
    assert "Ta emot inbjudan" in page.text
    response = client.post(accept, follow=True)
    assert response.redirect_chain[-1][0] == federation.get_absolute_url()
    assert Membership.objects.get(user=karin, federation=federation).role == Role.REVIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_by == karin
    assert karin.check_password(PASSWORD)  # her password is her own


def test_someone_else_logged_in_cannot_take_it_up(client, invited, reviewer):
    client.force_login(reviewer)
    accept = client.get(invited).url
    page = client.get(accept)
    assert "Du är inloggad som reviewer, men inbjudan gäller anna@kramfors.se" in page.text
    client.post(
        accept,
        {
            "first_name": "A",
            "last_name": "B",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert not get_user_model().objects.filter(username="anna@kramfors.se").exists()
    with pytest.raises(Exception, match="Logga in med det kontot"):
        services.invitation_accept(
            invitation=Invitation.objects.get(), user=reviewer, token=invited.split("/")[-2]
        )


def test_a_new_director_sets_up_two_factor_after_the_password(
    client, invited, federation, settings
):
    settings.FINSAM_OTP_REQUIRED = True
    response = set_password(client, invited)
    assert response.url == federation.get_absolute_url()
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == reverse("twofactor_setup") + "?next=" + federation.get_absolute_url()
    page = client.get(response.url)
    assert "Aktivera tvåstegsverifiering" in page.text
