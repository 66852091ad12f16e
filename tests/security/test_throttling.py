"""Login throttling that holds (issue 13, item 1).

The trial guessed 40 times at one account in 14 s: four wrong passwords for X, one
right login for another account Y, from the same address, again and again. Each
success of Y reset every failure counted for the address, X's included.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from finsam.models import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

START = timezone.datetime(2026, 3, 2, 8, 0, tzinfo=timezone.get_current_timezone())
ADDRESS = "10.20.30.40"
WRONG = "fel-lösenord-123"


@pytest.fixture
def accomplice(federation):
    """Y: an account whose password the attacker knows."""
    user = UserFactory(username="medhjalpare")
    MembershipFactory(user=user, federation=federation, role=Role.VIEWER)
    return user


def _login(client: Client, username: str, password: str, address: str = ADDRESS):
    return client.post(
        "/logga-in/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _checked_wrong_guesses(responses) -> int:
    """Wrong passwords that were checked: the login form came back (200) or the
    check was the one that locked (429 on the first refused)."""
    return sum(1 for r in responses if r.status_code == 200)


def test_the_trial_attack_is_stopped_at_the_fifth_wrong_password(director, accomplice, password):
    """4 × wrong for X, 1 × right for Y, from one address, eight rounds: 40 guesses."""
    guesses = []
    successes_of_y = 0
    with time_machine.travel(START, tick=False) as clock:
        for _round in range(8):
            for _ in range(4):
                guesses.append(_login(Client(), director.username, WRONG))
                clock.shift(timedelta(milliseconds=300))
            response = _login(Client(), accomplice.username, password)
            successes_of_y += response.status_code == 302
            clock.shift(timedelta(milliseconds=300))
        # Four wrong passwords came back with the form; the fifth locked the account
        # and every guess after it was refused without a look at the password.
        assert _checked_wrong_guesses(guesses) == settings.AXES_FAILURE_LIMIT - 1
        assert [r.status_code for r in guesses[settings.AXES_FAILURE_LIMIT - 1 :]] == [429] * (
            len(guesses) - settings.AXES_FAILURE_LIMIT + 1
        )
        # Y got in only in the first round: then the address, too, had five failures.
        assert successes_of_y == 1
        # X's right password, from anywhere, is refused while the lock lasts.
        response = _login(Client(), director.username, password, address="192.0.2.1")
        assert response.status_code == 429

    # 15 minutes after the last attempt, X may log in again.
    last = AccessAttempt.objects.filter(username=director.username).latest("attempt_time")
    with time_machine.travel(last.attempt_time + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)):
        assert _login(Client(), director.username, password, address="192.0.2.1").status_code == 302


def test_the_attack_from_many_addresses_is_stopped_by_the_username(director, accomplice, password):
    """Each round from a new address: the address lock never trips, the username's does."""
    guesses = []
    with time_machine.travel(START, tick=False) as clock:
        for n in range(8):
            address = f"10.0.{n}.1"
            for _ in range(4):
                guesses.append(_login(Client(), director.username, WRONG, address=address))
                clock.shift(timedelta(seconds=1))
            assert _login(Client(), accomplice.username, password, address=address).status_code in (
                302,
                429,
            )
    assert _checked_wrong_guesses(guesses) == settings.AXES_FAILURE_LIMIT - 1
    assert all(r.status_code == 429 for r in guesses[settings.AXES_FAILURE_LIMIT - 1 :])


def test_a_success_resets_only_its_own_usernames_failures(director, accomplice, password):
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            assert _login(Client(), accomplice.username, WRONG).status_code == 200
        for _ in range(2):
            assert _login(Client(), director.username, WRONG).status_code == 200
        assert _login(Client(), accomplice.username, password).status_code == 302

        assert not AccessAttempt.objects.filter(username=accomplice.username).exists()
        kept = AccessAttempt.objects.get(username=director.username)
        assert kept.failures_since_start == 2

        # X's own success resets X.
        assert _login(Client(), director.username, password).status_code == 302
        assert not AccessAttempt.objects.filter(username=director.username).exists()


def test_the_sixth_attempt_within_15_minutes_is_refused_whatever_succeeds(
    director, accomplice, password
):
    """Failures spread over 14 minutes, with Y logging in between each."""
    with time_machine.travel(START, tick=False) as clock:
        statuses = []
        for _ in range(settings.AXES_FAILURE_LIMIT):
            statuses.append(
                _login(
                    Client(), director.username, WRONG, address=f"10.1.1.{len(statuses) + 1}"
                ).status_code
            )
            assert (
                _login(
                    Client(), accomplice.username, password, address=f"10.1.1.{len(statuses)}"
                ).status_code
                == 302
            )
            clock.shift(timedelta(minutes=3))
        assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
        # The sixth, with the right password: refused.
        assert _login(Client(), director.username, password, address="10.1.2.1").status_code == 429


def test_the_address_lock_still_holds(director, password):
    with time_machine.travel(START, tick=False):
        for n in range(settings.AXES_FAILURE_LIMIT):
            _login(Client(), f"gissning{n}", WRONG)
        assert _login(Client(), director.username, password).status_code == 429
        assert _login(Client(), director.username, password, address="10.99.0.1").status_code == 302


def test_the_lock_page_says_when_to_try_again(director, password):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            _login(Client(), director.username, WRONG)
        clock.shift(timedelta(minutes=2))
        response = _login(Client(), director.username, WRONG)
        assert response.status_code == 429
        html = response.content.decode()
        retry = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
        assert retry.tzinfo is not None and str(retry.tzinfo) == "Europe/Stockholm"
        assert f"kl. {retry:%H:%M}</strong> (svensk tid)" in html
        assert "Du kan försöka igen" in html and "För många inloggningsförsök" in html
        assert response["Content-Security-Policy"]

        # Another attempt during the lock moves the time on.
        clock.shift(timedelta(minutes=5))
        response = _login(Client(), director.username, password)
        later = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
        assert f"kl. {later:%H:%M}</strong>" in response.content.decode()


def test_a_lock_ending_after_midnight_names_the_day(director):
    late = timezone.datetime(2026, 3, 2, 23, 55, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(late, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = _login(Client(), director.username, WRONG)
        assert "den 3 mars kl. 00:10" in response.content.decode()


# --- guesses sent in parallel ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_reach_the_password_at_most_the_limit(federation, monkeypatch):
    """Twelve wrong passwords for one account at the same moment, each from its own
    address: each attempt is counted before its password is checked, so no more than
    the limit are checked. (The slow password check keeps them all in flight.)"""
    import threading
    import time

    from django.contrib.auth.backends import ModelBackend
    from django.db import connections

    from finsam.models import Role
    from tests.factories import MembershipFactory, UserFactory

    target = UserFactory(username="maltavla")
    MembershipFactory(user=target, federation=federation, role=Role.DIRECTOR)
    checked = []
    original = ModelBackend.authenticate

    def slow_check(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        time.sleep(0.3)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", slow_check)
    guesses = 12
    barrier = threading.Barrier(guesses)
    statuses: list[int | BaseException] = [0] * guesses

    def guess(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            statuses[n] = _login(
                Client(), target.username, WRONG, address=f"10.50.0.{n + 1}"
            ).status_code
        except BaseException as exc:  # noqa: BLE001 - reported below
            statuses[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive()
    assert all(isinstance(s, int) for s in statuses), statuses
    assert len(checked) <= settings.AXES_FAILURE_LIMIT, (len(checked), statuses)
    assert statuses.count(200) <= settings.AXES_FAILURE_LIMIT - 1
    assert statuses.count(429) >= guesses - settings.AXES_FAILURE_LIMIT + 1
    # Every guess was counted once.
    total = sum(
        AccessAttempt.objects.filter(username=target.username).values_list(
            "failures_since_start", flat=True
        )
    )
    assert total == guesses


def test_a_username_longer_than_the_table_holds_is_counted_not_a_server_error(director):
    """(PostgreSQL refuses more than 255 characters in AccessAttempt.username.)"""
    long_name = "9" * 400
    with time_machine.travel(START, tick=False):
        statuses = [
            _login(Client(), long_name, WRONG).status_code
            for _ in range(settings.AXES_FAILURE_LIMIT + 1)
        ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429, 429]
    assert AccessAttempt.objects.get().username == long_name[:255]
