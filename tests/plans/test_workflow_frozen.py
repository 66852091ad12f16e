"""After adoption the plan year is frozen: every write path refuses, in one place
(plans/freeze.py), and every edit view of that plan says so in Swedish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets import services as budget_services
from budgets.editing import BudgetDraft
from budgets.excel import export_xlsx
from budgets.excel_import import import_xlsx
from budgets.models import Amount, Budget, Line, Scenario
from interventions import services as intervention_services
from interventions.freeze import intervention_frozen_year
from interventions.models import Intervention
from plans import services
from plans.freeze import PlanFrozen, plan_is_frozen
from plans.models import Plan, PlanStatus
from plans.selectors import plan_is_frozen as selector_plan_is_frozen
from tests.test_access import EDIT_ROUTES, build_world

pytestmark = pytest.mark.django_db

FROZEN = "är fastställd och kan inte ändras"
# Edit views that belong to an adopted plan: what comes after the decision (a
# new revision, next year's plan, publishing) and the director's handling of
# comments (which are not the plan).
AFTER_ADOPTION = {
    "plan_new_revision",
    "plan_roll_forward",
    "plan_publish",
    "plan_unpublish",
    "comment_resolve",
    "comment_reopen",
    # The adoption's progress page writes nothing; it follows the adoption to its end.
    "plan_adoption_progress",
    # The follow-up during the year comes after adoption: actuals, the mapping and the
    # board's report are stored beside the adopted plan (tests/security/test_freeze_sweep.py).
    "follow_up_import",
    "follow_up_send",
}


def test_plan_is_frozen_is_one_definition(decided_plan, plan):
    assert selector_plan_is_frozen is plan_is_frozen
    assert plan_is_frozen(decided_plan.federation, decided_plan.year)
    assert plan_is_frozen(decided_plan.federation_id, decided_plan.year)
    assert not plan_is_frozen(decided_plan.federation, decided_plan.year + 1)


def test_the_plans_own_writes_refuse(decided_plan, director):
    plan = decided_plan
    section, goal, meeting = plan.sections.first(), plan.goals.first(), plan.meetings.first()
    writes = [
        lambda: services.plan_update(plan=plan, by=director, title="Ny titel"),
        lambda: services.section_create(plan=plan, by=director, heading="Ny"),
        lambda: services.section_update(section=section, by=director, heading="X", kind="text"),
        lambda: services.section_move(section=section, by=director, offset=1),
        lambda: services.section_delete(section=section, by=director),
        lambda: services.goal_create(plan=plan, by=director, level="overall", text="Nytt"),
        lambda: services.goal_update(goal=goal, by=director, level="overall", text="Ändrat"),
        lambda: services.goal_delete(goal=goal, by=director),
        lambda: services.meeting_create(
            plan=plan, by=director, kind="board", date=date(2021, 5, 5)
        ),
        lambda: services.meeting_update(
            meeting=meeting, by=director, kind="board", date=date(2021, 5, 6)
        ),
        lambda: services.meeting_delete(meeting=meeting, by=director),
    ]
    for write in writes:
        with pytest.raises(PlanFrozen) as refused:
            write()
        assert FROZEN in refused.value.messages[0]
    plan.refresh_from_db()
    assert plan.title != "Ny titel" and plan.sections.filter(pk=section.pk).exists()


def test_that_years_budget_refuses_every_write(decided_plan, director):
    budget = Budget.objects.get(federation=decided_plan.federation, year=decided_plan.year)
    scenario = budget.scenarios.first()
    version = budget.version
    draft = BudgetDraft(
        columns=[c.code for c in budget.columns.all()],
        lines=[],
        opening_equity=Decimal(0),
        deficit_reason="",
        version=version,
    )
    writes = [
        lambda: budget_services.budget_save(
            budget=budget, draft=draft, expected_version=version, by=director
        ),
        lambda: budget_services.scenario_create(budget=budget, name="Nytt", by=director),
        lambda: budget_services.scenario_rename(scenario=scenario, name="Nytt namn", by=director),
        lambda: budget_services.scenario_delete(scenario=scenario, by=director),
        lambda: budget_services.contributions_fill(
            budget=budget, column="2021:budget", amounts={"fk": Decimal(1)}, by=director
        ),
    ]
    for write in writes:
        with pytest.raises(PlanFrozen):
            write()
    # The Excel import too: PlanFrozen, so that the view answers with the 409 page.
    with pytest.raises(PlanFrozen) as refused:
        import_xlsx(budget=budget, file=export_xlsx(budget), by=director)
    assert FROZEN in refused.value.messages[0]
    budget.refresh_from_db()
    assert budget.version == version and Scenario.objects.filter(pk=scenario.pk).exists()
    assert Line.objects.filter(budget=budget).count() == 7


def test_interventions_that_belong_to_the_adopted_year_only_refuse(decided_plan, director):
    federation = decided_plan.federation
    enter = Intervention.objects.get(federation=federation, key="enter")  # goes on
    assert intervention_frozen_year(enter) is None
    intervention_services.intervention_update(intervention=enter, by=director, name="Enter 2.0")
    only_2021 = Intervention.objects.create(
        federation=federation,
        key="kurs",
        name="Kurs 2021",
        start=date(2021, 1, 1),
        end=date(2021, 12, 31),
    )
    assert intervention_frozen_year(only_2021) == 2021
    with pytest.raises(PlanFrozen):
        intervention_services.intervention_update(
            intervention=only_2021, by=director, name="Ändrad"
        )
    assert (
        "fastställda verksamhetsplanen 2021"
        in intervention_services.intervention_delete_refusal(only_2021)
    )
    with pytest.raises(ValidationError):
        intervention_services.intervention_delete(intervention=only_2021, by=director)
    with pytest.raises(PlanFrozen):
        intervention_services.intervention_create(
            federation=federation,
            by=director,
            name="Ny 2021",
            start=date(2021, 2, 1),
            end=date(2021, 6, 30),
        )
    # Finished, without dates: its money in the adopted budget's planning columns decides.
    finished = Intervention.objects.create(
        federation=federation, key="klar", name="Klar", status="finished"
    )
    budget = Budget.objects.get(federation=federation, year=2021)
    line = Line.objects.create(
        budget=budget,
        key="klar",
        category="intervention",
        label="Klar",
        intervention=finished,
        position=50,
    )
    Amount.objects.create(line=line, column=budget.columns.get(year=2021, kind="budget"), amount=5)
    assert intervention_frozen_year(finished) == 2021
    Amount.objects.create(line=line, column=budget.columns.get(year=2022, kind="plan"), amount=5)
    assert intervention_frozen_year(finished) is None  # it has money in 2022 too
    # A new one for next year is fine.
    intervention_services.intervention_create(
        federation=federation, by=director, name="Ny 2022", start=date(2022, 1, 1)
    )


def test_every_edit_view_of_the_plan_refuses_in_swedish(client, director, federation):
    world = build_world(federation)
    Plan.objects.filter(pk=world.plan.pk).update(
        status=PlanStatus.DECIDED, decided_on=date(2025, 11, 19)
    )
    client.force_login(director)
    checked = []
    for route in EDIT_ROUTES:
        name = route.name or ""
        in_plan_year = route.route.startswith(("f/<slug:slug>/plan/", "f/<slug:slug>/budget/"))
        if not in_plan_year or "year" not in route.kwargs or name in AFTER_ADOPTION:
            continue
        address = route.url(world)
        for method in ("get", "post"):
            response = getattr(client, method)(address)
            assert response.status_code == 409, (
                f"{method.upper()} {address}: {response.status_code}"
            )
            assert FROZEN in response.text, address
        checked.append(name)
    assert {
        "plan_edit",
        "section_create",
        "section_edit",
        "section_delete",
        "section_move",
        "plan_goal_create",
        "meeting_edit",
        "budget_grid_save",
        "budget_grid_recompute",
        "budget_excel_import",
        "budget_planner",
        "scenario_create",
        "scenario_rename",
        "scenario_delete",
        "plan_decide",
        "plan_send_to_review",
    } <= set(checked)
    assert world.plan.sections.count() == 1 and world.budget.scenarios.count() == 1


def test_the_budget_grid_of_an_adopted_year_is_read_only(client, director, decided_plan):
    client.force_login(director)
    page = client.get(
        reverse("budget_grid", args=[decided_plan.federation.slug, decided_plan.year])
    )
    assert page.status_code == 200
    assert "du kan läsa men inte ändra budgeten" in page.text
    assert "budget_grid_recompute" not in page.text and "rutnat/berakna" not in page.text


def test_interventions_edit_view_shows_the_refusal(client, director, decided_plan):
    only_2021 = Intervention.objects.create(
        federation=decided_plan.federation,
        key="kurs",
        name="Kurs 2021",
        start=date(2021, 1, 1),
        end=date(2021, 12, 31),
    )
    client.force_login(director)
    page = client.get(
        reverse("intervention_delete", args=[decided_plan.federation.slug, only_2021.pk])
    )
    assert "fastställda verksamhetsplanen 2021" in page.text
    client.post(reverse("intervention_delete", args=[decided_plan.federation.slug, only_2021.pk]))
    assert Intervention.objects.filter(pk=only_2021.pk).exists()
