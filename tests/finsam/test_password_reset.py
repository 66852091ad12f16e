""" "Glömt lösenordet?": a Swedish mail with a one-time link (Django's token, living
24 hours), the same answer whether or not the address has an account, a limit on
mails, and every step in the audit log."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from finsam.models import AuditEntry
from tests.factories import UserFactory
from tests.finsam.mailbox import last_link

NEW_PASSWORD = "Grönt-äpple-på-bordet-7"


def ask(client, email: str):
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def test_it_works(client, db):
    user = UserFactory(username="eva", email="eva@alfa.se", first_name="Eva")
    login = client.get(reverse("login"))
    assert reverse("password_reset") in login.text and "Glömt lösenordet?" in login.text

    page = client.get(reverse("password_reset"))
    assert "gäller i 24 timmar" in page.text
    response = ask(client, "Eva@Alfa.se")
    assert "Kolla din e-post" in response.text
    [message] = mail.outbox
    assert message.subject == "Nytt lösenord till Finsam planering"
    assert message.to == ["eva@alfa.se"]
    assert "Hej Eva!" in message.body and "användarnamn eva" in message.body
    assert "gäller i 24 timmar" in message.body

    response = client.get(last_link())
    assert response.status_code == 302  # the token moves into the session
    page = client.get(response.url)
    assert "Välj nytt lösenord" in page.text
    response = client.post(
        response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Ditt nya lösenord är sparat och du är inloggad." in response.text
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert response.context["user"] == user
    actions = set(AuditEntry.objects.filter(actor=user).values_list("action", flat=True))
    assert {"skickade länk för nytt lösenord", "valde nytt lösenord via länk"} <= actions


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    UserFactory(username="eva", email="eva@alfa.se")
    known, unknown = ask(client, "eva@alfa.se"), ask(client, "ingen@alfa.se")
    assert known.redirect_chain == unknown.redirect_chain
    assert len(mail.outbox) == 1


def test_the_link_works_once(client, db):
    UserFactory(username="eva", email="eva@alfa.se")
    ask(client, "eva@alfa.se")
    link = last_link()
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()
    response = client.get(link, follow=True)
    assert response.status_code == 404
    assert "Länken gäller inte längre" in response.text
    assert reverse("password_reset") in response.text  # the way forward: a new link


def test_the_link_lives_24_hours(client, db):
    UserFactory(username="eva", email="eva@alfa.se")
    ask(client, "eva@alfa.se")
    link = last_link()
    with time_machine.travel(timezone.localtime() + timedelta(hours=23, minutes=50)):
        assert client.get(link).status_code == 302
    with time_machine.travel(timezone.localtime() + timedelta(hours=24, minutes=10)):
        assert client.get(link, follow=True).status_code == 404


def test_at_most_three_mails_in_fifteen_minutes(client, db):
    UserFactory(username="eva", email="eva@alfa.se")
    for _ in range(5):
        assert ask(client, "eva@alfa.se").status_code == 200
    assert len(mail.outbox) == 3
    assert AuditEntry.objects.filter(action="för många länkar för nytt lösenord").count() == 2
    with time_machine.travel(timezone.localtime() + timedelta(minutes=16)):
        ask(client, "eva@alfa.se")
    assert len(mail.outbox) == 4


def test_a_password_reset_does_not_skip_the_code(client, db, settings):
    """Her new password logs her in with the password only: a förbundschef with an
    authenticator app still gives the code (finsam/twofactor/middleware.py)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.FINSAM_OTP_REQUIRED = True
    user = UserFactory(username="eva", email="eva@alfa.se")
    TOTPDevice.objects.create(user=user, name="telefon", confirmed=True)
    ask(client, "eva@alfa.se")
    form_url = client.get(last_link()).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("twofactor_verify"))
