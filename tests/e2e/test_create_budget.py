"""A new förbund's first budget in Chromium, from its own table (issue 15, points 3–4):
on a plan without a budget the förbundschef clicks "Skapa budget", pastes the
table from the clipboard, changes one line's category in the preview, saves, and
sees the budget.

E2E_SCREENSHOTS=DIR in the environment saves the pages at 1366 px in DIR."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from budgets.models import Budget
from plans.services import plan_create
from tests.budgets.test_create import KRAMFORS_TABLE, make_chief, make_kramfors
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("E2E_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def kramfors(db):
    return make_kramfors()


@pytest.fixture
def chief(kramfors):
    return make_chief(kramfors)


@pytest.fixture
def wide_page(browser: Browser, live_server):
    """A laptop's 1366 px, with the clipboard, so that the table is pasted as a user
    pastes it."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        viewport={"width": 1366, "height": 768},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_chief_pastes_her_table_fixes_a_category_and_sees_the_budget(
    wide_page: Page, kramfors, chief, password
) -> None:
    page = wide_page
    plan_create(federation=kramfors, year=2021, by=chief)
    log_in(page, chief.username, password)

    page.goto("/f/kramfors/plan/2021/")
    no_budget = page.locator("#no-budget")
    expect(no_budget).to_contain_text("Det finns ingen budget för 2021 ännu.")
    shot(page, "1-plan-utan-budget")
    no_budget.get_by_role("link", name="Skapa budget").click()

    expect(page.get_by_role("heading", name="Skapa budget 2021")).to_be_visible()
    shot(page, "2-skapa-budget")
    box = page.get_by_label("Tabellen")
    page.evaluate("text => navigator.clipboard.writeText(text)", KRAMFORS_TABLE)
    box.focus()
    page.keyboard.press("Control+V")
    expect(box).to_have_value(KRAMFORS_TABLE)
    page.get_by_role("button", name="Förhandsgranska tabellen").click()

    expect(page.get_by_role("heading", name="Förhandsvisning")).to_be_visible()
    expect(page.locator("#printed-totals")).to_contain_text(
        "Summa kostnader 2022: tryckt 2\u00a0625\u00a0000\u00a0kr, raderna ger 2\u00a0652\u00a0000\u00a0kr"
    )
    assert not re.search(r"\d{4}:(budget|plan|forecast|actual)", page.inner_text("main"))
    category = page.get_by_label("Kategori för Bidrag Kvar att fördela (rad 10)")
    expect(category).to_have_value("intervention")
    shot(page, "3-forhandsvisning")
    category.select_option(label="Övriga kostnader")
    assert Budget.objects.filter(federation=kramfors).count() == 0  # nothing saved yet
    page.get_by_role("button", name="Spara budgeten").click()

    expect(page).to_have_url(re.compile(r"/f/kramfors/budget/2021/$"))
    expect(page.locator("main")).to_contain_text(
        "Budgeten för 2021 är sparad från tabellen: 11 rader."
    )
    expect(page.get_by_role("heading", name=re.compile("Budget 2021"))).to_be_visible()
    table = page.locator("main table").first
    expect(table).to_contain_text("Bidrag Kvar att fördela")
    expect(table.locator("thead th").nth(1)).to_have_text(re.compile(r"2020\s*Utfall"))
    shot(page, "4-budgeten")
    line = Budget.objects.get(federation=kramfors, year=2021).lines.get(
        label="Bidrag Kvar att fördela", scenario=None
    )
    assert (line.category, line.intervention_id) == ("other_cost", None)

    page.get_by_role("link", name="Verksamhetsplan 2021").first.click()
    expect(page.locator("#no-budget")).to_have_count(0)
    expect(page.get_by_role("link", name="Budgeten", exact=True)).to_be_visible()


def test_an_empty_budget_from_the_forbund_then_next_year_as_a_copy(
    wide_page: Page, kramfors, chief, password
) -> None:
    """The two other starting points of "Skapa budget" (issue 15, point 3): an empty
    budget with the members' split filled in from a total, and a copy of that budget
    for the year after."""
    page = wide_page
    plan_create(federation=kramfors, year=2021, by=chief)
    plan_create(federation=kramfors, year=2022, by=chief)
    log_in(page, chief.username, password)

    page.goto("/f/kramfors/plan/2021/")
    page.locator("#no-budget").get_by_role("link", name="Skapa budget").click()
    empty = page.locator("section", has=page.get_by_role("heading", name="Tom budget"))
    expect(empty).to_contain_text("en rad per insats som pågår 2021: Steget")
    expect(empty).to_contain_text("kolumner: Prognos 2020, Budget 2021, Plan 2022, Plan 2023")
    expect(page.locator("section", has_text="Kopia av ett tidigare")).to_contain_text(
        "ingen budget för ett tidigare år"
    )
    empty.get_by_label("Medlemmarnas bidrag 2021 totalt, kr").fill("2 592 000")
    shot(page, "5-tom-budget")
    empty.get_by_role("button", name="Skapa tom budget").click()

    expect(page).to_have_url(re.compile(r"/f/kramfors/budget/2021/"))
    shot(page, "6-tom-budget-skapad")
    budget = Budget.objects.get(federation=kramfors, year=2021)
    lines = {line.label: line for line in budget.lines.filter(scenario=None)}
    for label in (
        "Personal",
        "Sociala avgifter",
        "Styrelse",
        "Revision",
        "Ekonomitjänster",
        "Lokal",
        "IT",
        "Kommunikation",
        "Steget",
    ):
        assert label in lines, label
    contributions = {
        line.label: sum(
            a.amount for a in line.amounts.filter(column__year=2021, column__kind="budget")
        )
        for line in lines.values()
        if line.category == "contribution"
    }
    # The law's split (5 §): Försäkringskassan pays the state's half, Arbetsförmedlingen's
    # share included; the region a quarter; the municipalities a quarter.
    assert contributions == {
        "Försäkringskassan": 1_296_000,
        "Arbetsförmedlingen": 0,
        "Region Västernorrland": 648_000,
        "Kramfors kommun": 648_000,
    }
    assert sorted((c.year, c.kind) for c in budget.columns.all()) == [
        (2020, "forecast"),
        (2021, "budget"),
        (2022, "plan"),
        (2023, "plan"),
    ]
    body = page.inner_text("main")
    # In the budget editor, with the members' sum computed from the filled-in lines.
    assert "Summa medlemsbidrag\t0\u00a0kr\t2\u00a0592\u00a0000\u00a0kr" in body
    assert not re.search(r"\d{4}:(budget|plan|forecast)", body)

    page.goto("/f/kramfors/plan/2022/")
    page.locator("#no-budget").get_by_role("link", name="Skapa budget").click()
    copy = page.locator("section", has=page.get_by_role("heading", name=re.compile("Kopia")))
    copy.get_by_label("Budget att kopiera").select_option(label="Budget 2021")
    copy.get_by_role("button", name="Skapa budget från kopian").click()
    expect(page.locator("main")).to_contain_text(
        "Budgeten för 2022 är skapad som en kopia av budgeten för 2021."
    )
    shot(page, "7-kopia")
    copied = Budget.objects.get(federation=kramfors, year=2022)
    assert {line.label for line in copied.lines.filter(scenario=None)} == set(lines)
    # Plan 2022 of the old budget is the new budget's Budget 2022.
    assert sorted((c.year, c.kind) for c in copied.columns.all())[:2] == [
        (2021, "forecast"),
        (2022, "budget"),
    ]
