"""The intervention pages: register, detail, forms, outcomes; access; query counts;
and the budget report following the intervention."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.models import Intervention, InterventionOutcome
from tests.interventions.conftest import make_budget, make_intervention, members, record

D = Decimal
pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(name, args=["alfa", *args])


def form_data(federation, **kwargs) -> dict[str, object]:
    by_key = members(federation)
    data: dict[str, object] = {
        "name": "Samverkansteam",
        "short_name": "ST",
        "key": "",
        "status": "ongoing",
        "individual_share_percent": "50",
        "category_label": "samverkansstödjande",
        "target_group": "Unga vuxna",
        "age_min": "18",
        "age_max": "29",
        "purpose": "Arbete eller studier",
        "description": "",
        "owner": by_key["kommun-a"].pk,
        "owner_unit": "AME",
        "members": [by_key["fk"].pk, by_key["kommun-a"].pk],
        "steering_members": [by_key["fk"].pk],
        "steering_group": "Förbundschefen",
        "start": "2021-01-01",
        "end": "",
        "interim_report_on": "",
        "annual_report_on": "",
        "goals-TOTAL_FORMS": "3",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "1000",
        "goals-0-text": "Till arbete eller studier",
        "goals-0-comparison": "at_least",
        "goals-0-target": "40",
        "goals-0-unit": "%",
        "goals-1-text": "Ärenden",
        "goals-1-comparison": "at_least",
        "goals-1-target": "1 200,5",
        "goals-1-unit": "ärenden per år",
        "goals-2-text": "",
        "goals-2-comparison": "at_least",
        "goals-2-target": "",
        "goals-2-unit": "",
    }
    return data | kwargs


def test_it_works(client, director, federation, enter):
    make_budget(federation, interventions={enter: 100_000})
    record(enter.goals.first(), 2021, 42)
    client.force_login(director)
    page = client.get(url("intervention_list")).text
    assert "Enter" in page and "Ny insats" in page and "100\u00a0000\u00a0kr" in page
    detail = client.get(url("intervention_detail", enter.pk)).text
    for text in (
        "Målgrupp",
        "Syfte",
        "Projektägare",
        "Styrgrupp",
        "Mål och utfall",
        "uppnått",
        "ej rapporterat",
        "minst 40 %",
        "Visa i budgeten",
        "Redigera insatsen",
        reverse("budget_detail", args=["alfa", 2021]),
        "Kontroller",
    ):
        assert text in detail, text
    assert client.get(url("intervention_create")).status_code == 200
    assert client.get(url("intervention_edit", enter.pk)).status_code == 200
    assert client.get(url("intervention_outcomes_edit", enter.pk, 2021)).status_code == 200


@pytest.mark.parametrize("role", ["reviewer", "board_member", "viewer"])
def test_other_roles_read_only(client, request, federation, enter, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(url("intervention_list")).text
    assert "Enter" in page and "Ny insats" not in page
    detail = client.get(url("intervention_detail", enter.pk)).text
    assert "Redigera insatsen" not in detail and "Registrera utfall" not in detail
    assert client.get(url("intervention_edit", enter.pk)).status_code == 403
    assert client.post(url("intervention_create"), form_data(federation)).status_code == 403
    assert not Intervention.objects.exclude(pk=enter.pk).exists()


def test_it_checks_access(client, outsider, federation, enter):
    outcome = record(enter.goals.first(), 2021, 40)
    client.force_login(outsider)
    for name, args in (
        ("intervention_list", ()),
        ("intervention_create", ()),
        ("intervention_detail", (enter.pk,)),
        ("intervention_edit", (enter.pk,)),
        ("intervention_delete", (enter.pk,)),
        ("intervention_outcomes_edit", (enter.pk, 2021)),
        ("outcome_delete", (enter.pk, outcome.pk)),
    ):
        for method in ("get", "post", "put"):
            assert getattr(client, method)(url(name, *args)).status_code == 404, (name, method)
    client.logout()
    assert client.get(url("intervention_list")).status_code == 302
    assert Intervention.objects.filter(pk=enter.pk).exists()


def test_an_outcome_of_another_intervention_answers_404(client, director, federation, enter):
    other = make_intervention(federation, "annan", goals=(("Mål", D(1), "st"),))
    outcome = record(other.goals.first(), 2021, 1)
    client.force_login(director)
    assert client.post(url("outcome_delete", enter.pk, outcome.pk)).status_code == 404
    assert InterventionOutcome.objects.filter(pk=outcome.pk).exists()


def test_wrong_methods_after_access(client, director, enter):
    client.force_login(director)
    assert client.post(url("intervention_list")).status_code == 405
    assert client.post(url("intervention_detail", enter.pk)).status_code == 405
    assert client.put(url("intervention_edit", enter.pk)).status_code == 405


def test_director_creates_an_intervention_with_goals(client, director, federation):
    client.force_login(director)
    response = client.post(url("intervention_create"), form_data(federation))
    intervention = Intervention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("intervention_detail", intervention.pk)
    assert (intervention.key, intervention.individual_share_percent) == ("samverkansteam", D(50))
    assert [(g.text, g.target, g.unit) for g in intervention.goals.all()] == [
        ("Till arbete eller studier", D(40), "%"),
        ("Ärenden", D("1200.5"), "ärenden per år"),
    ]
    assert [m.key for m in intervention.steering_members.all()] == ["fk"]


def test_form_errors_are_swedish_and_nothing_is_saved(client, director, federation):
    client.force_login(director)
    data = form_data(
        federation, name="", end="2020-12-31", **{"goals-0-target": "fyrtio", "goals-2-target": "5"}
    )
    response = client.post(url("intervention_create"), data)
    assert response.status_code == 200
    page = response.text
    assert "Detta fält måste fyllas i." in page
    assert "Slutdatum ligger före startdatum." in page
    assert "Ange ett tal, till exempel 40 eller 12,5." in page
    assert "Skriv vad målet gäller." in page
    assert not Intervention.objects.exists()


def test_edit_deletes_a_goal_and_keeps_the_others_outcomes(client, director, federation, enter):
    work, satisfied = enter.goals.all()
    record(work, 2021, 38)
    record(satisfied, 2021, 90)
    client.force_login(director)
    data = form_data(
        federation,
        name="Enter",
        **{
            "goals-TOTAL_FORMS": "2",
            "goals-INITIAL_FORMS": "2",
            "goals-0-id": str(work.pk),
            "goals-0-text": work.text,
            "goals-0-target": "45",
            "goals-1-id": str(satisfied.pk),
            "goals-1-text": satisfied.text,
            "goals-1-target": "85",
            "goals-1-unit": "%",
            "goals-1-DELETE": "on",
        },
    )
    response = client.post(url("intervention_edit", enter.pk), data)
    assert response.status_code == 302
    enter.refresh_from_db()
    assert enter.key == "enter"
    assert [(g.pk, g.target) for g in enter.goals.all()] == [(work.pk, D(45))]
    assert list(InterventionOutcome.objects.values_list("goal_id", "value")) == [(work.pk, D(38))]


def test_director_records_outcomes_for_a_year(client, director, enter):
    work, satisfied = enter.goals.all()
    client.force_login(director)
    response = client.post(
        url("intervention_outcomes_edit", enter.pk, 2021),
        {f"value_{work.pk}": "38,5", f"note_{work.pk}": "Vakans", f"value_{satisfied.pk}": ""},
    )
    assert response.status_code == 302
    outcome = InterventionOutcome.objects.get()
    assert (outcome.goal_id, outcome.year, outcome.value, outcome.note) == (
        work.pk,
        2021,
        D("38.5"),
        "Vakans",
    )
    page = client.get(url("intervention_detail", enter.pk)).text
    assert "38,5" in page and "ej uppnått" in page
    bad = client.post(url("intervention_outcomes_edit", enter.pk, 2021), {f"value_{work.pk}": "x"})
    assert bad.status_code == 200 and "Ange ett tal" in bad.text


def test_delete_confirms_and_refuses_while_linked(client, director, federation, enter):
    make_budget(federation, interventions={enter: 100_000})
    client.force_login(director)
    page = client.get(url("intervention_delete", enter.pk)).text
    assert "kan inte tas bort" in page
    assert client.post(url("intervention_delete", enter.pk)).status_code == 200
    assert Intervention.objects.filter(pk=enter.pk).exists()
    lonely = make_intervention(federation, "ensam")
    response = client.post(url("intervention_delete", lonely.pk))
    assert response.status_code == 302 and response["Location"] == url("intervention_list")
    assert not Intervention.objects.filter(pk=lonely.pk).exists()


def test_changing_the_individual_share_changes_the_budget_reports_split(
    client, director, federation, enter
):
    structural = make_intervention(federation, "process", individual_share_percent=D(0))
    budget = make_budget(federation, interventions={enter: 300_000, structural: 100_000})
    client.force_login(director)
    report_url = reverse("budget_report_json", args=["alfa", budget.year])
    year = client.get(report_url).json()["years"]["2021"]
    assert (year["individual_share"], year["structural_share"]) == ("75.00", "25.00")

    data = form_data(
        federation,
        name="Enter",
        key="enter",
        individual_share_percent="50",
        **{"goals-TOTAL_FORMS": "0"},
    )
    assert client.post(url("intervention_edit", enter.pk), data).status_code == 302
    year = client.get(report_url).json()["years"]["2021"]
    assert (year["individual_share"], year["structural_share"]) == ("37.50", "62.50")
    page = client.get(reverse("budget_detail", args=["alfa", budget.year])).text
    assert "37,50\u00a0%" in page


def test_a_new_intervention_is_offered_in_the_budget_editor(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    client.post(url("intervention_create"), form_data(federation, name="Nytt team"))
    grid = client.get(reverse("budget_grid", args=["alfa", budget.year])).text
    assert '<option value="intervention:nytt-team"' in grid


def test_budget_findings_follow_the_intervention(client, director, federation):
    lonely = make_intervention(
        federation, "lonely", name="Ensam", member_keys=("kommun-a", "kommun-b")
    )
    budget = make_budget(federation, interventions={lonely: 100_000})
    client.force_login(director)
    report_url = reverse("budget_report_json", args=["alfa", budget.year])
    rules = {f["rule"] for f in client.get(report_url).json()["findings"]}
    assert "intervention-members" in rules
    detail = client.get(url("intervention_detail", lonely.pk)).text
    assert "intervention-members" in detail and "Minst två parter ska delta" in detail

    by_key = members(federation)
    data = form_data(
        federation,
        name="Ensam",
        key="lonely",
        individual_share_percent="100",
        members=[by_key["kommun-a"].pk, by_key["region"].pk],
        **{"goals-TOTAL_FORMS": "0"},
    )
    assert client.post(url("intervention_edit", lonely.pk), data).status_code == 302
    rules = {f["rule"] for f in client.get(report_url).json()["findings"]}
    assert "intervention-members" not in rules


def _count(client, page_url: str) -> int:
    client.get(page_url)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_url).status_code == 200
    return len(captured)


def _many(federation, n: int, prefix: str = "insats") -> list[Intervention]:
    made = []
    for i in range(n):
        intervention = make_intervention(
            federation,
            f"{prefix}-{i}",
            name=f"Insats {prefix} {i}",
            goals=(("Till arbete", D(40), "%"), ("Utan värde", None, "")),
        )
        for goal in intervention.goals.all():
            record(goal, 2021, 41)
        made.append(intervention)
    return made


@pytest.mark.parametrize(
    "filters", ["", "?medlem=1&ar=2021&status=ongoing&slag=individual&q=insats"]
)
def test_register_query_count_is_flat(client, director, federation, filters):
    client.force_login(director)
    make_budget(federation, interventions={i: 1000 for i in _many(federation, 10)})
    page_url = url("intervention_list") + filters
    ten = _count(client, page_url)
    make_budget(
        federation, year=2022, interventions={i: 1000 for i in _many(federation, 90, "fler")}
    )
    assert Intervention.objects.count() == 100
    assert _count(client, page_url) == ten


def test_detail_query_count_is_flat(client, director, federation, enter):
    client.force_login(director)
    make_budget(federation, interventions={enter: 1000, **{i: 1000 for i in _many(federation, 10)}})
    for goal in enter.goals.all():
        record(goal, 2021, 50)
    page_url = url("intervention_detail", enter.pk)
    ten = _count(client, page_url)
    _many(federation, 90, "fler")
    for n in range(20):
        goal = enter.goals.create(text=f"Mål {n}", target=D(n), unit="st", position=10 + n)
        record(goal, 2021, n)
        record(goal, 2020, n)
    assert _count(client, page_url) == ten
