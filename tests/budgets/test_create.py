"""A budget for any plan year, from the UI (issue 15, points 3–5): "Skapa budget"
with its three starting points, the paste box and its preview, the budget pages of
a year without a budget, and columns named in Swedish in the grid."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from budgets.editing import column_sort_key, insert_in_year_order, read_column_name
from budgets.models import Budget, Line
from budgets.planner import split_total
from budgets.rules import column_label, evaluate, rolled_columns
from budgets.selectors import budget_facts, interventions_running, member_facts
from budgets.services import budget_create_copy, budget_create_empty
from budgets.starting import STANDARD_COST_LINES, starting_columns
from budgets.table_paste import parse_table
from finsam.models import Federation, MemberKind, MunicipalSplit, Role
from finsam.money import round_ore
from interventions.models import Intervention, InterventionStatus
from plans.models import Plan, PlanStatus
from tests.budgets.test_grid import grid_post
from tests.budgets.test_views import make_budget
from tests.factories import FederationFactory, MemberFactory, MembershipFactory, UserFactory

D = Decimal
YEAR = 2021
TABLES = Path(__file__).parent / "tables"
KRAMFORS_TABLE = (TABLES / "kramfors-2021-bokforingstecken.tsv").read_text(encoding="utf-8")
CODE = re.compile(r"\b\d{4}:(budget|plan|forecast|actual)\b")


def url(name: str, federation, year: int = YEAR) -> str:
    return reverse(name, args=[federation.slug, year])


def plan_for(federation, year: int = YEAR, status: str = PlanStatus.DRAFT) -> Plan:
    return Plan.objects.create(
        federation=federation,
        year=year,
        title=f"Verksamhetsplan {year}",
        status=status,
        decided_on=date(year - 1, 11, 19) if status == PlanStatus.DECIDED else None,
    )


def visible_text(response) -> str:
    return strip_tags(response.content.decode())


def make_kramfors() -> Federation:
    """A förbund as the trial set it up: not in the demo, its members named as its
    own table names them, one intervention running 2021."""
    federation = FederationFactory(
        name="Samordningsförbundet Kramfors",
        slug="kramfors",
        municipal_split=MunicipalSplit.POPULATION,
    )
    MemberFactory(
        federation=federation,
        key="fk",
        name="Försäkringskassan",
        kind=MemberKind.SOCIAL_INSURANCE,
        position=1,
    )
    MemberFactory(
        federation=federation,
        key="af",
        name="Arbetsförmedlingen",
        kind=MemberKind.EMPLOYMENT_SERVICE,
        position=2,
    )
    MemberFactory(
        federation=federation,
        key="region",
        name="Region Västernorrland",
        kind=MemberKind.REGION,
        position=3,
    )
    MemberFactory(
        federation=federation,
        key="kramfors",
        name="Kramfors kommun",
        kind=MemberKind.MUNICIPALITY,
        population=18_000,
        position=4,
    )
    Intervention.objects.create(
        federation=federation,
        key="steget",
        name="Steget",
        start=date(2020, 1, 1),
        end=date(2022, 12, 31),
    )
    return federation


def make_chief(federation: Federation):
    """The förbund's förbundschef, a new user."""
    user = UserFactory(username="chef")
    MembershipFactory(user=user, federation=federation, role=Role.DIRECTOR)
    return user


@pytest.fixture
def kramfors(db) -> Federation:
    return make_kramfors()


@pytest.fixture
def chief(kramfors):
    return make_chief(kramfors)


# --- pure parts: columns by name, the year order, the split, running interventions -------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Utfall 2020", "2020:actual"),
        ("Prognos 2023", "2023:forecast"),
        ("Budget 2024", "2024:budget"),
        ("Plan 2025", "2025:plan"),
        ("  utfall   2020 ", "2020:actual"),
        ("PROGNOS 2023", "2023:forecast"),
        ("2020 utfall", "2020:actual"),
        ("2020:prognos", "2020:forecast"),
        ("2020:actual", "2020:actual"),
    ],
)
def test_a_column_is_named_in_swedish(typed, code):
    assert read_column_name(typed) == code
    assert column_label(code).casefold() in {
        typed.strip().casefold(),
        column_label(code).casefold(),
    }


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Skriv kolumnens slag och år"),
        ("Utfall", "»Utfall« är ingen kolumn"),
        ("Resultat 2020", "»Resultat 2020« är ingen kolumn"),
        ("Utfall 20", "»Utfall 20« är ingen kolumn"),
        ("Utfall 2020 2021", "»Utfall 2020 2021« är ingen kolumn"),
    ],
)
def test_a_column_that_is_not_one_is_named_in_the_message(typed, message):
    with pytest.raises(ValueError, match=message) as refused:
        read_column_name(typed)
    assert "Utfall 2020, Prognos 2023, Budget 2024 eller Plan 2025" in str(refused.value)
    assert not CODE.search(str(refused.value))


@pytest.mark.parametrize(
    ("columns", "new", "expected"),
    [
        (
            ["2020:forecast", "2021:budget", "2022:plan"],
            "2019:actual",
            ["2019:actual", "2020:forecast", "2021:budget", "2022:plan"],
        ),
        (
            ["2020:forecast", "2021:budget", "2022:plan"],
            "2023:plan",
            ["2020:forecast", "2021:budget", "2022:plan", "2023:plan"],
        ),
        (
            ["2020:forecast", "2021:budget", "2022:plan"],
            "2020:actual",
            ["2020:forecast", "2020:actual", "2021:budget", "2022:plan"],
        ),
        (
            ["2020:forecast", "2021:budget", "2022:plan"],
            "2020:budget",
            ["2020:budget", "2020:forecast", "2021:budget", "2022:plan"],
        ),
        ([], "2021:budget", ["2021:budget"]),
    ],
)
def test_a_new_column_goes_where_its_year_is(columns, new, expected):
    columns = list(columns)
    assert insert_in_year_order(columns, new) == expected.index(new)
    assert columns == expected
    assert columns == sorted(columns, key=column_sort_key)


@pytest.mark.django_db
def test_the_interventions_of_a_new_budget_are_those_of_its_plan_year(kramfors):
    def make(key, **fields):
        return Intervention.objects.create(federation=kramfors, key=key, name=key, **fields)

    make("ends-1-jan", start=date(2019, 1, 1), end=date(2021, 1, 1), status="finished")
    make("ended-before", start=date(2019, 1, 1), end=date(2020, 12, 31), status="ongoing")
    make("starts-31-dec", start=date(2021, 12, 31), status="granted")
    make("starts-after", start=date(2022, 1, 1), status="granted")
    make("no-dates-ongoing", status=InterventionStatus.ONGOING)
    make("no-dates-idea", status=InterventionStatus.IDEA)
    funded = make("no-dates-funded", status=InterventionStatus.FINISHED)
    # An older budget plans money for it in 2021.
    old = Budget.objects.create(federation=kramfors, year=2020)
    column = old.columns.create(year=2021, kind="plan", position=0)
    line = old.lines.create(key="f", category="intervention", label="f", intervention=funded)
    line.amounts.create(column=column, amount=D(1000))

    assert [i.key for i in interventions_running(kramfors, YEAR)] == [
        "steget",
        "ends-1-jan",
        "starts-31-dec",
        "no-dates-ongoing",
        "no-dates-funded",
    ]


def test_the_starting_columns_are_prognos_budget_and_two_plan_years_in_year_order():
    assert starting_columns(YEAR) == ["2020:forecast", "2021:budget", "2022:plan", "2023:plan"]
    assert [column_label(c) for c in starting_columns(YEAR)] == [
        "Prognos 2020",
        "Budget 2021",
        "Plan 2022",
        "Plan 2023",
    ]


@pytest.mark.django_db
def test_a_total_is_split_as_the_planner_splits_it(federation):
    members = [member_facts(m) for m in federation.members.order_by("position")]
    total = D("4000000.01")
    split = split_total(total, members, MunicipalSplit.POPULATION)
    municipalities = total - round_ore(total / 2) - round_ore(total / 4)
    population = {m.key: m.population for m in members if m.kind == MemberKind.MUNICIPALITY}
    assert (split.problem, split.note) == ("", "")
    assert sum(split.amounts.values()) == total
    assert split.amounts["af"] == 0
    assert split.amounts["fk"] == round_ore(total / 2)  # half-up: 2 000 000,01
    assert split.amounts["region"] == round_ore(total / 4)
    assert split.amounts["kommun-a"] + split.amounts["kommun-b"] == municipalities
    share = D(population["kommun-b"]) / sum(population.values())
    assert abs(split.amounts["kommun-b"] - municipalities * share) < D("0.01")


@pytest.mark.django_db
def test_a_split_without_the_keys_data_goes_equal_and_says_so(federation):
    federation.members.filter(key="kommun-b").update(population=None)
    members = [member_facts(m) for m in federation.members.order_by("position")]
    split = split_total(D(1_000_000), members, MunicipalSplit.POPULATION)
    assert split.amounts["kommun-a"] == split.amounts["kommun-b"] == D(125_000)
    assert "B kommun" in split.note and "lika delar" in split.note
    federation.members.filter(kind=MemberKind.SOCIAL_INSURANCE).delete()
    members = [member_facts(m) for m in federation.members.order_by("position")]
    refused = split_total(D(1_000_000), members, MunicipalSplit.EQUAL)
    assert refused.amounts == {} and "Försäkringskassan" in refused.problem


# --- the pages of a year without a budget --------------------------------------------------


@pytest.mark.django_db
def test_it_works(client, chief, kramfors):
    plan_for(kramfors)
    client.force_login(chief)

    plan_page = client.get(reverse("plan_detail", args=[kramfors.slug, YEAR]))
    assert plan_page.status_code == 200
    assert "Det finns ingen budget för 2021 ännu." in visible_text(plan_page)
    assert f'href="{url("budget_create", kramfors)}">Skapa budget</a>' in plan_page.content.decode()
    federation_page = client.get(reverse("federation_detail", args=[kramfors.slug]))
    assert url("budget_create", kramfors) in federation_page.content.decode()

    for name in (
        "budget_detail",
        "budget_grid",
        "budget_excel_import",
        "scenario_compare",
        "budget_planner",
    ):
        missing = client.get(url(name, kramfors))
        assert missing.status_code == 404, name
        assert "Det finns ingen budget för 2021 ännu." in visible_text(missing)
        assert f'href="{url("budget_create", kramfors)}"' in missing.content.decode()

    page = client.get(url("budget_create", kramfors))
    assert page.status_code == 200
    text = visible_text(page)
    for start in ("Tom budget", "Kopia av ett tidigare års budget", "Förbundets egen tabell"):
        assert start in text
    assert "Förbundet har ingen budget för ett tidigare år att kopiera." in text
    assert "Prognos 2020, Budget 2021, Plan 2022, Plan 2023" in text
    assert "Steget" in text
    assert f'action="{url("budget_table_import", kramfors)}"' in page.content.decode()
    assert not CODE.search(text)


@pytest.mark.django_db
def test_it_checks_access(client, kramfors, federation, director, reviewer, board_member, viewer):
    plan_for(kramfors)
    outsider = director  # a director, of another förbund
    client.force_login(outsider)
    for name in ("budget_create", "budget_table_import", "budget_detail", "budget_grid"):
        assert client.get(url(name, kramfors)).status_code == 404
        assert client.post(url(name, kramfors), {"start": "empty", "text": "x"}).status_code == 404
    assert Budget.objects.count() == 0

    plan_for(federation)
    for user in (reviewer, board_member, viewer):
        client.force_login(user)
        for name in ("budget_create", "budget_table_import"):
            assert client.get(url(name, federation)).status_code == 403
            assert client.post(url(name, federation), {"start": "empty"}).status_code == 403
        # They see that there is no budget, and no button to create one.
        missing = client.get(url("budget_detail", federation))
        assert missing.status_code == 404
        assert url("budget_create", federation) not in missing.content.decode()
        assert "Förbundschefen skapar budgeten" in visible_text(missing)
    assert Budget.objects.count() == 0
    client.logout()
    assert client.get(url("budget_create", federation)).status_code == 302


@pytest.mark.django_db
def test_a_year_without_a_plan_gets_the_plan_first(client, chief, kramfors):
    client.force_login(chief)
    for name in ("budget_create", "budget_table_import", "budget_detail"):
        page = client.get(url(name, kramfors))
        assert page.status_code == 404
        assert f"{reverse('plan_create', args=[kramfors.slug])}?ar=2021" in page.content.decode()
        assert "Skapa verksamhetsplanen för 2021 först" in visible_text(page)
    with pytest.raises(Exception, match="Skapa planen först"):
        budget_create_empty(federation=kramfors, year=YEAR, by=chief)
    assert Budget.objects.count() == 0


@pytest.mark.django_db
def test_a_year_with_a_budget_goes_to_it(client, chief, kramfors):
    plan_for(kramfors)
    Budget.objects.create(federation=kramfors, year=YEAR)
    client.force_login(chief)
    response = client.post(url("budget_create", kramfors), {"start": "empty"})
    assert response.status_code == 302 and response["Location"] == url("budget_detail", kramfors)
    assert Budget.objects.get().lines.count() == 0


# --- starting point 1: an empty budget ----------------------------------------------------


def _lines(budget: Budget) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (
            line.category,
            line.label,
            line.member.key if line.member else None,
            line.intervention.key if line.intervention else None,
        )
        for line in budget.lines.filter(scenario=None).select_related("member", "intervention")
    ]


@pytest.mark.django_db
def test_an_empty_budget_comes_from_the_federation_itself(client, chief, kramfors):
    plan_for(kramfors)
    Intervention.objects.create(
        federation=kramfors,
        key="slutad",
        name="Slutad",
        start=date(2018, 1, 1),
        end=date(2020, 12, 31),
    )
    Intervention.objects.create(
        federation=kramfors, key="pagar", name="Pågår", status=InterventionStatus.ONGOING
    )
    Intervention.objects.create(
        federation=kramfors, key="ide", name="En idé", status=InterventionStatus.IDEA
    )
    client.force_login(chief)

    response = client.post(url("budget_create", kramfors), {"start": "empty", "empty-total": ""})

    assert response.status_code == 302 and response["Location"] == url("budget_grid", kramfors)
    budget = Budget.objects.get(federation=kramfors, year=YEAR)
    assert [c.code for c in budget.columns.order_by("position")] == starting_columns(YEAR)
    members = [(m.key, m.name) for m in kramfors.members.order_by("position")]
    assert _lines(budget) == (
        [("contribution", name, key, None) for key, name in members]
        + [("administration", str(label), None, None) for label in STANDARD_COST_LINES]
        + [("intervention", "Steget", None, "steget"), ("intervention", "Pågår", None, "pagar")]
    )
    assert not budget.lines.filter(amounts__isnull=False).exists()
    assert budget.updated_by == chief and budget.version == 2
    grid = client.get(response["Location"])
    assert grid.status_code == 200
    assert "Budgeten för 2021 är skapad." in grid.content.decode()


@pytest.mark.django_db
def test_an_empty_budget_with_a_total_gets_the_planners_split(client, chief, kramfors):
    plan_for(kramfors)
    client.force_login(chief)
    total = D(2_592_000)

    response = client.post(
        url("budget_create", kramfors), {"start": "empty", "empty-total": "2 592 000"}
    )

    assert response.status_code == 302
    budget = Budget.objects.get()
    facts = budget_facts(budget)
    members = [member_facts(m) for m in kramfors.members.order_by("position")]
    expected = split_total(total, members, kramfors.municipal_split).amounts
    contributions = {
        line.member: line.amounts for line in facts.lines if line.category == "contribution"
    }
    assert {key: amounts for key, amounts in contributions.items() if amounts} == {
        key: {"2021:budget": amount} for key, amount in expected.items()
    }
    assert sum(expected.values()) == total and expected["fk"] == total / 2


@pytest.mark.django_db
def test_an_empty_budget_the_split_cannot_fill_writes_nothing(client, chief, kramfors, row_counts):
    plan_for(kramfors)
    kramfors.members.filter(kind=MemberKind.SOCIAL_INSURANCE).delete()
    client.force_login(chief)
    before = row_counts()

    response = client.post(
        url("budget_create", kramfors), {"start": "empty", "empty-total": "1 000 000"}
    )

    assert response.status_code == 422
    assert "Förbundet saknar Försäkringskassan" in visible_text(response)
    assert 'value="1 000 000"' in response.content.decode()  # what was typed stays
    assert row_counts() == before
    bad = client.post(url("budget_create", kramfors), {"start": "empty", "empty-total": "tusen"})
    assert bad.status_code == 422 and "Inte ett belopp" in visible_text(bad)
    assert row_counts() == before


# --- starting point 2: a copy of an earlier year's budget ---------------------------------


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        # Next year: exactly the roll-forward (its own default).
        (
            2022,
            [
                ("2021:forecast", "2021:budget"),
                ("2022:budget", "2022:plan"),
                ("2023:plan", "2023:plan"),
                ("2024:plan", "2023:plan"),
            ],
        ),
        # Two years on: the old budget's plan for the year before is its forecast.
        (
            2023,
            [
                ("2022:forecast", "2022:plan"),
                ("2023:budget", "2023:plan"),
                ("2024:plan", "2023:plan"),
                ("2025:plan", "2023:plan"),
            ],
        ),
        # Beyond what it planned: copies of its last planning column.
        (
            2025,
            [
                ("2024:forecast", "2023:plan"),
                ("2025:budget", "2023:plan"),
                ("2026:plan", "2023:plan"),
                ("2027:plan", "2023:plan"),
            ],
        ),
    ],
)
def test_columns_move_to_a_later_year_as_the_roll_forward_moves_them(to, expected):
    columns = ["2020:forecast", "2021:budget", "2022:plan", "2023:plan"]
    rolled = rolled_columns(2021, columns, to=to)
    assert list(rolled.columns) == expected
    assert rolled.copied_last
    if to == 2022:
        assert rolled == rolled_columns(2021, columns)


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2022, 2023])
def test_a_budget_copied_from_an_earlier_year(client, director, federation, year):
    old = make_budget(federation)  # 2021, with a scenario
    plan_for(federation, year=year)
    client.force_login(director)
    page = client.get(url("budget_create", federation, year))
    assert '<option value="2021">Budget 2021</option>' in page.content.decode()

    response = client.post(
        url("budget_create", federation, year), {"start": "copy", "copy-source": "2021"}
    )

    assert response.status_code == 302
    assert response["Location"] == url("budget_grid", federation, year)
    new = Budget.objects.get(federation=federation, year=year)
    rolled = rolled_columns(2021, [c.code for c in old.columns.all()], to=year)
    assert [c.code for c in new.columns.order_by("position")] == [c for c, _ in rolled.columns]
    old_facts, new_facts = budget_facts(old), budget_facts(new)
    for code, origin in rolled.columns:
        assert {line.key: line.amounts.get(code) for line in new_facts.lines} == {
            line.key: line.amounts.get(origin) for line in old_facts.lines
        }
    assert [s.name for s in new.scenarios.all()] == ["Om ESF-projektet beviljas"]
    # The opening equity: the old one and the results of every year up to the new one.
    evaluation = evaluate(old_facts)
    ends = ["2021:budget"] + (["2022:plan"] if year == 2023 else [])
    assert new.opening_equity == old.opening_equity + sum(
        evaluation.column(code).result for code in ends
    )
    grid = client.get(response["Location"])
    assert "är skapad som en kopia av budgeten för 2021" in grid.content.decode()
    assert not CODE.search(visible_text(grid))


@pytest.mark.django_db
def test_a_copy_needs_an_earlier_budget_of_the_federation(
    client, director, federation, other_federation, row_counts
):
    Budget.objects.create(federation=other_federation, year=2020)
    make_budget(federation)  # 2021
    plan_for(federation, year=2022)
    plan_for(federation, year=2020)
    client.force_login(director)
    before = row_counts()
    # Another förbund's, the same year, one that does not exist, no year.
    for source in ("2020", "2022", "2024", "x"):
        response = client.post(
            url("budget_create", federation, 2022), {"start": "copy", "copy-source": source}
        )
        assert response.status_code == 422
        assert "Välj en av förbundets budgetar." in visible_text(response)
    assert row_counts() == before
    earlier = client.get(url("budget_create", federation, 2020))
    assert "Förbundet har ingen budget för ett tidigare år att kopiera." in visible_text(earlier)
    with pytest.raises(Exception, match="Välj budgeten för ett år före 2020"):
        budget_create_copy(federation=federation, year=2020, source_year=2021, by=director)
    assert row_counts() == before


# --- a decided plan gets no budget -------------------------------------------------------


@pytest.mark.django_db
def test_a_decided_plan_gets_no_budget_created_or_replaced(client, chief, kramfors, row_counts):
    plan_for(kramfors, status=PlanStatus.DECIDED)
    client.force_login(chief)
    before = row_counts()

    assert client.get(url("budget_create", kramfors)).status_code == 409
    assert client.post(url("budget_create", kramfors), {"start": "empty"}).status_code == 409
    assert client.get(url("budget_table_import", kramfors)).status_code == 409
    pasted = client.post(
        url("budget_table_import", kramfors), {"text": KRAMFORS_TABLE, "action": "preview"}
    )
    assert pasted.status_code == 409
    assert "är fastställd" in visible_text(pasted)
    assert _textarea(pasted) == KRAMFORS_TABLE  # what was pasted stays in the box
    missing = client.get(url("budget_detail", kramfors))
    assert (
        missing.status_code == 404
        and url("budget_create", kramfors) not in missing.content.decode()
    )
    plan_page = client.get(reverse("plan_detail", args=[kramfors.slug, YEAR]))
    assert url("budget_create", kramfors) not in plan_page.content.decode()
    with pytest.raises(Exception, match="fastställd"):
        budget_create_empty(federation=kramfors, year=YEAR, by=chief)
    assert row_counts() == before


@pytest.mark.django_db
def test_a_paste_over_a_plan_decided_after_its_preview_is_refused(
    client, chief, kramfors, row_counts
):
    preview = _previewed(client, chief, kramfors)
    plan = Plan.objects.get(federation=kramfors, year=YEAR)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.DECIDED, decided_on=date(2020, 11, 19))
    before = row_counts()

    saved = client.post(url("budget_table_import", kramfors), _confirm(preview, KRAMFORS_TABLE))

    assert saved.status_code == 409
    assert "fastställd" in visible_text(saved) and _textarea(saved) == KRAMFORS_TABLE
    assert row_counts() == before


# --- starting point 3: the förbund's own table, pasted -----------------------------------


def _textarea(response) -> str:
    match = re.search(
        r'<textarea name="text"[^>]*>\n?(.*?)</textarea>', response.content.decode(), re.S
    )
    assert match, "no paste box"
    from html import unescape

    return unescape(match.group(1))


def _confirm(preview, text: str, **changes: str) -> dict[str, str]:
    """The preview's form as the browser would post it, with `changes` to its selects."""
    html = preview.content.decode()
    data = {"text": text, "action": "save"}
    data["previewed"] = re.search(r'name="previewed" value="([0-9a-f]+)"', html).group(1)
    for name, body in re.findall(
        r'<select[^>]*name="(line-\d+-\w+)"[^>]*>(.*?)</select>', html, re.S
    ):
        selected = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = selected.group(1) if selected else ""
    data.update(changes)
    return data


def _previewed(client, chief, federation, text: str = KRAMFORS_TABLE):
    """The förbundschef on a plan without a budget, with `text` pasted and previewed."""
    plan_for(federation)
    client.force_login(chief)
    return client.post(url("budget_table_import", federation), {"text": text, "action": "preview"})


def _row(table_text: str, label: str) -> int:
    table = parse_table(table_text, year=YEAR)
    return next(line.row for line in table.lines if line.label == label)


@pytest.mark.django_db
def test_a_pasted_table_is_previewed_and_nothing_is_written(client, chief, kramfors, row_counts):
    plan_for(kramfors)
    client.force_login(chief)
    before = row_counts()

    preview = client.post(
        url("budget_table_import", kramfors), {"text": KRAMFORS_TABLE, "action": "preview"}
    )

    assert preview.status_code == 200
    assert row_counts() == before
    text = visible_text(preview)
    assert _textarea(preview) == KRAMFORS_TABLE
    assert "Summa kostnader 2022: tryckt 2 625 000 kr, raderna ger 2 652 000 kr (rad 16)" in (
        text.replace("\u00a0", " ")
    )
    assert not CODE.search(text)
    data = _confirm(preview, KRAMFORS_TABLE)
    assert data[f"line-{_row(KRAMFORS_TABLE, 'Försäkringskassan')}-category"] == "contribution"
    assert data[f"line-{_row(KRAMFORS_TABLE, 'Försäkringskassan')}-link"] == "member:fk"
    assert (
        data[f"line-{_row(KRAMFORS_TABLE, 'Bidrag Insats Steget')}-link"] == "intervention:steget"
    )


@pytest.mark.django_db
def test_the_category_chosen_in_the_preview_is_what_is_saved(client, chief, kramfors):
    preview = _previewed(client, chief, kramfors)
    plan = Plan.objects.get(federation=kramfors, year=YEAR)
    row = _row(KRAMFORS_TABLE, "Bidrag Kvar att fördela")
    proposed = _confirm(preview, KRAMFORS_TABLE)[f"line-{row}-category"]
    assert proposed == "intervention"

    saved = client.post(
        url("budget_table_import", kramfors),
        _confirm(preview, KRAMFORS_TABLE, **{f"line-{row}-category": "other_cost"}),
    )

    assert saved.status_code == 302 and saved["Location"] == url("budget_detail", kramfors)
    budget = Budget.objects.get(federation=kramfors, year=YEAR)
    line = budget.lines.get(label="Bidrag Kvar att fördela")
    assert (line.category, line.intervention) == ("other_cost", None)
    assert budget.lines.get(label="Bidrag Insats Steget").intervention.key == "steget"
    assert budget.lines.get(label="Kramfors kommun").member.key == "kramfors"
    assert budget.opening_equity == D(548_077)
    # The columns in year order, whatever order the table had them in.
    assert [c.code for c in budget.columns.order_by("position")] == [
        "2020:actual",
        "2021:budget",
        "2022:plan",
        "2023:plan",
    ]
    assert plan.sections.count() == Plan.objects.get(pk=plan.pk).sections.count()
    detail = client.get(saved["Location"])
    assert detail.status_code == 200
    assert "Budgeten för 2021 är sparad från tabellen: 11 rader." in detail.content.decode()
    assert "Bidrag Kvar att fördela" in visible_text(detail)


@pytest.mark.django_db
def test_a_paste_that_cannot_be_read_keeps_the_text_and_names_row_and_column(
    client, chief, kramfors, row_counts
):
    plan_for(kramfors)
    client.force_login(chief)
    before = row_counts()
    broken = KRAMFORS_TABLE.replace(
        "-648 000\t-648 000\t-648 000\t-625 000", "-648 000\tsexhundra\t-648 000\t-625 000"
    )

    for text, where in (
        (broken, "Rad 4, kolumn 4 (Plan 2022): »sexhundra« är inget belopp"),
        ("Försäkringskassan\t1 296 000\nKansli\t935 000", "Rad"),
    ):
        for action in ("preview", "save"):
            response = client.post(
                url("budget_table_import", kramfors), {"text": text, "action": action}
            )
            assert response.status_code == 422
            assert "Tabellen gick inte att läsa" in visible_text(response)
            assert where in visible_text(response)
            assert _textarea(response) == text
    empty = client.post(url("budget_table_import", kramfors), {"text": "", "action": "preview"})
    assert empty.status_code == 422 and "Klistra in tabellen i rutan" in visible_text(empty)
    assert row_counts() == before


@pytest.mark.django_db
def test_choices_that_do_not_fit_keep_text_and_choices_and_save_nothing(
    client, chief, kramfors, row_counts
):
    preview = _previewed(client, chief, kramfors)
    row = _row(KRAMFORS_TABLE, "Bankkostnader")
    before = row_counts()

    response = client.post(
        url("budget_table_import", kramfors),
        _confirm(preview, KRAMFORS_TABLE, **{f"line-{row}-category": "contribution"}),
    )

    assert response.status_code == 422
    assert f"Rad {row}: ett medlemsbidrag ska höra till en av förbundets medlemmar" in (
        visible_text(response)
    )
    assert _textarea(response) == KRAMFORS_TABLE
    assert re.search(
        rf'name="line-{row}-category"[^>]*>[^/]*?<option value="contribution" selected>',
        response.content.decode(),
        re.S,
    )
    assert row_counts() == before


@pytest.mark.django_db
def test_a_save_of_other_text_than_the_preview_shows_the_preview_again(
    client, chief, kramfors, row_counts
):
    preview = _previewed(client, chief, kramfors)
    changed = KRAMFORS_TABLE.replace("Bankkostnader\t5 000", "Bankkostnader\t6 000")
    before = row_counts()

    response = client.post(url("budget_table_import", kramfors), _confirm(preview, changed))

    assert response.status_code == 409
    assert "inte den du förhandsgranskade" in visible_text(response)
    assert _textarea(response) == changed
    assert row_counts() == before


def _empty_budget(client, chief, federation) -> None:
    """The förbundschef, logged in, has made the plan year's empty budget."""
    plan_for(federation)
    client.force_login(chief)
    assert client.post(url("budget_create", federation), {"start": "empty"}).status_code == 302


@pytest.mark.django_db
def test_a_pasted_table_replaces_an_existing_budgets_lines(client, chief, kramfors):
    _empty_budget(client, chief, kramfors)
    page = client.get(url("budget_table_import", kramfors))
    assert "Det finns redan en budget för 2021" in visible_text(page)
    preview = client.post(
        url("budget_table_import", kramfors), {"text": KRAMFORS_TABLE, "action": "preview"}
    )
    saved = client.post(url("budget_table_import", kramfors), _confirm(preview, KRAMFORS_TABLE))
    assert saved.status_code == 302
    labels = set(Line.objects.filter(budget__federation=kramfors).values_list("label", flat=True))
    assert "Ränteintäkter" in labels and "Styrelse" not in labels


# --- point 5: columns named in Swedish in the grid ---------------------------------------


def _grid_post(client, federation, **extra):
    """The grid as loaded, posted back with `extra`."""
    budget = Budget.objects.get(federation=federation, year=YEAR)
    return client.post(url("budget_grid_save", federation), grid_post(budget) | extra)


def _header_labels(response) -> list[str]:
    html = response.content.decode()
    return [
        strip_tags(cell).split("ta bort")[0].strip()
        for cell in re.findall(
            r'<th scope="col" class="num col-amount[^"]*">(.*?)</th>', html, re.S
        )
    ]


@pytest.mark.django_db
def test_columns_are_added_in_swedish_in_year_order(client, chief, kramfors):
    _empty_budget(client, chief, kramfors)

    grid = client.get(url("budget_grid", kramfors))
    assert not CODE.search(visible_text(grid))
    added = _grid_post(client, kramfors, action="add-column", new_column="Utfall 2019")
    assert added.status_code == 200
    assert _header_labels(added) == [
        "Utfall 2019",
        "Prognos 2020",
        "Budget 2021",
        "Plan 2022",
        "Plan 2023",
    ]
    assert not CODE.search(visible_text(added))
    # The page posts its columns as shown; saved, they stay in that order.
    shown = dict(re.findall(r'name="(column-\d+)" value="([^"]+)"', added.content.decode()))
    saved = _grid_post(client, kramfors, action="save", **shown)
    assert saved.status_code == 302
    stored = [c.code for c in Budget.objects.get().columns.order_by("position")]
    assert [column_label(code) for code in stored] == _header_labels(added)
    later = client.get(url("budget_grid", kramfors))
    assert _header_labels(later) == _header_labels(added)


@pytest.mark.django_db
def test_a_column_that_cannot_be_added_says_why_and_keeps_what_was_typed(client, chief, kramfors):
    _empty_budget(client, chief, kramfors)

    for typed, message in (
        ("Resultat 2020", "»Resultat 2020« är ingen kolumn. Skriv slag och år, t.ex. Utfall 2020"),
        ("Budget 2021", "Budgeten har redan kolumnen Budget 2021."),
        ("2021:budget", "Budgeten har redan kolumnen Budget 2021."),
    ):
        response = _grid_post(client, kramfors, action="add-column", new_column=typed)
        assert response.status_code == 200
        assert message in visible_text(response)
        assert f'value="{typed}"' in response.content.decode()
        assert _header_labels(response) == ["Prognos 2020", "Budget 2021", "Plan 2022", "Plan 2023"]
