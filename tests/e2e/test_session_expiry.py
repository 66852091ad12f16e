"""An expired session loses nothing (issue 12, part 5), in Chromium: the editors say
in Swedish that she is logged out, keep what she typed and offer it back after she
logs in again, warn before the idle limit with "Fortsätt arbeta", bring her back to
the page after a save sent when logged out, and ask before she leaves unsaved edits.

The session ends as it does on the server: its row is deleted (as an expired one
is no longer found)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from playwright.sync_api import Page, expect

from budgets.models import Amount
from finsam.models import Role
from plans.models import Section
from tests.budgets.test_views import make_budget
from tests.e2e.conftest import field, log_in
from tests.e2e.test_budget_grid import KANSLI_2021, result_2021
from tests.factories import MembershipFactory, UserFactory
from tests.plans.conftest import make_plan

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("FINSAM_SCREENSHOTS", "/tmp/finsam-screenshots"))
STOCKHOLM = ZoneInfo("Europe/Stockholm")
MINUS = "\u2212"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _grid(federation) -> str:
    return reverse("budget_grid", args=[federation.slug, 2021])


def _end_sessions() -> None:
    Session.objects.all().delete()


def _drafts(page: Page) -> dict[str, dict]:
    return page.evaluate(
        """() => Object.fromEntries(Object.keys(localStorage)
             .filter(k => k.startsWith('finsam-draft:'))
             .map(k => [k, JSON.parse(localStorage.getItem(k))]))"""
    )


def _typed_at(page: Page) -> str:
    """When the one stored draft was typed, as the offer must say it: HH.MM in Stockholm."""
    (draft,) = _drafts(page).values()
    return datetime.fromtimestamp(draft["at"] / 1000, STOCKHOLM).strftime("%H.%M")


def _log_in_here(page: Page, username: str, password: str) -> None:
    field(page, "Användarnamn").fill(username)
    field(page, "Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def test_expired_session_in_the_grid_is_said_and_the_input_comes_back(
    page: Page, live_server, director, federation, password
) -> None:
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    before = f"{MINUS}253\u00a0000\u00a0kr"
    expect(result_2021(page)).to_have_text(before)

    _end_sessions()
    page.fill(KANSLI_2021, "682 000")
    alert = page.get_by_role("alert").filter(has_text="Du är utloggad")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("finns kvar i den här webbläsaren")
    expect(result_2021(page)).to_have_text(before)  # nothing recomputed, and it says why
    _shot(page, "grid-expired")
    typed_at = _typed_at(page)

    alert.get_by_role("link", name="Logga in igen").click()
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    _log_in_here(page, director.username, password)

    expect(page).to_have_url(live_server.url + _grid(federation))
    offer = page.locator("#draft-offer")
    expect(offer).to_have_attribute("role", "status")
    expect(offer).to_contain_text(f"Du har osparade ändringar från {typed_at} – återställ dem?")
    expect(page.locator(KANSLI_2021)).not_to_have_value("682 000")  # the stored figure
    _shot(page, "grid-restore-offer")
    offer.get_by_role("button", name="Återställ ändringarna").click()
    expect(offer).to_have_count(0)
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")  # recomputed from the draft

    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    assert (
        Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount
        == 682000
    )
    assert _drafts(page) == {}  # a save that succeeds removes the draft
    page.reload()
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    expect(page.locator("#draft-offer")).to_have_count(0)


def test_expired_session_in_the_section_editor_keeps_the_text(
    page: Page, live_server, director, federation, password
) -> None:
    plan = make_plan(federation)
    section = Section.objects.filter(plan=plan).order_by("position").first()
    url = reverse("section_edit", args=[federation.slug, plan.year, section.pk])
    log_in(page, director.username, password)
    page.goto(url)
    text = "Vi **utökar** teamet i Habo."

    _end_sessions()
    body = field(page, "Text")
    body.fill(text)
    alert = page.get_by_role("alert").filter(has_text="Du är utloggad")
    expect(alert).to_be_visible()
    expect(page.locator("#forhandsvisning strong")).to_have_count(0)  # no preview without login
    _shot(page, "section-expired")
    typed_at = _typed_at(page)
    (stored,) = _drafts(page).values()
    alert.get_by_role("link", name="Logga in igen").click()
    _log_in_here(page, director.username, password)

    expect(page).to_have_url(live_server.url + url)
    # The text field's change event as it lost focus (the click) is no edit: the draft
    # still says when she typed, not when she clicked.
    assert [draft["at"] for draft in _drafts(page).values()] == [stored["at"]]
    offer = page.locator("#draft-offer")
    expect(offer).to_contain_text(f"Du har osparade ändringar från {typed_at} – återställ dem?")
    expect(body).not_to_have_value(text)
    offer.get_by_role("button", name="Återställ ändringarna").click()
    expect(body).to_have_value(text)
    expect(page.locator("#forhandsvisning strong")).to_have_text("utökar")  # the preview follows
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("är sparat")
    section.refresh_from_db()
    assert section.body == text
    assert _drafts(page) == {}


def test_discarding_the_offer_removes_the_draft(page: Page, director, federation, password) -> None:
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    _end_sessions()
    page.fill(KANSLI_2021, "682 000")
    page.get_by_role("alert").get_by_role("link", name="Logga in igen").click()
    _log_in_here(page, director.username, password)
    page.locator("#draft-offer").get_by_role("button", name="Släng ändringarna").click()
    expect(page.locator("#draft-offer")).to_have_count(0)
    assert _drafts(page) == {}
    page.reload()
    expect(page.locator("#draft-offer")).to_have_count(0)


def test_drafts_belong_to_one_user_and_go_at_logout(
    page: Page, live_server, director, federation, password
) -> None:
    make_budget(federation)
    colleague = UserFactory(username="colleague")
    MembershipFactory(user=colleague, federation=federation, role=Role.DIRECTOR)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    _end_sessions()
    page.fill(KANSLI_2021, "682 000")
    expect(page.get_by_role("alert").filter(has_text="Du är utloggad")).to_be_visible()
    assert len(_drafts(page)) == 1

    # Another user on the same computer does not get it offered.
    page.get_by_role("alert").get_by_role("link", name="Logga in igen").click()
    _log_in_here(page, colleague.username, password)
    expect(page).to_have_url(live_server.url + _grid(federation))
    expect(page.get_by_role("button", name="Spara budgeten")).to_be_visible()
    expect(page.locator("#draft-offer")).to_have_count(0)
    page.get_by_role("button", name="Logga ut").click()
    assert len(_drafts(page)) == 1  # her draft is not his to remove

    # She gets it back; logging out removes it.
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    expect(page.locator("#draft-offer")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    assert _drafts(page) == {}


def test_warning_before_the_idle_limit_and_keep_working_renews(
    page: Page, director, federation, password, settings
) -> None:
    # A short idle limit: saved sessions live 5 minutes, so surely 4 after a request
    # (the last save may be a minute old); the warning comes 2 minutes before.
    settings.SESSION_COOKIE_AGE = 5 * 60
    settings.SESSION_REFRESH_INTERVAL = timedelta(minutes=1)
    settings.SESSION_IDLE_WARNING = timedelta(minutes=2)
    make_budget(federation)
    log_in(page, director.username, password)
    page.clock.install()  # the page's time moves only when the test says so
    page.goto(_grid(federation))
    expect(page.get_by_role("button", name="Spara budgeten")).to_be_visible()
    page.clock.run_for("01:50")
    expect(page.locator("#session-warning")).to_have_count(0)
    page.clock.run_for("00:20")  # 2 min 10 s after the page: the limit is 1 min 50 s away
    warning = page.get_by_role("alert").filter(has_text="Du loggas ut om 2 minuter")
    expect(warning).to_be_visible()
    _shot(page, "grid-idle-warning")

    (session,) = Session.objects.all()
    expiry = session.expire_date
    warning.get_by_role("button", name="Fortsätt arbeta").click()
    expect(page.locator("#session-warning")).to_have_count(0)
    session.refresh_from_db()
    assert session.expire_date > expiry  # saved, though within the minute after the last save
    page.clock.run_for("01:30")  # past where the old limit's warning was due
    expect(page.locator("#session-warning")).to_have_count(0)
    page.fill(KANSLI_2021, "682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")  # still logged in


def test_a_save_sent_when_logged_out_comes_back_to_the_grid(
    page: Page, live_server, director, federation, password
) -> None:
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    page.fill(KANSLI_2021, "682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")
    _end_sessions()
    page.get_by_role("button", name="Spara budgeten").click()  # no htmx request in between

    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("det du skickade är inte sparat")
    _log_in_here(page, director.username, password)
    expect(page).to_have_url(live_server.url + _grid(federation))  # not …/spara/ (405)
    offer = page.locator("#draft-offer")
    offer.get_by_role("button", name="Återställ ändringarna").click()
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")


def test_a_layout_change_sent_when_logged_out_is_rebuilt(
    page: Page, live_server, director, federation, password
) -> None:
    """A row added (not saved) before the session ended: the draft has another shape
    than the stored budget, so the server rebuilds the grid from it, unsaved."""
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    rows = page.locator("tr[data-row]").count()
    page.get_by_role("button", name=re.compile("^\\+ Lägg till rad under")).first.click()
    expect(page.locator("tr[data-row]")).to_have_count(rows + 1)
    assert page.url == live_server.url + _grid(federation)  # the page's address, not …/spara/
    page.locator("tr[data-row] input[data-col='label'][value='']").fill("Ny rad")
    _end_sessions()
    page.get_by_role("button", name="Spara budgeten").click()
    _log_in_here(page, director.username, password)
    expect(page).to_have_url(live_server.url + _grid(federation))
    expect(page.locator("tr[data-row]")).to_have_count(rows)  # as stored
    page.locator("#draft-offer").get_by_role("button", name="Återställ ändringarna").click()
    expect(page.locator("tr[data-row]")).to_have_count(rows + 1)
    expect(page.locator("input[data-col='label'][value='Ny rad']")).to_have_count(1)
    assert page.url == live_server.url + _grid(federation)
    assert not Amount.objects.filter(line__label="Ny rad").exists()  # nothing saved


def test_leaving_with_unsaved_edits_asks_but_saving_does_not(
    page: Page, live_server, director, federation, password
) -> None:
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    dialogs: list[str] = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Budget 2021").click()  # nothing typed: no question
    expect(page).not_to_have_url(re.compile("rutnat"))
    page.go_back()
    page.fill(KANSLI_2021, "682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")
    with page.expect_event("dialog") as asked:
        page.get_by_role("link", name="Budget 2021").click(no_wait_after=True)
    assert asked.value.type == "beforeunload"
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")  # she stayed, her input too
    assert page.url == live_server.url + _grid(federation)
    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    assert dialogs == ["beforeunload"]  # saving asked nothing


def test_the_messages_pass_axe(
    browser, live_server, director, federation, password, settings
) -> None:
    """The warning, the logged-out alert and the offer, each shown, checked by axe-core
    (WCAG 2.1 AA: no serious or critical violation), as tests/e2e/test_accessibility.py
    checks every page."""
    from tests.e2e.test_accessibility import AXE_JS, Checker

    settings.SESSION_COOKIE_AGE = 5 * 60
    settings.SESSION_REFRESH_INTERVAL = timedelta(minutes=1)
    make_budget(federation)
    # The CSP forbids inline scripts, axe's included: this context may inject it.
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        bypass_csp=True,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    checker = Checker()
    log_in(page, director.username, password)
    page.clock.install()
    page.goto(_grid(federation))
    page.clock.run_for("02:10")
    expect(page.locator("#session-warning")).to_be_visible()
    checker.check(page, director.username, "rutnät med varning")

    _end_sessions()
    page.fill(KANSLI_2021, "682 000")
    expect(page.locator("#session-expired")).to_be_visible()
    checker.check(page, director.username, "rutnät, utloggad")

    page.locator("#session-expired").get_by_role("link", name="Logga in igen").click()
    _log_in_here(page, director.username, password)
    expect(page.locator("#draft-offer")).to_be_visible()
    checker.check(page, director.username, "rutnät med erbjudande")
    context.close()
    assert AXE_JS.exists()
    assert checker.checked[director.username] == 3
    assert not checker.violations, checker.violations


def test_logging_in_in_another_tab_lets_the_editor_go_on(
    page: Page, live_server, director, federation, password
) -> None:
    """The new login gives a new CSRF token; the editor takes it up when she comes
    back to its tab, so the save that follows is accepted."""
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    _end_sessions()
    page.fill(KANSLI_2021, "682 000")
    expect(page.locator("#session-expired")).to_be_visible()

    other = page.context.new_page()
    log_in(other, director.username, password)
    expect(other.get_by_role("heading", name="Mina samordningsförbund")).to_be_visible()
    page.bring_to_front()
    # What a browser fires when she comes back to the tab (headless Chromium may not).
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(page.locator("#session-expired")).to_have_count(0)
    page.fill(KANSLI_2021, "682 001")
    page.fill(KANSLI_2021, "682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")  # recomputed again
    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    assert (
        Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount
        == 682000
    )


def test_a_save_that_fails_keeps_the_draft(
    page: Page, director, federation, password, monkeypatch
) -> None:
    """A server error page (which has no script) and then back: the draft is offered."""
    import budgets.views

    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    page.fill(KANSLI_2021, "682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(budgets.views, "budget_save", broken)
    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("Redigera budget"))
    page.go_back()
    expect(page.locator("#draft-offer")).to_be_visible()
    page.locator("#draft-offer").get_by_role("button", name="Återställ ändringarna").click()
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")


def test_every_cookie_gone_is_a_logout_too(
    page: Page, live_server, director, federation, password
) -> None:
    """The trial cleared every cookie, the CSRF cookie with the session's: the
    recompute was refused by the CSRF check (403) and the totals froze without a
    word, and the save ended on the CSRF page. Both now say she is logged out."""
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(_grid(federation))
    expect(result_2021(page)).to_have_text(f"{MINUS}253\u00a0000\u00a0kr")

    page.context.clear_cookies()
    page.fill(KANSLI_2021, "682 000")
    expect(page.get_by_role("alert").filter(has_text="Du är utloggad")).to_be_visible()
    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="det du skickade är inte sparat")
    ).to_have_count(1)
    _shot(page, "all-cookies-gone-login")
    _log_in_here(page, director.username, password)
    expect(page).to_have_url(live_server.url + _grid(federation))
    page.locator("#draft-offer").get_by_role("button", name="Återställ ändringarna").click()
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
