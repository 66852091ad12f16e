"""The förbund's people page: inviting by e-mail with a role, sending again,
withdrawing, changing roles and removing people; the last förbundschef stays."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from finsam.models import AuditEntry, Invitation, Membership, Role
from finsam.people import services
from tests.factories import MembershipFactory, UserFactory
from tests.finsam.mailbox import last_link


def people_url(federation) -> str:
    return reverse("people", args=[federation.slug])


def invite(client, federation, **data):
    return client.post(people_url(federation), {"role": Role.REVIEWER, **data}, follow=True)


def test_it_works(client, director, reviewer, federation):
    client.force_login(director)
    page = client.get(people_url(federation))
    assert page.status_code == 200
    assert "Personer" in page.text and reviewer.username in page.text
    assert "Förbundets enda förbundschef" in page.text  # her role cannot be changed

    response = invite(
        client,
        federation,
        email=" Anna.Andersson@Kramfors.se ",
        name="Anna Andersson",
        role=Role.BOARD,
    )
    assert "En inbjudan är skickad till anna.andersson@kramfors.se." in response.text
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.send_count) == (
        "anna.andersson@kramfors.se",
        Role.BOARD,
        1,
    )
    [message] = mail.outbox
    assert message.to == ["anna.andersson@kramfors.se"]
    assert message.subject == "Inbjudan till Samordningsförbundet Alfa i Finsam planering"
    assert "Hej Anna!" in message.body
    assert "Du blir styrelse: du läser och kommenterar planen och budgeten." in message.body
    assert "Ditt användarnamn blir din e-postadress" in message.body
    assert last_link().startswith(f"/inbjudan/{invitation.pk}/")
    # The page lists it, with a way to send it again and to withdraw it.
    assert "anna.andersson@kramfors.se" in response.text
    assert reverse("invitation_resend", args=[federation.slug, invitation.pk]) in response.text

    first_link = last_link()
    response = client.post(
        reverse("invitation_resend", args=[federation.slug, invitation.pk]), follow=True
    )
    assert "Den förra länken fungerar inte längre" in response.text
    assert len(mail.outbox) == 2 and last_link() != first_link
    invitation.refresh_from_db()
    assert invitation.send_count == 2

    response = client.post(
        reverse("invitation_withdraw", args=[federation.slug, invitation.pk]), follow=True
    )
    assert "är återkallad" in response.text
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None
    assert "Inga inbjudningar väntar på svar." in response.text

    membership = Membership.objects.get(user=reviewer)
    response = client.post(
        reverse("person_role", args=[federation.slug, membership.pk]),
        {"role": Role.BOARD},
        follow=True,
    )
    assert f"{reviewer.get_full_name()} är nu styrelse." in response.text
    membership.refresh_from_db()
    assert membership.role == Role.BOARD

    confirm = client.get(reverse("person_remove", args=[federation.slug, membership.pk]))
    assert "Vill du ta bort" in confirm.text
    response = client.post(
        reverse("person_remove", args=[federation.slug, membership.pk]), follow=True
    )
    assert "har inte längre tillgång till förbundet" in response.text
    assert not Membership.objects.filter(pk=membership.pk).exists()

    actions = list(
        AuditEntry.objects.filter(federation=federation).values_list("action", flat=True)
    )
    for action in (
        "bjöd in",
        "skickade inbjudan",
        "skickade inbjudan igen",
        "återkallade inbjudan",
        "ändrade roll",
        "tog bort behörighet",
    ):
        assert action in actions, action
    changed = AuditEntry.objects.get(action="ändrade roll")
    assert changed.actor == director and changed.changes == {"role": ["reviewer", "board"]}


def test_it_checks_access(client, director, reviewer, board_member, viewer, outsider, federation):
    url = people_url(federation)
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    for user in (reviewer, board_member, viewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"email": "x@example.se", "role": Role.DIRECTOR}).status_code == 403
    assert not Invitation.objects.exists()
    # The förbund page links to it for the förbundschef only.
    assert url not in client.get(federation.get_absolute_url()).text
    client.force_login(director)
    assert url in client.get(federation.get_absolute_url()).text


def test_invitation_errors_are_swedish_and_keep_what_she_typed(
    client, director, reviewer, federation
):
    reviewer.email = "granskare@alfa.se"
    reviewer.save()
    client.force_login(director)

    response = client.post(people_url(federation), {"email": "inte en adress", "name": "Bo Ek"})
    assert response.status_code == 400
    assert "Skriv en e-postadress" in response.text and "Välj en roll." in response.text
    assert 'value="inte en adress"' in response.text and 'value="Bo Ek"' in response.text

    response = client.post(people_url(federation), {"email": "GRANSKARE@alfa.se", "role": "board"})
    assert response.status_code == 400
    assert "har redan behörighet i förbundet (beredningsgrupp)" in response.text

    assert "skickad" in invite(client, federation, email="ny@alfa.se").text
    response = client.post(people_url(federation), {"email": "Ny@Alfa.se", "role": "viewer"})
    assert response.status_code == 400
    assert "har redan en inbjudan som väntar på svar" in response.text
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_a_mail_that_cannot_be_sent_keeps_the_invitation_and_its_link(
    client, director, federation, settings
):
    client.force_login(director)
    invite(client, federation, email="kvar@alfa.se")
    working_link = last_link()
    invitation = Invitation.objects.get()
    # Nothing listens on this port: the mail server cannot be reached.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = client.post(
        reverse("invitation_resend", args=[federation.slug, invitation.pk]), follow=True
    )
    assert "mejlet gick inte iväg" in response.text
    assert "e-postservern gick inte att nå" in response.text
    invitation.refresh_from_db()
    assert invitation.send_count == 1  # unchanged: the link already sent still works
    assert AuditEntry.objects.filter(action="inbjudan kunde inte skickas").exists()
    client.logout()
    assert client.get(working_link).status_code == 302


def test_the_last_director_can_be_neither_removed_nor_given_another_role(
    client, director, federation
):
    own = Membership.objects.get(user=director)
    client.force_login(director)
    response = client.post(
        reverse("person_role", args=[federation.slug, own.pk]), {"role": Role.VIEWER}, follow=True
    )
    assert "Förbundet måste ha minst en förbundschef" in response.text
    confirm = client.get(reverse("person_remove", args=[federation.slug, own.pk]))
    assert "Förbundet måste ha minst en förbundschef" in confirm.text
    assert 'type="submit" class="btn btn-danger"' not in confirm.text
    assert client.post(reverse("person_remove", args=[federation.slug, own.pk])).status_code == 409
    own.refresh_from_db()
    assert own.role == Role.DIRECTOR

    # With a second förbundschef she may step down, and then leave.
    other = MembershipFactory(
        federation=federation, role=Role.DIRECTOR, user=UserFactory(username="andra")
    )
    response = client.post(
        reverse("person_role", args=[federation.slug, own.pk]), {"role": Role.VIEWER}, follow=True
    )
    assert response.redirect_chain[-1][0] == federation.get_absolute_url()
    own.refresh_from_db()
    assert own.role == Role.VIEWER
    with pytest.raises(ValidationError):
        services.membership_remove(membership=other, by=director)

    client.force_login(other.user)
    response = client.post(reverse("person_remove", args=[federation.slug, own.pk]), follow=True)
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_a_director_who_removes_herself_goes_to_the_start_page(client, director, federation):
    MembershipFactory(federation=federation, role=Role.DIRECTOR, user=UserFactory(username="b"))
    own = Membership.objects.get(user=director)
    client.force_login(director)
    response = client.post(reverse("person_remove", args=[federation.slug, own.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Du har inte längre tillgång till Samordningsförbundet Alfa." in response.text
    assert client.get(federation.get_absolute_url()).status_code == 404


def test_roles_change_only_to_known_roles(director, reviewer, federation):
    membership = Membership.objects.get(user=reviewer)
    with pytest.raises(ValidationError):
        services.membership_role_change(membership=membership, role="admin", by=director)
    with pytest.raises(ValidationError):
        services.invitation_create(federation=federation, by=director, email="a@b.se", role="x")
