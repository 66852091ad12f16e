"""Reading a pasted budget table (budgets/table_paste.py): no database.

The seeds' own tables (tests/budgets/tables/README.md) must give the lines the demo
bundles hold and name the printed totals that do not add up, as documents/demo/README.md
lists them; the tables made for other shapes cover accounting signs, tkr and Mkr,
Summa-only sections, blank cells, a Not column, percentage rows and IB rows.
"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from budgets.rules import CONTRIBUTION, INTERVENTION, OTHER_INCOME
from budgets.table_data import LineChoice, PastedTable, TableError
from budgets.table_paste import parse_table
from budgets.table_text import classify_row, match_name, read_cell, read_heading

D = Decimal
TABLES = Path(__file__).parent / "tables"
DEMO = Path(settings.BASE_DIR) / "documents" / "demo"
NBSP = "\u00a0"


def seed(name: str, year: int) -> PastedTable:
    """A seed's table, read against the names of its demo bundle's members and insatser."""
    bundle = json.loads((DEMO / f"{name}.json").read_text(encoding="utf-8"))
    return parse_table(
        (TABLES / f"{name}.tsv").read_text(encoding="utf-8"),
        year=year,
        members=[m["name"] for m in bundle["members"]],
        interventions=[i["name"] for i in bundle["interventions"]],
    )


def bundle_lines(name: str) -> list[dict]:
    return json.loads((DEMO / f"{name}.json").read_text(encoding="utf-8"))["budget"]["lines"]


def table(*rows: str, year: int = 2021, **names) -> PastedTable:
    """A table from rows written with " | " between the cells."""
    return parse_table("\n".join(r.replace(" | ", "\t") for r in rows), year=year, **names)


def problems(*rows: str, year: int = 2021) -> list[str]:
    with pytest.raises(TableError) as refused:
        table(*rows, year=year)
    return [str(p) for p in refused.value.problems]


def mismatches(t: PastedTable) -> list[tuple[str, str, int, int]]:
    return [(m.label, m.column.code, int(m.printed), int(m.computed)) for m in t.mismatches]


# --- the seeds --------------------------------------------------------------------------


def test_sundbyberg_names_its_printed_2_252_000():
    t = seed("sundbyberg-2020", 2020)
    costs_2020 = next(
        m for m in t.mismatches if m.column.code == "2020:budget" and m.label.startswith("Totalt")
    )
    assert (costs_2020.printed, costs_2020.computed) == (D(2_252_000), D(2_270_000))
    assert costs_2020.message == (
        f"Totalt (totalt om ESF MIA) 2020: tryckt 2{NBSP}252{NBSP}000{NBSP}kr, raderna ger "
        f"2{NBSP}270{NBSP}000{NBSP}kr"
    )
    # Every disagreement documents/demo/README.md lists for the base budget, and no other;
    # the 2019 columns are named by their heading, as they share the year.
    assert mismatches(t) == [
        ("TOTALT (Totalt om ESF MIA)", "2019:budget", 2_470_000, 1_970_000),
        ("TOTALT (Totalt om ESF MIA)", "2019:forecast", 2_470_000, 1_970_000),
        ("Totalt (totalt om ESF MIA)", "2020:budget", 2_252_000, 2_270_000),
        ("Totalt (totalt om ESF MIA)", "2022:plan", 2_265_000, 2_255_000),
        ("Avvikelse (Avvikelse om MIA)", "2019:budget", -7_000, -507_378),
        ("Avvikelse (Avvikelse om MIA)", "2019:forecast", 535_000, 36_000),
        ("Avvikelse (Avvikelse om MIA)", "2020:budget", 283_000, 265_000),
    ]
    assert t.mismatches[1].message.startswith("TOTALT (Totalt om ESF MIA) Förväntat utfall 2019:")


def test_sundbyberg_reads_as_the_demo_bundle_holds_it():
    t = seed("sundbyberg-2020", 2020)
    assert [(c.header, c.code) for c in t.columns] == [
        ("Budget 2019", "2019:budget"),
        ("Förväntat utfall 2019", "2019:forecast"),
        ("Budget 2020", "2020:budget"),
        ("Budget 2021", "2021:plan"),
        ("Budget 2022", "2022:plan"),
    ]
    demo = bundle_lines("sundbyberg-2020")
    assert len(t.lines) == len(demo)
    for line, expected in zip(t.lines, demo, strict=True):
        amounts = {c: D(a) for c, a in expected["amounts"].items()}
        assert {c: a for c, a in line.amounts.items() if a} == amounts, line.label
        assert line.category == expected["category"], line.label
    # "Överskott från föregående år" is equity, not income (shared/spec/bundle.md).
    assert (t.opening_equity, t.opening_equity_row) == (D(535_000), 6)
    assert [line.member for line in t.lines if line.category == CONTRIBUTION] == [
        "Region Stockholm",
        "Försäkringskassan",
        "Sundbybergs stad",
    ]
    assert t.lines[6].intervention == "Samordnande team – Finsamteam"
    assert t.lines[7].intervention == "Insatskatalog"
    # The ESF alternatives in brackets are named, not read; so is the second heading.
    assert any("Rad 25" in w and "1 160 000" in w.replace(NBSP, " ") for w in t.warnings)
    assert any("»Utfall 2019« skiljer sig från »Förväntat utfall 2019«" in w for w in t.warnings)
    assert t.lines[3].alternatives == {
        "2020:budget": D(545_000),
        "2021:plan": D(934_000),
        "2022:plan": D(725_500),
    }
    # The page number and the footnotes between the two parts are not lines.
    assert {s.label[:1] for s in t.skipped if s.reason == "fotnot eller sidnummer"} == {
        "8",
        "²",
        "³",
        "⁴",
        "⁵",
    }


def test_burlov_kavlinge_staffanstorp_vellinge_summa_sections_and_equity():
    t = seed("burlov-kavlinge-staffanstorp-vellinge-2024", 2024)
    assert mismatches(t) == [
        ("Summa personalkostnader", "2024:budget", 1_329_910, 1_329_868),
        ("Summa personalkostnader", "2025:plan", 1_383_106, 1_383_107),
        ("Summa totala kostnader", "2024:budget", 3_463_889, 3_463_847),
        ("Summa totala kostnader", "2025:plan", 2_546_658, 2_546_659),
        ("Budgeterat resultat 2024", "2024:budget", 536_111, 536_153),
        ("Budgeterat resultat 2024", "2025:plan", 1_453_342, 1_453_341),
        ("Eget kapital, utgående balans (UB)", "2024:budget", 3_048_482, 3_048_524),
        ("Eget kapital, utgående balans (UB)", "2025:plan", 4_501_824, 4_501_823),
    ]
    # The label ends with a year of its own, so the column is named by its heading.
    assert t.mismatches[4].message.startswith("Budgeterat resultat 2024 (Budget 2024): tryckt")
    # IB 2023 plus "Prognos 2023" (the README's 1 438 887 + 1 073 484).
    assert t.opening_equity == D(2_512_371)
    assert {s.label: s.reason for s in t.skipped} == {
        "20% av årlig tilldelning (rekommenderat av FK)": "procentrad",
        "Kvar att disponera": "står under resultatet",
    }
    by_label = {line.label: line for line in t.lines}
    assert by_label["Anställda"].section == "Personalkostnader"
    assert by_label["AKTIV"].intervention == "AKTIV"
    assert by_label["Uppföljning/utvärdering/effektmätning"].category == "other_cost"
    demo = {
        line["label"].casefold(): line
        for line in bundle_lines("burlov-kavlinge-staffanstorp-vellinge-2024")
    }
    for line in t.lines[1:]:
        if line.label.casefold() in demo:
            assert line.category == demo[line.label.casefold()]["category"], line.label
    # "Nettoomsättning" names no member: other income, and said so.
    assert by_label["Nettoomsättning"].category == OTHER_INCOME
    assert any("Rad 2 (Nettoomsättning) ser ut som medlemsbidrag" in w for w in t.warnings)
    assert {code: t.result for code, t in t.totals().items()} == {
        "2024:budget": D(536_153),
        "2025:plan": D(1_453_341),
        "2026:plan": D(1_580_569),
    }


def test_sodra_vatterbygden_adds_up_and_reads_as_the_demo_bundle():
    t = seed("sodra-vatterbygden-2020", 2020)
    assert t.mismatches == ()
    assert len(t.printed_totals) == 15  # Summa intäkter, Summa kostnader, result × 5 columns
    demo = bundle_lines("sodra-vatterbygden-2020")
    assert [line.category for line in t.lines] == [line["category"] for line in demo]
    assert [line.member or line.intervention for line in t.lines][:7] == [
        "Habo kommun",
        "Jönköpings kommun",
        "Mullsjö kommun",
        "Vaggeryds kommun",
        "Region Jönköpings län",
        "Försäkringskassan",
        "Enter",
    ]
    links = {line["label"]: line.get("intervention") for line in demo}
    keys = {
        i["name"]: i["key"]
        for i in json.loads((DEMO / "sodra-vatterbygden-2020.json").read_text())["interventions"]
    }
    for line in t.lines:
        if line.category == INTERVENTION:
            assert (keys[line.intervention] if line.intervention else None) == links[line.label]
    assert t.opening_equity == D(785_670)
    # The Not column's marks (a), b), …) point to footnotes under the table: no notes.
    assert all(line.note == "" for line in t.lines)
    assert [s.label for s in t.skipped] == ["Intäkter", "Kostnader", "fortsättning Kostnader"]


# --- other shapes ------------------------------------------------------------------------


def test_the_issues_json_example():
    t = parse_table((TABLES / "stockholm-2017-tkr.tsv").read_text(), year=2017)
    data = t.as_dict()
    assert data["unit"] == "tkr"
    assert data["columns"] == [
        {"header": "Budget 2018 Preliminärt förslag", "year": 2018, "kind": "plan"}
    ]
    lokal = next(line for line in data["lines"] if line["label"] == "Lokal")
    assert {k: lokal[k] for k in ("label", "category", "amounts")} == {
        "label": "Lokal",
        "category": "administration",
        "amounts": {"2018": "300000"},
    }
    assert data["totals"] == {"2018": {"income": "24000000", "costs": "24000000", "result": "0"}}
    wrong = [
        {k: p[k] for k in ("label", "year", "printed", "computed", "matches")}
        for p in data["printed_totals"]
        if not p["matches"]
    ]
    assert wrong == [
        {
            "label": "Summa kostnader totalt",
            "year": 2018,
            "printed": "19000000",
            "computed": "24000000",
            "matches": False,
        }
    ]
    assert json.loads(json.dumps(data)) == data  # plain values only


def test_accounting_signs_are_normalised_and_checked_as_printed():
    t = parse_table(
        (TABLES / "kramfors-2021-bokforingstecken.tsv").read_text(),
        year=2021,
        members=[
            "Försäkringskassan",
            "Arbetsförmedlingen",
            "Region Västernorrland",
            "Kramfors kommun",
        ],
        interventions=["Steget"],
    )
    assert t.sign_convention == "income_negative"
    totals = t.totals()["2021:budget"]
    # The spec's Kramfors report: 2 592 000 in, 2 845 000 out, IB 548 077.
    assert (totals.income, totals.costs, totals.result) == (D(2_592_000), D(2_845_000), D(-253_000))
    assert t.opening_equity == D(548_077)
    # Printed totals are compared in the table's own signs; one is wrong.
    assert mismatches(t) == [("Summa kostnader", "2022:plan", 2_625_000, 2_652_000)]
    assert {p.label for p in t.printed_totals} == {
        "Summa intäkter",
        "Summa kostnader",
        "Resultat",
        "Eget kapital vid årets slut (UB)",
    }
    first = t.lines[0]
    assert (first.label, first.account, first.member) == (
        "Försäkringskassan",
        "3010",
        "Försäkringskassan",
    )
    assert first.amounts["2020:actual"] == D(1_250_000)
    assert t.lines[4].intervention == "Steget"
    assert (t.lines[5].category, t.lines[5].intervention) == (INTERVENTION, None)
    assert t.lines[3].amounts["2021:budget"] == 0 and str(t.lines[3].amounts["2021:budget"]) == "0"


def test_summa_only_sections_mkr_blank_cells_notes_and_percentages():
    t = parse_table((TABLES / "test-2022-mkr-summarader.tsv").read_text(), year=2022)
    assert t.unit == "Mkr" and t.sign_convention == "costs_negative"
    assert [(line.row, line.label, line.category, dict(line.amounts)) for line in t.lines] == [
        (
            6,
            "Medlemsbidrag",
            OTHER_INCOME,
            {"2022:budget": D(4_000_000), "2023:plan": D(4_200_000)},
        ),
        (11, "Kansli", "administration", {"2022:budget": D(1_200_000), "2023:plan": D(1_250_000)}),
        (13, "Insatser", INTERVENTION, {"2022:budget": D(3_000_000), "2023:plan": D(3_500_000)}),
    ]
    assert [line.from_summa for line in t.lines] == [True, True, True]
    assert [line.note for line in t.lines] == ["Enligt medlemssamrådet i maj", "", "Två insatser"]
    assert t.opening_equity == D(500_000)
    assert t.mismatches == ()
    # The printed result counts the carried surplus as income; the true result does not.
    result = [p for p in t.printed_totals if p.kind == "result"]
    assert [p.computed for p in result] == [D(300_000), D(-550_000)]
    assert t.totals()["2022:budget"].result == D(-200_000)
    assert ("Andel administration", "procentrad") in {(s.label, s.reason) for s in t.skipped}


def test_a_header_only_of_years_and_a_not_column_without_header_words():
    t = table(" | 2021 | 2022 | Not", "Kansli | 800 000 | 810 000 | Hyran höjs")
    assert [c.code for c in t.columns] == ["2021:budget", "2022:plan"]
    assert t.lines[0].note == "Hyran höjs"


# --- amounts and headings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scale", "value"),
    [
        ("1 296 000 kr", 1, "1296000"),
        ("-1 296 000 kr", 1, "-1296000"),
        ("−1\u00a0296\u00a0000", 1, "-1296000"),
        ("–1 296 000", 1, "-1296000"),  # Word's en dash
        ("1 296 000:-", 1, "1296000"),
        ("1.296.000", 1, "1296000"),
        ("1.500", 1, "1500"),
        ("0.5", 1, "0.5"),
        ("1296000.50", 1, "1296000.50"),
        ("1 296 000,50 kr", 1, "1296000.50"),
        ("8 000", 1000, "8000000"),
        ("12,5", 1000, "12500"),
        ("1,25", 1_000_000, "1250000"),
        ("8 000 tkr", 1, "8000000"),
        ("1 296 000 kr", 1000, "1296000"),
        ("(545 000)", 1, "-545000"),
        ("310 000 ²", 1, "310000"),
        ("275 000 *", 1, "275000"),
        ("0", 1, "0"),
    ],
)
def test_amounts_as_people_write_them(text, scale, value):
    assert read_cell(text, scale=D(scale)).value == D(value)


@pytest.mark.parametrize("text", ["", "  ", "-", "–", "—"])
def test_nothing(text):
    assert read_cell(text).value is None


def test_brackets_hold_an_alternative_in_a_table_that_writes_them_so():
    cell = read_cell("770 000 (1 160 000) ⁶", alternatives=True)
    assert (cell.value, cell.alternative) == (D(770_000), D(1_160_000))
    only = read_cell("(545 000) ³", alternatives=True)
    assert (only.value, only.alternative) == (None, D(545_000))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12x", "»12x« är inget belopp"),
        ("1 2 3", "»1 2 3« är inget belopp"),
        ("1,296,000", "är inget belopp"),
        ("1.296.000.5", "är inget belopp"),
        ("١٢٣", "är inget belopp"),  # Arabic-Indic digits: ASCII digits only
        ("１２３", "är inget belopp"),  # fullwidth
        ("0,001", "fler än två decimaler"),
        ("1 000 000 000 000", "för stort"),
    ],
)
def test_amounts_it_cannot_read(text, message):
    with pytest.raises(ValueError, match=message):
        read_cell(text)


def test_the_largest_amount_and_one_krona_more():
    assert read_cell("999 999 999 999,99").value == D("999999999999.99")
    with pytest.raises(ValueError):
        read_cell("1 000 000 000 000")


def test_decimals_are_kronor_and_öre_after_the_unit():
    assert read_cell("1,23456", scale=D(100_000)).value == D("123456")
    assert read_cell("0,01", scale=D(1)).value == D("0.01")
    with pytest.raises(ValueError, match="fler än två decimaler i kronor"):
        read_cell("1,2345", scale=D(10))


@pytest.mark.parametrize(
    ("text", "year", "code"),
    [
        ("Budget 2021", 2021, "2021:budget"),
        ("Plan 2022", 2021, "2022:plan"),
        ("Prognos 2020", 2021, "2020:forecast"),
        ("Förväntat utfall 2019", 2020, "2019:forecast"),
        ("Utfall 2019", 2020, "2019:actual"),
        ("Bokslut 2019", 2020, "2019:actual"),
        ("Budget 2018 Preliminärt förslag", 2017, "2018:plan"),
        ("Budget 2018 Preliminärt förslag", 2018, "2018:budget"),
        ("Budget 2021", 2020, "2021:plan"),  # a later year of the plan
        ("Prognos 2021", 2020, "2021:plan"),  # "prognos för 2021 och 2022"
        ("Budget 2019", 2020, "2019:budget"),
        ("2021", 2021, "2021:budget"),
        ("2022 (tkr)", 2021, "2022:plan"),
    ],
)
def test_column_headings(text, year, code):
    heading = read_heading(text, year=year)
    assert f"{heading.year}:{heading.column_kind}" == code


# --- bad input: Swedish, naming row and column, nothing read ------------------------------


def test_no_header_row():
    assert problems("Kansli | 800 000") == [
        "Rad 1, kolumn 2: tabellen saknar rubrikrad: raden har belopp, men ingen rad före den "
        "har kolumnrubriker med år (t.ex. Budget 2021, Plan 2022, Prognos 2020)"
    ]
    assert problems("Intäkter", "Kostnader") == [
        "Tabellen saknar rubrikrad: ingen rad har kolumnrubriker med år (t.ex. Budget 2021, "
        "Plan 2022, Prognos 2020, Utfall 2019)"
    ]


def test_no_year_in_a_header():
    assert problems(" | Budget | Plan 2022", "Kansli | 1 | 2") == [
        "Rad 1, kolumn 2: rubriken »Budget« saknar år (skriv t.ex. Budget 2021)"
    ]
    assert problems(" | 2019 | Budget 2021", "Kansli | 1 | 2") == [
        "Rad 1, kolumn 2: rubriken »2019« säger inte vad kolumnen är (skriv t.ex. Budget, "
        "Prognos eller Utfall 2019)"
    ]
    assert problems(" | Budget 2021/2022", "Kansli | 1") == [
        "Rad 1, kolumn 2: rubriken »Budget 2021/2022« har flera år; en kolumn gäller ett år"
    ]


def test_an_amount_it_cannot_read_names_row_column_and_heading():
    assert problems(
        " | Budget 2021 | Plan 2022", "Intäkter", "Kansli | 800 000 | 8OO OOO", "Lokal | 12x | 1"
    ) == [
        "Rad 3, kolumn 3 (Plan 2022): »8OO OOO« är inget belopp (skriv t.ex. 1 296 000, "
        "-1 296 000 eller 1 296 000 kr)",
        "Rad 4, kolumn 2 (Budget 2021): »12x« är inget belopp (skriv t.ex. 1 296 000, "
        "-1 296 000 eller 1 296 000 kr)",
    ]


def test_other_bad_tables():
    assert problems(" | Budget 2021 | Budget 2021", "Kansli | 1 | 2") == [
        "Rad 1, kolumn 3: kolumnen Budget 2021 finns redan (kolumn 2)"
    ]
    assert problems(" | Budget 2021", "Kansli | 1 | 2") == [
        "Rad 2, kolumn 3: cellen har ingen kolumnrubrik på rad 1"
    ]
    assert problems(" | Budget 2021", " | 800 000") == [
        "Rad 2, kolumn 1: raden har belopp men ingen benämning"
    ]
    assert problems(" | Budget 2021", f"{'x' * 201} | 1") == [
        "Rad 2, kolumn 1: benämningen är längre än 200 tecken"
    ]
    assert problems(" | Budget 2021", " | Utfall 2020 ", "Kansli | 1") == [
        "Rad 2, kolumn 2 (Budget 2021): rubriken »Utfall 2020« ska vara samma år som »Budget 2021« "
        "på rad 1"
    ]


@pytest.mark.parametrize(
    ("label", "costs_started", "after_result", "kind"),
    [
        ("Överskott från föregående år", False, False, "ib"),
        ("Balanserat resultat (prel)", False, False, "ib"),
        ("Prel balanserat resultat", True, False, "result"),
        ("Eget kapital, ingående balans (IB) 2023", True, True, "ib"),
        ("Eget kapital vid årets början", False, False, "ib"),
        ("Eget kapital", False, False, "ib"),
        ("Eget kapital", True, True, "ub"),
        ("Eget kapital, utgående balans (UB)", True, True, "ub"),
        ("Budgeterat resultat 2024", True, False, "result"),
        ("Årets resultat", True, False, "result"),
        ("Avvikelse (Avvikelse om MIA)", True, False, "result"),
        ("Summa resultat", True, False, "result"),
        ("Summa kostnader totalt", True, False, "summa"),
        ("TOTALT (Totalt om ESF MIA)", False, False, "summa"),
        ("Totala intäkter", False, False, "summa"),
        ("Nettoomsättning", False, False, "line"),
        ("Prognos 2023", True, True, "line"),
    ],
)
def test_rows_by_their_label(label, costs_started, after_result, kind):
    assert classify_row(label, costs_started=costs_started, after_result=after_result) == kind


# --- names and categories ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "names", "found"),
    [
        ("Habo kommun", ["Habo kommun", "Jönköpings kommun"], "Habo kommun"),
        ("Jönköping", ["Habo kommun", "Jönköpings kommun"], "Jönköpings kommun"),
        (
            "Staten gm Försäkringskassan",
            ["Arbetsförmedlingen", "Försäkringskassan"],
            "Försäkringskassan",
        ),
        # The state's half is paid by Försäkringskassan (5 § lag (2003:1210)).
        (
            "Arbetsförmedlingen + Försäkringskassan",
            ["Arbetsförmedlingen", "Försäkringskassan"],
            "Försäkringskassan",
        ),
        ("Staten", ["Arbetsförmedlingen", "Försäkringskassan"], "Försäkringskassan"),
        ("FK", ["Arbetsförmedlingen", "Försäkringskassan"], "Försäkringskassan"),
        ("Region", ["Region Skåne", "Burlövs kommun"], "Region Skåne"),
        ("Kommunerna", ["Burlövs kommun", "Kävlinge kommun"], None),
        ("Nettoomsättning", ["Försäkringskassan"], None),
    ],
)
def test_members_by_name(label, names, found):
    assert match_name(label, names, aliases=True)[0] == found


@pytest.mark.parametrize(
    ("label", "found"),
    [
        ("IT-spåret", "IT-spåret i Eksjö"),
        ("Efterstöd", "Projekt Efterstöd"),
        ("Projekt SAMS", "Projekt SAMS – SAMverkan i Södra Vätterbygden"),
        ("Projekt SE-N", "Projekt SE-N, Supported Employment för nyanlända"),
        ("Kunskapssatsn stressrel ohälsa", "Kunskapssatsning stressrelaterad ohälsa"),
        ("Funktionsnedsatta i arbete (FIA)", "Funktionsnedsatta i arbete (FIA)"),
        ("Finsamteam inkl lots och insatskatalog (Om ESF MIA)", "Samordnande team – Finsamteam"),
        ("Insatskatalog 2019", "Insatskatalog"),
        ("Projekt", None),  # two projects fit equally: none is chosen
        ("Projektgemensamt", None),
        ("Kansli", None),
    ],
)
def test_interventions_by_name(label, found):
    names = [
        "IT-spåret i Eksjö",
        "Projekt Efterstöd",
        "Projekt SAMS – SAMverkan i Södra Vätterbygden",
        "Projekt SE-N, Supported Employment för nyanlända",
        "Kunskapssatsning stressrelaterad ohälsa",
        "Funktionsnedsatta i arbete (FIA)",
        "Samordnande team – Finsamteam",
        "Insatskatalog",
    ]
    assert match_name(label, names)[0] == found


def test_an_ambiguous_line_is_named_for_the_preview():
    t = table(
        " | Budget 2021", "Kostnader", "Projekt | 100", interventions=["Projekt A", "Projekt B"]
    )
    assert t.lines[0].intervention is None
    assert t.warnings[0] == (
        "Rad 3 (Projekt) kan gälla flera: Projekt A, Projekt B; välj i förhandsvisningen."
    )


@pytest.mark.parametrize(
    ("label", "section", "category"),
    [
        ("Lokalhyra", "Kostnader", "administration"),
        ("IT-kostnader", "Kostnader", "administration"),
        ("Styrelsearvoden", "Kostnader", "administration"),
        ("Revision", "Kostnader", "administration"),
        ("Ekonomitjänster", "Kostnader", "administration"),
        ("Bankkostnader", "Kostnader", "administration"),
        ("Utvärdering", "Insatser", "other_cost"),
        ("Kvar att fördela", "Kostnader", "intervention"),
        ("Utbildningsinsatser", "Kostnader", "intervention"),
        ("Jobbcentrum", "Insatser", "intervention"),
        ("Frukostmöten", "Strukturella insatser", "intervention"),
        ("Övrigt", "Kostnader", "other_cost"),
        ("Övrigt", "Kansli", "administration"),
        ("ESF", "Intäkter", "other_income"),
    ],
)
def test_categories_by_keyword_and_section(label, section, category):
    t = table(" | Budget 2021", section, f"{label} | 100")
    assert t.lines[0].category == category


# --- the preview's choices and the draft ------------------------------------------------


def test_choices_and_the_draft():
    t = seed("burlov-kavlinge-staffanstorp-vellinge-2024", 2024)
    staten = t.with_choices({2: LineChoice(CONTRIBUTION, member="Försäkringskassan")})
    assert (staten.lines[0].category, staten.lines[0].member) == (CONTRIBUTION, "Försäkringskassan")
    assert t.lines[0].category == OTHER_INCOME  # the table itself is unchanged
    with pytest.raises(TableError) as refused:
        t.with_choices({2: LineChoice(CONTRIBUTION, member="Någon annan"), 99: LineChoice("x")})
    assert [str(p) for p in refused.value.problems] == [
        "Rad 99: raden är ingen budgetrad i tabellen",
        "Rad 2, kolumn 1: ett medlemsbidrag ska höra till en av förbundets medlemmar",
    ]

    draft = staten.draft(
        member_keys={"Försäkringskassan": "fk"},
        intervention_keys={"AKTIV": "aktiv"},
        keys={5: "aktiv-gammal"},
    )
    assert draft.columns == ["2024:budget", "2025:plan", "2026:plan"]
    assert draft.opening_equity == D(2_512_371)
    assert (draft.lines[0].member, draft.lines[0].key) == ("fk", "nettoomsattning")
    aktiv = next(line for line in draft.lines if line.label == "AKTIV")
    assert (aktiv.key, aktiv.intervention) == ("aktiv-gammal", "aktiv")
    assert len({line.key for line in draft.lines}) == len(draft.lines)
    with pytest.raises(TableError, match="Rad 2, kolumn 1: ett medlemsbidrag"):
        staten.draft(member_keys={}, intervention_keys={})


def test_columns_of_the_draft_are_in_year_order():
    t = table(" | Utfall 2020 | Plan 2022 | Budget 2021 | Prognos 2020", "Kansli | 1 | 2 | 3 | 4")
    assert t.draft(member_keys={}, intervention_keys={}).columns == [
        "2020:forecast",
        "2020:actual",
        "2021:budget",
        "2022:plan",
    ]


def test_rounded_tkr_totals_match_within_their_rounding():
    rows = (" | Budget 2021 (tkr)", "Kostnader", "Kansli | 333", "Lokal | 333", "Insats | 333")
    # Three lines rounded to whole tkr, the sum too: up to 2 tkr from the lines' sum.
    assert table(*rows, "Summa kostnader | 1 001").mismatches == ()
    assert table(*rows, "Summa kostnader | 1 000").mismatches == ()
    assert len(table(*rows, "Summa kostnader | 1 002").mismatches) == 1
    # In kronor the lines are the budget: a krona off is named.
    rows_kr = (" | Budget 2021", "Kostnader", "Kansli | 333", "Lokal | 333")
    assert table(*rows_kr, "Summa kostnader | 666").mismatches == ()
    assert len(table(*rows_kr, "Summa kostnader | 667").mismatches) == 1


def test_a_column_without_a_year_is_left_out_and_one_without_a_heading_is_refused():
    t = table(" | Budget 2021 | Förändring | Plan 2022", "Kansli | 800 | +10 | 810")
    assert dict(t.lines[0].amounts) == {"2021:budget": D(800), "2022:plan": D(810)}
    assert t.warnings == ("Kolumn 3 (»Förändring«) har inget år och läses inte.",)
    assert problems(" | Budget 2021 |  | Plan 2022", "Kansli | 800 | 10 | 810") == [
        "Rad 2, kolumn 3: cellen har ingen kolumnrubrik på rad 1"
    ]


def test_the_row_limit(monkeypatch):
    monkeypatch.setattr("budgets.table_paste.MAX_ROWS", 3)
    assert len(table(" | Budget 2021", "Kansli | 1", "Lokal | 2").lines) == 2
    assert problems(" | Budget 2021", "Kansli | 1", "Lokal | 2", "IT | 3") == [
        "Tabellen har fler än 3 rader"
    ]


def test_excel_quotes_a_cell_with_a_line_break():
    t = parse_table('\tBudget 2021\n"Kansli och\nlokal"\t800 000\n', year=2021)
    assert t.lines[0].label == "Kansli och lokal" and t.lines[0].row == 2


# --- anything pasted ------------------------------------------------------------------------

HEADINGS = [
    "Budget 2021",
    "Plan 2022",
    "Prognos 2020",
    "Utfall 2019",
    "2021",
    "Not",
    "Konto",
    "tkr",
    "",
    "Förändring",
    "Budget",
]
LABELS = [
    "",
    "Summa",
    "Summa intäkter",
    "Summa kostnader",
    "Totalt",
    "Resultat",
    "IB",
    "UB",
    "Eget kapital",
    "Intäkter",
    "Kostnader",
    "Kansli",
    "Försäkringskassan",
    "Prognos 2023",
    "Överskott från föregående år",
    "Balanserat resultat",
    "Summa kansli",
    "² fotnot",
    "8.",
    "Kvar att disponera",
    "20% av",
    "fortsättning Kostnader",
    '"Citat',
    "x" * 201,
]
CELLS = [
    "",
    "",
    "1 296 000",
    "-1 296 000",
    "(545 000)",
    "770 000 (1 160 000)",
    "12 %",
    "–",
    "310 000 ²",
    "0",
    "1,5",
    "1.500",
    "x",
    "Budget 2021",
    "8 000 tkr",
    "a)",
    "1 000 000 000 000",
    "0,001",
    "١٢",
]


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(HEADINGS), min_size=1, max_size=6),
    st.lists(
        st.tuples(st.sampled_from(LABELS), st.lists(st.sampled_from(CELLS), max_size=6)),
        max_size=25,
    ),
    st.integers(2018, 2023),
    st.lists(st.sampled_from(["Försäkringskassan", "Kansli", "A kommun"]), max_size=3),
)
def test_anything_pasted_is_read_or_refused_by_row_and_column(heading, rows, year, names):
    """The paste box gets whatever a user copies: a table, or TableError; never a crash."""
    text = "\n".join(["\t" + "\t".join(heading), *("\t".join([r[0], *r[1]]) for r in rows)])
    try:
        t = parse_table(text, year=year, members=names, interventions=names)
    except TableError as refused:
        assert refused.problems and all(str(p) for p in refused.problems)
        return
    assert json.loads(json.dumps(t.as_dict())) == t.as_dict()
    assert all(p.message for p in t.printed_totals)
    with contextlib.suppress(TableError):
        t.draft(member_keys={n: "k" for n in names}, intervention_keys={n: "i" for n in names})
