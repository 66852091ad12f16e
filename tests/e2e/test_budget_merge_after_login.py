"""A draft restored after her session ended still merges cell by cell: the restored
form carries the version and base she loaded, so a colleague's save in between
stays (issue 12, parts 4 and 5 together), in Chromium."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import field
from tests.e2e.test_budget_grid import _bksv_pages, _cell, _stored

pytestmark = pytest.mark.e2e


def test_a_restored_draft_keeps_a_colleagues_save(browser: Browser, live_server, password) -> None:
    budget, (a, b) = _bksv_pages(browser, live_server, password)
    _cell(a, "Styrelse").fill("275 000")  # A edits Styrelse
    # The draft is kept in her browser (session.js stores it just after the edit).
    a.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('finsam-draft:'))")
    # A's session ends; B (logged in again) changes Resor and saves.
    Session.objects.all().delete()
    b.reload()
    field(b, "Användarnamn").fill("bertil")
    field(b, "Lösenord").fill(password)
    b.get_by_role("button", name="Logga in").click()
    _cell(b, "Resekostnader").fill("48 000")
    b.get_by_role("button", name="Spara budgeten").click()
    expect(b.get_by_role("status")).to_contain_text("Budgeten är sparad")

    _cell(a, "Styrelse").fill("276 000")
    alert = a.get_by_role("alert").filter(has_text="Du är utloggad")
    expect(alert).to_be_visible()
    alert.get_by_role("link", name="Logga in igen").click()
    field(a, "Användarnamn").fill("anna")
    field(a, "Lösenord").fill(password)
    a.get_by_role("button", name="Logga in").click()
    offer = a.locator("#draft-offer")
    expect(offer).to_be_visible()
    expect(_cell(a, "Resekostnader")).to_have_value("48 000")  # the page as stored now
    offer.get_by_role("button", name="Återställ ändringarna").click()
    expect(_cell(a, "Styrelse")).to_have_value("276 000")
    a.get_by_role("button", name="Spara budgeten").click()
    expect(a.get_by_role("status")).to_contain_text("Budgeten är sparad")
    assert _stored(budget, "resor") == 48000  # B's save stays
    assert _stored(budget, "styrelse") == 276000
    for page in (a, b):
        page.context.close()
