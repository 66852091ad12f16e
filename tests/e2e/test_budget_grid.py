"""The budget editor in Chromium: live figures, Swedish input, save, conflict."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from budgets.models import Amount
from tests.budgets.test_views import make_budget
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

KANSLI_2021 = "#line-5-amount-1"
ENTER_2021 = "#line-4-amount-1"


def result_2021(page: Page):  # type: ignore[no-untyped-def]
    return page.locator('#grid-figures tr:has(th:text-is("Årets resultat")) td').nth(1)


def test_director_types_saves_and_reloads(page: Page, director, federation, password) -> None:  # type: ignore[no-untyped-def]
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(f"/f/{federation.slug}/budget/2021/rutnat/")
    expect(result_2021(page)).to_have_text("\u2212253\u00a0000\u00a0kr")
    expect(page.locator("#grid-findings")).to_contain_text("Budgeten 2021 är inte i balans")

    # A Swedish number with no-break spaces and a decimal comma: the result and
    # the findings follow before anything is saved.
    page.fill(KANSLI_2021, "682\u00a0000,50")
    expect(result_2021(page)).to_have_text("−0,50\u00a0kr".replace("−", "\u2212"))
    page.fill(KANSLI_2021, "682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")
    expect(page.locator("#grid-findings")).not_to_contain_text("2021 är inte i balans")
    assert Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount == 935000

    # A bad value: a message beside the cell, and the other input stays.
    page.fill(ENTER_2021, "tjugo")
    expect(page.locator('[data-error-for="line-4-amount-1"]')).to_contain_text("Inte ett belopp")
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    page.fill(ENTER_2021, "1\u202f910\u202f000")  # thin spaces
    expect(page.locator('[data-error-for="line-4-amount-1"]')).to_have_text("")

    # Keyboard: arrow down moves to the next row of the same column.
    page.focus(ENTER_2021)
    page.keyboard.press("ArrowDown")
    expect(page.locator(KANSLI_2021)).to_be_focused()

    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    page.reload()
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")


def test_second_browser_saving_first_gives_a_conflict(browser: Browser, live_server, director, federation, password) -> None:  # type: ignore[no-untyped-def]
    make_budget(federation)
    pages = []
    for _ in range(2):
        context = browser.new_context(base_url=live_server.url, locale="sv-SE")
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, director.username, password)
        page.goto(f"/f/{federation.slug}/budget/2021/rutnat/")
        pages.append(page)
    first, second = pages
    second.fill(KANSLI_2021, "900 000")
    first.fill(KANSLI_2021, "800 000")
    first.get_by_role("button", name="Spara budgeten").click()
    expect(first.get_by_role("status")).to_contain_text("Budgeten är sparad")

    second.get_by_role("button", name="Spara budgeten").click()
    conflict = second.locator("#conflict")
    expect(conflict).to_contain_text("Någon annan har sparat budgeten")
    expect(conflict).to_contain_text(re.compile("800\u00a0000\u00a0kr"))
    expect(second.locator(KANSLI_2021)).to_have_value("900 000")
    assert Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount == 800000
    for page in pages:
        page.context.close()
