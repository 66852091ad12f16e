"""Interventions in Chromium: the director creates one with two goals, links it to
a budget line, records an outcome, and sees the budget's findings and split follow."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from interventions.models import Intervention, InterventionOutcome
from tests.e2e.conftest import field, log_in
from tests.interventions.conftest import make_budget, make_intervention

pytestmark = pytest.mark.e2e

RESERVE_LINK = "#line-6-link"  # "Kvar att fördela", the last line of make_budget


def figure(page: Page, label: str):
    """The budget page's figure row `label`, its 2021 (budget) cell; the first
    column is the 2020 forecast."""
    return page.locator(f'tr:has(th:text-is("{label}")) td').nth(1)


def test_director_creates_links_and_follows_up(page: Page, director, federation, password) -> None:
    enter = make_intervention(
        federation, "enter", name="Enter", individual_share_percent=Decimal(100)
    )
    make_budget(federation, interventions={enter: 300_000}, reserve=100_000)
    log_in(page, director.username, password)

    # The budget before: only Enter is linked, all individinriktad.
    page.goto("/f/alfa/budget/2021/")
    expect(figure(page, "Individinriktad andel av insatsmedlen")).to_have_text("100,00\u00a0%")

    # A new intervention with two goals, from the register.
    page.goto("/f/alfa/")
    page.get_by_role("link", name="Insatser", exact=True).click()
    page.get_by_role("link", name="Ny insats").click()
    field(page, "Namn").fill("Processtöd Alfa")
    field(page, "Individinriktad andel (%)").fill("0")
    field(page, "Förbundets kategori").fill("processtödjande")
    page.get_by_label("A kommun (kommun)").first.check()
    page.get_by_label("B kommun (kommun)").first.check()
    page.get_by_label("Mål 1", exact=True).fill("Nöjda deltagare")
    page.get_by_label("Målvärde, mål 1").fill("85")
    page.get_by_label("Enhet, mål 1").fill("%")
    page.get_by_label("Mål 2", exact=True).fill("Ärenden per år")
    page.get_by_label("Målvärde, mål 2").fill("30")
    page.get_by_label("Enhet, mål 2").fill("ärenden")
    page.get_by_role("button", name="Lägg till insatsen").click()
    expect(page.get_by_role("status")).to_contain_text("Insatsen Processtöd Alfa är tillagd")
    expect(page.get_by_role("heading", level=1)).to_have_text("Processtöd Alfa")
    expect(page.locator(".goals-table")).to_contain_text("minst 85 %")
    expect(page.locator("#finansiering")).to_contain_text("Ingen budget har rader kopplade")
    intervention = Intervention.objects.get(key="processtod-alfa")
    assert intervention.goals.count() == 2

    # Link the reserve line to it in the budget editor, from the detail page.
    page.get_by_role("link", name="Budget 2021").click()
    page.select_option(RESERVE_LINK, "intervention:processtod-alfa")
    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("status")).to_contain_text("Budgeten är sparad")

    # The budget follows: a quarter of the intervention money is now structural,
    # and two municipalities alone are one party: an error.
    page.goto("/f/alfa/budget/2021/")
    expect(figure(page, "Individinriktad andel av insatsmedlen")).to_have_text("75,00\u00a0%")
    expect(figure(page, "Strukturell andel av insatsmedlen")).to_have_text("25,00\u00a0%")
    expect(page.locator("body")).to_contain_text(
        "Insatsen Processtöd Alfa har medel 2021 men bara 1 av de fyra parterna"
    )

    # The intervention page shows the same finding, and its money from the budget.
    page.goto(intervention.get_absolute_url())
    kontroller = page.locator("#kontroller")
    expect(kontroller.locator('[data-rule="intervention-members"]')).to_contain_text(
        "har medel 2021 men bara 1 av de fyra parterna"
    )
    expect(kontroller).not_to_contain_text("intervention-members")  # no rule code for her
    expect(page.locator("#finansiering")).to_contain_text("100\u00a0000\u00a0kr")
    expect(page.get_by_role("link", name="Visa i budgeten", exact=True)).to_have_attribute(
        "href", "/f/alfa/budget/2021/"
    )

    # Record an outcome for 2021.
    page.locator("#mal").get_by_role("link", name="2021").click()
    page.get_by_label("Utfall 2021: Nöjda deltagare").fill("87,5")
    page.get_by_label("Utfall 2021: Ärenden per år").fill("24")
    page.get_by_role("button", name="Spara utfallet").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Utfallet 2021 för Processtöd Alfa är sparat"
    )
    row = page.locator('.goals-table tr:has(th:text-is("Nöjda deltagare")) td[data-year="2021"]')
    expect(row).to_contain_text("87,5")
    expect(row).to_contain_text("uppnått")
    expect(
        page.locator('.goals-table tr:has(th:text-is("Ärenden per år")) td[data-year="2021"]')
    ).to_contain_text("ej uppnått")
    assert InterventionOutcome.objects.filter(year=2021).count() == 2

    # Add the region and make it half individinriktad: the error goes, the split moves.
    page.get_by_role("link", name="Redigera insatsen").click()
    page.get_by_label("Region Test (region)").first.check()
    field(page, "Individinriktad andel (%)").fill("50")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("är sparad")
    expect(page.locator('#kontroller [data-rule="intervention-members"]')).to_have_count(0)
    page.goto("/f/alfa/budget/2021/")
    expect(figure(page, "Individinriktad andel av insatsmedlen")).to_have_text("87,50\u00a0%")
    expect(page.locator("body")).not_to_contain_text(re.compile("Processtöd Alfa har medel"))
