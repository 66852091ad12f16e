"""The plan in the browser: the director edits a section with the live Markdown
preview, moves it, and the plan shows it; a reader gets no editing tools."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field, log_in
from tests.plans.conftest import make_plan

pytestmark = pytest.mark.e2e


def test_director_edits_a_section_with_the_preview(
    page: Page, director, federation, password
) -> None:
    plan = make_plan(federation)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(plan.title)
    expect(page.locator("svg.annual-cycle")).to_be_visible()

    risks = page.locator(
        "section.chapter", has=page.get_by_role("heading", name="Risker", exact=True)
    )
    risks.get_by_role("link", name=re.compile("^Redigera")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigera Risker")
    body = field(page, "Text")
    body.fill("## Om ESF inte beviljas\n\nDå **minskar** teamet. <script>alert(1)</script>")
    body.press_sequentially(" Slut.", delay=20)  # typed keys, as a person types
    preview = page.locator("#forhandsvisning")
    expect(preview.get_by_role("heading", name="Om ESF inte beviljas")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("minskar")
    expect(preview).to_contain_text("<script>alert(1)</script>")  # as text
    page.get_by_role("button", name="Spara").click()

    expect(page.get_by_role("status")).to_contain_text("Avsnittet Risker är sparat.")
    chapter = page.locator(
        "section.chapter", has=page.get_by_role("heading", name="Risker", exact=True)
    )
    expect(chapter.locator("strong")).to_have_text("minskar")
    chapter.get_by_role("button", name=re.compile("Flytta upp")).click()
    headings = page.locator("section.chapter h2").all_inner_texts()
    assert headings.index("Risker") < headings.index("Kommunikation")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_a_reader_gets_no_editing_tools(page: Page, viewer, federation, password) -> None:
    plan = make_plan(federation)
    log_in(page, viewer.username, password)
    page.goto(plan.get_absolute_url())
    expect(page.get_by_role("link", name="Ladda ner PDF")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Redigera"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Flytta"))).to_have_count(0)


def test_a_figure_inserted_in_the_text_follows_the_budget_and_a_stale_one_is_flagged(
    page: Page, director, federation, password
) -> None:
    """Issue 17, point 5: a plain amount that should be the budget's figure is flagged on
    the plan page, naming the figure; "Infoga belopp" puts the live figure in instead,
    and the page shows the budget's amount."""
    plan = make_plan(federation)
    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())

    def risks():
        return page.locator(
            "section.chapter", has=page.get_by_role("heading", name="Risker", exact=True)
        )

    risks().get_by_role("link", name=re.compile("^Redigera")).click()
    body = field(page, "Text")
    body.fill("Eget kapital vid utgången av 2021 blir 300 000 kr. Vid utgången av 2022: ")
    page.get_by_label("Belopp", exact=True).select_option("UB")
    page.get_by_label("År", exact=True).select_option("2022")
    page.get_by_role("button", name="Infoga").click()
    expect(body).to_have_value(
        "Eget kapital vid utgången av 2021 blir 300 000 kr. Vid utgången av 2022: {{ UB 2022 }}"
    )
    expect(body).to_be_focused()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Avsnittet Risker är sparat.")

    # The live figure is the budget's (548 077 − 253 000 − 253 000), the stale one flagged.
    expect(risks().locator(".chapter-body")).to_contain_text(
        "Vid utgången av 2022: 42\u00a0077\u00a0kr"
    )
    expect(risks().locator(".chapter-warnings")).to_contain_text(
        "Avsnittet Risker nämner 300\u00a0000\u00a0kr; budgetens eget kapital vid utgången av "
        "2021 är 295\u00a0077\u00a0kr."
    )
