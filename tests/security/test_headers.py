"""Security headers and the production configuration.

- A live server answers every page with the Content-Security-Policy (no inline
  script or style), nosniff, the Referrer-Policy and frame-ancestors 'none'.
- In production mode (DEBUG off, outside pytest) the settings turn on HSTS and
  Secure cookies; with those values the responses carry them.
- No template has inline script, inline style or event-handler attributes, which
  the policy would block.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _fetch(url: str) -> tuple[int, dict[str, str]]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:  # noqa: S310 - the test's own server
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def test_live_server_sends_the_security_headers(live_server, federation):
    from budgets.models import Budget

    Budget.objects.create(federation=federation, year=2026)
    for path, status in (
        ("/logga-in/", 200),  # a page
        ("/", 302),  # a redirect to the login page
        ("/finns-inte/", 404),  # an error page
        ("/f/alfa/budget/2026/rapport.json", 302),  # JSON, before login
    ):
        code, headers = _fetch(live_server.url + path)
        assert code == status, path
        assert headers["content-security-policy"] == CSP, path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        assert headers["x-frame-options"] == "DENY", path


@pytest.mark.django_db
def test_every_kind_of_response_has_the_policy(client, director, federation):
    from budgets.models import Budget

    Budget.objects.create(federation=federation, year=2026)
    client.force_login(director)
    responses = [
        client.get("/"),
        client.get("/f/alfa/"),
        client.get("/f/alfa/budget/2026/rapport.json"),
        client.get("/f/alfa/budget/2026/excel/"),
        client.get("/f/beta/"),  # 404
        client.post("/f/alfa/redigera/", {"name": ""}),  # a form with errors
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 200]
    for response in responses:
        assert response["Content-Security-Policy"] == CSP


PRODUCTION_KEYS = (
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_SAVE_EVERY_REQUEST",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "DEBUG",
)


@pytest.fixture(scope="module")
def production_settings() -> dict[str, object]:
    """The settings as production loads them: DEBUG off, outside pytest."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(SECRET_KEY="prod-" + "k3y-" * 16, ALLOWED_HOSTS="finsam.example.se")
    code = (
        "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'finsam.settings'; "
        "django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k, None) for k in {PRODUCTION_KEYS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_turn_on_hsts_and_secure_cookies(production_settings):
    s = production_settings
    assert s["DEBUG"] is False
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and s["SECURE_HSTS_PRELOAD"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"] and s["CSRF_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] == s["CSRF_COOKIE_SAMESITE"] == "Lax"
    # 30 minutes idle: the expiry moves at most once a minute (test_accounts.py).
    assert s["SESSION_COOKIE_AGE"] == 31 * 60 and not s["SESSION_SAVE_EVERY_REQUEST"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] and s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["X_FRAME_OPTIONS"] == "DENY"
    assert s["CONTENT_SECURITY_POLICY"] == CSP


@pytest.mark.django_db
def test_responses_in_production_mode_carry_hsts_and_secure_cookies(
    production_settings, client, director, password
):
    values = {k: v for k, v in production_settings.items() if k != "DEBUG"}
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    with override_settings(**values):
        # Plain http is sent to https.
        response = client.get("/logga-in/")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/logga-in/"

        # Behind the proxy, over https: HSTS and the secure CSRF cookie.
        page = client.get("/logga-in/", headers={"x-forwarded-proto": "https"})
        assert page.status_code == 200
        assert page["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
        assert page["Content-Security-Policy"] == CSP
        csrf = page.cookies["csrftoken"]
        assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"

        response = client.post(
            "/logga-in/",
            {"username": director.username, "password": password},
            headers={"x-forwarded-proto": "https"},
        )
        assert response.status_code == 302
        session = response.cookies["sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
        assert session["max-age"] == 31 * 60  # 30 minutes idle, saved at most once a minute


# --- templates: nothing the policy would block -------------------------------------

TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
INLINE = {
    "inline <script>": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I
    ),
    "<style> block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I | re.S),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def _inline_findings() -> list[str]:
    found = []
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            for what, pattern in INLINE.items():
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    return found


def test_the_template_scan_finds_inline_code(tmp_path):
    for sample in (
        "<script>alert(1)</script>",
        '<p style="color:red">',
        "<style>p{}</style>",
        '<a href="#" onclick="x()">',
        '<a href="javascript:x()">',
    ):
        assert any(p.search(sample) for p in INLINE.values()), sample
    for fine in (
        '<script src="/static/js/grid.js"></script>',
        '<script id="d" type="application/json">',
        '<p class="x" data-state="{}">',
        "<p>onsdag = dag</p>",
    ):
        assert not any(p.search(fine) for p in INLINE.values()), fine


def test_no_template_has_inline_script_or_style():
    assert TEMPLATE_DIRS[0].is_dir()
    findings = _inline_findings()
    assert not findings, "The Content-Security-Policy blocks these:\n" + "\n".join(findings)


def test_htmx_indicator_styles_are_off_on_every_page():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in base
