"""The first end-to-end test: the demo director logs in and sees the förbund."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.e2e.conftest import field, log_in

pytestmark = pytest.mark.e2e

DEMO_DIRECTOR = "chef"
DEMO_PASSWORD = "finsam-demo-2026"


def test_demo_director_logs_in_and_sees_the_federation(page: Page) -> None:
    call_command("load_demo", verbosity=0)

    log_in(page, DEMO_DIRECTOR, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Mina samordningsförbund")).to_be_visible()
    for name in ("Södra Vätterbygden", "Burlöv-Kävlinge-Staffanstorp-Vellinge", "Sundbyberg"):
        expect(page.get_by_role("link", name=re.compile(name))).to_be_visible()

    page.get_by_role("link", name=re.compile("Södra Vätterbygden")).click()
    expect(page).to_have_url(re.compile(r"/f/sodra-vatterbygden/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Södra Vätterbygden")
    members = page.locator("#medlemmar table")
    for member in ("Försäkringskassan", "Arbetsförmedlingen", "Habo kommun", "Mullsjö kommun"):
        expect(members).to_contain_text(member)
    expect(page.get_by_role("heading", name="Styrelse", exact=True)).to_be_visible()


def test_wrong_password_is_refused_in_swedish(page: Page, director) -> None:
    log_in(page, "director", "fel-lösenord")
    expect(page.locator(".alert-danger, .invalid-feedback")).to_contain_text("korrekt användarnamn")


def test_director_adds_a_member(page: Page, director, federation, password) -> None:
    log_in(page, director.username, password)
    page.get_by_role("link", name=re.compile(federation.name)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(federation.name)

    page.get_by_role("link", name="Lägg till medlem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny medlem")
    field(page, "Namn").fill("C kommun")
    field(page, "Slag").select_option(label="Kommun")
    field(page, "Folkmängd").fill("10000")
    page.get_by_role("button", name="Lägg till medlem").click()

    expect(page.get_by_role("status")).to_contain_text("C kommun är tillagd som medlem.")
    row = page.locator("#medlemmar tbody tr", has_text="C kommun")
    expect(row).to_contain_text("20,00")  # 10 000 of 50 000 inhabitants
    # Without board seats yet: the setup check says so.
    expect(page.locator(".findings-warning")).to_contain_text("C kommun saknar både ledamot")
