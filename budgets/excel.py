"""The budget as an Excel workbook (budgets/excel_import.py reads it back).

One sheet per budget ("Budget" for the base budget, then one per scenario) and a
sheet "Kontroller" with every finding. Amounts are numbers with a number format,
never strings; subtotals, result, equity, the equity cap and the shares are live
formulas, so a board member can try a change in Excel and see its effect.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from budgets.models import Budget, Category
from budgets.rules import (
    ADMINISTRATION,
    CONTRIBUTION,
    COST_CATEGORIES,
    GROUP_NAMES,
    GROUP_OF_KIND,
    INTERVENTION,
    OTHER_INCOME,
    column_label,
)
from budgets.selectors import FIGURE_ROWS, BudgetSummary, BudgetView, budget_summary
from budgets.xlsx_formulas import Value, formula_values
from finsam.money import HUNDRED, whole_if_integral

if TYPE_CHECKING:
    pass

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


# --- names and headings ---------------------------------------------------------------
# A column's heading is its label (budgets.rules.column_label: "Budget 2021"), and
# the import reads it back with budgets.rules.parse_column_label.


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
    workbook = budget_workbook(budget_summary(budget))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return with_formula_values(buffer.getvalue(), workbook)


# A formula cell as openpyxl writes it, its value empty: <v /> (with the standard
# library's XML writer) or <v></v> (with lxml's).
FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+[0-9]+)"(?P<attrs>[^>]*)><f>(?P<f>[^<]*)</f>(?:<v\s*/>|<v></v>)'
)


def with_formula_values(data: bytes, workbook: Workbook) -> bytes:
    """The saved workbook with each formula's value beside it (openpyxl writes formulas
    without one): a mail preview, a phone or a reader that does not calculate shows the
    subtotals, results and equity. Excel and LibreOffice calculate again on opening
    (openpyxl's fullCalcOnLoad), so the formulas stay what counts."""
    values = formula_values(workbook)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if match:
                title = workbook.worksheets[int(match.group(1)) - 1].title
                content = _fill_values(content.decode("utf-8"), title, values).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def _fill_values(xml: str, title: str, values: dict[tuple[str, str], Value]) -> str:
    def fill(match: re.Match[str]) -> str:
        value = values.get((title, match.group("ref")))
        attrs = re.sub(r'\st="[^"]*"', "", match.group("attrs"))
        head = f'<c r="{match.group("ref")}"{attrs}'
        if isinstance(value, Decimal):
            # The Decimal as written, never through a float: "2592000", "0.5".
            return f"{head}><f>{match.group('f')}</f><v>{value.normalize():f}</v>"
        if isinstance(value, str):
            return f'{head} t="str"><f>{match.group("f")}</f><v>{xml_escape(value)}</v>'
        return match.group(0)

    return FORMULA_CELL.sub(fill, xml)


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
    return whole_if_integral(value)


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
            _text(cell, column_label(code), BOLD)
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
                # From the block's heading to the row above this one, whichever it is
                # after rows are inserted (directly above this one included).
                cell.value = f"=SUM({letter}{first}:INDEX({letter}:{letter},ROW()-1))"
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

        # A block's range runs from its heading to its "Summa" row, so that a row
        # inserted anywhere in it counts (neither has a funder or a share).
        def funding_group(name: str) -> str:
            first, _last, end = self.blocks[CONTRIBUTION]
            return share_of_contributions(
                f'SUMIF($E${first}:$E${end},"{name}",{L}{first}:{L}{end})'
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
            first, _last, end = self.blocks[INTERVENTION]
            amounts, individual = f"{L}{first}:{L}{end}", f"$F${first}:$F${end}"
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
