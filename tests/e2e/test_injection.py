"""Injection in Chromium: with the payloads in every free-text field
(tests/security/payloads.py), no page opens a dialog, breaks the
Content-Security-Policy or fetches anything from the payloads' addresses."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from tests.security.payloads import build_payload_world

pytestmark = pytest.mark.e2e


def _log_in_by_cookie(page: Page, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_no_payload_runs_in_the_browser(page: Page, live_server, director, federation) -> None:
    world = build_payload_world(federation, director)
    dialogs: list[str] = []
    violations: list[str] = []
    requests: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text
            else None
        ),
    )
    page.on("request", lambda r: requests.append(r.url))

    # The watch works: a dialog opened on purpose is seen, and so is an inline
    # style that the policy refuses.
    page.goto("/logga-in/")
    page.evaluate("() => alert('kontroll')")
    page.evaluate("() => document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(100)
    assert dialogs == ["kontroll"] and len(violations) == 1, (dialogs, violations)
    dialogs.clear()
    violations.clear()

    _log_in_by_cookie(page, director, live_server)
    for url in world.pages():
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        # Let anything that would run run: hover and focus every element once.
        page.mouse.move(10, 10)
        page.mouse.move(600, 400)
    # The editor recomputes over htmx with the labels in the answer.
    page.goto(next(url for url in world.pages() if url.endswith("/rutnat/")))
    cell = page.locator('input[name="line-1-amount-0"]')
    with page.expect_response(lambda r: "/rutnat/berakna/" in r.url):
        cell.fill("600")
    page.wait_for_timeout(200)

    assert dialogs == [], dialogs
    assert violations == [], violations
    fetched = [
        u for u in requests if u.startswith(("file:", "http://127.0.0.1:1/")) or "javascript:" in u
    ]
    assert fetched == [], fetched
    assert all(u.startswith(live_server.url) for u in requests), [
        u for u in requests if not u.startswith(live_server.url)
    ]
