"""Accounts: password rules, session limits, login throttling and the record of
failed logins (without the password)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from finsam.middleware import LOGIN_AT
from finsam.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = timezone.datetime(2026, 3, 2, 8, 0, tzinfo=timezone.get_current_timezone())


# --- passwords -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        "kort-lösen1",  # 11 characters
        "password1234",  # common, though 12 characters
        "qwertyuiop123",  # common
        "123456789012",  # only digits (and common)
        "sommar2026!!",
    ],
)
def test_short_or_common_passwords_are_refused(candidate):
    if candidate == "sommar2026!!":
        validate_password(candidate)  # 12 characters, not common: accepted
        return
    with pytest.raises(ValidationError):
        validate_password(candidate)


def test_password_like_the_user_name_is_refused():
    user = UserFactory.build(username="anna.andersson", first_name="Anna", last_name="Andersson")
    with pytest.raises(ValidationError):
        validate_password("anna.andersson1", user=user)


def test_twelve_characters_is_the_minimum():
    minimum = next(
        v for v in settings.AUTH_PASSWORD_VALIDATORS if v["NAME"].endswith("MinimumLengthValidator")
    )
    assert minimum["OPTIONS"]["min_length"] == 12
    with pytest.raises(ValidationError, match="12"):
        validate_password("x7#kQ9!mZ2p")  # 11
    validate_password("x7#kQ9!mZ2pL")  # 12


# --- sessions ------------------------------------------------------------------------


def _logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_session_ends_after_30_minutes_idle(director):
    with time_machine.travel(START, tick=False) as clock:
        client = _logged_in_client(director)
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity keeps it alive
        clock.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/logga-in/")


def test_activity_saves_the_session_at_most_once_a_minute(director):
    """No write per page view; yet a session always lives 30 minutes after its last
    request (at most 31)."""
    from django.contrib.sessions.models import Session

    def saved_expiry(client: Client):
        return Session.objects.get(session_key=client.session.session_key).expire_date

    with time_machine.travel(START, tick=False) as clock:
        client = _logged_in_client(director)
        assert client.get("/").status_code == 200
        first = saved_expiry(client)
        assert first == START + timedelta(minutes=31)
        clock.shift(timedelta(seconds=59))
        assert client.get("/").status_code == 200
        assert saved_expiry(client) == first  # within the minute: not saved
        clock.shift(timedelta(minutes=30))  # 30 minutes idle after that request
        assert client.get("/").status_code == 200  # still logged in (expiry 31:00)
        assert saved_expiry(client) == START + timedelta(minutes=30, seconds=59) + timedelta(
            minutes=31
        )
        clock.shift(timedelta(minutes=31, seconds=1))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/logga-in/")


def test_session_ends_after_12_hours_however_active(director):
    with time_machine.travel(START, tick=False) as clock:
        client = _logged_in_client(director)
        assert client.session[LOGIN_AT] == START.timestamp()
        for _ in range(12 * 3 - 1):  # a request every 20 minutes, for 11 h 40 min
            clock.shift(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=20))  # 12 h exactly: still allowed
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=1))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/logga-in/")
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "Du har varit inloggad i 12 timmar" in page.content.decode()


def test_a_session_from_before_the_limit_existed_counts_from_now(director):
    with time_machine.travel(START, tick=False) as clock:
        client = _logged_in_client(director)
        session = client.session
        del session[LOGIN_AT]
        session.save()
        assert client.get("/").status_code == 200
        assert client.session[LOGIN_AT] == START.timestamp()
        clock.shift(timedelta(hours=12, minutes=1))
        client.get("/")  # (idle by now as well)
        assert "_auth_user_id" not in client.session


def test_logging_in_anew_starts_a_new_12_hours(director, password):
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.post("/logga-in/", {"username": director.username, "password": password})
        assert client.session[LOGIN_AT] == START.timestamp()
        clock.shift(timedelta(hours=13))
        client.post("/logga-in/", {"username": director.username, "password": password})
        assert client.get("/").status_code == 200


# --- login throttling (django-axes) ----------------------------------------------------


def _fail(client: Client, username: str, address: str = "10.0.0.1"):
    return client.post(
        "/logga-in/", {"username": username, "password": "fel-lösenord-123"}, REMOTE_ADDR=address
    )


def test_five_failures_lock_the_account_for_15_minutes(director, password):
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        for attempt in range(4):
            response = _fail(client, director.username, address=f"10.0.0.{attempt + 1}")
            assert response.status_code == 200  # the form says the password is wrong
        # The fifth failure locks (each from another address: it is the account).
        assert _fail(client, director.username, address="10.0.0.5").status_code == 429
        # Then even the right password, from yet another address, is refused.
        response = client.post(
            "/logga-in/",
            {"username": director.username, "password": password},
            REMOTE_ADDR="10.0.0.99",
        )
        assert response.status_code == 429
        html = response.content.decode()
        assert "För många inloggningsförsök" in html and "15 minuter" in html
        assert "_auth_user_id" not in client.session
        assert response["Content-Security-Policy"]

        clock.shift(timedelta(minutes=14))
        response = client.post(
            "/logga-in/",
            {"username": director.username, "password": password},
            REMOTE_ADDR="10.0.0.99",
        )
        assert response.status_code == 429

    with time_machine.travel(START + timedelta(minutes=31), tick=False):
        # (The attempt at 14 minutes started the cool-off again.)
        response = client.post(
            "/logga-in/",
            {"username": director.username, "password": password},
            REMOTE_ADDR="10.0.0.99",
        )
        assert response.status_code == 302


def test_five_failures_from_one_address_lock_the_address(director, password):
    client = Client()
    for n in range(5):
        _fail(client, f"gissning{n}", address="10.9.9.9")
    # Another user's right password from that address: locked.
    response = client.post(
        "/logga-in/", {"username": director.username, "password": password}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429
    # The same user from elsewhere: fine (the lock is per address, not per user).
    response = client.post(
        "/logga-in/", {"username": director.username, "password": password}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 302


def test_four_failures_do_not_lock(director, password):
    client = Client()
    for _ in range(4):
        _fail(client, director.username)
    response = client.post(
        "/logga-in/", {"username": director.username, "password": password}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302


def test_address_behind_a_trusted_proxy(settings, director):
    from finsam.audit import client_address

    class Request:
        META = {"REMOTE_ADDR": "10.0.0.254", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 192.0.2.7"}

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(Request()) == "10.0.0.254"  # the header is not trusted
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(Request()) == "192.0.2.7"  # what our proxy saw, not what was sent


# --- failed logins are recorded, the password never -----------------------------------


def test_failed_login_is_recorded_without_the_password(director, caplog):
    secret = "Hemligt-Lösen-8472"
    caplog.set_level(logging.DEBUG)
    client = Client()
    response = client.post(
        "/logga-in/", {"username": director.username, "password": secret}, REMOTE_ADDR="10.2.3.4"
    )
    assert response.status_code == 200

    entry = AuditEntry.objects.get(action="misslyckad inloggning")
    assert entry.object == director.username
    assert entry.changes == {"username": director.username, "address": "10.2.3.4"}
    attempt = AccessAttempt.objects.get(username=director.username)
    assert attempt.ip_address == "10.2.3.4" and attempt.failures_since_start == 1

    # Nowhere: not in the audit log, not in django-axes' table, not in any log line.
    for row in AuditEntry.objects.values():
        assert secret not in str(row)
    for row in AccessAttempt.objects.values():
        assert secret not in str(row)
    assert secret not in caplog.text
    assert any(
        "misslyckad inloggning" in r.getMessage()
        for r in caplog.records
        if r.name == "finsam.audit"
    )


def test_no_secret_key_is_ever_stored_in_changes(director, federation):
    from finsam.audit import record

    entry = record(
        action="test",
        by=director,
        federation=federation,
        changes={
            "password": "x1",
            "nested": {"api_token": "x2", "keep": "ok"},
            "new_password1": "x3",
            "key": "fk",
        },
    )
    assert entry.changes == {
        "password": "********",
        "nested": {"api_token": "********", "keep": "ok"},
        "new_password1": "********",
        "key": "fk",
    }
