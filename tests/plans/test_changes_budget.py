""" "Ändringar sedan utskicket" lists the budget's changed cells (line, column in
Swedish, before and after in kr, who, when) and the interventions' changed fields,
from the saved versions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.editing import BudgetDraft, DraftLine
from budgets.models import Budget
from budgets.services import budget_save
from documents import adoption
from documents.history import changes_since_review
from interventions import services as intervention_services
from interventions.models import Intervention
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _save(budget: Budget, by, **cells: int) -> None:
    """Save the base budget with the given 2021 budget amounts (key=kronor); a key
    given as 0 removes the line."""
    budget.refresh_from_db()
    columns = [c.code for c in budget.columns.all()]
    lines = []
    for line in budget.lines.filter(scenario=None).select_related("member", "intervention"):
        draft = DraftLine(
            key=line.key,
            category=line.category,
            label=line.label,
            member=line.member.key if line.member else None,
            intervention=line.intervention.key if line.intervention else None,
            amounts={a.column.code: a.amount for a in line.amounts.all()},
        )
        if cells.get(line.key) == 0:
            continue
        if line.key in cells:
            draft.amounts["2021:budget"] = Decimal(cells[line.key])
        lines.append(draft)
    budget_save(
        budget=budget,
        draft=BudgetDraft(
            columns=columns,
            lines=lines,
            opening_equity=budget.opening_equity,
            version=budget.version,
        ),
        expected_version=budget.version,
        by=by,
    )


@pytest.fixture
def second_director(federation):
    user = UserFactory(username="karin", first_name="Karin", last_name="Ek")
    MembershipFactory(user=user, federation=federation, role="director")
    return user


def test_budget_cells_changed_since_review(plan, director, second_director):
    budget = Budget.objects.get(federation=plan.federation, year=plan.year)
    adoption.plan_send_to_review(plan=plan, by=director)
    _save(budget, director)  # saved unchanged: nothing to show
    assert changes_since_review(plan).budget == []

    _save(budget, director, kansli=900_000)
    _save(budget, second_director, kansli=880_000, enter=0)
    changes = changes_since_review(plan)
    cells = {(c.line, c.column): c for c in changes.budget}
    kansli = cells[("Kansli", "Budget 2021")]
    assert (kansli.before, kansli.after) == (Decimal(935_000), Decimal(880_000))
    assert (kansli.before_kr, kansli.after_kr) == ("935\u00a0000\u00a0kr", "880\u00a0000\u00a0kr")
    assert kansli.by == "Karin Ek"
    # The removed line: each of its cells, from its amount to none.
    removed = [c for c in changes.budget if c.line == "Enter"]
    assert {c.column for c in removed} == {"Prognos 2020", "Budget 2021", "Plan 2022", "Plan 2023"}
    assert all(c.before == Decimal(1_910_000) and c.after is None for c in removed)
    assert len(changes.budget) == 1 + 4
    assert changes.count == len(changes.budget)

    # Back to where it was: no longer a change.
    _save(budget, director, kansli=935_000)
    assert [c.line for c in changes_since_review(plan).budget] == ["Enter"] * 4


def test_intervention_fields_changed_since_review(plan, director, second_director):
    enter = Intervention.objects.get(federation=plan.federation, key="enter")
    adoption.plan_send_to_review(plan=plan, by=director)
    assert changes_since_review(plan).interventions == []
    intervention_services.intervention_update(
        intervention=enter, by=second_director, name="Enter", individual_share_percent=Decimal(50)
    )
    changes = changes_since_review(plan).interventions
    assert [(c.intervention, c.field, c.before, c.after, c.by) for c in changes] == [
        ("Enter", "individinriktad andel (%)", "100", "50", "Karin Ek")
    ]


def test_the_changes_page_shows_them(client, plan, director, reviewer):
    budget = Budget.objects.get(federation=plan.federation, year=plan.year)
    adoption.plan_send_to_review(plan=plan, by=director)
    _save(budget, director, kansli=900_000)
    enter = Intervention.objects.get(federation=plan.federation, key="enter")
    intervention_services.intervention_update(intervention=enter, by=director, name="Enter Plus")
    client.force_login(reviewer)
    page = client.get(reverse("plan_changes", args=[plan.federation.slug, plan.year])).text
    assert "Budget 2021" in page and "2021:budget" not in page
    assert "935\u00a0000\u00a0kr" in page and "900\u00a0000\u00a0kr" in page
    assert "Enter Plus" in page and ">namn<" in page


def test_a_decided_plan_lists_no_change_made_after_its_decision(plan, director, second_director):
    """The trial changed interventions after the decision, and "Ändringar sedan
    utskicket" listed them as changes to the adopted plan."""
    from datetime import date

    enter = Intervention.objects.get(federation=plan.federation, key="enter")
    adoption.plan_send_to_review(plan=plan, by=director)
    intervention_services.intervention_update(
        intervention=enter, by=second_director, name="Enter", individual_share_percent=Decimal(50)
    )
    adoption.plan_decide(plan=plan, decided_on=date(2020, 11, 20), reference="dnr 1", by=director)
    enter.refresh_from_db()
    enter.individual_share_percent = Decimal(80)
    enter.name = "Enter efter beslutet"
    enter.save()  # a later change of the förbund's (with its saved version)

    plan.refresh_from_db()
    changes = changes_since_review(plan).interventions
    assert [(c.intervention, c.field, c.before, c.after) for c in changes] == [
        ("Enter", "individinriktad andel (%)", "100", "50")
    ]
