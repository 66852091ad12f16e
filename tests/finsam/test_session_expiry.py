"""An expired session loses nothing (issue 12, part 5), the server's side:

- an htmx request without a login gets 401, not the login page (one middleware for
  every login-required view);
- a form sent without a login is sent to log in with `next` = the page it came from
  (or the page its POST-only URL belongs to), never another site;
- the keep-alive endpoint: GET tells, without moving the expiry; POST renews it;
- the editors' script gets the timeouts and the user from the server.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from finsam.middleware import SEEN_AT
from plans.models import Section
from tests.budgets.test_views import make_budget
from tests.plans.conftest import make_plan

pytestmark = pytest.mark.django_db

START = timezone.datetime(2026, 3, 2, 8, 0, tzinfo=timezone.get_current_timezone())
HX = {"HX-Request": "true"}


def _next(response) -> str:
    assert response.status_code == 302, response.status_code
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    return parse_qs(location.query)["next"][0]


def _grid(federation, name="budget_grid") -> str:
    return reverse(name, args=[federation.slug, 2021])


def _expiry(client: Client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


# --- htmx ------------------------------------------------------------------------------


def test_htmx_request_without_login_gets_401_not_the_login_page(client, federation):
    make_budget(federation)
    response = client.post(_grid(federation, "budget_grid_recompute"), {}, headers=HX)
    assert response.status_code == 401
    assert "Location" not in response
    assert "utloggad" in response.content.decode()
    assert response["HX-Reswap"] == "none"


def test_htmx_request_of_a_logged_in_user_is_answered_as_before(client, director, federation):
    make_budget(federation)
    client.force_login(director)
    response = client.post(_grid(federation, "budget_grid_recompute"), {}, headers=HX)
    assert response.status_code == 200


def test_the_section_preview_gets_401_too(client, director, federation):
    plan = make_plan(federation)
    url = reverse("section_preview", args=[federation.slug, plan.year])
    client.force_login(director)
    assert client.post(url, {"body": "*x*"}, headers=HX).status_code == 200
    client.logout()
    assert client.post(url, {"body": "*x*"}, headers=HX).status_code == 401


def test_htmx_after_the_idle_limit_gets_401(director, federation):
    make_budget(federation)
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.force_login(director)
        url = _grid(federation, "budget_grid_recompute")
        assert client.post(url, {}, headers=HX).status_code == 200
        clock.shift(timedelta(minutes=32))
        assert client.post(url, {}, headers=HX).status_code == 401


def test_htmx_after_the_12_hours_gets_401(director, federation):
    make_budget(federation)
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.force_login(director)
        url = _grid(federation, "budget_grid_recompute")
        for _ in range(12 * 3):
            clock.shift(timedelta(minutes=20))
            assert client.post(url, {}, headers=HX).status_code == 200
        clock.shift(timedelta(minutes=1))
        assert client.post(url, {}, headers=HX).status_code == 401


def test_a_plain_get_without_login_still_goes_to_the_login_page(client, federation):
    make_budget(federation)
    url = _grid(federation) + "?scenario=ESF"
    assert _next(client.get(url)) == url


def test_logout_is_not_taken_for_a_login_redirect(client, director):
    client.force_login(director)
    response = client.post(reverse("logout"), headers=HX)
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


# --- next for a form sent without login -----------------------------------------------


def test_a_post_only_url_sends_her_back_to_the_page_she_was_on(client, federation):
    make_budget(federation)
    page = _grid(federation) + "?scenario=ESF"
    response = client.post(
        _grid(federation, "budget_grid_save"),
        {"action": "save"},
        headers={"Referer": "http://testserver" + page},
    )
    assert _next(response) == page
    login = client.get(response["Location"])
    assert "det du skickade är inte sparat" in login.content.decode()


def test_without_a_referer_the_page_the_url_belongs_to(client, federation):
    make_budget(federation)
    response = client.post(_grid(federation, "budget_grid_save"), {"action": "save"})
    assert _next(response) == _grid(federation)


@pytest.mark.parametrize(
    "referer",
    [
        "https://evil.example/f/alfa/budget/2021/rutnat/",
        "//evil.example/f/alfa/budget/2021/rutnat/",
        "http://testserver@evil.example/f/alfa/budget/2021/rutnat/",
        "javascript:alert(1)",
        "http://testserver/logga-in/",
        "http://testserver/finns/inte/",
    ],
)
def test_a_foreign_or_useless_referer_is_not_followed(client, federation, referer):
    make_budget(federation)
    response = client.post(
        _grid(federation, "budget_grid_save"), {"action": "save"}, headers={"Referer": referer}
    )
    assert _next(response) == _grid(federation)


def test_an_https_site_does_not_follow_an_http_referer(client, federation):
    make_budget(federation)
    response = client.post(
        _grid(federation, "budget_grid_save"),
        {"action": "save"},
        secure=True,
        headers={"Referer": "http://testserver/"},
    )
    assert _next(response) == _grid(federation)


def test_a_form_that_posts_to_its_own_page_comes_back_to_it(client, federation):
    plan = make_plan(federation)
    section = Section.objects.filter(plan=plan).first()
    url = reverse("section_edit", args=[federation.slug, plan.year, section.pk])
    response = client.post(url, {"heading": "x"}, headers={"Referer": "http://testserver" + url})
    assert _next(response) == url


def test_a_post_only_url_under_no_page_goes_to_the_nearest_page_above(client, federation):
    plan = make_plan(federation)
    section = Section.objects.filter(plan=plan).first()
    response = client.post(reverse("section_move", args=[federation.slug, plan.year, section.pk]))
    # …/plan/2021/avsnitt/<id>/flytta/ → …/plan/2021/ (…/avsnitt/<id>/ is no page)
    assert _next(response) == reverse("plan_detail", args=[federation.slug, plan.year])


def test_after_login_she_lands_on_the_page(client, director, federation, password):
    make_budget(federation)
    page = _grid(federation)
    response = client.post(
        _grid(federation, "budget_grid_save"),
        {"action": "save"},
        headers={"Referer": "http://testserver" + page},
    )
    login = client.post(
        response["Location"],
        {"username": director.username, "password": password, "next": _next(response)},
    )
    assert login.status_code == 302 and login["Location"] == page
    assert client.get(page).status_code == 200


# --- the keep-alive endpoint ----------------------------------------------------------


def test_keep_alive_renews_the_session_even_within_the_minute(director):
    url = reverse("session_status")
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.force_login(director)
        client.get("/")
        first = _expiry(client)
        clock.shift(timedelta(seconds=20))
        client.get("/")  # activity within the minute: not saved (settings)
        assert _expiry(client) == first
        response = client.post(url)
        assert response.status_code == 200
        assert response.json()["authenticated"] is True
        assert _expiry(client) == first + timedelta(seconds=20)
        assert client.session[SEEN_AT] == (START + timedelta(seconds=20)).timestamp()
        # And it keeps her logged in past the old limit.
        clock.shift(timedelta(minutes=30, seconds=30))
        assert client.get("/").status_code == 200


def test_asking_does_not_move_the_expiry(director):
    url = reverse("session_status")
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.force_login(director)
        client.get("/")
        first = _expiry(client)
        clock.shift(timedelta(minutes=10))
        data = client.get(url).json()
        assert data["authenticated"] is True and data["user"] == director.pk
        assert data["idle_left"] == 21 * 60  # 31 minutes after the save, 10 later
        assert data["lifetime_left"] == 12 * 3600 - 10 * 60
        assert _expiry(client) == first  # though the last save is 10 minutes old
        clock.shift(timedelta(minutes=21, seconds=1))
        assert client.get(url).status_code == 401


def test_keep_alive_without_login_is_401_json(client):
    response = client.post(reverse("session_status"))
    assert response.status_code == 401
    assert response.json() == {"authenticated": False}
    assert client.get(reverse("session_status")).status_code == 401


def test_keep_alive_needs_the_csrf_token(director):
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    assert client.post(reverse("session_status")).status_code == 403


def test_keep_alive_refuses_other_methods(client, director):
    client.force_login(director)
    assert client.put(reverse("session_status")).status_code == 405


def test_the_editors_get_the_timeouts_from_the_server(client, director, federation, settings):
    make_budget(federation)
    settings.SESSION_COOKIE_AGE = 10 * 60
    settings.SESSION_REFRESH_INTERVAL = timedelta(seconds=30)
    settings.SESSION_IDLE_WARNING = timedelta(seconds=90)
    client.force_login(director)
    page = client.get(_grid(federation)).content.decode()
    assert 'src="/static/js/session.js"' in page
    assert f'data-user="{director.pk}"' in page
    assert 'data-idle-timeout="570"' in page  # 10 minutes, less the 30 s between saves
    assert 'data-idle-warning="90"' in page
    assert 'data-draft-key="budget:' in page


def test_the_login_page_has_the_script_without_a_user(client):
    page = client.get(reverse("login")).content.decode()
    assert 'data-user=""' in page


def test_a_form_refused_by_csrf_after_logout_is_a_logout(director, federation):
    """No session and no CSRF cookie (every cookie gone): login and back to the page,
    or 401 for htmx, not the CSRF page."""
    client = Client(enforce_csrf_checks=True)
    grid = reverse("budget_grid", args=[federation.slug, 2021])
    save = reverse("budget_grid_save", args=[federation.slug, 2021])
    response = client.post(save, {"action": "save"}, HTTP_REFERER="http://testserver" + grid)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [grid]
    htmx = client.post(save, {}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 401


def test_csrf_refusal_while_logged_in_names_its_reason(director, federation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    response = client.post(reverse("member_create", args=[federation.slug]), {})
    assert response.status_code == 403
    assert "Formuläret kunde inte skickas" in response.text
    assert "CSRF-kontrollen (CSRF cookie not set.)" in response.text


def test_csrf_refusal_on_the_login_page_stays_the_csrf_page(db):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x"})
    assert response.status_code == 403
    assert "Webbläsaren måste tillåta kakor" in response.text
