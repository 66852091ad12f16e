"""CSRF: every URL refuses a POST without a token, even from the förbundschef on
the förbund's own objects; and no view is exempt.

The URLs come from walking the resolver (tests/test_access.py), so a new URL is
covered as soon as it exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from finsam.models import BoardSeat, Member
from tests.test_access import ROUTES, build_world

ROOT = Path(settings.BASE_DIR)
PROJECT_CODE = ["finsam", "plans", "interventions", "budgets", "documents"]
# Outside the walk (tests/test_access.py skips admin/): the admin's forms too.
EXTRA_URLS = ["/admin/login/", "/admin/finsam/federation/add/"]


@pytest.fixture
def csrf_client(director) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    return client


def _assert_refused(client: Client, url: str) -> None:
    response = client.post(url, {"name": "x", "action": "save"})
    assert response.status_code == 403, (
        f"POST {url} without a CSRF token answered {response.status_code}, not 403"
    )
    assert "CSRF" in response.content.decode(), f"POST {url}: 403, but not from the CSRF check"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.label)
def test_post_without_csrf_token_is_refused(route, csrf_client, federation):
    world = build_world(federation)
    _assert_refused(csrf_client, route.url(world))
    # Nothing was deleted on the way.
    assert Member.objects.filter(pk=world.member.pk).exists()
    assert BoardSeat.objects.filter(pk=world.seat.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", EXTRA_URLS)
def test_admin_posts_without_csrf_token_are_refused(url, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    _assert_refused(client, url)


def test_the_login_form_needs_the_token_too(db, director, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/logga-in/", {"username": director.username, "password": password})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_post_with_the_token_gets_through(csrf_client, federation):
    page = csrf_client.get(f"/f/{federation.slug}/redigera/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    response = csrf_client.post(
        f"/f/{federation.slug}/redigera/", {"csrfmiddlewaretoken": token.group(1), "name": ""}
    )
    assert response.status_code == 200  # the form's own errors, past the CSRF check


def test_no_view_is_csrf_exempt():
    used = []
    for folder in PROJECT_CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), 1):
                if "csrf_exempt" in line:
                    used.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not used, "csrf_exempt turns off the CSRF check:\n" + "\n".join(used)
    # The settings keep the middleware on.
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
