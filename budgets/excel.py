"""The budget as an Excel workbook, and back.

Export: one sheet per budget ("Budget" for the base budget, then one per scenario)
and a sheet "Kontroller" with every finding. Amounts are numbers with a number
format, never strings; subtotals, result, equity, the equity cap and the shares are
live formulas, so a board member can try a change in Excel and see its effect.

Import reads the same layout back into one `BudgetDraft` per sheet, the same draft
the grid editor builds, and saves them with `budget_save`, so a change made in the
file gives the same figures as the same change typed in the grid. Only line rows
are read (key, post, category, member or insats, amounts) and, on the Budget sheet,
the opening equity; formula rows are computed, not read. All or nothing: any error
in any sheet stops the import before anything is saved.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from budgets.editing import BudgetDraft, DraftLine
from budgets.models import Budget, Category
from budgets.rules import (
    ADMINISTRATION,
    CONTRIBUTION,
    COST_CATEGORIES,
    GROUP_NAMES,
    GROUP_OF_KIND,
    INTERVENTION,
    OTHER_INCOME,
    BudgetFacts,
    parse_column_code,
    planning_columns,
)
from budgets.selectors import FIGURE_ROWS, BudgetSummary, BudgetView, budget_facts, budget_summary
from budgets.services import budget_save
from budgets.xlsx_guard import UnsafeWorkbook, check_workbook_archive
from finsam.money import HUNDRED, ORE, parse_amount
from plans.freeze import PlanFrozen

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

BASE_SHEET = "Budget"
FINDINGS_SHEET = "Kontroller"
# Excel refuses these as sheet names, or uses them itself.
RESERVED_SHEETS = (BASE_SHEET, FINDINGS_SHEET, "History")
SHEET_NAME_MAX = 31
SHEET_NAME_INVALID = re.compile(r"[\[\]:*?/\\]")

TITLE_ROW = 1
HELP_ROW = 2
HEADER_ROW = 3
KEY, LABEL, CATEGORY, PARTY, FUNDER, INDIVIDUAL = 1, 2, 3, 4, 5, 6
META_HEADINGS = ("Nyckel", "Post", "Kategori", "Medlem/insats", "Finansiär", "Individinriktad %")
FIRST_AMOUNT = len(META_HEADINGS) + 1
# After the amount columns: each line's note (a footnote in the plan). A file
# without the column (exported before notes were) keeps the stored notes.
NOTE_HEADING = "Notering"
# On a scenario sheet, under the figures: the scenario's own note.
SCENARIO_NOTE_LABEL = "Notering om scenariot"
NOTE_WIDTH = 50
MAX_NOTE_LENGTH = 2000
HEADER_SEARCH_ROWS = 20
MAX_ROWS = 5000

KIND_HEADINGS = {"budget": "Budget", "plan": "Plan", "forecast": "Prognos", "actual": "Utfall"}
HEADING_KINDS = {heading.lower(): kind for kind, heading in KIND_HEADINGS.items()}
CATEGORY_LABELS = {code: str(label) for code, label in Category.choices}
CATEGORY_BY_NAME = {
    **{label.lower(): code for code, label in CATEGORY_LABELS.items()},
    **{code: code for code in CATEGORY_LABELS},
}
INCOME_CATEGORIES = (CONTRIBUTION, OTHER_INCOME)
IB_LABEL = next(label for label, figure, _unit, _style in FIGURE_ROWS if figure == "opening_equity")

KR = '#,##0 "kr"'
KR_ORE = '#,##0.00 "kr"'
PERCENT = "0.00%"
WHOLE_PERCENT = "0%"

BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
HELP_FONT = Font(italic=True, color="595959")
INHERITED_FONT = Font(italic=True, color="7F7F7F")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
CATEGORY_FILL = PatternFill("solid", fgColor="F2F2F2")
CHANGED_FILL = PatternFill("solid", fgColor="FFF2CC")
TOP_BORDER = Border(top=Side(style="thin"))
WIDTHS = {KEY: 18, LABEL: 42, CATEGORY: 17, PARTY: 30, FUNDER: 12, INDIVIDUAL: 15}
AMOUNT_WIDTH = 16

# Amounts are DecimalField(max_digits=14, decimal_places=2).
AMOUNT_LIMIT = Decimal(10) ** 12


# --- names and headings ---------------------------------------------------------------


def column_heading(code: str) -> str:
    """ "2021:budget" → "Budget 2021" """
    year, kind = parse_column_code(code)
    return f"{KIND_HEADINGS[kind]} {year}"


def parse_column_heading(text: str) -> str | None:
    """ "Budget 2021" → "2021:budget"; None for anything else."""
    match = re.fullmatch(r"\s*(\w+)\s+(\d{4})\s*", text)
    if not match or match.group(1).lower() not in HEADING_KINDS:
        return None
    return f"{match.group(2)}:{HEADING_KINDS[match.group(1).lower()]}"


def sheet_titles(scenario_names: Iterable[str]) -> list[str]:
    """Sheet titles for the scenarios: at most 31 characters, none of []:*?/\\,
    unique (Excel compares them without case) and not one of our own sheets."""
    used = {name.lower() for name in RESERVED_SHEETS}
    titles = []
    for name in scenario_names:
        base = SHEET_NAME_INVALID.sub("-", name).strip().strip("'").strip()[:SHEET_NAME_MAX]
        base = base.rstrip("'").rstrip() or "Scenario"
        title, n = base, 2
        while title.lower() in used:
            suffix = f" ({n})"
            title = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
            n += 1
        used.add(title.lower())
        titles.append(title)
    return titles


def sheet_ref(title: str) -> str:
    """The sheet as a formula or a message names it: Budget, 'Om ESF beviljas'."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def workbook_identifier(budget: Budget) -> str:
    return f"finsam-budget:{budget.federation.slug}:{budget.year}"


# --- export -------------------------------------------------------------------------


def export_xlsx(budget: Budget) -> bytes:
    buffer = io.BytesIO()
    budget_workbook(budget_summary(budget)).save(buffer)
    return buffer.getvalue()


def budget_workbook(summary: BudgetSummary) -> Workbook:
    workbook = Workbook()
    workbook.properties.title = f"{summary.budget.federation.name} – {summary.title}"
    workbook.properties.creator = "Finsam planering"
    workbook.properties.identifier = workbook_identifier(summary.budget)
    # The version the file was made from: an import over later saves is refused,
    # so nobody's grid edits are overwritten silently.
    workbook.properties.version = str(summary.budget.version)

    base_sheet = workbook.active
    assert base_sheet is not None
    base_sheet.title = BASE_SHEET
    base = _BudgetSheet(base_sheet, summary, summary.base, base=None)
    base.write()
    titles = sheet_titles(view.name for view in summary.scenarios)
    for title, view in zip(titles, summary.scenarios, strict=True):
        _BudgetSheet(workbook.create_sheet(title), summary, view, base=base).write()
    _write_findings(workbook.create_sheet(FINDINGS_SHEET), summary)
    return workbook


def _text(cell: Cell, value: str, font: Font | None = None) -> None:
    """Text as text: a label that starts with "=" must not become a formula."""
    cell.value = value
    cell.data_type = "s"
    if font is not None:
        cell.font = font


def _amount_format(value: Decimal | None) -> str:
    if value is not None and value != value.to_integral_value():
        return KR_ORE
    return KR


def _number(value: Decimal) -> Decimal:
    """Whole kronor without the ".00" the database adds."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


class _BudgetSheet:
    """Writes one budget (the base or a scenario) and remembers where things are,
    so that scenario sheets can refer to the base sheet's cells."""

    def __init__(
        self, ws: Worksheet, summary: BudgetSummary, view: BudgetView, *, base: _BudgetSheet | None
    ) -> None:
        self.ws = ws
        self.summary = summary
        self.view = view
        self.base = base
        self.codes = [col.column for col in view.columns]
        self.letters = {
            code: get_column_letter(FIRST_AMOUNT + j) for j, code in enumerate(self.codes)
        }
        self.note_column = FIRST_AMOUNT + len(self.codes)
        self.cells: dict[tuple[str, str], str] = {}  # (line key, column) → "G5"
        self.figure_rows: dict[str, int] = {}
        self.blocks: dict[str, tuple[int, int, int]] = {}  # category → (first, last, sum row)

    def write(self) -> None:
        ws = self.ws
        federation = self.summary.budget.federation
        _text(
            ws.cell(TITLE_ROW, 1),
            f"{federation.name} – {self.summary.title} – {self.view.name}",
            TITLE_FONT,
        )
        help_text = (
            "Skriv belopp, poster och nya rader här och importera filen i Finsam planering. "
            "Summor, resultat, eget kapital och andelar är formler. Kolumnen Nyckel knyter "
            "raden till budgeten; lämna den tom på en ny rad."
        )
        if self.base is not None:
            help_text += (
                " Grå belopp hämtas från bladet Budget; skriv ett belopp för att ändra det "
                "i scenariot."
            )
        _text(ws.cell(HELP_ROW, 1), help_text, HELP_FONT)
        for index, heading in enumerate(META_HEADINGS, start=1):
            _text(ws.cell(HEADER_ROW, index), heading, BOLD)
        for code, letter in self.letters.items():
            cell = ws[f"{letter}{HEADER_ROW}"]
            _text(cell, column_heading(code), BOLD)
            cell.alignment = Alignment(horizontal="right")
        _text(ws.cell(HEADER_ROW, self.note_column), NOTE_HEADING, BOLD)
        for index in range(1, self.note_column + 1):
            ws.cell(HEADER_ROW, index).fill = HEADER_FILL
        ws.freeze_panes = ws.cell(HEADER_ROW + 1, LABEL + 1)

        row = self._write_lines(HEADER_ROW + 1)
        self._write_figures(row + 1)
        if self.base is not None:
            note_row = row + 1 + len(FIGURE_ROWS) + 1
            _text(ws.cell(note_row, LABEL), SCENARIO_NOTE_LABEL, BOLD)
            if self.view.note:
                _text(ws.cell(note_row, self.note_column), self.view.note)
                ws.cell(note_row, self.note_column).alignment = Alignment(wrap_text=True)

        for index, width in WIDTHS.items():
            ws.column_dimensions[get_column_letter(index)].width = width
        for letter in self.letters.values():
            ws.column_dimensions[letter].width = AMOUNT_WIDTH
        ws.column_dimensions[get_column_letter(self.note_column)].width = NOTE_WIDTH
        categories = DataValidation(
            type="list",
            formula1='"' + ",".join(CATEGORY_LABELS.values()) + '"',
            allow_blank=True,
        )
        ws.add_data_validation(categories)
        categories.add(f"C{HEADER_ROW + 1}:C{row + 200}")
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    # -- lines --

    def _write_lines(self, row: int) -> int:
        """Category blocks: a heading row, the lines, a "Summa …" row of =SUM()."""
        ws = self.ws
        facts = self.summary.facts
        kinds = {m.key: m.kind for m in facts.members}
        shares = {i.key: i.individual_share_percent for i in facts.interventions}
        scenario_keys = self._scenario_keys()
        own_notes = self._own_notes()
        for block in self.view.blocks:
            first = row
            _text(ws.cell(row, LABEL), str(block.label), BOLD)
            for index in range(1, FIRST_AMOUNT + len(self.codes)):
                ws.cell(row, index).fill = CATEGORY_FILL
            row += 1
            for line_row in block.rows:
                line = line_row.line
                _text(ws.cell(row, KEY), line.key)
                _text(ws.cell(row, LABEL), line.label)
                _text(ws.cell(row, CATEGORY), CATEGORY_LABELS[line.category])
                party = (
                    line_row.member_name
                    or line_row.intervention_name
                    or line.member
                    or line.intervention
                )
                if party:
                    _text(ws.cell(row, PARTY), party)
                if line.category == CONTRIBUTION and line.member in kinds:
                    _text(ws.cell(row, FUNDER), GROUP_NAMES[GROUP_OF_KIND[kinds[line.member]]])
                if line.category == INTERVENTION and line.intervention in shares:
                    share = shares[line.intervention]
                    cell = ws.cell(row, INDIVIDUAL, share / HUNDRED)
                    cell.number_format = (
                        WHOLE_PERCENT if share == share.to_integral_value() else PERCENT
                    )
                inherited = self.base is not None and line.key not in scenario_keys
                note = own_notes.get(line.key, "") if self.base is not None else line.note
                if note:
                    _text(ws.cell(row, self.note_column), note)
                for code, letter in self.letters.items():
                    cell = ws[f"{letter}{row}"]
                    self.cells[(line.key, code)] = cell.coordinate
                    if inherited:
                        assert self.base is not None
                        cell.value = f"={BASE_SHEET}!{self.base.cells[(line.key, code)]}"
                        cell.font = INHERITED_FONT
                    elif code in line.amounts:
                        cell.value = _number(line.amounts[code])
                        if self.base is not None:
                            cell.fill = CHANGED_FILL
                    cell.number_format = _amount_format(line.amount(code))
                row += 1
            last = row - 1
            _text(ws.cell(row, LABEL), f"Summa {str(block.label).lower()}", BOLD)
            for code, total in zip(self.codes, block.subtotals, strict=True):
                letter = self.letters[code]
                cell = ws[f"{letter}{row}"]
                cell.value = f"=SUM({letter}{first}:{letter}{last})"
                cell.number_format = _amount_format(total.value)
                cell.font = BOLD
                cell.border = TOP_BORDER
            self.blocks[block.category] = (first, last, row)
            row += 1
        return row

    def _own_notes(self) -> dict[str, str]:
        """A scenario sheet shows the notes of the scenario's own lines; a line it
        takes from the base budget has its note on the Budget sheet."""
        name = self.view.evaluation.scenario
        for scenario in self.summary.facts.scenarios:
            if scenario.name == name:
                return {line.key: line.note for line in scenario.lines}
        return {}

    def _scenario_keys(self) -> set[str]:
        """Keys of the lines the scenario itself holds (overrides and added lines)."""
        name = self.view.evaluation.scenario
        for scenario in self.summary.facts.scenarios:
            if scenario.name == name:
                return {line.key for line in scenario.lines}
        return set()

    # -- figures --

    def _write_figures(self, start: int) -> None:
        ws = self.ws
        self.figure_rows = {figure: start + i for i, (_l, figure, _u, _s) in enumerate(FIGURE_ROWS)}
        planning = [c.column for c in self.view.evaluation.planning]
        for label, figure, unit, style in FIGURE_ROWS:
            row = self.figure_rows[figure]
            font = BOLD if style in ("total", "subtotal") else None
            _text(ws.cell(row, LABEL), label, font)
            previous: str | None = None
            for col in self.view.columns:
                cell = ws[f"{self.letters[col.column]}{row}"]
                formula = self._formula(figure, col.column, planning, previous)
                if col.column in planning:
                    previous = col.column
                if formula is None:
                    continue
                cell.value = formula
                value = getattr(col, figure)
                cell.number_format = PERCENT if unit == "%" else _amount_format(value)
                if font is not None:
                    cell.font = font
                if style == "total":
                    cell.border = TOP_BORDER

    def _formula(
        self, figure: str, code: str, planning: Sequence[str], previous: str | None
    ) -> str | Decimal | None:
        L = self.letters[code]  # noqa: N806 (a column letter, as in the formulas)
        rows = self.figure_rows
        sums = {category: block[2] for category, block in self.blocks.items()}
        contributions = f"{L}{sums[CONTRIBUTION]}"

        def share_of_contributions(part: str) -> str:
            return f'=IF({contributions}=0,"",{part}/{contributions})'

        def funding_group(name: str) -> str:
            first, last, _sum = self.blocks[CONTRIBUTION]
            return share_of_contributions(
                f'SUMIF($E${first}:$E${last},"{name}",{L}{first}:{L}{last})'
            )

        if figure == "income":
            return "=" + "+".join(f"{L}{sums[c]}" for c in INCOME_CATEGORIES)
        if figure == "costs":
            return "=" + "+".join(f"{L}{sums[c]}" for c in COST_CATEGORIES)
        if figure == "result":
            return f"={L}{rows['income']}-{L}{rows['costs']}"
        if figure == "equity_cap":
            cap = self.summary.facts.equity_cap_percent.normalize()
            return f"=ROUND({contributions}*{cap:f}/100,2)"
        if figure in ("state_share", "region_share", "municipal_share"):
            group = {"state_share": "state", "region_share": "region"}.get(figure, "municipalities")
            return funding_group(GROUP_NAMES[group])
        if figure == "intervention_share":
            return share_of_contributions(f"{L}{sums[INTERVENTION]}")
        if figure == "administration_share":
            return share_of_contributions(f"{L}{sums[ADMINISTRATION]}")
        if figure == "individual_share":
            first, last, _sum = self.blocks[INTERVENTION]
            amounts, individual = f"{L}{first}:{L}{last}", f"$F${first}:$F${last}"
            linked = f'SUMIF({individual},"<>",{amounts})'
            return f'=IF({linked}=0,"",SUMPRODUCT({amounts},{individual})/{linked})'
        if figure == "structural_share":
            individual_cell = f"{L}{rows['individual_share']}"
            return f'=IF({individual_cell}="","",1-{individual_cell})'
        if code not in planning:
            return None  # equity is carried through planning columns only
        if figure == "opening_equity":
            if previous is not None:
                return f"={self.letters[previous]}{rows['closing_equity']}"
            if self.base is not None:
                return f"={BASE_SHEET}!{self.base.letters[code]}{self.base.figure_rows['opening_equity']}"
            return _number(self.summary.facts.opening_equity)
        if figure == "closing_equity":
            return f"={L}{rows['opening_equity']}+{L}{rows['result']}"
        raise ValueError(f"okänd nyckeltalsrad {figure!r}")


def _write_findings(ws: Worksheet, summary: BudgetSummary) -> None:
    _text(
        ws.cell(TITLE_ROW, 1),
        f"Kontroller – {summary.budget.federation.name} – {summary.title} (vid exporten)",
        TITLE_FONT,
    )
    headings = ("Scenario", "Regel", "Allvarlighet", "År", "Meddelande")
    header = TITLE_ROW + 1
    for index, heading in enumerate(headings, start=1):
        cell = ws.cell(header, index)
        _text(cell, heading, BOLD)
        cell.fill = HEADER_FILL
    ws.freeze_panes = ws.cell(header + 1, 1)
    row = header + 1
    for view in summary.views:
        for finding in view.findings:
            _text(ws.cell(row, 1), view.name)
            _text(ws.cell(row, 2), finding.rule)
            _text(ws.cell(row, 3), finding.severity_label)
            if finding.year is not None:
                ws.cell(row, 4, finding.year)
            _text(ws.cell(row, 5), finding.message)
            ws.cell(row, 5).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
    if row == header + 1:
        _text(ws.cell(row, 1), "Inga kontroller slog till.")
    for letter, width in zip("ABCDE", (30, 24, 13, 8, 100), strict=True):
        ws.column_dimensions[letter].width = width


# --- import -------------------------------------------------------------------------


class ExcelImportError(Exception):
    """The workbook cannot be imported; `errors` name sheet and cell, in Swedish."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# A cell of a scenario sheet that refers to the base sheet: the scenario keeps the
# base budget's amount there (the export writes these for lines it does not change).
BASE_REFERENCE = re.compile(
    rf"=\s*'?{BASE_SHEET}'?!(\$?[A-Z]{{1,3}}\$?\d+|#REF!)\s*", re.IGNORECASE
)


@dataclass
class _Row:
    number: int
    key: str
    line: DraftLine
    keyless: bool
    inherited: set[str] = field(default_factory=set)  # columns that refer to the base sheet


@dataclass
class _Sheet:
    title: str
    scenario: str | None
    columns: list[str]
    rows: list[_Row]
    opening_equity: Decimal | None = None
    note: str | None = None  # a scenario sheet's note; None when the sheet has none


class _Reader:
    """Reads the workbook, collecting every error instead of stopping at the first."""

    def __init__(self, data: bytes, facts: BudgetFacts) -> None:
        self.data = data
        self.facts = facts
        self.errors: list[str] = []
        self._values: Workbook | None = None
        self.members = _names((m.key, m.name) for m in facts.members)
        self.interventions = _names((i.key, i.name) for i in facts.interventions)

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def cell_error(self, title: str, coordinate: str, message: str) -> None:
        self.error(f"{sheet_ref(title)}!{coordinate}", message)

    def cached_value(self, title: str, coordinate: str) -> object:
        """What Excel (or LibreOffice) last computed for a formula cell, if it saved one."""
        if self._values is None:
            self._values = load_workbook(io.BytesIO(self.data), data_only=True)
        return self._values[title][coordinate].value

    # -- sheets --

    def read_sheet(self, ws: Worksheet, scenario: str | None) -> _Sheet | None:
        title = ws.title
        header = self._header_row(ws)
        if header is None:
            self.error(
                sheet_ref(title),
                _("rubrikraden saknas (%(headings)s och en kolumn per år)")
                % {"headings": ", ".join(META_HEADINGS)},
            )
            return None
        errors_before = len(self.errors)
        for index, expected in enumerate(META_HEADINGS, start=1):
            cell = ws.cell(header, index)
            if _text_of(cell.value).lower() != expected.lower():
                self.cell_error(
                    title, cell.coordinate, _("rubriken ska vara %(h)s") % {"h": expected}
                )
        columns: list[str] = []
        index = FIRST_AMOUNT
        note_index: int | None = None
        while (text := _text_of(ws.cell(header, index).value)) != "":
            cell = ws.cell(header, index)
            if text.lower() == NOTE_HEADING.lower():
                note_index = index
                break
            code = parse_column_heading(text)
            if code is None:
                self.cell_error(
                    title,
                    cell.coordinate,
                    _(
                        "okänd kolumnrubrik %(text)s (skriv t.ex. Budget 2021, Plan 2022, "
                        "Prognos 2020 eller Utfall 2019)"
                    )
                    % {"text": f"»{text}«"},
                )
            elif code in columns:
                self.cell_error(title, cell.coordinate, _("kolumnen finns redan"))
            else:
                columns.append(code)
            index += 1
        if not columns and len(self.errors) == errors_before:
            self.cell_error(
                title,
                ws.cell(header, FIRST_AMOUNT).coordinate,
                _("bladet har inga beloppskolumner"),
            )
        if len(self.errors) > errors_before:
            return None
        if ws.max_row > MAX_ROWS:
            self.error(sheet_ref(title), _("bladet har fler än %(n)s rader") % {"n": MAX_ROWS})
            return None

        letters = {code: get_column_letter(FIRST_AMOUNT + j) for j, code in enumerate(columns)}
        sheet = _Sheet(title=title, scenario=scenario, columns=columns, rows=[])
        structural = _structural_labels()
        first_planning = next(iter(planning_columns(self.facts.year, columns)), None)
        last_column = note_index or FIRST_AMOUNT + len(columns) - 1
        for cells in ws.iter_rows(min_row=header + 1, max_col=last_column):
            if all(_is_blank(cell.value) for cell in cells):
                continue
            number = cells[0].row
            key_text = _text_of(cells[KEY - 1].value)
            label_text = _text_of(cells[LABEL - 1].value)
            category_text = _text_of(cells[CATEGORY - 1].value)
            note = None
            if note_index is not None:
                note = self._note(title, cells[note_index - 1])
            if (
                scenario is not None
                and not key_text
                and not category_text
                and label_text.lower() == SCENARIO_NOTE_LABEL.lower()
            ):
                if note is not None:
                    sheet.note = note
                continue
            # Category headings, "Summa …" rows and the figures below are computed.
            if not key_text and not category_text and label_text.lower() in structural:
                if label_text.lower() == IB_LABEL.lower() and first_planning and scenario is None:
                    cell = ws[f"{letters[first_planning]}{number}"]
                    sheet.opening_equity = self._amount(title, cell) or Decimal(0)
                continue
            row = self._line(title, cells, number, columns, scenario)
            row.line.note = note
            sheet.rows.append(row)
        self._check_keys(sheet)
        return sheet

    def _note(self, title: str, cell: Cell) -> str:
        value = cell.value
        if cell.data_type == "f":
            value = self.cached_value(title, cell.coordinate)
        note = _text_of(value)
        if "\x00" in note:
            self.cell_error(title, cell.coordinate, _("noteringen innehåller ett otillåtet tecken"))
            return ""
        if len(note) > MAX_NOTE_LENGTH:
            self.cell_error(
                title,
                cell.coordinate,
                _("noteringen är längre än %(max)s tecken") % {"max": MAX_NOTE_LENGTH},
            )
        return note

    def _header_row(self, ws: Worksheet) -> int | None:
        """The first row with most of the headings, so that one changed heading is
        reported by its cell."""
        for row in range(1, min(ws.max_row, HEADER_SEARCH_ROWS) + 1):
            found = sum(
                _text_of(ws.cell(row, index).value).lower() == heading.lower()
                for index, heading in enumerate(META_HEADINGS, start=1)
            )
            if found * 2 > len(META_HEADINGS):
                return row
        return None

    # -- rows --

    def _line(
        self,
        title: str,
        cells: Sequence[Cell],
        number: int,
        columns: list[str],
        scenario: str | None,
    ) -> _Row:
        def at(index: int) -> Cell:
            return cells[index - 1]

        key = _text_of(at(KEY).value)
        label = _text_of(at(LABEL).value)
        if not label:
            self.cell_error(title, at(LABEL).coordinate, _("ange en benämning"))
        elif len(label) > 200:
            self.cell_error(title, at(LABEL).coordinate, _("benämningen är längre än 200 tecken"))
        if key and not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", key):
            self.cell_error(
                title,
                at(KEY).coordinate,
                _("ogiltig nyckel (högst 80 tecken: a–z, 0–9, - och _)"),
            )

        category_text = _text_of(at(CATEGORY).value)
        category = CATEGORY_BY_NAME.get(category_text.lower(), "")
        if not category:
            message = _("okänd kategori") if category_text else _("ange en kategori")
            self.cell_error(title, at(CATEGORY).coordinate, message)

        party = _text_of(at(PARTY).value)
        member = intervention = None
        if category == CONTRIBUTION:
            if not party:
                self.cell_error(
                    title, at(PARTY).coordinate, _("ett medlemsbidrag ska höra till en medlem")
                )
            else:
                member = self._resolve(title, at(PARTY), party, self.members, _("okänd medlem"))
        elif category == INTERVENTION:
            if party:
                intervention = self._resolve(
                    title, at(PARTY), party, self.interventions, _("okänd insats")
                )
        elif category and party:
            self.cell_error(
                title,
                at(PARTY).coordinate,
                _("medlem eller insats anges bara för medlemsbidrag och insatser"),
            )

        line = DraftLine(
            key=key or slugify(label)[:80] or f"rad-{number}",
            category=category,
            label=label,
            member=member,
            intervention=intervention,
        )
        row = _Row(number=number, key=line.key, line=line, keyless=not key)
        for j, code in enumerate(columns):
            cell = cells[FIRST_AMOUNT - 1 + j]
            if (
                scenario is not None
                and cell.data_type == "f"
                and BASE_REFERENCE.fullmatch(str(cell.value))
            ):
                row.inherited.add(code)
                continue
            amount = self._amount(title, cell)
            if amount is not None:
                line.amounts[code] = amount
        return row

    def _resolve(
        self, title: str, cell: Cell, text: str, names: dict[str, list[str]], unknown: str
    ) -> str | None:
        keys = names.get(text.lower(), [])
        if len(keys) == 1:
            return keys[0]
        if keys:
            self.cell_error(
                title,
                cell.coordinate,
                _("flera heter %(name)s; skriv nyckeln") % {"name": f"»{text}«"},
            )
        else:
            self.cell_error(title, cell.coordinate, f"{unknown} »{text}«")
        return None

    def _amount(self, title: str, cell: Cell) -> Decimal | None:
        value = cell.value
        if cell.data_type == "f":
            value = self.cached_value(title, cell.coordinate)
            if value is None:
                self.cell_error(
                    title,
                    cell.coordinate,
                    _("formeln har inget sparat värde; skriv ett tal i stället"),
                )
                return None
        try:
            return cell_amount(value)
        except ValueError as exc:
            self.cell_error(title, cell.coordinate, str(exc))
            return None

    def _check_keys(self, sheet: _Sheet) -> None:
        """Keys are unique within a sheet; a new row without a key gets one from its
        label, made unique the way the grid makes it."""
        seen: dict[str, int] = {}
        for row in sheet.rows:
            if not row.keyless and row.key in seen:
                self.cell_error(
                    sheet.title,
                    f"A{row.number}",
                    _("nyckeln %(key)s finns redan på rad %(row)s")
                    % {"key": f"»{row.key}«", "row": seen[row.key]},
                )
            seen.setdefault(row.key, row.number)
        taken = {row.key for row in sheet.rows if not row.keyless}
        for row in sheet.rows:
            if row.keyless:
                base, n = row.key, 2
                while row.key in taken:
                    row.key, n = f"{base}-{n}", n + 1
                row.line.key = row.key
                taken.add(row.key)


def _names(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Name (or key), without case → keys: members and insatser are found by either."""
    found: dict[str, list[str]] = {}
    pairs = list(pairs)
    for key, name in pairs:
        found.setdefault(name.strip().lower(), []).append(key)
    for key, _name in pairs:
        found[key.lower()] = [key]
    return found


def _structural_labels() -> set[str]:
    labels = {label.lower() for label in CATEGORY_LABELS.values()}
    labels |= {f"summa {label.lower()}" for label in CATEGORY_LABELS.values()}
    labels |= {label.lower() for label, _f, _u, _s in FIGURE_ROWS}
    return labels


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_amount(value: object) -> Decimal | None:
    """An amount from a cell: a number, or text such as "1 296 000" or "1 296 000,50 kr".

    Excel stores numbers as binary floats; Decimal(str(value)) takes the shortest
    decimal that is the same float, which is what was typed. At most two decimals.
    """
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_("inte ett tal"))
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(_("inte ett tal"))
        amount = Decimal(str(value))
    elif isinstance(value, Decimal):
        amount = parse_amount(value)
    elif isinstance(value, str):
        text = re.sub(r"\s*kr\.?\s*$", "", value.strip(), flags=re.IGNORECASE)
        amount = parse_amount(text)
    else:
        raise ValueError(_("inte ett tal"))
    if abs(amount) >= AMOUNT_LIMIT:
        raise ValueError(_("beloppet är för stort"))
    try:
        if amount != amount.quantize(ORE):
            raise ValueError(_("fler än två decimaler"))
    except InvalidOperation:
        raise ValueError(_("inte ett tal")) from None
    return amount


def _read_bytes(data: bytes | IO[bytes]) -> bytes:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if hasattr(data, "seek"):
        data.seek(0)
    return data.read()


def _open(data: bytes) -> Workbook:
    unreadable = _("Filen går inte att läsa som en Excel-arbetsbok (.xlsx).")
    try:
        # The zip's sizes, packing and cell count, and no XML entity (budgets/xlsx_guard.py).
        check_workbook_archive(data)
        return load_workbook(io.BytesIO(data))
    except UnsafeWorkbook as exc:
        raise ExcelImportError([str(exc)]) from None
    except ExcelImportError:
        raise
    except (zipfile.BadZipFile, InvalidFileException):
        raise ExcelImportError([unreadable]) from None
    except Exception:  # a broken or hostile file fails in many ways inside openpyxl
        raise ExcelImportError([unreadable]) from None


def parse_workbook(data: bytes | IO[bytes], budget: Budget) -> list[BudgetDraft]:
    """The drafts the workbook holds: the base budget first, then each scenario
    sheet. Raises ExcelImportError naming every problem by sheet and cell."""
    content = _read_bytes(data)
    workbook = _open(content)
    facts = budget_facts(budget)
    reader = _Reader(content, facts)

    identifier = workbook.properties.identifier or ""
    if identifier.startswith("finsam-budget:") and identifier != workbook_identifier(budget):
        _prefix, slug, year = (identifier.split(":") + ["", ""])[:3]
        raise ExcelImportError(
            [
                _(
                    "Filen är exporterad från budget %(year)s för %(slug)s, inte från den här budgeten."
                )
                % {"year": year, "slug": slug}
            ]
        )

    # The stale-file check cannot be skipped: a file that does not say which version
    # it was exported from could hold figures older than later saves.
    exported = (workbook.properties.version or "").strip()
    if not exported.isdigit():
        raise ExcelImportError(
            [
                _(
                    "Filen saknar uppgift om vilken version av budgeten den exporterades "
                    "från, så det går inte att se om någon har sparat budgeten efter. "
                    "Exportera en ny fil från budgeten och gör ändringarna i den."
                )
            ]
        )
    if int(exported) != budget.version:
        who = budget.updated_by.get_full_name() if budget.updated_by else ""
        raise ExcelImportError(
            [
                _(
                    "Budgeten har sparats igen sedan filen exporterades%(who)s. Exportera en ny "
                    "fil och gör ändringarna i den, så skrivs inget över i tysthet."
                )
                % {"who": f" (senast av {who})" if who else ""}
            ]
        )

    titles = dict(
        zip(
            sheet_titles(s.name for s in facts.scenarios),
            (s.name for s in facts.scenarios),
            strict=True,
        )
    )
    sheets: list[_Sheet] = []
    if BASE_SHEET not in workbook.sheetnames:
        reader.error(BASE_SHEET, _("bladet saknas"))
    for ws in workbook.worksheets:
        if ws.title == FINDINGS_SHEET:
            continue
        if ws.title != BASE_SHEET and ws.title not in titles:
            reader.error(
                sheet_ref(ws.title),
                _("okänt blad; bladen heter Budget, Kontroller och som budgetens scenarier"),
            )
            continue
        sheet = reader.read_sheet(ws, titles.get(ws.title))
        if sheet is not None:
            sheets.append(sheet)
    sheets.sort(key=lambda s: s.scenario is not None)  # the base first

    base = sheets[0] if sheets and sheets[0].scenario is None else None
    if base is not None:
        budget_column = f"{facts.year}:budget"
        if budget_column not in base.columns:
            reader.error(
                sheet_ref(base.title),
                _("kolumnen %(heading)s saknas; filen gäller en annan budget")
                % {"heading": column_heading(budget_column)},
            )
        for sheet in sheets[1:]:
            if sheet.columns != base.columns:
                reader.error(
                    sheet_ref(sheet.title),
                    _("kolumnerna ska vara desamma som på bladet Budget (%(columns)s)")
                    % {"columns": ", ".join(column_heading(c) for c in base.columns)},
                )
    if reader.errors:
        raise ExcelImportError(reader.errors)
    assert base is not None
    return [_base_draft(base, budget)] + [_scenario_draft(s, base, facts) for s in sheets[1:]]



def _base_draft(sheet: _Sheet, budget: Budget) -> BudgetDraft:
    return BudgetDraft(
        columns=list(sheet.columns),
        lines=[row.line for row in sheet.rows],
        opening_equity=budget.opening_equity
        if sheet.opening_equity is None
        else sheet.opening_equity,
        deficit_reason=budget.deficit_reason,
    )


def _scenario_draft(sheet: _Sheet, base: _Sheet, facts: BudgetFacts) -> BudgetDraft:
    """The scenario's effective lines, as the grid would post them.

    A cell that refers to the Budget sheet keeps the base budget's amount. A row
    whose line was deleted from the base and whose cells all refer to the base goes
    with it. Lines new in the Budget sheet are not on the scenario's sheet yet; the
    scenario takes them as they are, as it would had they been typed in the grid.
    """
    base_lines = {row.key: row.line for row in base.rows}
    stored_base = {line.key for line in facts.lines}
    lines: list[DraftLine] = []
    for row in sheet.rows:
        base_line = base_lines.get(row.key)
        if base_line is None and row.key in stored_base and not row.line.amounts and row.inherited:
            continue
        for code in row.inherited:
            if base_line is not None and code in base_line.amounts:
                row.line.amounts[code] = base_line.amounts[code]
        lines.append(row.line)
    shown = {row.key for row in sheet.rows}
    lines += [
        DraftLine(
            key=line.key,
            category=line.category,
            label=line.label,
            member=line.member,
            intervention=line.intervention,
            amounts=dict(line.amounts),
        )
        for key, line in base_lines.items()
        if key not in shown and key not in stored_base
    ]
    return BudgetDraft(
        columns=list(sheet.columns),
        lines=lines,
        opening_equity=facts.opening_equity,
        scenario=sheet.scenario,
        scenario_note=sheet.note,
    )


@transaction.atomic
def import_xlsx(
    *,
    budget: Budget,
    file: bytes | IO[bytes],
    by: AbstractBaseUser | None = None,
) -> Budget:
    """Import a workbook in the export's layout: all sheets or nothing.

    Every sheet is read and checked before anything is saved; then each is saved
    with `budget_save`, the base budget first. Anything refused later rolls back
    the sheets saved before it, since it all happens in this one transaction.
    """
    drafts = parse_workbook(file, budget)
    names = list(budget.scenarios.values_list("name", flat=True))
    titles = dict(zip(names, sheet_titles(names), strict=True))
    for draft in drafts:
        where = BASE_SHEET if draft.scenario is None else sheet_ref(titles[draft.scenario])
        try:
            budget_save(budget=budget, draft=draft, expected_version=budget.version, by=by)
            if draft.scenario is not None and draft.scenario_note is not None:
                scenario = budget.scenarios.get(name=draft.scenario)
                if scenario.note != draft.scenario_note:
                    scenario.note = draft.scenario_note
                    scenario.full_clean()
                    scenario.save(update_fields=["note"])
        except PlanFrozen:
            raise  # the 409 page (plans/middleware.py), as for every frozen write
        except ValidationError as exc:
            raise ExcelImportError([f"{where}: {message}" for message in exc.messages]) from exc
        except DatabaseError as exc:
            raise ExcelImportError(
                [f"{where}: " + _("databasen godtog inte bladet (%(error)s)") % {"error": exc}]
            ) from exc
    return budget
