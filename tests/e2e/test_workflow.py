"""The plan's workflow in the browser, the issue's three journeys:

1. the director sends the plan to review; a reviewer comments on a section
   quoting a sentence of it, and cannot edit;
2. the director resolves the comment, edits the section and sees the diff;
3. the director records the adoption; a board member downloads the decided PDF,
   whose SHA-256 matches the one on the page.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import Page, expect

from documents import adoption
from plans import comments as plan_comments
from tests.e2e.conftest import field, log_in
from tests.plans.conftest import make_plan

pytestmark = pytest.mark.e2e

SENTENCE = "Budgeten följs upp vid varje styrelsemöte."


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("status")).to_contain_text("Du är utloggad")


def chapter(page: Page, heading: str):
    return page.locator(
        "section.chapter", has=page.get_by_role("heading", name=heading, exact=True)
    )


def test_the_director_sends_to_review_and_a_reviewer_comments_quoting_a_sentence(
    page: Page, director, reviewer, federation, password
) -> None:
    plan = make_plan(federation)
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text else None,
    )

    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())
    page.get_by_role("link", name="Skicka på beredning").click()
    field(page, "Meddelande till beredningsgruppen").fill("Synpunkter senast 1 oktober, tack.")
    page.get_by_role("button", name="Skicka på beredning").click()
    expect(page.get_by_role("status")).to_contain_text("Planen är skickad på beredning")
    expect(page.locator(".workflow-steps [aria-current=step]")).to_have_text("På beredning")
    log_out(page)

    log_in(page, reviewer.username, password)
    waiting = page.get_by_role("region", name="Planer som väntar på dina synpunkter")
    expect(waiting).to_contain_text("Synpunkter senast 1 oktober")
    waiting.get_by_role("link", name="Läs och kommentera").click()
    expect(page).to_have_url(re.compile(re.escape(plan.get_absolute_url()) + "$"))
    # A reviewer reads and comments, but gets no editing tools.
    expect(page.get_by_role("link", name=re.compile("^Redigera"))).to_have_count(0)
    chapter(page, "Uppföljning").get_by_role("link", name=re.compile("^Kommentera")).click()

    # Select the sentence in the section's text and quote it.
    page.locator("#avsnittstext").evaluate(
        """(element, sentence) => {
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.textContent.indexOf(sentence);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + sentence.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    return;
                }
            }
            throw new Error("sentence not found");
        }""",
        SENTENCE,
    )
    page.get_by_role("button", name="Citera markerad text").click()
    expect(page.locator("#id_quote")).to_have_value(SENTENCE)
    page.locator("#id_body").fill("Räcker det med uppföljning vid styrelsemötena?")
    page.get_by_role("button", name="Spara kommentaren").click()

    expect(page.get_by_role("status")).to_contain_text("Din kommentar är sparad.")
    expect(chapter(page, "Uppföljning").locator(".chapter-comments")).to_contain_text(
        "1 öppen kommentar"
    )
    comments = page.get_by_role("region", name=re.compile("Öppna kommentarer"))
    expect(comments).to_contain_text(SENTENCE)
    expect(comments).to_contain_text("Räcker det med uppföljning")

    # Editing by address is refused too.
    section = plan.sections.get(heading="Uppföljning")
    response = page.goto(f"/f/{federation.slug}/plan/{plan.year}/avsnitt/{section.pk}/redigera/")
    assert response is not None and response.status == 403
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_the_director_resolves_the_comment_edits_and_sees_the_diff(
    page: Page, director, reviewer, federation, password
) -> None:
    plan = make_plan(federation)
    adoption.plan_send_to_review(plan=plan, by=director)
    section = plan.sections.get(heading="Uppföljning")
    plan_comments.comment_add(
        plan=plan, by=reviewer, role="reviewer", section=section, quote=SENTENCE, body="Räcker det?"
    )

    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())
    comments = page.get_by_role("region", name=re.compile("Öppna kommentarer"))
    expect(comments).to_contain_text("Räcker det?")
    comments.get_by_role("button", name=re.compile("Markera som löst")).click()
    expect(page.get_by_role("status")).to_contain_text("Kommentaren är markerad som löst.")
    expect(page.get_by_role("region", name=re.compile("Öppna kommentarer"))).to_contain_text(
        "Inga öppna kommentarer"
    )

    chapter(page, "Uppföljning").get_by_role("link", name=re.compile("^Redigera")).click()
    body = field(page, "Text")
    body.fill(
        body.input_value().replace(
            SENTENCE, "Budgeten följs upp vid varje styrelsemöte och i delårsrapporten."
        )
    )
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Avsnittet Uppföljning är sparat.")

    page.get_by_role("link", name="Ändringar sedan utskicket").click()
    change = page.get_by_role("region", name=re.compile("Uppföljning"))
    expect(change.locator("ins")).to_have_text("och i delårsrapporten")
    expect(change.locator("del")).to_have_count(0)

    page.goto(plan.get_absolute_url())
    chapter(page, "Uppföljning").get_by_role("link", name=re.compile("^Versioner")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Versioner av Uppföljning")
    expect(page.locator(".diff ins").first).to_contain_text("och i delårsrapporten")


def test_the_director_records_adoption_and_a_board_member_downloads_the_decided_pdf(
    page: Page, director, board_member, federation, password
) -> None:
    plan = make_plan(federation)
    adoption.plan_send_to_review(plan=plan, by=director)

    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())
    page.get_by_role("link", name="Registrera styrelsens beslut").click()
    field(page, "Beslutsdatum").fill("2020-11-19")
    field(page, "Styrelsemöte").select_option(
        label="Ett styrelsemöte på beslutsdagen (det planerade beslutsmötet, eller ett nytt)"
    )
    field(page, "Diarienummer").fill("dnr 2020:7")
    page.get_by_role("button", name="Registrera beslutet").click()
    page.get_by_role("button", name="Bekräfta och fastställ").click()
    expect(page.get_by_role("status").first).to_contain_text("Planen är fastställd")
    expect(page.locator(".workflow-steps [aria-current=step]")).to_have_text("Fastställd")
    expect(page.get_by_text("beslut 19 november 2020 · dnr 2020:7").first).to_be_visible()
    # Nothing of it can be edited now.
    expect(page.get_by_role("link", name=re.compile("^Redigera"))).to_have_count(0)
    log_out(page)

    log_in(page, board_member.username, password)
    page.goto(plan.get_absolute_url())
    shown = page.locator("code[data-sha256=pdf]").first.inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", shown)
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner PDF", exact=True).click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == shown
