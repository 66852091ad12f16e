"""Demo safety (issue 13, item 8): with DEBUG off, load_demo makes no superuser with
the password published in the README; it takes one from FINSAM_DEMO_PASSWORD or
refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from documents.management.commands.load_demo import ADMIN, DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
OWN_PASSWORD = "serverns-eget-demolösen-7319"
USERNAMES = [username for username, *_ in DEMO_USERS] + [ADMIN[0]]


def _load_demo(tmp_path: Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("load_demo", "--dir", str(tmp_path), stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def production(settings, monkeypatch):
    settings.DEBUG = False
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = False
    monkeypatch.delenv("FINSAM_DEMO_PASSWORD", raising=False)
    return settings


def test_without_debug_and_without_a_password_it_refuses(production, tmp_path):
    code, out, err = _load_demo(tmp_path)
    assert code == 1
    assert "FINSAM_DEMO_PASSWORD" in err and "publicerade lösenordet" in err
    assert not get_user_model().objects.exists()


def test_without_debug_it_takes_the_password_from_the_environment(
    production, tmp_path, monkeypatch
):
    monkeypatch.setenv("FINSAM_DEMO_PASSWORD", OWN_PASSWORD)
    code, out, err = _load_demo(tmp_path)
    assert code == 0, err
    assert OWN_PASSWORD not in out and DEMO_PASSWORD not in out
    assert "lösenord från FINSAM_DEMO_PASSWORD" in out
    users = get_user_model().objects.filter(username__in=USERNAMES)
    assert users.count() == len(USERNAMES)
    for user in users:
        assert user.check_password(OWN_PASSWORD) and not user.check_password(DEMO_PASSWORD)
    assert users.get(username=ADMIN[0]).is_superuser


@pytest.mark.parametrize("weak", [DEMO_PASSWORD, "kort", "123456789012345"])
def test_without_debug_the_published_or_a_weak_password_is_refused(
    production, tmp_path, monkeypatch, weak
):
    monkeypatch.setenv("FINSAM_DEMO_PASSWORD", weak)
    code, _out, err = _load_demo(tmp_path)
    assert code == 1 and "FINSAM_DEMO_PASSWORD" in err
    assert not get_user_model().objects.exists()


def test_without_debug_demo_users_left_with_the_published_password_are_refused(
    settings, tmp_path, monkeypatch
):
    """A database first filled with DEBUG on, then used on a server."""
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    assert _load_demo(tmp_path)[0] == 0
    settings.DEBUG = False
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = False
    monkeypatch.setenv("FINSAM_DEMO_PASSWORD", OWN_PASSWORD)
    code, _out, err = _load_demo(tmp_path)
    assert code == 1 and "admin" in err and "publicerade" in err


def test_with_debug_the_readme_password_is_kept(settings, tmp_path, monkeypatch):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    monkeypatch.delenv("FINSAM_DEMO_PASSWORD", raising=False)
    code, out, err = _load_demo(tmp_path)
    assert code == 0, err
    assert get_user_model().objects.get(username=ADMIN[0]).check_password(DEMO_PASSWORD)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{DEMO_PASSWORD}`" in readme and "`FINSAM_DEMO_PASSWORD`" in readme


def _settings_in_a_fresh_process(**env: str) -> str:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "FINSAM_DEMO_PASSWORD"}
    }
    environment.update(env)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.DEMO_PUBLISHED_PASSWORD_ALLOWED)",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "finsam.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_the_setting_follows_debug_outside_the_tests():
    assert _settings_in_a_fresh_process() == "False False"
    assert _settings_in_a_fresh_process(DEBUG="1") == "True True"


def test_manage_py_refuses_on_a_server(tmp_path):
    """The real command line, DEBUG off and not under pytest."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "FINSAM_DEMO_PASSWORD"}
    }
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo", "--dir", str(tmp_path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "FINSAM_DEMO_PASSWORD" in result.stderr
    assert settings.DEMO_PUBLISHED_PASSWORD_ALLOWED  # (this test process is the tests)
