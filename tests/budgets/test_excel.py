"""Excel export and import (budgets/excel.py, budgets/excel_import.py, budgets/excel_views.py).

The promise: export, change a cell in the file, and import gives the same figures
as typing the change in the grid. The workbook's formulas are checked by computing
them here with a small evaluator of the few functions the export writes.
"""

from __future__ import annotations

import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from budgets import excel_import
from budgets.editing import BudgetDraft, DraftLine
from budgets.excel import KR, KR_ORE, XLSX_CONTENT_TYPE, budget_workbook, export_xlsx, sheet_titles
from budgets.excel_import import ExcelImportError, cell_amount, import_xlsx, parse_workbook
from budgets.models import Budget, Line
from budgets.rules import column_label, evaluate, find_scenario
from budgets.selectors import FIGURE_ROWS, BudgetSummary, budget_facts, budget_summary
from budgets.services import budget_save
from budgets.xlsx_formulas import Evaluator, sheet_name
from budgets.xlsx_formulas import tokens as formula_tokens
from documents.bundle.importer import bundle_import
from tests.budgets.test_views import make_budget

D = Decimal
DEMO = Path(settings.BASE_DIR) / "documents" / "demo"
DEMOS = sorted(p.name for p in DEMO.glob("*.json"))
SCENARIO = "Om ESF-projektet beviljas"
ORE = D("0.01")


def _split(ref: str) -> tuple[str, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match
    return match.group(1), int(match.group(2))


def _blank(value: object) -> bool:
    return value is None or value == ""


def _number(value: object) -> D:
    if value is None:
        return D(0)
    assert isinstance(value, D), f"not a number: {value!r}"
    return value


# --- helpers --------------------------------------------------------------------------


def _open(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header(ws) -> dict[str, str]:
    """Column heading → letter, from the header row (row 3)."""
    return {cell.value: cell.column_letter for cell in ws[3] if cell.value}


def _row(ws, *, key: str | None = None, label: str | None = None) -> int:
    for cells in ws.iter_rows(min_row=4):
        if key is not None and cells[0].value == key:
            return cells[0].row
        if label is not None and cells[0].value is None and cells[1].value == label:
            return cells[0].row
    raise KeyError(key or label)


def _cell(ws, heading: str, *, key: str | None = None, label: str | None = None) -> str:
    return f"{_header(ws)[heading]}{_row(ws, key=key, label=label)}"


def assert_formulas_give_the_summary(workbook: Workbook, summary: BudgetSummary) -> None:
    """Every subtotal and figure the workbook computes equals the app's figure."""
    evaluator = Evaluator(workbook)
    titles = ["Budget", *sheet_titles(v.name for v in summary.scenarios)]
    for title, view in zip(titles, summary.views, strict=True):
        ws = workbook[title]
        header = _header(ws)
        for col in view.columns:
            letter = header[column_label(col.column)]
            for block, index in ((b, view.columns.index(col)) for b in view.blocks):
                row = _row(ws, label=f"Summa {str(block.label).lower()}")
                assert ws[f"{letter}{row}"].value.startswith("=SUM(")
                assert evaluator.cell(title, f"{letter}{row}") == block.subtotals[index].value
            for label, figure, unit, _style in FIGURE_ROWS:
                coordinate = f"{letter}{_row(ws, label=label)}"
                computed = evaluator.cell(title, coordinate)
                expected = getattr(col, figure)
                where = f"{title}!{coordinate} ({label}, {col.column})"
                if expected is None:
                    assert _blank(computed), where
                elif unit == "%":
                    assert isinstance(computed, D), where
                    assert (computed * 100).quantize(ORE, rounding=ROUND_HALF_UP) == expected, where
                else:
                    assert computed == expected, where


def _type_in_grid(
    budget: Budget, changes: dict[tuple[str, str], D], scenario: str | None = None
) -> None:
    """Save a change the way the grid editor does: the whole draft of the base
    budget or of one scenario (its effective lines), through budget_save."""
    facts = budget_facts(budget)
    lines = (
        facts.lines if scenario is None else evaluate(facts, find_scenario(facts, scenario)).lines
    )
    draft = BudgetDraft(
        columns=list(facts.columns),
        lines=[
            DraftLine(
                key=line.key,
                category=line.category,
                label=line.label,
                member=line.member,
                intervention=line.intervention,
                amounts=dict(line.amounts),
            )
            for line in lines
        ],
        opening_equity=facts.opening_equity,
        deficit_reason=budget.deficit_reason,
        scenario=scenario,
    )
    for (key, code), amount in changes.items():
        next(line for line in draft.lines if line.key == key).amounts[code] = amount
    budget_save(budget=budget, draft=draft, expected_version=budget.version)


def _same_figures(a: BudgetSummary, b: BudgetSummary) -> None:
    assert len(a.views) == len(b.views)
    for view_a, view_b in zip(a.views, b.views, strict=True):
        assert view_a.columns == view_b.columns
        assert [f.message for f in view_a.findings] == [f.message for f in view_b.findings]
        assert sorted(view_a.evaluation.lines, key=lambda line: line.key) == sorted(
            view_b.evaluation.lines, key=lambda line: line.key
        )


def _errors(budget: Budget, data: bytes) -> list[str]:
    with pytest.raises(ExcelImportError) as caught:
        parse_workbook(data, budget)
    return caught.value.errors


# --- pure pieces ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "titles"),
    [
        (["Om ESF beviljas"], ["Om ESF beviljas"]),
        (["A/B: [utkast]?*"], ["A-B- -utkast---"]),
        (["Budget", "budget", "Kontroller"], ["Budget (2)", "budget (3)", "Kontroller (2)"]),
        (["x" * 40, "x" * 40], ["x" * 31, "x" * 27 + " (2)"]),
        (["'citat'"], ["citat"]),
    ],
)
def test_sheet_titles_are_valid_and_unique(names, titles):
    assert sheet_titles(names) == titles
    assert all(len(t) <= 31 and not re.search(r"[\[\]:*?/\\]", t) for t in titles)


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (1296000, D(1296000)),
        (645333.5, D("645333.5")),
        (0.1, D("0.1")),
        ("1 296 000", D(1296000)),
        ("1\u00a0296\u00a0000,50", D("1296000.50")),
        ("1 296 000 kr", D(1296000)),
        ("−253 000", D(-253000)),
        (None, None),
        ("  ", None),
    ],
)
def test_cell_amounts(value, amount):
    assert cell_amount(value) == amount


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "inte ett tal"),
        (True, "inte ett tal"),
        (1.005, "fler än två decimaler"),
        ("12,345", "fler än två decimaler"),
        (1e13, "beloppet är för stort"),
    ],
)
def test_cell_amounts_refused(value, message):
    with pytest.raises(ValueError, match=message):
        cell_amount(value)


# --- export ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_layout(federation):
    budget = make_budget(federation)
    workbook = _open(export_xlsx(budget))
    assert workbook.sheetnames == ["Budget", SCENARIO, "Kontroller"]
    ws = workbook["Budget"]
    assert "Samordningsförbundet Alfa" in ws["A1"].value
    assert "Budget 2021" in ws["A1"].value and "Grundbudget" in ws["A1"].value
    assert SCENARIO in workbook[SCENARIO]["A1"].value
    assert [c.value for c in ws[3]] == [
        "Nyckel",
        "Post",
        "Kategori",
        "Medlem/insats",
        "Finansiär",
        "Individinriktad %",
        "Prognos 2020",
        "Budget 2021",
        "Plan 2022",
        "Plan 2023",
        "Notering",
    ]
    assert ws.freeze_panes == "C4"
    assert workbook[SCENARIO].freeze_panes == "C4"

    # The layout, row by row (the import messages below name these cells).
    assert [ws.cell(row, 2).value for row in range(4, 17)] == [
        "Medlemsbidrag",
        "Försäkringskassan",
        "Region Test",
        "A kommun",
        "B kommun",
        "Summa medlemsbidrag",
        "Övriga intäkter",
        "Summa övriga intäkter",
        "Insatser",
        "Enter",
        "Summa insatser",
        "Administration",
        "Kansli",
    ]
    fk = ws["H5"]
    assert fk.value == 1296000 and fk.data_type == "n" and fk.number_format == KR
    assert [ws[f"E{row}"].value for row in range(5, 9)] == [
        "Staten",
        "Regionen",
        "Kommunerna",
        "Kommunerna",
    ]
    assert ws["D5"].value == "Försäkringskassan" and ws["C13"].value == "Insatser"
    assert ws["D13"].value == "Enter" and ws["F13"].value == 1 and ws["F13"].number_format == "0%"

    # Subtotals, result, equity and shares are formulas.
    # From the heading to the row above, so that a row inserted right above counts too.
    assert ws["H9"].value == "=SUM(H4:INDEX(H:H,ROW()-1))" and ws["H9"].font.b
    assert ws["H14"].value == "=SUM(H12:INDEX(H:H,ROW()-1))"
    income, costs, result = (
        _row(ws, label=x) for x in ("Summa intäkter", "Summa kostnader", "Årets resultat")
    )
    ib, ub = (_row(ws, label=f"Eget kapital vid årets {x}") for x in ("början (IB)", "slut (UB)"))
    assert ws[f"H{income}"].value == "=H9+H11"
    assert ws[f"H{result}"].value == f"=H{income}-H{costs}"
    assert ws[f"H{ib}"].value == 548077  # the opening equity, as a number
    assert ws[f"I{ib}"].value == f"=H{ub}"  # each later year opens with the one before's UB
    assert ws[f"H{ub}"].value == f"=H{ib}+H{result}"
    assert ws[f"G{ib}"].value is None and ws[f"G{ub}"].value is None  # a forecast column
    state = _row(ws, label="Statens andel av bidragen")
    # A block's range runs to its Summa row (no funder there), so an inserted row counts.
    assert ws[f"H{state}"].value == '=IF(H9=0,"",SUMIF($E$4:$E$9,"Staten",H4:H9)/H9)'
    assert ws[f"H{state}"].number_format == "0.00%"
    assert ws[f"H{_row(ws, label='Tak för eget kapital')}"].value == "=ROUND(H9*20/100,2)"

    # The scenario takes the base budget's amounts by reference, and holds its own.
    scenario = workbook[SCENARIO]
    assert (
        scenario[_cell(scenario, "Budget 2021", key="fk")].value
        == f"=Budget!{_cell(ws, 'Budget 2021', key='fk')}"
    )
    assert scenario[_cell(scenario, "Budget 2021", key="esf")].value == 545000
    assert (
        scenario[_cell(scenario, "Budget 2021", label="Eget kapital vid årets början (IB)")].value
        == f"=Budget!H{ib}"
    )

    findings = [row for row in workbook["Kontroller"].iter_rows(min_row=3, values_only=True)]
    assert ("Grundbudget", "budget-balance", "Fel", 2021) in [row[:4] for row in findings]
    assert all(row[4] for row in findings)
    assert workbook["Kontroller"].freeze_panes == "A3"


@pytest.mark.django_db
def test_formulas_compute_the_figures_of_the_page(federation):
    budget = make_budget(federation)
    summary = budget_summary(budget)
    assert_formulas_give_the_summary(budget_workbook(summary), summary)
    # The spec's Kramfors figures, computed by the workbook itself.
    workbook = _open(export_xlsx(budget))
    ws = workbook["Budget"]
    evaluator = Evaluator(workbook)
    assert evaluator.cell("Budget", f"H{_row(ws, label='Årets resultat')}") == D(-253000)
    assert evaluator.cell("Budget", f"H{_row(ws, label='Eget kapital vid årets slut (UB)')}") == D(
        295077
    )
    share = evaluator.cell("Budget", f"H{_row(ws, label='Administration i % av bidragen')}")
    assert (share * 100).quantize(ORE) == D("36.07")


def insert_row_as_a_spreadsheet_does(workbook: Workbook, title: str, at: int) -> None:
    """Insert an empty row at `at` on sheet `title`, as Excel and LibreOffice do: the
    cells from `at` down move one row, and every reference to them, on any sheet, with
    them (openpyxl's insert_rows moves the cells only). A range grows when the row comes
    inside it, its first row excluded; whole columns (H:H) stay."""

    def shifted(ref: str, formula_sheet: str) -> str:
        sheet, _sep, cell = ref.rpartition("!")
        target = sheet_name(sheet) if sheet else formula_sheet
        if target != title or ":" in cell and not re.search(r"\d", cell):
            return ref

        def move(match: re.Match[str]) -> str:
            row = int(match.group(2))
            return f"{match.group(1)}{row + 1 if row >= at else row}"

        return (sheet + "!" if sheet else "") + re.sub(r"(\$?[A-Z]{1,3}\$?)(\d+)", move, cell)

    workbook[title].insert_rows(at)
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    parts = [
                        shifted(t.text, ws.title) if t.kind == "ref" else t.text
                        for t in formula_tokens(cell.value[1:])
                    ]
                    cell.value = "=" + "".join(parts)


def test_inserting_a_row_moves_references_as_a_spreadsheet_does():
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Budget"
    ws["A5"] = "=SUM(A1:A4)+A2+$A$5"
    other = workbook.create_sheet("Om ESF")
    other["A1"] = "=Budget!A3+'Budget'!A1+A3+SUM(Budget!A:A)"
    insert_row_as_a_spreadsheet_does(workbook, "Budget", 3)
    assert ws["A6"].value == "=SUM(A1:A5)+A2+$A$6"
    assert other["A1"].value == "=Budget!A4+'Budget'!A1+A3+SUM(Budget!A:A)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("block", "where", "category", "funder", "subtotal_sign", "result_sign"),
    [
        ("Insatser", "above the subtotal", "Insatser", None, 1, -1),
        ("Insatser", "under the heading", "Insatser", None, 1, -1),
        ("Medlemsbidrag", "between two lines", "Medlemsbidrag", "Staten", 1, 1),
        ("Medlemsbidrag", "above the subtotal", "Medlemsbidrag", "Staten", 1, 1),
    ],
)
def test_a_row_inserted_in_a_block_counts_in_its_subtotal_result_and_equity(
    federation, block, where, category, funder, subtotal_sign, result_sign
):
    """Issue 17, point 7: a row inserted anywhere in a category block, directly above
    its "Summa" row included, is inside every formula over the block (LibreOffice left
    a row inserted above "Summa insatser" out of =SUM(G14:G19)). Inserted as a user
    does, an amount typed, computed anew; the import reads the same amount."""
    budget = make_budget(federation)
    workbook = _open(export_xlsx(budget))
    ws = workbook["Budget"]
    col = _header(ws)["Budget 2021"]
    subtotal_label = f"Summa {block.lower()}"
    at = {
        "above the subtotal": _row(ws, label=subtotal_label),
        "under the heading": _row(ws, label=block) + 1,
        "between two lines": _row(ws, key="region"),
    }[where]
    labels = (subtotal_label, "Årets resultat", "Eget kapital vid årets slut (UB)")
    before = Evaluator(workbook)
    figures = {label: before.cell("Budget", f"{col}{_row(ws, label=label)}") for label in labels}
    state_before = before.cell("Budget", f"{col}{_row(ws, label='Statens andel av bidragen')}")

    insert_row_as_a_spreadsheet_does(workbook, "Budget", at)
    ws[f"B{at}"], ws[f"C{at}"], ws[f"{col}{at}"] = "Ny rad", category, 123456
    if funder:
        ws[f"D{at}"], ws[f"E{at}"] = "Försäkringskassan", funder
    after = Evaluator(workbook)
    grown = {label: after.cell("Budget", f"{col}{_row(ws, label=label)}") for label in labels}
    assert grown == {
        subtotal_label: figures[subtotal_label] + subtotal_sign * 123456,
        "Årets resultat": figures["Årets resultat"] + result_sign * 123456,
        "Eget kapital vid årets slut (UB)": figures["Eget kapital vid årets slut (UB)"]
        + result_sign * 123456,
    }
    state_after = after.cell("Budget", f"{col}{_row(ws, label='Statens andel av bidragen')}")
    assert (state_after > state_before) == bool(funder)
    # The scenario sheet's references to the base budget moved with it.
    scenario = workbook[sheet_titles([SCENARIO])[0]]
    fk = _cell(scenario, "Budget 2021", key="fk")
    assert after.cell(scenario.title, fk) == D(1_296_000)

    base = parse_workbook(_save(workbook), budget)[0]
    added = next(line for line in base.lines if line.label == "Ny rad")
    assert added.amounts["2021:budget"] == D(123456)


@pytest.mark.django_db
def test_an_export_carries_its_formulas_values(federation):
    """Issue 17, point 7: read without calculating (a mail preview, openpyxl's
    data_only), every subtotal, result and equity figure of every sheet is there and is
    the page's; Excel still calculates again on opening."""
    budget = make_budget(federation)
    summary = budget_summary(budget)
    data = export_xlsx(budget)
    values = load_workbook(io.BytesIO(data), data_only=True)
    formulas = _open(data)
    assert formulas.calculation.fullCalcOnLoad
    titles = ["Budget", *sheet_titles(v.name for v in summary.scenarios)]
    checked = 0
    for title, view in zip(titles, summary.views, strict=True):
        ws = values[title]
        header = _header(ws)
        for col in view.columns:
            letter = header[column_label(col.column)]
            for block in view.blocks:
                cell = f"{letter}{_row(ws, label=f'Summa {str(block.label).lower()}')}"
                assert formulas[title][cell].data_type == "f"
                value = D(str(ws[cell].value))
                assert value == block.subtotals[view.columns.index(col)].value
                checked += 1
            for label, figure in (
                ("Årets resultat", "result"),
                ("Eget kapital vid årets slut (UB)", "closing_equity"),
                ("Summa kostnader", "costs"),
            ):
                expected = getattr(col, figure)
                value = ws[f"{letter}{_row(ws, label=label)}"].value
                assert (value is None) == (expected is None), (title, label, col.column)
                if expected is not None:
                    assert D(str(value)) == expected
                    checked += 1
    assert checked > 40


@pytest.mark.django_db
def test_a_budget_without_columns_or_lines_exports(federation):
    budget = Budget.objects.create(federation=federation, year=2026)
    workbook = _open(export_xlsx(budget))
    assert workbook.sheetnames == ["Budget", "Kontroller"]
    assert workbook["Budget"]["B4"].value == "Medlemsbidrag"


@pytest.mark.django_db
def test_amounts_with_ore_get_an_ore_format(federation):
    budget = make_budget(federation)
    kansli = Line.objects.get(budget=budget, key="kansli", scenario=None)
    kansli.amounts.filter(column__kind="budget").update(amount=D("935000.50"))
    ws = _open(export_xlsx(budget))["Budget"]
    cell = ws[_cell(ws, "Budget 2021", key="kansli")]
    assert cell.value == D("935000.5") and cell.number_format == KR_ORE
    assert ws[_cell(ws, "Budget 2021", label="Summa administration")].number_format == KR_ORE
    assert ws[_cell(ws, "Plan 2022", key="kansli")].number_format == KR


@pytest.mark.django_db
def test_a_label_that_looks_like_a_formula_stays_text(federation):
    budget = make_budget(federation)
    Line.objects.filter(budget=budget, key="kansli").update(label='=HYPERLINK("http://x","y")')
    data = export_xlsx(budget)
    cell = _open(data)["Budget"]["B16"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    import_xlsx(budget=budget, file=data)
    assert Line.objects.get(budget=budget, key="kansli", scenario=None).label.startswith(
        "=HYPERLINK"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", DEMOS)
def test_demo_budgets_export_and_import_unchanged(name):
    data = json.loads((DEMO / name).read_text())
    data["plan"]["status"] = "draft"  # an adopted plan's budget is frozen (plans/freeze.py)
    budget = bundle_import(data=data)
    before = budget_summary(budget)
    data = export_xlsx(budget)
    workbook = _open(data)
    assert len(workbook.sheetnames) == 2 + len(before.scenarios)
    assert_formulas_give_the_summary(workbook, before)

    version = budget.version
    import_xlsx(budget=budget, file=data)
    budget.refresh_from_db()
    assert budget.version == version + 1 + len(before.scenarios)  # one save per sheet
    _same_figures(before, budget_summary(budget))


# --- the round trip (the acceptance) -----------------------------------------


@pytest.mark.django_db
def test_round_trip_gives_the_same_figures_as_typing_in_the_grid(federation, other_federation):
    """Export, change an amount in the file, import: the same as typing it in the grid."""
    in_excel = make_budget(federation)
    in_grid = make_budget(other_federation)

    workbook = _open(export_xlsx(in_excel))
    ws = workbook["Budget"]
    subtotal = ws[_cell(ws, "Budget 2021", label="Summa administration")]
    assert isinstance(subtotal.value, str) and subtotal.value.startswith("=")
    for label in ("Summa medlemsbidrag", "Summa insatser", "Summa intäkter", "Årets resultat"):
        assert ws[_cell(ws, "Budget 2021", label=label)].value.startswith("=")
    ws[_cell(ws, "Budget 2021", key="kansli")] = 1_000_000
    ws[_cell(ws, "Plan 2022", key="region")] = 650_000
    changed = _save(workbook)

    # What Excel would show after the change is what the app shows after the import.
    import_xlsx(budget=in_excel, file=changed)
    after = budget_summary(in_excel)
    assert after.base.evaluation.column("2021:budget").administration_costs == D(1_000_000)
    assert_formulas_give_the_summary(_open(changed), after)

    _type_in_grid(
        in_grid, {("kansli", "2021:budget"): D(1_000_000), ("region", "2022:plan"): D(650_000)}
    )
    _same_figures(after, budget_summary(in_grid))
    # The scenario follows the base budget: no stale copy of the old amount.
    assert after.scenarios[0].evaluation.column("2021:budget").administration_costs == D(1_000_000)
    assert not Line.objects.filter(budget=in_excel, scenario__isnull=False, key="kansli").exists()


@pytest.mark.django_db
def test_a_change_in_a_scenario_sheet_is_the_scenario_edited_in_the_grid(
    federation, other_federation
):
    in_excel = make_budget(federation)
    in_grid = make_budget(other_federation)
    workbook = _open(export_xlsx(in_excel))
    ws = workbook[SCENARIO]
    ws[_cell(ws, "Budget 2021", key="esf")] = 600_000
    ws[_cell(ws, "Plan 2022", key="enter")] = 2_000_000  # was a reference to the base
    import_xlsx(budget=in_excel, file=_save(workbook))

    _type_in_grid(
        in_grid,
        {("esf", "2021:budget"): D(600_000), ("enter", "2022:plan"): D(2_000_000)},
        scenario=SCENARIO,
    )
    _same_figures(budget_summary(in_excel), budget_summary(in_grid))
    assert set(
        Line.objects.filter(budget=in_excel, scenario__name=SCENARIO).values_list("key", flat=True)
    ) == {"esf", "enter"}


@pytest.mark.django_db
def test_amounts_stored_as_text_are_read(federation):
    """Pasted text such as "650 000" is read as the grid reads it (Excel's own SUM
    skips text; typed in a Swedish Excel it is a number already)."""
    budget = make_budget(federation)
    workbook = _open(export_xlsx(budget))
    ws = workbook["Budget"]
    ws[_cell(ws, "Plan 2022", key="region")] = "650 000"
    ws[_cell(ws, "Plan 2023", key="region")] = "650\u00a0000,50 kr"
    import_xlsx(budget=budget, file=_save(workbook))
    region = next(line for line in budget_facts(budget).lines if line.key == "region")
    assert region.amounts["2022:plan"] == D(650000)
    assert region.amounts["2023:plan"] == D("650000.50")


@pytest.mark.django_db
def test_opening_equity_is_read_from_the_budget_sheet(federation):
    budget = make_budget(federation)
    workbook = _open(export_xlsx(budget))
    ws = workbook["Budget"]
    ws[_cell(ws, "Budget 2021", label="Eget kapital vid årets början (IB)")] = 600000
    import_xlsx(budget=budget, file=_save(workbook))
    budget.refresh_from_db()
    assert budget.opening_equity == D(600000)
    closing = budget_summary(budget).scenarios[0].evaluation.column("2021:budget").closing_equity
    assert closing == D(600000) - D(253000) + D(545000)


@pytest.mark.django_db
def test_rows_added_and_removed(federation):
    budget = make_budget(federation)
    workbook = _open(export_xlsx(budget))
    ws = workbook["Budget"]
    ws.delete_rows(_row(ws, key="kansli"))  # no formula below refers to the line itself
    row = _row(ws, label="Övriga kostnader")  # a new line under an empty category heading
    ws.insert_rows(row + 1)
    letters = _header(ws)
    ws[f"B{row + 1}"] = "Utvärdering"
    ws[f"C{row + 1}"] = "Övriga kostnader"
    ws[f"{letters['Budget 2021']}{row + 1}"] = 50000
    kommun = _row(ws, key="kommun-b")
    ws.insert_rows(kommun + 1)
    for column, value in zip("BCD", ("C kommun", "medlemsbidrag", "b kommun"), strict=True):
        ws[f"{column}{kommun + 1}"] = value  # category and member found without case
    ws[f"A{kommun + 1}"] = "kommun-c"
    ws[f"{letters['Budget 2021']}{kommun + 1}"] = 1000
    import_xlsx(budget=budget, file=_save(workbook))

    base = {line.key: line for line in budget_facts(budget).lines}
    assert "kansli" not in base
    assert base["utvardering"].category == "other_cost"
    assert base["utvardering"].amounts == {"2021:budget": D(50000)}
    assert (base["kommun-c"].member, base["kommun-c"].category) == ("kommun-b", "contribution")
    # The scenario sheet did not have the new lines; the scenario takes them from the base.
    scenario = budget_summary(budget).scenarios[0].evaluation.column("2021:budget")
    assert scenario.other_costs == D(50000)
    assert scenario.administration_costs == 0


# --- all or nothing -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_cell_saves_nothing(federation, row_counts):
    budget = make_budget(federation)
    workbook = _open(export_xlsx(budget))
    ws = workbook["Budget"]
    ws["H5"] = 1_300_000  # a good change, which must not be saved either
    ws["H16"] = "tusen kronor"  # Kansli, Budget 2021
    esf = _cell(workbook[SCENARIO], "Plan 2022", key="esf")
    workbook[SCENARIO][esf] = "12,345"
    counts, version = row_counts(), budget.version

    with pytest.raises(ExcelImportError) as caught:
        import_xlsx(budget=budget, file=_save(workbook))
    assert caught.value.errors == [
        "Budget!H16: inte ett tal",
        f"'{SCENARIO}'!{esf}: fler än två decimaler",
    ]
    budget.refresh_from_db()
    assert row_counts() == counts and budget.version == version
    assert budget_facts(budget).lines[0].amounts["2021:budget"] == D(1_296_000)


@pytest.mark.django_db
def test_a_refusal_in_a_later_sheet_undoes_the_earlier_ones(federation, row_counts, monkeypatch):
    budget = make_budget(federation)
    workbook = _open(export_xlsx(budget))
    workbook["Budget"]["H5"] = 1_300_000
    counts, version = row_counts(), budget.version
    save = excel_import.budget_save

    def refuse_scenarios(*, draft, **kwargs):
        if draft.scenario is not None:
            raise RuntimeError("refused")
        return save(draft=draft, **kwargs)

    monkeypatch.setattr(excel_import, "budget_save", refuse_scenarios)
    with pytest.raises(RuntimeError):
        import_xlsx(budget=budget, file=_save(workbook))
    budget.refresh_from_db()
    assert row_counts() == counts and budget.version == version
    assert budget_facts(budget).lines[0].amounts["2021:budget"] == D(1_296_000)


def _edited(budget: Budget, edit) -> bytes:
    workbook = _open(export_xlsx(budget))
    edit(workbook)
    return _save(workbook)


def _set(sheet: str, coordinate: str, value: object):
    def edit(workbook: Workbook) -> None:
        workbook[sheet][coordinate] = value

    return edit


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set("Budget", "C16", "Kostnad"), "Budget!C16: okänd kategori"),
        (_set("Budget", "C16", None), "Budget!C16: ange en kategori"),
        (_set("Budget", "D5", "Kommun X"), "Budget!D5: okänd medlem »Kommun X«"),
        (_set("Budget", "D5", None), "Budget!D5: ett medlemsbidrag ska höra till en medlem"),
        (_set("Budget", "D13", "Okänd"), "Budget!D13: okänd insats »Okänd«"),
        (
            _set("Budget", "D16", "Enter"),
            "Budget!D16: medlem eller insats anges bara för medlemsbidrag och insatser",
        ),
        (_set("Budget", "B16", None), "Budget!B16: ange en benämning"),
        (_set("Budget", "A16", "fk"), "Budget!A16: nyckeln »fk« finns redan på rad 5"),
        (
            _set("Budget", "A16", "två ord"),
            "Budget!A16: ogiltig nyckel (högst 80 tecken: a–z, 0–9, - och _)",
        ),
        (_set("Budget", "H16", 1.005), "Budget!H16: fler än två decimaler"),
        (
            _set("Budget", "H16", "=H13*2"),
            "Budget!H16: formeln har inget sparat värde; skriv ett tal i stället",
        ),
        (_set("Budget", "A3", "Id"), "Budget!A3: rubriken ska vara Nyckel"),
        (
            _set("Budget", "J3", "Plan tjugo"),
            "Budget!J3: okänd kolumnrubrik »Plan tjugo« (skriv t.ex. Budget 2021, Plan 2022, Prognos 2020 eller Utfall 2019)",
        ),
        (_set("Budget", "J3", "Plan 2022"), "Budget!J3: kolumnen finns redan"),
        (
            _set(SCENARIO, "J3", "Plan 2024"),
            f"'{SCENARIO}': kolumnerna ska vara desamma som på bladet Budget (Prognos 2020, Budget 2021, Plan 2022, Plan 2023)",
        ),
        (
            _set("Budget", "H3", "Budget 2020"),
            "Budget: kolumnen Budget 2021 saknas; filen gäller en annan budget",
        ),
        (
            lambda wb: wb.create_sheet("Anteckningar"),
            "Anteckningar: okänt blad; bladen heter Budget, Kontroller och som budgetens scenarier",
        ),
        (lambda wb: setattr(wb["Budget"], "title", "Grund"), "Budget: bladet saknas"),
        (
            lambda wb: wb["Budget"].delete_rows(1, 3),
            "Budget: rubrikraden saknas (Nyckel, Post, Kategori, Medlem/insats, Finansiär, Individinriktad % och en kolumn per år)",
        ),
        (
            lambda wb: setattr(wb.properties, "identifier", "finsam-budget:beta:2021"),
            "Filen är exporterad från budget 2021 för beta, inte från den här budgeten.",
        ),
    ],
)
def test_import_messages_name_sheet_and_cell(federation, edit, message):
    budget = make_budget(federation)
    assert message in _errors(budget, _edited(budget, edit))


@pytest.mark.django_db
def test_not_an_excel_file(federation):
    budget = make_budget(federation)
    assert _errors(budget, b"inte en arbetsbok") == [
        "Filen går inte att läsa som en Excel-arbetsbok (.xlsx)."
    ]


@pytest.mark.django_db
def test_a_formula_with_a_saved_value_is_read(federation, monkeypatch):
    """A file saved by Excel or LibreOffice keeps each formula's value; openpyxl does
    not compute, so the test plays the saved value."""
    budget = make_budget(federation)
    data = _edited(budget, _set("Budget", "H16", "=900000+35000"))
    monkeypatch.setattr(
        excel_import._Reader, "cached_value", lambda self, title, coordinate: 935000
    )
    kansli = next(line for line in parse_workbook(data, budget)[0].lines if line.key == "kansli")
    assert kansli.amounts["2021:budget"] == D(935000)


# --- views ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_works(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    export_url = reverse("budget_excel_export", args=[federation.slug, budget.year])
    import_url = reverse("budget_excel_import", args=[federation.slug, budget.year])

    response = client.get(export_url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'attachment; filename="budget-alfa-2021.xlsx"' == response["Content-Disposition"]
    workbook = _open(response.content)
    assert workbook.sheetnames == ["Budget", SCENARIO, "Kontroller"]

    page = client.get(import_url)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and "Importera" in page.text

    workbook["Budget"]["H16"] = 1_000_000
    upload = io.BytesIO(_save(workbook))
    upload.name = "budget.xlsx"
    response = client.post(import_url, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "budget_detail", args=[federation.slug, budget.year]
    )
    assert "importerad" in response.text
    assert budget_summary(budget).base.evaluation.column("2021:budget").administration_costs == D(
        1_000_000
    )


@pytest.mark.django_db
def test_import_page_lists_the_errors_and_saves_nothing(client, director, federation, row_counts):
    budget = make_budget(federation)
    client.force_login(director)
    workbook = _open(export_xlsx(budget))
    workbook["Budget"]["H16"] = "abc"
    workbook["Budget"]["C5"] = "Okänt"
    upload = io.BytesIO(_save(workbook))
    upload.name = "budget.xlsx"
    counts = row_counts()
    response = client.post(
        reverse("budget_excel_import", args=[federation.slug, budget.year]), {"file": upload}
    )
    assert response.status_code == 200
    assert "Budget!H16: inte ett tal" in response.text
    assert "Budget!C5: okänd kategori" in response.text
    assert row_counts() == counts

    wrong = io.BytesIO(b"text")
    wrong.name = "budget.csv"
    response = client.post(
        reverse("budget_excel_import", args=[federation.slug, budget.year]), {"file": wrong}
    )
    assert response.status_code == 200 and "xlsx" in response.text
    assert row_counts() == counts


@pytest.mark.django_db
def test_it_checks_access(client, federation, outsider, reviewer, board_member, viewer):
    budget = make_budget(federation)
    export_url = reverse("budget_excel_export", args=[federation.slug, budget.year])
    import_url = reverse("budget_excel_import", args=[federation.slug, budget.year])
    upload = io.BytesIO(export_xlsx(budget))
    upload.name = "budget.xlsx"

    client.force_login(outsider)
    for url in (export_url, import_url):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404

    for user in (reviewer, board_member, viewer):
        client.force_login(user)
        assert client.get(export_url).status_code == 200
        assert client.get(import_url).status_code == 403
        assert client.post(import_url, {"file": upload}).status_code == 403
    assert Budget.objects.get(pk=budget.pk).version == budget.version

    client.logout()
    assert client.get(export_url).status_code == 302
    assert client.get(import_url).status_code == 302


@pytest.mark.django_db
def test_export_answers_only_get(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    url = reverse("budget_excel_export", args=[federation.slug, budget.year])
    assert client.post(url).status_code == 405


@pytest.mark.django_db
def test_a_file_exported_before_a_later_save_is_refused(federation):
    """Nothing is overwritten silently: grid edits made after the export win until
    the user exports a fresh file."""
    budget = make_budget(federation)
    data = export_xlsx(budget)
    _type_in_grid(budget, {("kansli", "2021:budget"): D(900_000)})
    budget.refresh_from_db()
    errors = _errors(budget, data)
    assert len(errors) == 1 and "sparats igen sedan filen exporterades" in errors[0]
    fresh = export_xlsx(budget)
    assert parse_workbook(fresh, budget)


def _without_version(data: bytes) -> bytes:
    """The file as the trial made it: `<cp:version>` removed from docProps/core.xml."""
    import zipfile

    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            content = old.read(info.filename)
            if info.filename == "docProps/core.xml":
                assert b"<cp:version>" in content  # what the export writes
                content = re.sub(rb"<cp:version>[^<]*</cp:version>", b"", content)
            new.writestr(info, content)
    return target.getvalue()


@pytest.mark.django_db
def test_a_file_without_its_version_is_refused(federation):
    """The stale-file check cannot be skipped by removing the version property."""
    budget = make_budget(federation)
    data = _without_version(export_xlsx(budget))
    assert load_workbook(io.BytesIO(data)).properties.version is None
    errors = _errors(budget, data)
    assert len(errors) == 1 and "saknar uppgift om vilken version" in errors[0]


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["", "  ", "två", "-1", "1.0"])
def test_a_file_with_a_version_that_is_not_one_is_refused(federation, version):
    budget = make_budget(federation)
    data = _edited(budget, lambda wb: setattr(wb.properties, "version", version))
    errors = _errors(budget, data)
    assert len(errors) == 1 and "saknar uppgift om vilken version" in errors[0]


@pytest.mark.django_db
def test_an_old_file_without_its_version_does_not_overwrite_later_saves(
    client, director, federation
):
    """The trial: export, someone saves in the grid, the old file without
    `<cp:version>` is imported. The later save stays."""
    budget = make_budget(federation)
    data = _without_version(
        _edited(
            budget,
            _set(
                "Budget",
                _cell(_open(export_xlsx(budget))["Budget"], "Budget 2021", key="enter"),
                2_000_000,
            ),
        )
    )
    _type_in_grid(budget, {("kansli", "2021:budget"): D(900_000)})
    client.force_login(director)
    url = reverse("budget_excel_import", args=[federation.slug, budget.year])
    upload = io.BytesIO(data)
    upload.name = "budget.xlsx"
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert "saknar uppgift om vilken version" in response.content.decode()
    stored = {
        line.key: line.amounts for line in budget_facts(Budget.objects.get(pk=budget.pk)).lines
    }
    assert stored["kansli"]["2021:budget"] == D(900_000)
    assert stored["enter"]["2021:budget"] == D(1_910_000)


@pytest.mark.django_db
def test_an_older_file_through_the_import_page_saves_nothing(client, director, federation):
    budget = make_budget(federation)
    data = export_xlsx(budget)
    _type_in_grid(budget, {("kansli", "2021:budget"): D(900_000)})
    client.force_login(director)
    url = reverse("budget_excel_import", args=[federation.slug, budget.year])
    upload = io.BytesIO(data)
    upload.name = "budget.xlsx"
    response = client.post(url, {"file": upload})
    assert "sparats igen sedan filen exporterades" in response.content.decode()
    stored = {
        line.key: line.amounts for line in budget_facts(Budget.objects.get(pk=budget.pk)).lines
    }
    assert stored["kansli"]["2021:budget"] == D(900_000)


def test_formula_values_go_in_whichever_way_openpyxl_wrote_the_empty_value():
    """openpyxl writes an empty value <v /> with the standard library and <v></v> with
    lxml (which another package may have brought): both get the value."""
    from budgets.excel import _fill_values

    xml = '<c r="A1" s="2"><f>1+1</f><v /></c><c r="A2"><f>IF(1,"","")</f><v></v></c>'
    filled = _fill_values(xml, "Budget", {("Budget", "A1"): D(2), ("Budget", "A2"): ""})
    assert filled == (
        '<c r="A1" s="2"><f>1+1</f><v>2</v></c><c r="A2" t="str"><f>IF(1,"","")</f><v></v></c>'
    )
