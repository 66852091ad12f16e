"""Issue 18 in Chromium: the förbundschef imports the bookkeeping's SIE file, maps its
accounts, sees the follow-up with its findings, comments on a deviation, and sends
the board's report, whose PDF is then frozen."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from playwright.sync_api import Page, expect

from budgets.models import AccountMapping, FollowUpRecord
from finsam.roles import Role
from tests.budgets.test_followup_views import BURLOV, sie_2024
from tests.conftest import _user_with_role
from tests.e2e.conftest import log_in
from tests.plans.conftest import import_demo

pytestmark = pytest.mark.e2e


def test_import_map_follow_up_comment_and_freeze(page: Page, password, tmp_path) -> None:
    budget, _ = import_demo(BURLOV)
    director = _user_with_role(budget.federation, Role.DIRECTOR, "chef")
    log_in(page, director.username, password)
    slug = budget.federation.slug

    # From the budget to its follow-up, and the file in.
    page.goto(f"/f/{slug}/budget/2024/")
    page.get_by_role("link", name="Uppföljning", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning 2024")
    page.get_by_label("SIE-fil från bokföringen").set_input_files(
        {"name": "bokforing-juni.se", "mimeType": "text/plain", "buffer": sie_2024()}
    )
    page.get_by_role("button", name="Läs in filen").click()

    # The mapping, suggested: she moves the unknown account to Kommunikation.
    expect(page.get_by_role("heading", level=1)).to_have_text("Konton och budgetrader")
    expect(page.get_by_label("Budgetrad för konto 3010 Bidrag Försäkringskassan")).to_have_value(
        "staten"
    )
    page.get_by_label("Budgetrad för konto 6990 Övrigt konstigt").select_option(
        label="Kommunikation"
    )
    page.get_by_role("button", name="Spara kopplingen").click()
    assert AccountMapping.objects.filter(first_account="6990", line_key="kommunikation").exists()

    # The follow-up and its findings.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ekonomisk uppföljning per 30 juni 2024"
    )
    expect(page.locator("section[aria-labelledby=findings-heading]")).to_contain_text(
        "SAMTEAM 2.0 Burlöv har använt 89\u00a0% av årets budget när 50\u00a0% av året har gått."
    )
    samteam = page.locator('.follow-up-table tr[data-line="samteam-burlov"]')
    expect(samteam).to_contain_text("400\u00a0000\u00a0kr")
    page.screenshot(path=str(tmp_path / "follow-up.png"), full_page=True)

    # The intervention's participants for the period, as counts.
    page.get_by_role("link", name="Fyll i för SAMTEAM 2.0 Burlöv").click()
    page.get_by_label("Kvinnor").fill("14")
    page.get_by_label("Män").fill("9")
    page.get_by_label("Totalt").fill("20")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#id_total_error")).to_contain_text(
        "Totalt kan inte vara mindre än kvinnor och män tillsammans."
    )
    page.get_by_label("Totalt").fill("25")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Uppföljningen av SAMTEAM 2.0 Burlöv")

    # Her comment on the deviation, and the meeting-less report sent.
    page.get_by_label("Kommentar till avvikelsen för SAMTEAM 2.0 Burlöv").fill(
        "Fler deltagare än väntat under våren."
    )
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Uppföljningen är sparad")
    page.get_by_role("link", name="Rapport till styrelsen").click()
    expect(page.locator(".report-page")).to_contain_text("Fler deltagare än väntat under våren.")
    page.get_by_role("button", name="Skicka till styrelsen och lås").click()
    expect(page.get_by_role("status")).to_contain_text("skickad till styrelsen och låst")

    frozen = FollowUpRecord.objects.get()
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ned den skickade rapporten (PDF)").click()
    saved = tmp_path / "rapport.pdf"
    download.value.save_as(saved)
    content = saved.read_bytes()
    assert content == bytes(frozen.pdf)
    assert hashlib.sha256(content).hexdigest() == frozen.pdf_sha256
    text = subprocess.run(
        ["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Ekonomisk uppföljning per 30 juni 2024" in text
    assert "Fler deltagare än väntat under våren." in text
    assert "Insatserna per 30 juni 2024" in text
    data = json.loads(frozen.data)
    samteam = next(i for i in data["interventions"] if i["key"] == "samteam-burlov")
    assert samteam["participants"] == {"women": 14, "men": 9, "total": 25}
    assert {line["key"]: line["comment"] for line in data["lines"]}["samteam-burlov"] == (
        "Fler deltagare än väntat under våren."
    )

    # Frozen: the follow-up page no longer offers to change it.
    page.goto(f"/f/{slug}/budget/2024/uppfoljning/")
    expect(page.get_by_text("skickades till styrelsen")).to_be_visible()
    expect(page.get_by_role("button", name="Spara", exact=True)).to_have_count(0)
