"""People pages and one-time links, attacked: another förbund's people, roles and
invitations answer 404 (to its own förbundschef too); the staff's pages answer 404
to everyone but the staff; an invitation's or a password reset's token works once,
for its own invitation or account only, and nobody can take up an invitation
addressed to someone else."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from finsam.models import Invitation, Membership, Role
from finsam.people import services
from finsam.tokens import invitation_tokens, password_reset_tokens
from tests.factories import UserFactory
from tests.finsam.mailbox import last_link

PASSWORD = "Ett-långt-nytt-lösen-99"


@pytest.fixture
def beta_people(other_federation, outsider):
    """In förbund Beta: a reviewer and an open invitation."""
    reviewer = UserFactory(username="beta-granskare")
    membership = Membership.objects.create(
        user=reviewer, federation=other_federation, role=Role.REVIEWER
    )
    invitation = services.invitation_create(
        federation=other_federation, by=outsider, email="ny@beta.se", role=Role.BOARD
    )
    return membership, invitation


def test_another_federations_people_answer_404(
    client, director, federation, other_federation, beta_people
):
    membership, invitation = beta_people
    client.force_login(director)
    beta, alfa = other_federation.slug, federation.slug
    urls = [
        reverse("people", args=[beta]),
        reverse("person_role", args=[beta, membership.pk]),
        reverse("person_remove", args=[beta, membership.pk]),
        reverse("invitation_resend", args=[beta, invitation.pk]),
        reverse("invitation_withdraw", args=[beta, invitation.pk]),
        # Beta's objects under her own förbund's address.
        reverse("person_role", args=[alfa, membership.pk]),
        reverse("person_remove", args=[alfa, membership.pk]),
        reverse("invitation_resend", args=[alfa, invitation.pk]),
        reverse("invitation_withdraw", args=[alfa, invitation.pk]),
    ]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"role": Role.DIRECTOR})
            assert response.status_code == 404, (method, url, response.status_code)
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.role == Role.REVIEWER and invitation.is_open and invitation.send_count == 0
    assert not mail.outbox


def test_staff_pages_answer_404_to_everyone_but_the_staff(
    client, director, outsider, other_federation, beta_people
):
    _membership, invitation = beta_people
    superuser_only_by_name = UserFactory(username="admin", is_staff=False)
    urls = [
        reverse("staff_federations"),
        reverse("staff_federation_new"),
        reverse("staff_federation", args=[other_federation.slug]),
        reverse("staff_invitation_resend", args=[other_federation.slug, invitation.pk]),
        reverse("staff_invitation_withdraw", args=[other_federation.slug, invitation.pk]),
    ]
    for user in (director, outsider, superuser_only_by_name):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
            assert client.post(url, {"email": "x@y.se", "role": Role.DIRECTOR}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_open and not mail.outbox


def test_an_invitation_token_works_once_and_for_its_own_invitation(client, director, federation):
    client.force_login(director)
    for address in ("a@alfa.se", "b@alfa.se"):
        client.post(
            reverse("people", args=[federation.slug]), {"email": address, "role": Role.DIRECTOR}
        )
    client.logout()
    first, second = Invitation.objects.order_by("pk")
    link = last_link("a@alfa.se")
    token = link.rstrip("/").split("/")[-1]
    # Another invitation's id with this token: not genuine.
    assert client.get(reverse("invitation_open", args=[second.pk, token])).status_code == 404
    assert invitation_tokens.state(second, token) == "invalid"

    accept = client.get(link).url
    client.post(
        accept,
        {"first_name": "A", "last_name": "A", "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert Membership.objects.filter(user__username="a@alfa.se").count() == 1
    client.logout()
    # Used: the link, the session's step and the service all refuse it.
    assert client.get(link).status_code == 410
    assert not invitation_tokens.check_token(Invitation.objects.get(pk=first.pk), token)
    with pytest.raises(Exception, match="gäller inte längre"):
        services.invitation_accept(invitation=first, token=token, password=PASSWORD)
    # Accepting again in the session that already used it: refused as well.
    client.force_login(get_user_model().objects.get(username="a@alfa.se"))
    session = client.session
    session[f"finsam_invitation_token_{first.pk}"] = token
    session.save()
    assert client.post(reverse("invitation_accept", args=[first.pk])).status_code == 410


def test_a_token_from_before_an_accepted_invitation_cannot_take_over_the_account(
    client, director, federation
):
    """Withdrawn and invited again: the old link must not set the (now existing)
    account's password."""
    client.force_login(director)
    client.post(
        reverse("people", args=[federation.slug]), {"email": "c@alfa.se", "role": Role.VIEWER}
    )
    old_link = last_link("c@alfa.se")
    invitation = Invitation.objects.get()
    client.post(reverse("invitation_withdraw", args=[federation.slug, invitation.pk]))
    client.logout()
    assert client.get(old_link).status_code == 410


def test_a_password_reset_token_works_once_and_for_its_own_account(client, db):
    eva = UserFactory(username="eva", email="eva@alfa.se")
    bo = UserFactory(username="bo", email="bo@alfa.se")
    client.post(reverse("password_reset"), {"email": "eva@alfa.se"})
    link = last_link("eva@alfa.se")
    token = link.rstrip("/").split("/")[-1]
    bo_uid = urlsafe_base64_encode(force_bytes(bo.pk))
    response = client.get(reverse("password_reset_confirm", args=[bo_uid, token]), follow=True)
    assert response.status_code == 404  # Eva's token is not Bo's

    form = client.get(link).url
    client.post(form, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    client.logout()
    eva.refresh_from_db()
    assert eva.check_password(PASSWORD)
    assert not password_reset_tokens.check_token(eva, token)
    response = client.get(link, follow=True)
    assert response.status_code == 404 and "Länken gäller inte längre" in response.text
    bo.refresh_from_db()
    assert not bo.check_password(PASSWORD)


def test_an_invited_account_without_password_gets_no_reset_mail(client, director, federation):
    """Until she has chosen a password her invitation is the way in; "Glömt
    lösenordet?" mails nothing (Django: only accounts with a usable password)."""
    user = get_user_model().objects.create_user("d@alfa.se", email="d@alfa.se")  # no password
    client.post(reverse("password_reset"), {"email": "d@alfa.se"})
    assert not mail.outbox
    # The invitation sets the password on that account instead of making another.
    services.invitation_create(
        federation=federation, by=director, email="d@alfa.se", role=Role.VIEWER
    )
    client.force_login(director)
    client.post(reverse("invitation_resend", args=[federation.slug, Invitation.objects.get().pk]))
    client.logout()
    accept = client.get(last_link("d@alfa.se")).url
    client.post(
        accept,
        {"first_name": "D", "last_name": "E", "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert get_user_model().objects.filter(email="d@alfa.se").count() == 1
