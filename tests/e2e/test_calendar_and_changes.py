"""In Chromium: the calendar link and "Byt länk" on an adopted plan's page, the
budget's and interventions' changes on "Ändringar sedan utskicket", and the
adoption form's check of the date being entered."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from budgets.models import Budget
from documents import adoption
from interventions import services as intervention_services
from interventions.models import Intervention
from plans import services
from tests.e2e.conftest import field, log_in
from tests.plans.conftest import decide, fake_pdf, make_plan  # noqa: F401 - fake_pdf is a fixture
from tests.plans.test_changes_budget import _save

SHOTS = os.environ.get("FINSAM_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.usefixtures("fake_pdf")
def test_the_decided_plan_page_has_the_calendar_link_and_byt_lank(
    page: Page, director, federation, password
) -> None:
    plan = make_plan(federation)
    decide(plan, director)
    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())
    card = page.get_by_role("region", name="Årshjulet i din kalender")
    address = card.get_by_label("Kalenderns adress")
    old = address.input_value()
    assert "/kalender/" in old and old.endswith(".ics")
    card.scroll_into_view_if_needed()
    _shot(page, "decided-calendar-link")
    card.get_by_role("button", name="Byt länk").click()
    expect(page.get_by_role("status").first).to_contain_text("Kalenderlänken är bytt")
    new = (
        page.get_by_role("region", name="Årshjulet i din kalender")
        .get_by_label("Kalenderns adress")
        .input_value()
    )
    assert new != old
    assert page.request.get(old).status == 404
    assert page.request.get(new).status == 200
    _shot(page, "decided-calendar-link-renewed")


def test_changes_since_review_show_budget_and_intervention_changes(
    page: Page, director, reviewer, federation, password
) -> None:
    plan = make_plan(federation)
    adoption.plan_send_to_review(plan=plan, by=director)
    _save(Budget.objects.get(federation=federation, year=plan.year), director, kansli=900_000)
    enter = Intervention.objects.get(federation=federation, key="enter")
    intervention_services.intervention_update(
        intervention=enter, by=director, name="Enter", individual_share_percent=Decimal(50)
    )
    log_in(page, reviewer.username, password)
    page.goto(plan.get_absolute_url())
    page.get_by_role("link", name="Ändringar sedan utskicket").click()
    budget = page.get_by_role("region", name="Budgeten")
    row = budget.get_by_role("row", name="Kansli")
    expect(row).to_contain_text("Budget 2021")
    expect(row).to_contain_text("935\u00a0000\u00a0kr")
    expect(row).to_contain_text("900\u00a0000\u00a0kr")
    expect(
        page.get_by_role("region", name="Insatser").get_by_role("row", name="Enter")
    ).to_contain_text("individinriktad andel (%)")
    _shot(page, "changes-since-review")


def test_the_adoption_form_checks_the_date_being_entered(
    page: Page, director, federation, password
) -> None:
    plan = make_plan(federation)
    services.plan_update(
        plan=plan, by=director, title=plan.title, decision_meeting_on=date(2020, 11, 19)
    )
    adoption.plan_send_to_review(plan=plan, by=director)
    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())
    page.get_by_role("link", name="Registrera styrelsens beslut").click()
    field(page, "Beslutsdatum").fill("2020-12-02")
    page.get_by_role("button", name="Kontrollera datumet").click()
    alert = page.get_by_role("alert").filter(has_text="Kontrollera innan du registrerar")
    expect(alert).to_contain_text("den 2 december 2020")
    expect(alert).to_contain_text("efter den 30 november 2020")
    _shot(page, "adoption-check")
