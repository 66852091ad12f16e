"""Mail goes out over real SMTP: an aiosmtpd server on 127.0.0.1 (started here, with
a login) receives the invitation, whose link then works; a refused login is said
in Swedish. The EMAIL_* settings come from the environment, and a DEBUG server
without EMAIL_HOST prints mails on the console."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.conf import settings as django_settings
from django.urls import reverse

from finsam.models import Invitation, Membership, Role
from tests.finsam.mailbox import LINK

LOGIN, SECRET = "finsam", "smtp-hemligt-42"


class Mailbox:
    def __init__(self) -> None:
        self.envelopes: list = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            LOGIN.encode(),
            SECRET.encode(),
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        # handled=False: the server answers the refusal itself (535).
        return AuthResult(success=ok, handled=False)

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = LOGIN, SECRET
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "Finsam planering <planering@finsam.example.se>"
    try:
        yield mailbox
    finally:
        controller.stop()


def test_an_invitation_is_delivered_over_smtp_and_its_link_works(
    client, director, federation, smtp
):
    client.force_login(director)
    response = client.post(
        reverse("people", args=[federation.slug]),
        {"email": "anna@kramfors.se", "name": "Anna", "role": Role.REVIEWER},
        follow=True,
    )
    assert "En inbjudan är skickad till anna@kramfors.se." in response.text
    [envelope] = smtp.envelopes
    assert smtp.logins == [LOGIN]
    assert envelope.mail_from == "planering@finsam.example.se"
    assert envelope.rcpt_tos == ["anna@kramfors.se"]
    [message] = smtp.messages()
    assert str(message["Subject"]).strip() == (
        "Inbjudan till Samordningsförbundet Alfa i Finsam planering"
    )
    assert message["To"] == "anna@kramfors.se"
    body = message.get_content()
    assert "Hej Anna!" in body and "Du blir beredningsgrupp" in body
    [link] = LINK.findall(body)

    client.logout()
    accept = client.get(urlsplit(link).path).url
    password = "Smtp-levererad-länk-2026"
    client.post(
        accept,
        {
            "first_name": "Anna",
            "last_name": "Ek",
            "new_password1": password,
            "new_password2": password,
        },
    )
    assert Membership.objects.get(user__username="anna@kramfors.se").role == Role.REVIEWER


def test_a_refused_smtp_login_is_said_in_swedish(client, director, federation, smtp, settings):
    settings.EMAIL_HOST_PASSWORD = "fel"
    client.force_login(director)
    response = client.post(
        reverse("people", args=[federation.slug]),
        {"email": "anna@kramfors.se", "role": Role.VIEWER},
        follow=True,
    )
    assert "e-postservern godtog inte inloggningen" in response.text
    assert smtp.envelopes == []
    assert Invitation.objects.get().send_count == 0


def test_password_reset_mail_goes_over_smtp(client, smtp, db):
    from tests.factories import UserFactory

    UserFactory(username="eva", email="eva@alfa.se")
    client.post(reverse("password_reset"), {"email": "eva@alfa.se"})
    [message] = smtp.messages()
    assert str(message["Subject"]).strip() == "Nytt lösenord till Finsam planering"
    assert "/logga-in/nytt-losenord/" in message.get_content()


def _settings_in(env: dict[str, str]) -> list[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='finsam.settings'; "
        "django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT, "
        "s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, repr(s.DEFAULT_FROM_EMAIL))"
    )
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EMAIL_", "DEFAULT_FROM", "PYTEST", "DEBUG", "DATABASE_URL"))
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split(" ", 6)


def test_mail_settings_come_from_the_environment():
    assert _settings_in(
        {
            "DEBUG": "0",
            "EMAIL_HOST": "smtp.kramfors.se",
            "EMAIL_PORT": "587",
            "EMAIL_HOST_USER": "finsam",
            "EMAIL_HOST_PASSWORD": "x",
            "EMAIL_USE_TLS": "1",
            "DEFAULT_FROM_EMAIL": "Finsam <noreply@kramfors.se>",
        }
    ) == [
        "smtp",
        "smtp.kramfors.se",
        "587",
        "finsam",
        "x",
        "True",
        "'Finsam <noreply@kramfors.se>'",
    ]
    # A DEBUG server prints mails on the console, unless it is given a mail server.
    assert _settings_in({"DEBUG": "1"})[0] == "console"
    assert _settings_in({"DEBUG": "1", "EMAIL_HOST": "127.0.0.1"})[0] == "smtp"
