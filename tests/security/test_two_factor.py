"""Two-factor login (issue 13, item 2): with the requirement on, a förbundschef or a
member of the site staff reaches no page on the password alone; the TOTP code (computed
here from the key the setup page shows) or a single-use backup code completes the
login; wrong codes are refused and, five in 15 minutes, lock the code step; a reader
logs in with the password only; staff reset a lost device, audited; and only DEBUG
may turn the requirement off."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from base64 import b32decode, b64decode
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from finsam.models import AuditEntry
from finsam.twofactor.selectors import WRONG_CODE
from tests.factories import PASSWORD, UserFactory

SETUP = reverse("twofactor_setup")
VERIFY = reverse("twofactor_verify")
HOME = reverse("home")
SECRET = re.compile(r'class="font-monospace fs-5 mb-1 totp-secret">([A-Z2-7 ]+)<')
BACKUP_CODE = re.compile(r"<li>([a-z2-7]{4} [a-z2-7]{4})</li>")


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.FINSAM_OTP_REQUIRED = True


@pytest.fixture
def staff(db):
    return UserFactory(username="personal", is_staff=True, is_superuser=True)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def code_for(key_hex: str, step_offset: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = totp.time + 30 * step_offset
    return f"{totp.token():06d}"


def set_up(client, user, clock) -> tuple[str, list[str]]:
    """Log in with the password and set up the app from what the setup page shows:
    the key (hex) and the ten backup codes."""
    log_in(client, user)
    page = client.get(SETUP).content.decode()
    secret = SECRET.search(page)
    assert secret, page
    key = b32decode(secret.group(1).replace(" ", "")).hex()
    response = client.post(SETUP, {"code": code_for(key)})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("twofactor_backup_codes")
    ), response.content.decode()[:800]
    page = client.get(response["Location"]).content.decode()
    codes = BACKUP_CODE.findall(page)
    assert len(codes) == 10, page
    clock.shift(timedelta(seconds=30))  # the next code of the app
    return key, codes


def _example_urls() -> list[str]:
    """One URL for every URL name of the site (and Django admin's index and user list),
    with made-up arguments: the redirect comes before the view looks at them."""
    values = {"slug": "alfa", "int": 1, "str": "x", "path": "x"}
    urls: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if getattr(pattern, "namespace", None) != "admin":
                    walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                route = re.sub(
                    r"<(?:(\w+):)?\w+>", lambda m: str(values.get(m.group(1) or "str", "x")), route
                )
                urls.append("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver(), "")
    return [*urls, reverse("admin:index"), reverse("admin:auth_user_changelist")]


@pytest.mark.parametrize("who", ["director", "staff"])
def test_no_page_after_the_password_alone(client, request, who, federation):
    user = request.getfixturevalue(who)
    response = log_in(client, user)
    assert client.get(response["Location"])["Location"].startswith(SETUP)
    reached = []
    for url in _example_urls():
        if url in (SETUP, reverse("logout"), reverse("session_status")):
            continue
        for method in (client.get, client.post):
            answer = method(url)
            if not (answer.status_code == 302 and answer["Location"].startswith(SETUP)):
                reached.append((method.__name__, url, answer.status_code))
    assert not reached
    assert len(_example_urls()) > 60
    # Only the session's status (session.js on the setup page), as JSON: no page.
    status = client.get(reverse("session_status"))
    assert status["Content-Type"] == "application/json" and status.json()["user"] == user.pk
    # htmx requests are sent to the setup page by the browser, not swapped into the page.
    answer = client.post(reverse("home"), HTTP_HX_REQUEST="true")
    assert answer["HX-Redirect"] == SETUP


def test_setup_with_the_app_code_completes_the_login(client, director, clock):
    key, codes = set_up(client, director, clock)
    assert client.get(HOME).status_code == 200
    assert TOTPDevice.objects.get(user=director).confirmed
    assert StaticToken.objects.filter(device__user=director).count() == 10
    assert AuditEntry.objects.filter(
        actor=director, action="aktiverade tvåstegsverifiering"
    ).exists()

    # The next login asks for the code after the password, and the app's code lets her in.
    client.post(reverse("logout"))
    log_in(client, director)
    answer = client.get(reverse("federation_detail", args=["alfa"]))
    assert answer["Location"] == VERIFY + "?next=/f/alfa/"
    response = client.post(VERIFY, {"code": code_for(key), "next": "/f/alfa/"})
    assert response["Location"] == "/f/alfa/"
    assert client.get("/f/alfa/").status_code == 200


def test_the_qr_code_is_an_svg_image(client, director):
    log_in(client, director)
    page = client.get(SETUP).content.decode()
    data = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert data and b64decode(data.group(1)).lstrip().startswith(b"<?xml")
    assert "<script" not in page.split("</main>")[0] and "style=" not in page


def test_a_wrong_code_is_refused(client, director, clock):
    log_in(client, director)
    page = client.get(SETUP).content.decode()
    key = b32decode(SECRET.search(page).group(1).replace(" ", "")).hex()
    right = code_for(key)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    fullwidth = right.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    for code in (wrong, fullwidth, "", "abc"):
        response = client.post(SETUP, {"code": code})
        assert response.status_code == 200, code
        assert not TOTPDevice.objects.filter(user=director).exists()
    assert (
        "Koden stämmer inte" in response.content.decode()
        or "obligatoriskt" in response.content.decode()
    )
    assert client.get(HOME)["Location"].startswith(SETUP)

    client.post(SETUP, {"code": right})
    client.post(reverse("logout"))
    clock.shift(timedelta(seconds=30))
    log_in(client, director)
    for code in (f"{(int(code_for(key)) + 1) % 1_000_000:06d}", "1" * 8):
        response = client.post(VERIFY, {"code": code})
        assert response.status_code == 200
        assert "Koden stämmer inte" in response.content.decode()
        assert client.get(HOME)["Location"].startswith(VERIFY)
    assert AuditEntry.objects.filter(actor=director, action=WRONG_CODE).count() == 2


def test_a_code_is_not_taken_twice(client, director, clock):
    key, _ = set_up(client, director, clock)
    client.post(reverse("logout"))
    code = code_for(key)
    log_in(client, director)
    assert client.post(VERIFY, {"code": code})["Location"] == HOME
    client.post(reverse("logout"))
    log_in(client, director)
    assert client.post(VERIFY, {"code": code}).status_code == 200  # the same time step again
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_a_backup_code_works_once_and_not_twice(client, director, clock):
    _, codes = set_up(client, director, clock)
    client.post(reverse("logout"))

    log_in(client, director)
    response = client.post(VERIFY, {"code": codes[3].upper()})
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert StaticToken.objects.filter(device__user=director).count() == 9
    assert AuditEntry.objects.get(actor=director, action="loggade in med reservkod").changes == {
        "reservkoder kvar": 9
    }
    client.post(reverse("logout"))

    log_in(client, director)
    assert client.post(VERIFY, {"code": codes[3]}).status_code == 200
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": codes[4].replace(" ", "-")})["Location"] == HOME


def test_new_backup_codes_replace_the_old(client, director, clock):
    _, old = set_up(client, director, clock)
    response = client.post(reverse("twofactor_backup_codes_new"))
    page = client.get(response["Location"])
    assert "no-store" in page["Cache-Control"]  # the codes stay out of every cache
    new = BACKUP_CODE.findall(page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    # Shown once: the page does not show them again.
    assert BACKUP_CODE.findall(client.get(reverse("twofactor_backup_codes")).content.decode()) == []
    client.post(reverse("logout"))
    log_in(client, director)
    assert client.post(VERIFY, {"code": old[0]}).status_code == 200
    assert client.post(VERIFY, {"code": new[0]})["Location"] == HOME


def test_wrong_codes_lock_the_code_step(client, director, reviewer, clock):
    key, _ = set_up(client, director, clock)
    client.post(reverse("logout"))
    log_in(client, director)
    for _attempt in range(5):
        clock.shift(timedelta(seconds=1))
        client.post(VERIFY, {"code": "000000" if code_for(key) != "000000" else "111111"})
    clock.shift(timedelta(seconds=30))
    # The sixth try, with the right code, is refused, and says when to try again.
    response = client.post(VERIFY, {"code": code_for(key)})
    assert response.status_code == 429
    assert "Försök igen om 15 minuter" in response.content.decode()
    assert client.get(HOME)["Location"].startswith(VERIFY)
    # Logging in again does not help.
    client.post(reverse("logout"))
    log_in(client, director)
    assert client.post(VERIFY, {"code": code_for(key)}).status_code == 429
    assert AuditEntry.objects.filter(actor=director, action=WRONG_CODE).count() == 5

    clock.shift(timedelta(minutes=15))
    assert client.post(VERIFY, {"code": code_for(key)})["Location"] == HOME


def test_twenty_wrong_codes_in_a_day_lock_for_the_day(client, director, clock):
    key, _ = set_up(client, director, clock)
    client.post(reverse("logout"))
    log_in(client, director)
    for _attempt in range(20):
        clock.shift(timedelta(minutes=16))
        client.post(VERIFY, {"code": "abcdefgh"})
    clock.shift(timedelta(minutes=16))
    assert client.post(VERIFY, {"code": code_for(key)}).status_code == 429
    clock.shift(timedelta(hours=19))  # the first failure is a day old
    log_in(client, director)  # the session has ended meanwhile
    assert client.post(VERIFY, {"code": code_for(key)})["Location"] == HOME


def test_a_reader_without_a_device_logs_in_with_the_password(client, viewer, board_member):
    for user in (viewer, board_member):
        response = log_in(client, user)
        assert client.get(response["Location"]).status_code == 200
        assert client.get(reverse("federation_detail", args=["alfa"])).status_code == 200
        assert client.get(reverse("twofactor_setup")).status_code == 200  # optional
        client.post(reverse("logout"))


def test_a_reader_with_a_device_is_asked_for_the_code_and_may_turn_it_off(client, viewer, clock):
    key, _ = set_up(client, viewer, clock)
    client.post(reverse("logout"))
    log_in(client, viewer)
    assert client.get(HOME)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(key)})
    client.post(reverse("twofactor_disable"))
    assert not TOTPDevice.objects.filter(user=viewer).exists()
    client.post(reverse("logout"))
    log_in(client, viewer)
    assert client.get(HOME).status_code == 200


def test_a_director_may_not_turn_it_off(client, director, clock):
    set_up(client, director, clock)
    client.post(reverse("twofactor_disable"))
    assert TOTPDevice.objects.filter(user=director).exists()


def test_the_password_alone_sets_up_no_new_app(client, director, clock):
    set_up(client, director, clock)
    client.post(reverse("logout"))
    log_in(client, director)
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)
    assert client.post(reverse("twofactor_backup_codes_new"))["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=director).count() == 1


def test_next_goes_nowhere_outside(client, director, clock):
    key, _ = set_up(client, director, clock)
    client.post(reverse("logout"))
    log_in(client, director)
    response = client.post(VERIFY, {"code": code_for(key), "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_staff_reset_removes_the_device_and_is_audited(client, director, staff, clock):
    set_up(client, director, clock)
    director_client = client
    assert director_client.get(HOME).status_code == 200

    from django.test import Client

    admin = Client()
    staff_device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    admin.force_login(staff)
    session = admin.session
    session[DEVICE_ID_SESSION_KEY] = staff_device.persistent_id
    session.save()
    changelist = reverse("admin:auth_user_changelist")
    page = admin.get(changelist).content.decode()
    assert "Återställ tvåstegsverifiering" in page
    response = admin.post(
        changelist, {"action": "reset_two_factor", "_selected_action": [director.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=director).exists()
    assert not StaticDevice.objects.filter(user=director).exists()
    assert TOTPDevice.objects.filter(user=staff).exists()
    entry = AuditEntry.objects.get(action="återställde tvåstegsverifiering")
    assert (entry.actor, entry.object) == (staff, director.username)
    assert entry.changes == {"användare": director.username, "enheter": 2}
    # The director's session lost its device: she sets up a new one before any page.
    assert director_client.get(HOME)["Location"].startswith(SETUP)


def test_staff_without_the_code_reach_no_admin_page(client, staff):
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.force_login(staff)
    assert client.get(reverse("admin:auth_user_changelist"))["Location"].startswith(VERIFY)


def test_the_requirement_is_off_only_with_debug():
    root = Path(django_settings.BASE_DIR)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='finsam.settings'; "
        "django.setup(); from django.conf import settings as s; print(s.FINSAM_OTP_REQUIRED)"
    )
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "FINSAM_OTP_REQUIRED"}
    }

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    refused = run(DEBUG="0", FINSAM_OTP_REQUIRED="0")
    assert refused.returncode != 0
    assert "FINSAM_OTP_REQUIRED=0 är tillåtet bara med DEBUG=1" in refused.stderr
    assert run(DEBUG="0").stdout.split() == ["True"]
    assert run(DEBUG="1", FINSAM_OTP_REQUIRED="0").stdout.split() == ["False"]
    assert run(DEBUG="1").stdout.split() == ["False"]
    assert run(DEBUG="1", FINSAM_OTP_REQUIRED="1").stdout.split() == ["True"]


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_do_not_pass_the_limit():
    """Ten wrong guesses at the same moment, each in its own thread and database
    connection: five are checked (and recorded), the other five find the lock."""
    from django.contrib.auth import get_user_model

    from finsam.twofactor.services import CodeLocked, code_verify
    from tests.security.test_concurrency import _in_threads

    user = UserFactory(username="gissad")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)

    def guess():
        return code_verify(user=get_user_model().objects.get(pk=user.pk), code="abcdefgh")

    results = _in_threads(*[guess] * 10)
    assert sum(r is None for r in results) == 5, results
    assert sum(isinstance(r, CodeLocked) for r in results) == 5, results
    assert AuditEntry.objects.filter(actor=user, action=WRONG_CODE).count() == 5


def test_a_verified_session_reaches_the_pages(client, director):
    """tests.factories.log_in_verified (the benches' login of a förbundschef) gives
    the session its device, as the code step does."""
    from tests.factories import log_in_verified

    log_in_verified(client, director)
    assert client.get(reverse("federation_detail", args=["alfa"])).status_code == 200
