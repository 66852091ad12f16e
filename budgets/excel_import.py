"""The budget's Excel workbook read back (budgets/excel.py writes it): one
`BudgetDraft` per sheet, the same draft the grid editor builds, saved with
`budget_save`, so a change made in the file gives the same figures as the same
change typed in the grid. Only line rows are read (key, post, category, member or
insats, amounts) and, on the Budget sheet, the opening equity; formula rows are
computed, not read. All or nothing: any error in any sheet stops the import before
anything is saved."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from budgets.editing import BudgetDraft, DraftLine
from budgets.excel import (
    BASE_SHEET,
    CATEGORY,
    CATEGORY_BY_NAME,
    CATEGORY_LABELS,
    FINDINGS_SHEET,
    FIRST_AMOUNT,
    HEADER_SEARCH_ROWS,
    IB_LABEL,
    KEY,
    LABEL,
    MAX_NOTE_LENGTH,
    MAX_ROWS,
    META_HEADINGS,
    NOTE_HEADING,
    PARTY,
    SCENARIO_NOTE_LABEL,
    sheet_ref,
    sheet_titles,
    workbook_identifier,
)
from budgets.models import Budget
from budgets.rules import (
    CONTRIBUTION,
    INTERVENTION,
    BudgetFacts,
    column_label,
    parse_column_label,
    planning_columns,
)
from budgets.selectors import FIGURE_ROWS, budget_facts
from budgets.services import budget_save
from budgets.xlsx_guard import UnsafeWorkbook, check_workbook_archive
from finsam.money import parse_amount, parse_typed_amount, too_large, whole_ore
from finsam.text import is_whole_number
from plans.freeze import PlanFrozen

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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
            code = parse_column_label(text)
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
        amount = parse_typed_amount(value)
    else:
        raise ValueError(_("inte ett tal"))
    if too_large(amount):
        raise ValueError(_("beloppet är för stort"))
    if not whole_ore(amount):
        raise ValueError(_("fler än två decimaler"))
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
    if not is_whole_number(exported):
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
                % {"heading": column_label(budget_column)},
            )
        for sheet in sheets[1:]:
            if sheet.columns != base.columns:
                reader.error(
                    sheet_ref(sheet.title),
                    _("kolumnerna ska vara desamma som på bladet Budget (%(columns)s)")
                    % {"columns": ", ".join(column_label(c) for c in base.columns)},
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
