"""Production configuration: `check --deploy` passes, DEBUG is off unless set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(extra)
    return env


def test_check_deploy_passes_in_production_mode():
    env = _env(
        DEBUG="0",
        SECRET_KEY="prod-" + "k3y-" * 16,
        ALLOWED_HOSTS="finsam.example.se",
        DATABASE_URL=os.environ.get("DATABASE_URL", ""),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_off_unless_set():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='finsam.settings'; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["False", "sv", "Europe/Stockholm"], result.stderr


def test_production_shares_one_pdf_cache_between_workers(tmp_path):
    """One process stores a PDF; another (a second gunicorn worker) finds it."""
    code = (
        "import django, os, sys; os.environ['DJANGO_SETTINGS_MODULE']='finsam.settings'; "
        "django.setup(); from django.core.cache import caches; c = caches['default']; "
        "sys.argv[1:] == ['set'] and c.set('k', b'%PDF'); print(type(c).__name__, c.get('k'))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(FINSAM_CACHE_DIR=str(tmp_path)),
        )
        for args in (["set"], [])
    ]
    assert [r.stdout.split() for r in runs] == [["FileBasedCache", "b'%PDF'"]] * 2, runs


def test_passwords_need_twelve_characters():
    import pytest
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("kort-lösen1")  # 11 characters
    validate_password("tolv-tecken-lösenord-9")


def test_sqlite_runs_in_immediate_mode():
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert db["OPTIONS"]["timeout"] >= 5
