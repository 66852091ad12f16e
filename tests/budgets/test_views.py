"""The budget page and the JSON report over HTTP."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from budgets.models import Amount, Budget, Column, Line, Scenario
from interventions.models import Intervention

D = Decimal
COLUMNS = (("2020", "forecast"), ("2021", "budget"), ("2022", "plan"), ("2023", "plan"))


def make_budget(federation, *, extra_lines: int = 0) -> Budget:
    """A 50/25/25 budget with a deficit, an intervention and `extra_lines` cost lines."""
    budget = Budget.objects.create(federation=federation, year=2021, opening_equity=D(548_077))
    columns = [
        Column.objects.create(budget=budget, year=int(y), kind=k, position=i)
        for i, (y, k) in enumerate(COLUMNS)
    ]
    members = {m.key: m for m in federation.members.all()}
    intervention = Intervention.objects.create(
        federation=federation, key="enter", name="Enter", individual_share_percent=D(100)
    )
    intervention.members.set([members["fk"], members["kommun-a"]])
    specs = [
        ("fk", "contribution", "Försäkringskassan", members["fk"], None, 1_296_000),
        ("region", "contribution", "Region Test", members["region"], None, 648_000),
        ("kommun-a", "contribution", "A kommun", members["kommun-a"], None, 486_000),
        ("kommun-b", "contribution", "B kommun", members["kommun-b"], None, 162_000),
        ("enter", "intervention", "Enter", None, intervention, 1_910_000),
        ("kansli", "administration", "Kansli", None, None, 935_000),
    ] + [(f"rad-{i}", "other_cost", f"Rad {i}", None, None, 0) for i in range(extra_lines)]
    lines = Line.objects.bulk_create(
        Line(
            budget=budget,
            key=key,
            category=cat,
            label=label,
            member=member,
            intervention=iv,
            position=i,
        )
        for i, (key, cat, label, member, iv, _) in enumerate(specs)
    )
    Amount.objects.bulk_create(
        Amount(line=line, column=col, amount=D(spec[5]))
        for line, spec in zip(lines, specs, strict=True)
        for col in columns
    )
    scenario = Scenario.objects.create(budget=budget, name="Om ESF-projektet beviljas")
    esf = Line.objects.create(
        budget=budget,
        scenario=scenario,
        key="esf",
        category="other_income",
        label="ESF",
        position=99,
    )
    Amount.objects.create(line=esf, column=columns[1], amount=D(545_000))
    return budget


@pytest.mark.django_db
def test_it_works(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    response = client.get(reverse("budget_detail", args=[federation.slug, budget.year]))
    assert response.status_code == 200
    html = response.content.decode()
    # Kramfors' figures from the spec's report example: 2 592 000 in, 2 845 000 out.
    assert "2\u00a0592\u00a0000\u00a0kr" in html
    assert "\u2212253\u00a0000\u00a0kr" in html  # the result
    assert "295\u00a0077\u00a0kr" in html  # closing equity 2021
    assert "73,69\u00a0%" in html and "36,07\u00a0%" in html
    assert "budget-balance" in html
    assert "Om ESF-projektet beviljas" in html  # the scenario side by side
    assert "finding-error" in html or "finding-flag" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "board_member", "viewer"])
def test_every_role_reads_the_budget(client, request, federation, role):
    budget = make_budget(federation)
    client.force_login(request.getfixturevalue(role))
    assert (
        client.get(reverse("budget_detail", args=[federation.slug, budget.year])).status_code == 200
    )


@pytest.mark.django_db
def test_an_adopted_year_offers_no_editors_that_would_refuse(client, director, federation):
    from datetime import date

    from plans.models import Plan, PlanStatus

    budget = make_budget(federation)
    client.force_login(director)
    pages = [
        reverse(n, args=[federation.slug, budget.year])
        for n in ("budget_detail", "scenario_compare")
    ]
    editors = [
        reverse(n, args=[federation.slug, budget.year])
        for n in ("budget_planner", "budget_excel_import", "scenario_create")
    ]
    before = "".join(client.get(page).content.decode() for page in pages)
    assert all(url in before for url in editors)
    Plan.objects.create(
        federation=federation,
        year=budget.year,
        title="Plan",
        status=PlanStatus.DECIDED,
        decided_on=date(budget.year - 1, 11, 19),
    )
    after = "".join(client.get(page).content.decode() for page in pages)
    assert not any(url in after for url in editors)
    assert "är fastställd, så budgeten kan inte ändras här" in after


@pytest.mark.django_db
def test_it_checks_access(client, outsider, federation):
    budget = make_budget(federation)
    client.force_login(outsider)
    for name in ("budget_detail", "budget_report_json"):
        assert client.get(reverse(name, args=[federation.slug, budget.year])).status_code == 404
    client.logout()
    response = client.get(reverse("budget_detail", args=[federation.slug, budget.year]))
    assert response.status_code == 302


@pytest.mark.django_db
def test_json_report_equals_the_cli(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    url = reverse("budget_report_json", args=[federation.slug, budget.year])
    report = client.get(url).json()
    out = StringIO()
    call_command("validate_budget", federation.slug, "2021", "--json", stdout=out)
    assert report == json.loads(out.getvalue())
    assert report["format"] == "finsam-report/1"
    year = report["years"]["2021"]
    assert (year["contributions"], year["state"], year["result"]) == (
        "2592000",
        "1296000",
        "-253000",
    )
    assert (year["opening_equity"], year["closing_equity"], year["equity_cap"]) == (
        "548077",
        "295077",
        "518400",
    )
    assert (year["intervention_share"], year["administration_share"]) == ("73.69", "36.07")
    assert (year["individual_share"], year["structural_share"]) == ("100.00", "0.00")
    assert sorted(report["years"]) == ["2021", "2022", "2023"]

    scenario = client.get(url, {"scenario": "Om ESF-projektet beviljas"}).json()
    assert scenario["scenario"] == "Om ESF-projektet beviljas"
    assert scenario["years"]["2021"]["other_income"] == "545000"
    assert client.get(url, {"scenario": "Finns inte"}).status_code == 404


@pytest.mark.django_db
def test_budget_page_query_count_is_flat(client, director, federation, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = make_budget(federation, extra_lines=4)
    client.force_login(director)
    url = reverse("budget_detail", args=[federation.slug, small.year])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200
    small.delete()
    Intervention.objects.all().delete()
    big = make_budget(federation, extra_lines=294)
    assert big.lines.filter(scenario=None).count() == 300
    with django_assert_num_queries(len(ten)):
        assert client.get(url).status_code == 200
