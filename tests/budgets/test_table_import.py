"""import_budget_table and the save behind it (budgets/table_import.py).

The seeds' tables go into the demo förbund: read with --dry-run and --json, and saved
over the demo budget, which gives the same figures as the demo bundle's budget (the
lines win over printed totals in both) and leaves the plan's sections and meetings
as they were."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from budgets.management.commands.import_budget_table import read_text
from budgets.models import Budget, Line
from budgets.rules import evaluate, find_scenario
from budgets.selectors import budget_facts
from budgets.table_import import TableImportRefused, budget_import_table, table_names
from budgets.table_paste import parse_table
from documents.bundle.importer import bundle_import
from finsam.models import AuditEntry
from plans.freeze import PlanFrozen
from plans.models import Meeting, Plan, PlanStatus, Section
from tests.factories import complete_federation

D = Decimal
TABLES = Path(__file__).parent / "tables"
DEMO = Path(settings.BASE_DIR) / "documents" / "demo"
SEEDS = {
    "sundbyberg-2020": ("sundbyberg", 2020),
    "burlov-kavlinge-staffanstorp-vellinge-2024": ("burlov-kavlinge-staffanstorp-vellinge", 2024),
    "sodra-vatterbygden-2020": ("sodra-vatterbygden", 2020),
}


def run(*args: Any) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_budget_table", *map(str, args), stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def demo(name: str) -> Budget:
    return bundle_import(data=json.loads((DEMO / f"{name}.json").read_text(encoding="utf-8")))


def figures(budget: Budget, scenario: str | None = None) -> list[tuple[D, D | None]]:
    facts = budget_facts(budget)
    ev = evaluate(facts, find_scenario(facts, scenario) if scenario else None)
    return [(c.result, c.closing_equity) for c in ev.planning]


def plan_rows(plan: Plan) -> tuple[list[dict], list[dict]]:
    return (
        list(Section.objects.filter(plan=plan).order_by("pk").values()),
        list(Meeting.objects.filter(plan=plan).order_by("pk").values()),
    )


# --- --dry-run --json on the seeds -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_dry_run_json_on_the_seeds(name, row_counts):
    slug, year = SEEDS[name]
    demo(name)
    before = row_counts()

    code, out, err = run(slug, year, TABLES / f"{name}.tsv", "--dry-run", "--json")

    assert (code, err) == (0, "")
    assert row_counts() == before
    data = json.loads(out)
    assert list(data)[:5] == ["unit", "columns", "lines", "totals", "printed_totals"]
    assert data["unit"] == "kr"
    assert all(set(c) == {"header", "year", "kind"} for c in data["columns"])
    planning = {str(year + k) for k in range(3)}
    assert set(data["totals"]) == planning
    for line in data["lines"]:
        assert {"label", "category", "amounts"} <= set(line)
        for key, amount in line["amounts"].items():
            assert key in planning or ":" in key
            assert isinstance(amount, str) and D(amount) == D(amount).quantize(D("0.01"))
    for total in data["printed_totals"]:
        assert {"label", "year", "printed", "computed", "matches"} <= set(total)
        assert isinstance(total["year"], int) and isinstance(total["matches"], bool)
        assert total["matches"] == (D(total["printed"]) == D(total["computed"]))
    # Links are the demo's keys.
    bundle = json.loads((DEMO / f"{name}.json").read_text(encoding="utf-8"))
    members = {m["key"] for m in bundle["members"]}
    assert {line["member"] for line in data["lines"] if line["member"]} <= members


@pytest.mark.django_db
def test_sundbyberg_2_252_000_is_named(row_counts):
    demo("sundbyberg-2020")
    code, out, _err = run("sundbyberg", 2020, TABLES / "sundbyberg-2020.tsv", "--dry-run")
    assert code == 0
    assert "Totalt (totalt om ESF MIA) 2020: tryckt 2 252 000 kr, raderna ger 2 270 000 kr" in out
    assert "Tryckta summor som inte stämmer med raderna (7):" in out
    assert "Inget sparades (--dry-run)." in out
    assert out.startswith(
        "Kolumner: Budget 2019, Förväntat utfall 2019 (Prognos 2019), Budget "
        "2020, Budget 2021 (Plan 2021), Budget 2022 (Plan 2022). Belopp i kr."
    )

    code, out, _err = run("sundbyberg", 2020, TABLES / "sundbyberg-2020.tsv", "--dry-run", "--json")
    named = [t for t in json.loads(out)["printed_totals"] if t["printed"] == "2252000"]
    assert [(t["year"], t["computed"], t["matches"]) for t in named] == [(2020, "2270000", False)]


@pytest.mark.django_db
def test_dry_run_needs_no_plan_or_budget(federation, row_counts):
    before = row_counts()
    code, out, err = run(
        federation.slug, 2017, TABLES / "stockholm-2017-tkr.tsv", "--dry-run", "--json"
    )
    assert (code, err) == (0, "")
    assert row_counts() == before
    assert not Plan.objects.filter(federation=federation).exists()
    data = json.loads(out)
    # The example, key for key (the extra keys are the preview's).
    assert data["columns"] == [
        {"header": "Budget 2018 Preliminärt förslag", "year": 2018, "kind": "plan"}
    ]
    assert data["totals"] == {"2018": {"income": "24000000", "costs": "24000000", "result": "0"}}


@pytest.mark.django_db
def test_dry_run_matches_the_förbunds_own_names(db):
    federation = complete_federation(slug="kramfors", name="Samordningsförbundet Kramfors")
    federation.members.filter(key="region").update(name="Region Västernorrland")
    federation.members.filter(key="kommun-a").update(name="Kramfors kommun")
    code, out, _err = run(
        "kramfors", 2021, TABLES / "kramfors-2021-bokforingstecken.tsv", "--dry-run", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert [line["member"] for line in data["lines"][:3]] == ["fk", "region", "kommun-a"]
    assert data["opening_equity"] == "548077"
    assert data["lines"][0]["amounts"]["2021"] == "1296000"  # income made positive


# --- saving ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_saved_seed_tables_give_the_demo_budgets_figures(name):
    """Over the demo budget: the same results and equity as the demo bundle's lines,
    the scenario's too (each line keeps its key), and the plan's text untouched."""
    slug, year = SEEDS[name]
    budget = demo(name)
    # Södra Vätterbygden's demo plan is fastställd; here it is a draft, as before adoption.
    Plan.objects.filter(federation=budget.federation, year=year).update(
        status=PlanStatus.DRAFT, decided_on=None
    )
    plan = Plan.objects.get(federation=budget.federation, year=year)
    expected = {s.name: figures(budget, s.name) for s in budget.scenarios.all()}
    expected[None] = figures(budget)
    plan_before = plan_rows(plan)
    version = budget.version

    code, out, err = run(slug, year, TABLES / f"{name}.tsv")

    assert code == 0, err
    assert f"Sparade budget {year}" in out
    budget.refresh_from_db()
    assert budget.version > version
    if name.startswith("burlov"):
        # "Nettoomsättning" names no member: other income, so the split rule fires, but
        # income and costs, and so result and equity, are the demo's.
        assert figures(budget) == expected[None]
    else:
        assert {s: figures(budget, s) for s in expected} == expected
    assert plan_rows(plan) == plan_before
    entry = AuditEntry.objects.filter(action="läste in en budgettabell").get()
    assert entry.changes["year"] == year and entry.changes["created"] is False


@pytest.mark.django_db
def test_save_creates_the_budget_of_a_plan_without_one(federation):
    plan = Plan.objects.create(federation=federation, year=2022, title="Verksamhetsplan 2022")
    code, _out, err = run(federation.slug, 2022, TABLES / "test-2022-mkr-summarader.tsv")
    assert code == 0, err
    budget = Budget.objects.get(federation=federation, year=2022)
    assert budget.opening_equity == D(500_000)
    assert [c.code for c in budget.columns.all()] == ["2022:budget", "2023:plan"]
    assert list(budget.lines.values_list("label", "category", "note")) == [
        ("Medlemsbidrag", "other_income", "Enligt medlemssamrådet i maj"),
        ("Kansli", "administration", ""),
        ("Insatser", "intervention", "Två insatser"),
    ]
    assert figures(budget) == [(D(-200_000), D(300_000)), (D(-550_000), D(-250_000))]
    assert plan.sections.count() == 0


@pytest.mark.django_db
def test_save_links_members_and_interventions_by_key(db):
    federation = complete_federation(slug="kramfors", name="Samordningsförbundet Kramfors")
    federation.members.filter(key="kommun-a").update(name="Kramfors kommun")
    federation.interventions.create(key="steget", name="Steget", individual_share_percent=100)
    Plan.objects.create(federation=federation, year=2021, title="Verksamhetsplan 2021")
    code, _out, err = run("kramfors", 2021, TABLES / "kramfors-2021-bokforingstecken.tsv")
    assert code == 0, err
    budget = Budget.objects.get(federation=federation, year=2021)
    lines = {line.label: line for line in budget.lines.select_related("member", "intervention")}
    assert lines["Försäkringskassan"].member.key == "fk"
    assert lines["Kramfors kommun"].member.key == "kommun-a"
    assert lines["Bidrag Insats Steget"].intervention.key == "steget"
    # "Region Västernorrland" is not this förbund's region (Region Test): other income.
    assert lines["Region Västernorrland"].category == "other_income"
    ev = evaluate(budget_facts(budget))
    assert ev.column("2021:budget").costs == D(2_845_000)
    assert budget.opening_equity == D(548_077)


@pytest.mark.django_db
def test_a_plan_year_without_a_plan_is_refused(federation, row_counts):
    before = row_counts()
    code, out, err = run(federation.slug, 2022, TABLES / "test-2022-mkr-summarader.tsv")
    assert (code, out) == (1, "")
    assert err.startswith(
        "Tabellen sparades inte, inget ändrades. Det finns ingen "
        "verksamhetsplan 2022 för Samordningsförbundet Alfa."
    )
    assert row_counts() == before


@pytest.mark.django_db
def test_a_decided_plan_is_refused_through_the_guard(row_counts, monkeypatch):
    budget = demo("sodra-vatterbygden-2020")  # fastställd in the demo
    assert Plan.objects.get(federation=budget.federation, year=2020).status == PlanStatus.DECIDED
    guarded = []
    import budgets.table_import as module

    real = module.ensure_plan_not_frozen

    def guard(*args, **kwargs):
        guarded.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "ensure_plan_not_frozen", guard)
    before = row_counts()
    code, _out, err = run("sodra-vatterbygden", 2020, TABLES / "sodra-vatterbygden-2020.tsv")
    assert code == 1
    assert "är fastställd (styrelsens beslut 19 november 2019" in err
    assert guarded and row_counts() == before


@pytest.mark.django_db
def test_bad_input_is_named_and_nothing_is_written(federation, tmp_path, row_counts):
    Plan.objects.create(federation=federation, year=2021, title="Verksamhetsplan 2021")
    path = tmp_path / "tabell.txt"
    path.write_text("\tBudget 2021\tPlan 2022\nKansli\t800 000\t8OO OOO\n", encoding="utf-8")
    before = row_counts()
    code, out, err = run(federation.slug, 2021, path)
    assert (code, out) == (1, "")
    assert err == (
        "Tabellen gick inte att läsa, inget sparades.\n"
        "Rad 2, kolumn 3 (Plan 2022): »8OO OOO« är inget belopp (skriv t.ex. 1 296 000, "
        "-1 296 000 eller 1 296 000 kr)\n"
    )
    path.write_text("Kansli\t800 000\n", encoding="utf-8")
    assert run(federation.slug, 2021, path, "--dry-run")[0] == 1
    assert row_counts() == before


@pytest.mark.django_db
def test_a_table_without_the_plan_years_budget_column_is_not_saved(federation, row_counts):
    Plan.objects.create(federation=federation, year=2017, title="Verksamhetsplan 2017")
    before = row_counts()
    code, _out, err = run(federation.slug, 2017, TABLES / "stockholm-2017-tkr.tsv")
    assert code == 1
    assert "Tabellen har ingen kolumn för budgeten 2017 (t.ex. »Budget 2017«)" in err
    assert row_counts() == before


@pytest.mark.django_db
def test_unknown_förbund_and_file(federation, tmp_path):
    assert run("finns-inte", 2021, TABLES / "stockholm-2017-tkr.tsv", "--dry-run")[2] == (
        "Det finns inget förbund med kortnamnet 'finns-inte'.\n"
    )
    assert run(federation.slug, 2021, tmp_path / "saknas.txt", "--dry-run")[2] == (
        f"Filen {tmp_path / 'saknas.txt'} finns inte.\n"
    )


@pytest.mark.django_db
def test_the_service_refuses_a_frozen_year_and_rolls_back(federation):
    Plan.objects.create(federation=federation, year=2022, title="Plan", status=PlanStatus.DECIDED)
    table = parse_table((TABLES / "test-2022-mkr-summarader.tsv").read_text(), year=2022)
    with pytest.raises(PlanFrozen):
        budget_import_table(federation=federation, year=2022, table=table)
    assert not Budget.objects.filter(federation=federation).exists()
    with pytest.raises(TableImportRefused, match="lästes för 2022, inte för 2023"):
        Plan.objects.create(federation=federation, year=2023, title="Plan 2023")
        budget_import_table(federation=federation, year=2023, table=table)


@pytest.mark.django_db
def test_table_names(federation):
    names = table_names(federation)
    assert list(names.members.items())[:2] == [
        ("Försäkringskassan", "fk"),
        ("Arbetsförmedlingen", "af"),
    ]
    assert names.interventions == {}


def test_files_as_excel_and_word_save_text():
    text = "\tBudget 2021\nKansli\t800 000\n"
    for data in (
        text.encode("utf-8"),
        text.encode("utf-8-sig"),
        text.encode("utf-16"),
        "Löner\t1\n".encode("cp1252"),
    ):
        assert "\t" in read_text(data)
    assert read_text("Löner".encode("cp1252")) == "Löner"
    assert read_text("Löner".encode("utf-16")) == "Löner"


@pytest.mark.django_db
def test_a_read_again_table_keeps_its_lines_keys():
    budget = demo("sundbyberg-2020")
    keys = set(budget.lines.filter(scenario=None).values_list("key", flat=True))
    assert run("sundbyberg", 2020, TABLES / "sundbyberg-2020.tsv")[0] == 0
    new = set(Line.objects.filter(budget=budget, scenario=None).values_list("key", flat=True))
    # All but DUA, whose label the demo wrote out ("– DUA (statsbidrag …)").
    assert keys - new == {"dua"}
    assert run("sundbyberg", 2020, TABLES / "sundbyberg-2020.tsv")[0] == 0
    again = set(Line.objects.filter(budget=budget, scenario=None).values_list("key", flat=True))
    assert again == new
