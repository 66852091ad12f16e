"""Issue 19, point 4, in the browser: registering the board's decision with an open
comment shows the confirmation listing it; Avbryt changes nothing; "Tillbaka och
ändra" brings back what she typed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from documents import adoption
from plans import comments
from plans.models import PlanStatus, PlanTransition, Snapshot
from tests.e2e.conftest import field, log_in
from tests.e2e.test_two_factor import axe
from tests.plans.conftest import make_plan

pytestmark = pytest.mark.e2e


def test_adoption_with_an_open_comment_shows_it_and_avbryt_changes_nothing(
    page: Page, director, reviewer, federation, password
) -> None:
    plan = make_plan(federation)
    adoption.plan_send_to_review(plan=plan, by=director)
    section = plan.sections.get(heading="Uppföljning")
    comments.comment_add(
        plan=plan, by=reviewer, role="reviewer", section=section, body="Räcker det med en rad?"
    )
    transitions = PlanTransition.objects.filter(plan=plan).count()
    violations: list[str] = []

    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())
    page.get_by_role("link", name="Registrera styrelsens beslut").click()
    field(page, "Beslutsdatum").fill("2020-11-19")
    field(page, "Styrelsemöte").select_option(
        label="Ett styrelsemöte på beslutsdagen (det planerade beslutsmötet, eller ett nytt)"
    )
    field(page, "Diarienummer").fill("dnr 2020:7")
    page.get_by_role("button", name="Registrera beslutet").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bekräfta beslutet om verksamhetsplanen 2021"
    )
    stoppers = page.get_by_role("region", name=re.compile("Det här bör du se över"))
    expect(stoppers).to_contain_text("1 kommentar är inte löst.")
    expect(stoppers.get_by_role("link", name=re.compile("Räcker det med en rad"))).to_be_visible()
    expect(stoppers).to_contain_text("Inget medlemssamråd finns i årshjulet före beslutet")
    expect(page.locator("main")).to_contain_text("dnr 2020:7")
    axe(page, "Bekräfta beslutet", violations)
    assert not violations, violations

    # "Tillbaka och ändra": the form, with what she typed.
    page.get_by_role("link", name="Tillbaka och ändra").click()
    expect(field(page, "Diarienummer")).to_have_value("dnr 2020:7")
    expect(field(page, "Beslutsdatum")).to_have_value("2020-11-19")
    page.get_by_role("button", name="Registrera beslutet").click()

    # Avbryt: back to the plan, nothing registered.
    page.get_by_role("link", name="Avbryt").click()
    expect(page).to_have_url(re.compile(re.escape(plan.get_absolute_url()) + "$"))
    expect(page.locator(".workflow-steps [aria-current=step]")).to_have_text("På beredning")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW and plan.decided_on is None
    assert PlanTransition.objects.filter(plan=plan).count() == transitions
    assert not Snapshot.objects.filter(plan=plan).exists()
