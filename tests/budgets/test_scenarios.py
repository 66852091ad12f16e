"""Scenarios: create one from the base, change its lines, compare side by side,
rename and delete it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.editing import BudgetDraft, DraftLine
from budgets.models import Budget, Line, Scenario
from budgets.rules import evaluate
from budgets.selectors import budget_facts
from budgets.services import budget_save, scenario_create, scenario_delete, scenario_rename
from tests.budgets.test_views import make_budget

D = Decimal
ESF = "Om ESF-projektet beviljas"
NBSP = "\u00a0"


def kr(text: str) -> str:
    return text.replace(" ", NBSP) + f"{NBSP}kr"


def url(name: str, budget: Budget, *args: object) -> str:
    return reverse(name, args=[budget.federation.slug, budget.year, *args])


@pytest.fixture
def budget(federation) -> Budget:
    """Kramfors' figures, with the scenario "Om ESF-projektet beviljas" (ESF
    545 000 kr in 2021)."""
    return make_budget(federation)


def test_it_works(client, director, budget):
    client.force_login(director)
    response = client.get(url("scenario_compare", budget))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Scenarier sida vid sida" in html
    assert "Grundbudget" in html and ESF in html
    # 2021: the base loses 253 000 kr; with ESF's 545 000 kr it gains 292 000 kr.
    assert kr("\u2212253 000") in html
    assert kr("292 000") in html
    assert kr("295 077") in html  # closing equity 2021, base
    assert kr("840 077") in html  # closing equity 2021, with ESF
    assert f"+{kr('545 000')} mot grundbudgeten" in html
    # Each one's findings: the base's deficit has no stated reason.
    assert "budget-balance" in html
    assert "Budgeten 2021 är inte i balans" in html
    # The director may create, rename and delete.
    assert url("scenario_create", budget) in html
    scenario = budget.scenarios.get()
    assert url("scenario_delete", budget, scenario.pk) in html
    assert url("scenario_rename", budget, scenario.pk) in html
    years = response.context["years"]
    assert [row["year"] for row in years if row["first"]] == [2021, 2022, 2023]


@pytest.mark.parametrize("role", ["reviewer", "board_member", "viewer"])
def test_every_role_compares(client, request, budget, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url("scenario_compare", budget))
    assert response.status_code == 200
    html = response.content.decode()
    assert ESF in html
    assert url("scenario_create", budget) not in html
    assert "ta-bort" not in html


def test_it_checks_access(client, budget, outsider, reviewer, board_member, viewer):
    scenario = budget.scenarios.get()
    urls = {
        "scenario_compare": url("scenario_compare", budget),
        "scenario_create": url("scenario_create", budget),
        "scenario_rename": url("scenario_rename", budget, scenario.pk),
        "scenario_delete": url("scenario_delete", budget, scenario.pk),
    }
    client.force_login(outsider)
    for target in urls.values():
        assert client.get(target).status_code == 404
        assert client.post(target, {"name": "X"}).status_code == 404
    for user in (reviewer, board_member, viewer):
        client.force_login(user)
        assert client.get(urls["scenario_compare"]).status_code == 200
        for name in ("scenario_create", "scenario_rename", "scenario_delete"):
            assert client.get(urls[name]).status_code == 403
            assert client.post(urls[name], {"name": "X"}).status_code == 403
    client.logout()
    assert client.get(urls["scenario_compare"]).status_code == 302
    assert list(budget.scenarios.values_list("name", flat=True)) == [ESF]


def test_a_scenario_of_another_budget_is_not_found(client, director, federation, budget):
    other = Budget.objects.create(federation=federation, year=2030)
    elsewhere = Scenario.objects.create(budget=other, name="Någon annanstans")
    client.force_login(director)
    assert client.get(url("scenario_delete", budget, elsewhere.pk)).status_code == 404
    assert client.post(url("scenario_delete", budget, elsewhere.pk)).status_code == 404
    assert Scenario.objects.filter(pk=elsewhere.pk).exists()


# --- the acceptance: create from the base, change the lines, compare ---------------


def test_create_change_and_compare(client, director, federation):
    budget = make_budget(federation)
    budget.scenarios.all().delete()
    client.force_login(director)

    response = client.post(url("scenario_create", budget), {"name": f"  {ESF} "})
    assert response.status_code == 302
    assert response.url == url("scenario_compare", budget)
    scenario = budget.scenarios.get()
    assert scenario.name == ESF
    # An empty scenario copies nothing and equals the base.
    assert not scenario.lines.exists()
    facts = budget_facts(budget)
    base, same = evaluate(facts), evaluate(facts, facts.scenarios[0])
    assert base.columns == same.columns
    page = client.get(response.url).content.decode()
    assert f"Scenariot ”{ESF}” är skapat" in page

    # The editor changes its lines: ESF money in, the project's cost out.
    budget.refresh_from_db()
    lines = [
        DraftLine(
            key=line.key,
            category=line.category,
            label=line.label,
            member=line.member,
            intervention=line.intervention,
            amounts=dict(line.amounts),
        )
        for line in facts.lines
    ]
    lines.append(
        DraftLine(
            key="esf",
            category="other_income",
            label="ESF",
            amounts={"2021:budget": D(545_000), "2022:plan": D(934_000)},
        )
    )
    enter = next(line for line in lines if line.key == "enter")
    enter.amounts = dict(enter.amounts) | {"2021:budget": D(2_310_000)}
    draft = BudgetDraft(columns=list(facts.columns), lines=lines, scenario=ESF)
    budget_save(budget=budget, draft=draft, expected_version=budget.version, by=director)

    response = client.get(url("scenario_compare", budget))
    html = response.content.decode()
    # 2021: −253 000 + 545 000 − 400 000 = −108 000; UB 548 077 − 108 000 = 440 077.
    assert kr("\u2212108 000") in html
    assert kr("440 077") in html
    # 2022: the base's 0 result, plus 934 000 of ESF.
    rows = {
        (row["year"], row["label"]): [v["value"] for v in row["values"]]
        for row in response.context["years"]
    }
    assert rows[(2021, "Årets resultat")] == [D(-253_000), D(-108_000)]
    assert rows[(2021, "Eget kapital vid årets slut (UB)")] == [D(295_077), D(440_077)]
    assert rows[(2022, "Årets resultat")] == [D(-253_000), D(681_000)]
    # The base's findings and the scenario's, each listed.
    columns = response.context["columns"]
    assert [c["view"].name for c in columns] == ["Grundbudget", ESF]
    assert columns[1]["scenario"] == scenario
    assert any(f.rule == "budget-balance" for f in columns[0]["view"].findings)


def test_create_refuses_empty_duplicate_and_reserved_names(client, director, budget):
    client.force_login(director)
    version = Budget.objects.get(pk=budget.pk).version
    for name, message in (
        ("   ", "Ange ett namn på scenariot."),
        ("om esf-projektet BEVILJAS", "Budgeten har redan ett scenario som heter"),
        ("Grundbudget", "är budgeten utan scenario"),
    ):
        response = client.post(url("scenario_create", budget), {"name": name})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert "is-invalid" in response.content.decode()
    assert budget.scenarios.count() == 1
    assert Budget.objects.get(pk=budget.pk).version == version


def test_get_on_an_action_goes_to_the_comparison(client, director, budget):
    client.force_login(director)
    scenario = budget.scenarios.get()
    for target in (url("scenario_create", budget), url("scenario_rename", budget, scenario.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert response.url == url("scenario_compare", budget)


def test_rename(client, director, budget):
    client.force_login(director)
    scenario = budget.scenarios.get()
    scenario_create(budget=budget, name="Utan ökning", by=director)
    response = client.post(url("scenario_rename", budget, scenario.pk), {"name": "Med ESF"})
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.name == "Med ESF"
    response = client.post(url("scenario_rename", budget, scenario.pk), {"name": "utan ökning"})
    assert response.status_code == 400
    assert "Budgeten har redan ett scenario som heter ”utan ökning”" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.name == "Med ESF"
    # Its own name, in other letters, is not a duplicate.
    scenario_rename(scenario=scenario, name="med esf", by=director)
    assert Scenario.objects.get(pk=scenario.pk).name == "med esf"


def test_delete_with_confirmation(client, director, budget):
    client.force_login(director)
    scenario = budget.scenarios.get()
    base_lines = Line.objects.filter(budget=budget, scenario=None).count()
    page = client.get(url("scenario_delete", budget, scenario.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Vill du ta bort scenariot ”{ESF}”" in html
    assert "Scenariots 1 rad tas också bort." in html
    assert "Det går inte att ångra." in html
    assert Scenario.objects.filter(pk=scenario.pk).exists()  # a GET deletes nothing

    version = Budget.objects.get(pk=budget.pk).version
    response = client.post(url("scenario_delete", budget, scenario.pk))
    assert response.status_code == 302
    assert response.url == url("scenario_compare", budget)
    assert not Scenario.objects.filter(pk=scenario.pk).exists()
    assert not Line.objects.filter(budget=budget, scenario__isnull=False).exists()
    assert Line.objects.filter(budget=budget, scenario=None).count() == base_lines
    budget.refresh_from_db()
    assert budget.version == version + 1
    assert budget.updated_by == director
    page = client.get(response.url).content.decode()
    assert f"Scenariot ”{ESF}” är borttaget." in page
    assert "Budgeten har inga scenarier än." in page


# --- the services -------------------------------------------------------------------


def test_services_validate_in_swedish(budget, director):
    with pytest.raises(ValidationError) as caught:
        scenario_create(budget=budget, name="", by=director)
    assert caught.value.message_dict == {"name": ["Ange ett namn på scenariot."]}
    with pytest.raises(ValidationError) as caught:
        scenario_create(budget=budget, name=ESF, by=director)
    assert caught.value.message_dict == {
        "name": [f"Budgeten har redan ett scenario som heter ”{ESF}”."]
    }
    second = scenario_create(budget=budget, name="Utan ökning", by=director)
    assert second.position > budget.scenarios.get(name=ESF).position
    with pytest.raises(ValidationError):
        scenario_rename(scenario=second, name=ESF, by=director)
    budget.refresh_from_db()
    version = budget.version
    scenario_delete(scenario=second, by=director)
    budget.refresh_from_db()
    assert budget.version == version + 1
    assert list(budget.scenarios.values_list("name", flat=True)) == [ESF]


def test_compare_query_count_is_flat(client, director, budget, django_assert_num_queries):
    client.force_login(director)
    target = url("scenario_compare", budget)
    client.get(target)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(target).status_code == 200
    for n in range(5):
        scenario = scenario_create(budget=budget, name=f"Alternativ {n}", by=director)
        Line.objects.create(
            budget=budget, scenario=scenario, key=f"extra-{n}", category="other_cost", label="X"
        )
    with django_assert_num_queries(len(one)):
        assert client.get(target).status_code == 200
