"""budgets/xlsx_formulas.py: the evaluator of the workbook's formulas, on small sheets."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from openpyxl import Workbook

from budgets.xlsx_formulas import Evaluator, FormulaError, formula_values, tokens


def sheet(**cells: object) -> Workbook:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Budget"
    for coordinate, value in cells.items():
        ws[coordinate] = value
    return workbook


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("=1+2*3", D(7)),
        ("=(1+2)*3", D(9)),
        ("=-A1+10", D(8)),
        ("=A1/4", D("0.5")),
        ("=A1-A9", D(2)),  # an empty cell counts as 0
        ("=SUM(A1:A3)", D(9)),  # text in a range is left out
        ("=SUM(A1:A3,10)", D(19)),
        ('=SUMIF(B1:B3,"staten",A1:A3)', D(2)),  # any case, as Excel
        ('=SUMIF(B1:B3,"<>",A1:A3)', D(9)),
        ("=SUMPRODUCT(A1:A3,C1:C3)", D("1.4")),
        ('=IF(A1=2,"ja","nej")', "ja"),
        ('=IF(A9="","tom",1)', "tom"),
        ('=IF(A1="",1,2)', D(2)),
        ("=IF(A1<>2,1,2)", D(2)),
        ("=IF(A1>=2,1,2)", D(1)),
        ("=IF(A9=0,0,1/A9)", D(0)),  # the branch not taken is not computed
        ("=ROUND(2.675,2)", D("2.68")),  # half away from zero
        ("=ROUND(-2.5,0)", D(-3)),
        ("=ROW()", D(5)),
        ("=SUM(A1:INDEX(A:A,ROW()-2))", D(9)),
        ("=Budget!A1+'Om ESF'!A1", D(102)),
    ],
)
def test_formulas(formula, value):
    workbook = sheet(A1=2, A2=7, A3="Summa", B1="Staten", B2="Regionen", C1=D("0.7"), A5=formula)
    workbook.create_sheet("Om ESF")["A1"] = 100
    assert Evaluator(workbook).cell("Budget", "A5") == value


def test_formula_values_reads_every_formula_cell_and_leaves_text_that_looks_like_one():
    workbook = sheet(A1=1, A2="=A1*3", A3="=A2+1")
    workbook.active["A4"] = "=HYPERLINK(x)"
    workbook.active["A4"].data_type = "s"  # text, as budgets/excel.py writes a label
    assert formula_values(workbook) == {("Budget", "A2"): D(3), ("Budget", "A3"): D(4)}


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("=VLOOKUP(A1,A1:A2,1)", "VLOOKUP"),
        ("=1/A9", "division med noll"),
        ("=A5+1", "cirkelreferens"),
        ("=SUM(A1", "väntade"),
        ("=1 2", "oväntat"),
        ("=A1 & A2", "okänt tecken"),
        ("=A1:A2+1", "ett område"),
    ],
)
def test_what_it_does_not_compute_it_says(formula, message):
    with pytest.raises(FormulaError, match=message):
        Evaluator(sheet(A1=1, A2=2, A5=formula)).cell("Budget", "A5")


def test_tokens_keep_quoted_sheet_names_and_absolute_references():
    texts = [t.text for t in tokens("SUMIF($E$4:$E$9,\"Staten\",'Om ''ESF'''!H4:H9)")]
    assert texts == [
        "SUMIF",
        "(",
        "$E$4",
        ":",
        "$E$9",
        ",",
        '"Staten"',
        ",",
        "'Om ''ESF'''!H4",
        ":",
        "H9",
        ")",
    ]
