"""The budget editor in Chromium: live figures, Swedish input, save, conflict."""

from __future__ import annotations

import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from budgets.grid import stored_draft
from budgets.models import Amount, Budget, Column
from budgets.selectors import budget_facts
from budgets.services import budget_save
from documents.bundle.importer import bundle_import
from finsam.models import Role
from tests.budgets.test_grid_actions import TABLES
from tests.budgets.test_merge import DEMO
from tests.budgets.test_views import make_budget
from tests.e2e.conftest import log_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.e2e

KANSLI_2021 = "#line-5-amount-1"
ENTER_2021 = "#line-4-amount-1"


def result_2021(page: Page):
    return page.locator('#grid-figures tr:has(th > span:text-is("Årets resultat")) td').nth(1)


def test_director_types_saves_and_reloads(page: Page, director, federation, password) -> None:
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
    assert (
        Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount
        == 935000
    )

    # A bad value: a message beside the cell, and the other input stays.
    page.fill(ENTER_2021, "tjugo")
    expect(page.locator("#line-4-amount-1-error")).to_contain_text("Inte ett belopp")
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    page.fill(ENTER_2021, "1\u202f910\u202f000")  # thin spaces
    expect(page.locator("#line-4-amount-1-error")).to_have_count(0)

    # Keyboard: arrow down moves to the next row of the same column.
    page.focus(ENTER_2021)
    page.keyboard.press("ArrowDown")
    expect(page.locator(KANSLI_2021)).to_be_focused()

    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    page.reload()
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")


def test_second_browser_saving_first_gives_a_conflict(
    browser: Browser, live_server, director, federation, password
) -> None:
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
    assert (
        Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount
        == 800000
    )
    for page in pages:
        page.context.close()


# --- conflicts merge cell by cell (the trial's repro on the demo budget BKSV 2024) -----

SCREENSHOTS = Path(tempfile.gettempdir()) / "finsam-e2e"  # looked at, not committed


def _bksv_pages(browser: Browser, live_server, password):
    """The demo budget with Resor at 47 000, and two directors, A and B, each in a
    browser context of their own with the grid open."""
    budget = bundle_import(data=json.loads(DEMO.read_text(encoding="utf-8")))
    draft = stored_draft(budget_facts(budget), budget, None)
    next(line for line in draft.lines if line.key == "resor").amounts["2024:budget"] = 47000
    budget_save(budget=budget, draft=draft, expected_version=budget.version)
    pages = []
    for name in ("anna", "bertil"):
        user = UserFactory(username=name, first_name=name.title(), last_name="Exempel")
        MembershipFactory(user=user, federation=budget.federation, role=Role.DIRECTOR)
        context = browser.new_context(
            base_url=live_server.url, locale="sv-SE", viewport={"width": 1400, "height": 1000}
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, name, password)
        page.goto(f"/f/{budget.federation.slug}/budget/2024/rutnat/")
        pages.append(page)
    return budget, pages


def _cell(page: Page, label: str):
    return page.get_by_label(f"{label}, Budget 2024", exact=True)


def _stored(budget, key: str) -> Decimal:
    return Amount.objects.get(
        line__budget=budget,
        line__key=key,
        line__scenario=None,
        column__year=2024,
        column__kind="budget",
    ).amount


def test_repro_a_colleagues_change_stays(browser: Browser, live_server, password) -> None:
    budget, (a, b) = _bksv_pages(browser, live_server, password)
    _cell(a, "Styrelse").fill("275 000")  # 1. A edits Styrelse
    _cell(b, "Resekostnader").fill("48 000")  # 2. B edits Resor and saves first
    b.get_by_role("button", name="Spara budgeten").click()
    expect(b.get_by_role("status")).to_contain_text("Budgeten är sparad")

    a.get_by_role("button", name="Spara budgeten").click()  # 3. A saves
    expect(a.get_by_role("status")).to_contain_text("Budgeten är sparad")
    expect(a.get_by_role("status")).to_contain_text("Resekostnader (Budget 2024)")
    SCREENSHOTS.mkdir(exist_ok=True)
    a.screenshot(path=str(SCREENSHOTS / "budget-merge-saved.png"))
    expect(_cell(a, "Resekostnader")).to_have_value("48 000")  # 4. Resor stays 48 000
    expect(_cell(a, "Styrelse")).to_have_value("275 000")
    assert _stored(budget, "resor") == 48000 and _stored(budget, "styrelse") == 275000
    for page in (a, b):
        page.context.close()


def test_a_cell_both_changed_is_picked(browser: Browser, live_server, password) -> None:
    budget, (a, b) = _bksv_pages(browser, live_server, password)
    _cell(a, "Styrelse").fill("275 000")
    _cell(a, "Resekostnader").fill("49 000")
    _cell(b, "Resekostnader").fill("48 000")
    _cell(b, "Kommunikation").fill("75 000")
    b.get_by_role("button", name="Spara budgeten").click()
    expect(b.get_by_role("status")).to_contain_text("Budgeten är sparad")

    a.get_by_role("button", name="Spara budgeten").click()
    conflict = a.locator("#conflict")
    expect(conflict).to_contain_text("Någon annan har sparat budgeten")
    expect(conflict).to_contain_text("Budget 2024")
    expect(conflict).not_to_contain_text("2024:budget")
    expect(conflict).to_contain_text("Bertil Exempel")
    # B's other change is already in A's grid; her own changes are kept.
    expect(_cell(a, "Kommunikation")).to_have_value("75 000")
    expect(_cell(a, "Styrelse")).to_have_value("275 000")
    expect(_cell(a, "Resekostnader")).to_have_value("49 000")
    conflict.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    a.screenshot(path=str(SCREENSHOTS / "budget-merge-conflict.png"))
    assert _stored(budget, "styrelse") == 250000  # nothing written yet
    _cell(a, "Resekostnader").scroll_into_view_if_needed()
    a.screenshot(path=str(SCREENSHOTS / "budget-merge-conflict-cell.png"))

    # Saving without picking writes nothing.
    a.get_by_role("button", name="Spara budgeten").click()
    expect(a.locator("#conflict")).to_contain_text("Välj ett av värdena")
    assert _stored(budget, "styrelse") == 250000

    a.get_by_label(re.compile("^48\u00a0000\u00a0kr")).check()  # the colleague's value
    expect(_cell(a, "Resekostnader")).to_have_value("48 000")
    a.get_by_role("button", name="Spara budgeten").click()
    expect(a.get_by_role("status")).to_contain_text("Budgeten är sparad")
    assert _stored(budget, "resor") == 48000
    assert _stored(budget, "styrelse") == 275000
    assert _stored(budget, "kommunikation") == 75000
    for page in (a, b):
        page.context.close()


def test_enter_in_a_line_name_deletes_nothing_and_ctrl_s_saves(
    page: Page, director, federation, password
) -> None:
    """Enter in a line's name used to press the form's first button, a column's
    "ta bort"; Ctrl+S saves from any field, the name too."""
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(f"/f/{federation.slug}/budget/2021/rutnat/")
    columns = page.locator("thead th").count()
    label = page.locator('input[name="line-5-label"]')
    label.fill("Kansli och lokaler")
    label.press("Enter")
    page.wait_for_timeout(300)
    assert page.locator("thead th").count() == columns
    expect(label).to_have_value("Kansli och lokaler")
    label.press("Control+s")
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    expect(page.locator('input[name="line-5-label"]')).to_have_value("Kansli och lokaler")


@pytest.fixture(params=[1280, 1920], ids=["1280px", "1920px"])
def clipboard_page(request, browser: Browser, live_server):
    """At a laptop's and a desktop's width, with the clipboard, so that a block is
    pasted as a user pastes it from Excel."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        viewport={"width": request.param, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _paste(page: Page, selector: str, text: str) -> None:
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    page.focus(selector)
    page.keyboard.press("Control+V")


def test_a_block_from_excel_pastes_right_and_down_and_arrows_move_like_a_spreadsheet(
    clipboard_page: Page, director, federation, password
) -> None:
    """Issue 16, points 1 and 2 (in part): Excel's tab-separated rows fill from the
    focused cell to the right and down; a bad cell is marked and the rest kept; a name
    pastes into the row's name; rows that do not fit are said; left and right arrows
    move between cells at the text's edges."""
    page = clipboard_page
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(f"/f/{federation.slug}/budget/2021/rutnat/")

    # Enter's and Kansli's 2021 and 2022, as Excel copies two rows of two cells.
    _paste(page, ENTER_2021, "1 800 000\t1 700 000\r\n900 000\t950 000\r\n")
    expect(page.locator(ENTER_2021)).to_have_value("1 800 000")
    expect(page.locator("#line-4-amount-2")).to_have_value("1 700 000")
    expect(page.locator(KANSLI_2021)).to_have_value("900 000")
    expect(page.locator("#line-5-amount-2")).to_have_value("950 000")
    # 2 592 000 in contributions − 2 700 000 in costs, before anything is saved.
    expect(result_2021(page)).to_have_text("\u2212108\u00a0000\u00a0kr")
    expect(page.locator("#grid-status")).to_have_text("Inklistrat: 4 celler.")
    assert (
        Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount
        == 935000
    )

    # A bad cell in a block: marked, its message under the grid, the good one kept.
    _paste(page, KANSLI_2021, "682 000\ttjugo")
    expect(page.locator("#line-5-amount-2-error")).to_contain_text("Inte ett belopp")
    expect(page.locator("#line-5-amount-2")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
    expect(page.locator("#line-5-amount-2")).to_have_value("tjugo")

    # From the last row's name: the name and its amounts; two rows are added for
    # the rest, under the last row, in their order.
    _paste(page, 'input[name="line-5-label"]', "Kansli och lokaler\t5 000\nHyra\t1\nIT\t2")
    expect(page.locator('input[name="line-5-label"]')).to_have_value("Kansli och lokaler")
    expect(page.locator("#line-5-amount-0")).to_have_value("5 000")
    expect(page.locator("#grid-status")).to_have_text("Inklistrat: 6 celler. 2 rader lades till.")
    expect(page.locator('input[name="line-6-label"]')).to_have_value("Hyra")
    expect(page.locator('input[name="line-7-label"]')).to_have_value("IT")
    expect(page.locator("#line-7-amount-0")).to_have_value("2")
    page.get_by_role("button", name="Ta bort IT").click()
    page.get_by_role("button", name="Ta bort Hyra").click()
    expect(page.locator('input[name="line-6-label"]')).to_have_count(0)

    # Right at the end of a cell's text, left at its start.
    page.click(KANSLI_2021)
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#line-5-amount-2")).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(KANSLI_2021)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator(ENTER_2021)).to_be_focused()
    # Ctrl+S from outside the grid's cells saves too (the grid is not saved with a
    # bad cell in it: it says so and keeps everything).
    page.locator("#line-5-amount-2").fill("950 000")
    page.locator("h1").click()
    page.keyboard.press("Control+s")
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    assert (
        Amount.objects.get(line__key="kansli", line__scenario=None, column__year=2021).amount
        == 682000
    )


def test_rows_columns_fill_and_undo_answer_in_place_like_a_spreadsheet(
    clipboard_page: Page, director, federation, password
) -> None:
    """Issue 16, points 2 to 6: actions answer without a reload (the address, focus
    and scroll stay; rows added in a row keep their order); Tab moves right and on to
    the next row; fill right, +2 % per year, Ctrl+Z and Ctrl+Y; five year columns fit
    at 1280 px under a header that stays; a bad cell keeps its row's height and the
    sums say it is invalid instead of counting it as 0."""
    page = clipboard_page
    make_budget(federation)
    log_in(page, director.username, password)
    grid_url = f"/f/{federation.slug}/budget/2021/rutnat/"
    page.goto(grid_url)
    page.evaluate("window.sameDocument = true")

    # Two rows added in a row, in their order, focus in the new row's name.
    add = page.get_by_role("button", name="+ Lägg till rad under övriga kostnader")
    add.click()
    expect(page.locator("#line-6-label")).to_be_focused()
    page.keyboard.type("Resor")
    page.get_by_role("button", name="+ Lägg till rad under övriga kostnader").click()
    expect(page.locator("#line-7-label")).to_be_focused()
    page.keyboard.type("Hyra")
    expect(page.locator("#line-6-label")).to_have_value("Resor")
    assert page.url.endswith(grid_url) and page.evaluate("window.sameDocument")

    # Tab from a row's last amount goes to the next row's name; Shift+Tab back.
    page.focus("#line-6-amount-3")
    page.keyboard.press("Tab")
    expect(page.locator("#line-7-label")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#line-6-amount-3")).to_be_focused()
    page.get_by_role("button", name="Ta bort Hyra").click()
    page.get_by_role("button", name="Ta bort Resor").click()
    expect(page.locator("#line-6-label")).to_have_count(0)

    # Fill right and +2 % per year from Kansli's 2021, then undo and redo.
    page.focus(KANSLI_2021)
    page.locator(KANSLI_2021).fill("900 000")
    expect(page.locator("#grid-current")).to_have_text("Vald cell: Kansli, Budget 2021")
    page.get_by_role("button", name="Fyll åt höger").click()
    expect(page.locator("#line-5-amount-3")).to_have_value("900 000")
    page.locator("#grow_percent").fill("2")
    page.focus(KANSLI_2021)
    page.get_by_role("button", name="Öka med").click()
    expect(page.locator("#line-5-amount-2")).to_have_value("918 000")
    expect(page.locator("#line-5-amount-3")).to_have_value("936 360")
    expect(page.locator(KANSLI_2021)).to_be_focused()
    page.keyboard.press("Control+z")
    expect(page.locator("#line-5-amount-3")).to_have_value("900 000")
    page.keyboard.press("Control+y")
    expect(page.locator("#line-5-amount-3")).to_have_value("936 360")
    assert page.evaluate("window.sameDocument")

    # A bad cell: its row keeps its height; the sums of its column are "ogiltig cell".
    row = page.locator('tr[data-row="5"]')
    height = row.bounding_box()["height"]
    page.locator(KANSLI_2021).fill("tjugo")
    expect(page.locator("#line-5-amount-1-error")).to_contain_text("Kansli, Budget 2021")
    subtotal = page.locator('td[data-subtotal="administration"]').nth(1)
    expect(subtotal).to_have_text("ogiltig cell")
    expect(result_2021(page)).to_have_text("ogiltig cell")
    assert abs(row.bounding_box()["height"] - height) < 1
    page.locator(KANSLI_2021).fill("935 000")
    expect(subtotal).to_have_text("935\u00a0000\u00a0kr")

    # A fifth year column fits at 1280 px with the row's buttons; the header stays
    # while the grid scrolls.
    page.locator("#new_column").fill("Plan 2024")
    page.keyboard.press("Enter")
    expect(page.locator("#grid-table thead th")).to_have_count(8)
    expect(page.locator("#line-0-amount-4")).to_be_focused()
    fits = page.evaluate(
        "() => { const w = document.getElementById('grid-wrap'); return w.scrollWidth <= w.clientWidth }"
    )
    assert fits
    # Both read in one go: the page itself may still be scrolling smoothly after the
    # focus moved (Bootstrap's scroll-behavior), and the header is sticky in the grid's box.
    offset = page.evaluate(
        """() => {
          const wrap = document.getElementById('grid-wrap');
          wrap.scrollTop = 400;
          const th = document.querySelector('#grid-table thead th');
          return [wrap.scrollTop, th.getBoundingClientRect().top - wrap.getBoundingClientRect().top];
        }"""
    )
    assert offset[0] > 100
    assert abs(offset[1]) < 3
    assert page.url.endswith(grid_url) and page.evaluate("window.sameDocument")


# Each field's accessible name as a screen reader gets it: aria-label, else its label(s),
# else a button's text.
FIELD_NAMES = """() => Array.from(document.querySelectorAll(
    '#grid-table input:not([type=hidden]), #grid-table select, #grid-table button,'
    + ' #grid-toolbar input, #grid-toolbar button, #grid-toolbar select'))
  .filter((field) => !field.closest('[hidden]'))
  .map((field, i) => [field.id || field.name || field.tagName + i,
    (field.getAttribute('aria-label') || Array.from(field.labels || [])
      .map((label) => label.textContent).join(' ')
      || (field.tagName === 'BUTTON' ? field.textContent : '')).replace(/\\s+/g, ' ').trim()])"""


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_grid_speaks_swedish_and_axe_finds_nothing_serious(
    browser: Browser, live_server, director, federation, password, width: int
) -> None:
    """Issue 16, point 9 (and 7): every cell, field and button of the grid and its
    toolbar has a Swedish name (never a column code); axe finds no serious violation
    with an error listed under the grid, a negative cost and a contribution linked to
    no member marked; and the focus ring is clearly there."""
    from tests.e2e.test_accessibility import AXE_JS, AXE_RUN, BLOCKING

    make_budget(federation)
    context = browser.new_context(  # the CSP forbids inline scripts, axe's included
        base_url=live_server.url,
        locale="sv-SE",
        bypass_csp=True,
        viewport={"width": width, "height": 900},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, director.username, password)
    page.goto(f"/f/{federation.slug}/budget/2021/rutnat/")
    expect(page.locator("#grid-toolbar")).to_be_visible()

    page.fill(KANSLI_2021, "tjugo")
    expect(page.locator("#line-5-amount-1-error")).to_contain_text("Inte ett belopp")
    page.fill(ENTER_2021, "\u22125 000")
    expect(page.locator("#grid-findings")).to_contain_text("Kostnaden Enter är negativ 2021")
    expect(page.locator('td[data-cell="line-4-amount-1"]')).to_have_class(re.compile("finding-"))
    # Point 7: a contribution linked to no member is marked, and named in the split.
    page.select_option("#line-1-link", "")
    expect(page.locator("#grid-findings")).to_contain_text(
        "Medlemsbidraget Region Test (648\u00a0000\u00a0kr 2021) är inte kopplat till någon medlem"
    )
    expect(page.locator("#grid-findings")).to_contain_text("Kopplade till ingen medlem")
    expect(page.locator('td[data-cell="line-1-amount-1"]')).to_have_class(re.compile("finding-"))

    names = page.evaluate(FIELD_NAMES)
    assert len(names) > 40
    nameless = [field for field, name in names if not name]
    assert nameless == [], names
    coded = [name for _field, name in names if re.search(r"\d{4}:|amount-|line-\d", name)]
    assert coded == []
    assert (
        page.get_by_label("Kansli, Budget 2021", exact=True).get_attribute("id")
        == "line-5-amount-1"
    )
    assert (
        page.get_by_label("Enter, Prognos 2020", exact=True).get_attribute("id")
        == "line-4-amount-0"
    )

    page.add_script_tag(path=str(AXE_JS))
    serious = [v for v in page.evaluate(AXE_RUN) if v["impact"] in BLOCKING]
    assert serious == []

    page.focus(KANSLI_2021)
    ring = page.eval_on_selector(
        KANSLI_2021,
        "f => { const s = getComputedStyle(f); return [s.outlineStyle, parseFloat(s.outlineWidth)] }",
    )
    assert ring[0] == "solid" and ring[1] >= 2
    context.close()


def test_the_seeds_budget_block_from_excel_pasted_into_an_empty_budget_gives_its_figures(
    clipboard_page: Page, director, federation, password
) -> None:
    """Issue 16's acceptance: Burlöv's budget block as Excel copies it (tab-separated,
    cells formatted "4 000 000 kr" with no-break spaces), pasted at the name of the
    first row of an empty budget, gives the seed's figures before anything is saved,
    and after the save too."""
    page = clipboard_page
    budget = Budget.objects.create(federation=federation, year=2024)
    Column.objects.create(budget=budget, year=2024, kind="budget", position=0)
    rows = [
        row.split("\t")
        for row in (TABLES / "burlov-kavlinge-staffanstorp-vellinge-2024.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    excel = "\r\n".join(
        "\t".join(
            row
            if i == 0
            else [row[0]] + [c.replace(" ", "\u00a0") + " kr" if c.strip() else c for c in row[1:]]
        )
        for i, row in enumerate(rows)
    )
    log_in(page, director.username, password)
    page.goto(f"/f/{federation.slug}/budget/2024/rutnat/")
    page.get_by_role("button", name=re.compile("Lägg till rad under medlemsbidrag")).click()
    expect(page.locator('input[name="line-0-label"]')).to_be_focused()
    _paste(page, 'input[name="line-0-label"]', excel)
    expect(page.locator("#grid-status")).to_contain_text("Inklistrat som tabell: 17 rader.")

    def figure(name: str, column: int):
        return page.locator(f'#grid-figures td[data-figure="{name}"]').nth(column)

    # The seed's lines give these results (its printed ones are off by the krona).
    for column, (result, closing) in enumerate(
        [("536 153", "3 048 524"), ("1 453 341", "4 501 865"), ("1 580 569", "6 082 434")]
    ):
        expect(figure("result", column)).to_have_text(result.replace(" ", "\u00a0") + "\u00a0kr")
        expect(figure("closing_equity", column)).to_have_text(
            closing.replace(" ", "\u00a0") + "\u00a0kr"
        )
    expect(page.locator("#opening_equity")).to_have_value("2 512 371")
    # Undo takes the table and its opening equity back; redo brings both.
    page.keyboard.press("Control+z")
    expect(page.locator("#opening_equity")).to_have_value("0")
    expect(page.locator('input[name="line-1-label"]')).to_have_count(0)
    page.keyboard.press("Control+y")
    expect(page.locator("#opening_equity")).to_have_value("2 512 371")
    expect(figure("result", 0)).to_have_text("536\u00a0153\u00a0kr")
    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")
    page.reload()
    expect(figure("result", 0)).to_have_text("536\u00a0153\u00a0kr")
    assert budget.lines.filter(scenario=None).count() == 17
    budget.refresh_from_db()
    assert budget.opening_equity == 2_512_371


def test_an_older_answer_never_overwrites_newer_input(
    clipboard_page: Page, director, federation, password
) -> None:
    """Issue 16, point 8: the answer to an older recompute, held back until a newer
    one has landed, does not put its figures over the newer input's (htmx's
    hx-sync replace drops it)."""
    page = clipboard_page
    make_budget(federation)
    log_in(page, director.username, password)
    page.goto(f"/f/{federation.slug}/budget/2021/rutnat/")
    held = []

    def hold_the_first(route) -> None:
        if not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/rutnat/berakna/", hold_the_first)
    page.fill(KANSLI_2021, "700 000")  # would give −18 000 kr
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the first recompute was never asked"
    page.fill(KANSLI_2021, "682 000")
    expect(result_2021(page)).to_have_text("0\u00a0kr")
    try:
        held[0].fulfill(response=held[0].fetch())  # the old answer, late
    except Exception:  # noqa: BLE001 (the browser may have dropped the request already)
        pass
    page.wait_for_timeout(500)
    expect(result_2021(page)).to_have_text("0\u00a0kr")
    expect(page.locator(KANSLI_2021)).to_have_value("682 000")
