"""Paste your own table: a förbund's budget table, as Excel or Word copy it (issue 15, 4).

A förbund moving from Word and Excel has last year's budget as a table in its own
file. This module reads such a table and checks it (its plain data is in
budgets/table_data.py, the reading of a cell, a row's words, a heading and a name in
budgets/table_text.py). It is pure: text in, plain data out, no database. The names of the förbund's members and interventions come in as
plain lists of strings (the caller fetches them: `budgets.table_import.table_names`).

API
---
``parse_table(text, *, year, members=(), interventions=()) -> PastedTable``
    `text` is tab-separated rows (what a copy from Excel or Word gives); `year` is
    the plan year the table is meant for (the table's own headers carry the years
    of its columns); `members` and `interventions` are names to match lines to.
    Raises `TableError` on bad input: `.problems` is a tuple of `Problem(row,
    column, message)`, every one in Swedish and naming its row (1 = the first line
    of the text) and column (1 = the first cell), and `str(error)` lists them all.

``PastedTable`` (frozen; everything the preview shows is on it)
    - `unit` ("kr", "tkr" or "Mkr"), `sign_convention` (None, "income_negative" or
      "costs_negative": the accounting signs the table was printed in);
    - `columns`: `TableColumn(index, header, year, kind, unit)`, `.code` "2021:budget";
    - `lines`: `TableLine(row, label, category, member, intervention, amounts, ...)`
      with the proposed category (a `budgets.rules` category), the matched member
      or intervention *name* (or None), the amounts in kronor by column code, with
      income and costs both positive whatever signs the table used;
    - `printed_totals`: `PrintedTotal(row, label, column, printed, computed,
      matches)` for every printed Summa, Totalt, Resultat and UB cell, in the
      table's own signs, with `.message` ("Summa kostnader 2020: tryckt
      2 252 000 kr, raderna ger 2 270 000 kr") and `mismatches` for those that
      do not add up;
    - `opening_equity` (kronor, from the IB rows, or None) and `opening_equity_row`;
    - `skipped`: `SkippedRow(row, label, reason)`, the rows that are not lines
      (headings, percentage rows, rows under the result); `warnings`: Swedish
      sentences about what was read in a way the user should know;
    - `planning_columns`, `totals()` (income, costs and result per planning column);
    - `as_dict(member_keys=None, intervention_keys=None)`: the `import_budget_table
      --json` document (see there), and the preview's data as plain values;
    - `with_choices({row: LineChoice(category, member, intervention)})`: the
      table with the user's confirmed categories and links (the preview's "save");
      raises TableError naming the row when a choice does not fit;
    - `draft(member_keys=..., intervention_keys=..., opening_equity=...,
      deficit_reason=...)`: the `budgets.editing.BudgetDraft` that `budget_save`
      stores (member and intervention names mapped to keys by the caller).

How a table is read
-------------------
- The header row is the first row with column headings in its cells after the
  first: a year and a kind, e.g. "Budget 2021", "Plan 2022", "Prognos 2020",
  "Förväntat utfall 2019", "Utfall 2019", "Budget 2018 Preliminärt förslag". A
  budget, plan or prognos of a year after the plan year is a `plan` column (a later
  year of the multi-year plan, as the seeds print "Budget 2021" or "prognos för
  2021" for it). A "Not" column holds notes; cells before the first amount column
  make up the label (an account number and a name, say). A repeated header row
  (a table over two pages) starts a section.
- Units: "tkr" or "Mkr" in a heading or in the title rows above the header scale
  a column or the table; a cell can carry its own ("8 000 tkr", "1 296 000 kr").
- Amounts are written as people write them: "1 296 000", "-1 296 000 kr",
  "1 296 000:-", "1.296.000", "12,5" (ASCII digits only), "–" or blank for
  nothing, footnote marks after them ("310 000 ²"). "(545 000)" is negative, unless
  the table also has cells like "770 000 (1 160 000)": then brackets hold an
  alternative (Sundbyberg's "om ESF beviljas"), which is not read and is named.
- Rows without amounts are section headings (Intäkter, Kostnader, Kansli,
  Insatser) or footnotes; rows with a percentage are skipped.
- "Summa …" and "Totalt" rows are printed subtotals, checked against the rows
  above them in their section, or in their side for "Summa intäkter", "Summa
  kostnader", "Totalt". A Summa row with no lines above it in its section is the
  line itself. "Resultat"/"Avvikelse" rows are checked against income − costs;
  rows under the result are the equity part (IB, its changes, UB, the cap).
- IB rows ("Överskott från föregående år", "Balanserat resultat", "Eget kapital,
  ingående balans (IB)") give the opening equity of the plan year's budget column;
  carried surplus is equity, never a line (shared/spec/bundle.md).
- Accounting signs (income printed negative, as Kramfors does; or costs negative)
  are recognised from the sums of each side and normalised.
- Printed totals in tkr or Mkr are rounded; they match when within the rounding of
  the figures they add up. In kronor they must match to the krona.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from budgets.rules import (
    ADMINISTRATION,
    CONTRIBUTION,
    INTERVENTION,
    OTHER_COST,
    OTHER_INCOME,
    column_code,
)
from budgets.table_data import (
    BUDGET,
    COSTS,
    COSTS_NEGATIVE,
    INCOME,
    INCOME_NEGATIVE,
    KIND_LABELS,
    MAX_COLUMNS,
    MAX_LABEL,
    MAX_NOTE,
    MAX_ROWS,
    MAX_TEXT,
    UNITS,
    ZERO,
    PastedTable,
    PrintedTotal,
    Problem,
    SkippedRow,
    TableColumn,
    TableError,
    TableLine,
)
from budgets.table_text import (
    ACCOUNT_HEADINGS,
    ADMIN_SECTION,
    ADMIN_STEMS,
    ADMIN_WORDS,
    CONTRIBUTION_STEMS,
    COST_WORDS,
    FOOTNOTE_MARK,
    HAS_ALTERNATIVE,
    INCOME_STEMS,
    INCOME_WORDS,
    INTERVENTION_SECTION,
    INTERVENTION_STEMS,
    INTERVENTION_WORDS,
    OTHER_COST_STEMS,
    SPACES,
    YEAR,
    Cell,
    NameIndex,
    _clean_label,
    _contains,
    _has,
    _Heading,
    _heading_text,
    _side_of,
    _summa_rest,
    _unit_scale,
    _words,
    classify_row,
    read_cell,
    read_heading,
)
from finsam.money import format_kr

# --- the table ----------------------------------------------------------------------------


@dataclass
class _Entry:
    """A row with amounts that counts in the sums: a line, or an IB row."""

    row: int
    label: str
    kind: str  # line, ib
    side: str | None
    cells: dict[str, Cell]
    heading: str = ""  # the section heading above it
    group_label: str = ""  # the Summa row that closes its group
    note: str = ""
    from_summa: bool = False
    account: str = ""

    def value(self, code: str) -> Decimal:
        cell = self.cells.get(code)
        return cell.value if cell is not None and cell.value is not None else ZERO


@dataclass
class _Check:
    row: int
    label: str
    kind: str  # subtotal, result, closing_equity
    cells: dict[str, Cell]
    scope: list[int]  # entry indices


def _records(text: str) -> list[list[str]]:
    """The rows and cells of tab-separated text. Excel quotes a cell with a line break
    or a tab in it; a stray quote in a Word table must not swallow the rows after it."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quotechar='"', strict=False))
    if any("\t" in cell for row in rows for cell in row):
        rows = [line.split("\t") for line in text.split("\n")]
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def _blank(cells: Sequence[str]) -> bool:
    return not any(SPACES.sub("", c) for c in cells)


@dataclass
class _Sections:
    """Where a row stands: its side, its section heading, the rows a Summa adds up."""

    side: str | None = None
    heading: str = ""
    headings: list[tuple[str, int]] = field(default_factory=list)  # (heading, entries before)
    group_start: int = 0  # entries after the last heading or subtotal
    open_heading: str = ""  # a heading with nothing under it yet
    costs_started: bool = False

    def start(self, name: str, position: int) -> None:
        self.heading = self.open_heading = name
        self.group_start = position
        self.headings.append((name, position))
        self.side = _side_of(_words(name)) or self.side
        self.costs_started = self.costs_started or self.side == COSTS


class _Reader:
    def __init__(self, text: str, year: int, members: Sequence[str], interventions: Sequence[str]):
        self.year = year
        self.members = tuple(dict.fromkeys(n.strip() for n in members if n and n.strip()))
        self.interventions = tuple(
            dict.fromkeys(n.strip() for n in interventions if n and n.strip())
        )
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.skipped: list[SkippedRow] = []
        self.records = _records(text)
        self.columns: list[TableColumn] = []
        self.note_index: int | None = None
        self.account_index: int | None = None  # a "Konto" column before the label
        self.ignored: set[int] = set()  # columns with a heading that is not a year
        self.label_end = 1
        self.header_row = 0
        self.unit: tuple[str, Decimal] | None = None
        self.entries: list[_Entry] = []
        self.checks: list[_Check] = []
        self.equity: list[tuple[str, int, dict[str, Cell]]] = []  # (ib|change|ub, row, cells)
        self.alternatives: dict[int, dict[str, Decimal]] = {}

    def problem(self, row: int, column: int, message: str) -> None:
        header = next((c.header for c in self.columns if c.index == column - 1), "")
        self.problems.append(Problem(row, column, message, header))

    # -- header --

    def read_header(self) -> bool:
        for index, cells in enumerate(self.records):
            row = index + 1
            if _blank(cells):
                continue
            headings = [read_heading(c, year=self.year) for c in cells]
            # Headings after the first cell (a row of bare years counts), and no amounts.
            is_header = any(h.kind in ("amount", "problem") for h in headings[1:]) and (
                not self._has_amounts(cells[1:])
            )
            if not is_header:
                if self._has_amounts(cells[1:]):
                    self.problem(
                        row,
                        1 + next(i for i, c in enumerate(cells[1:], 1) if self._has_amounts([c])),
                        _(
                            "tabellen saknar rubrikrad: raden har belopp, men ingen rad före den "
                            "har kolumnrubriker med år (t.ex. Budget 2021, Plan 2022, Prognos 2020)"
                        ),
                    )
                    return False
                for cell in cells:
                    self.unit = self.unit or _unit_scale(cell)
                continue
            self.header_row = row
            return self._columns(row, cells, headings)
        self.problem(
            0,
            0,
            _(
                "tabellen saknar rubrikrad: ingen rad har kolumnrubriker med år (t.ex. "
                "Budget 2021, Plan 2022, Prognos 2020, Utfall 2019)"
            ),
        )
        return False

    def _has_amounts(self, cells: Sequence[str]) -> bool:
        for cell in cells:
            if not YEAR.search(cell) and re.search("[0-9]", cell):
                try:
                    if read_cell(cell, alternatives=True).value is not None:
                        return True
                except ValueError:
                    continue
        return False

    def _columns(self, row: int, cells: Sequence[str], headings: Sequence[_Heading]) -> bool:
        first = next(i for i, h in enumerate(headings) if i > 0 and h.kind in ("amount", "problem"))
        self.label_end = first
        self.account_index = next(
            (
                i
                for i in range(first)
                if _words(cells[i])[:1]
                and _words(cells[i])[0] in ACCOUNT_HEADINGS
                and len(_words(cells[i])) == 1
            ),
            None,
        )
        for i in range(first):
            self.unit = self.unit or _unit_scale(cells[i])
        seen: dict[str, int] = {}
        for i, heading in enumerate(headings):
            if i < first:
                continue
            column = i + 1
            text = SPACES.sub(" ", cells[i]).strip()
            if heading.kind == "problem":
                self.problem(row, column, heading.problem)
            elif heading.kind == "note":
                self.note_index = i
            elif heading.kind == "amount":
                unit = heading.unit or self.unit
                code = column_code(heading.year, heading.column_kind)
                if code in seen:
                    self.problem(
                        row,
                        column,
                        _("kolumnen %(heading)s finns redan (kolumn %(other)s)")
                        % {
                            "heading": f"{KIND_LABELS[heading.column_kind]} {heading.year}",
                            "other": seen[code],
                        },
                    )
                    continue
                seen[code] = column
                self.columns.append(
                    TableColumn(
                        index=i,
                        header=text,
                        year=heading.year,
                        kind=heading.column_kind,
                        unit=unit[0] if unit else "kr",
                    )
                )
            elif heading.kind in ("unknown", "label"):
                self.unit = self.unit or heading.unit
                self.ignored.add(i)
                if any(len(r) > i and SPACES.sub("", r[i]) for r in self.records[row:]):
                    self.warnings.append(
                        _("Kolumn %(column)s (»%(text)s«) har inget år och läses inte.")
                        % {"column": column, "text": text}
                    )
        if self.unit:
            self.columns = [
                c
                if c.unit != "kr" or self._named_kr(cells[c.index])
                else replace(c, unit=self.unit[0])
                for c in self.columns
            ]
        if len(self.columns) > MAX_COLUMNS:
            self.problem(row, 0, _("tabellen har fler än %(n)s kolumner") % {"n": MAX_COLUMNS})
        return not self.problems

    @staticmethod
    def _named_kr(text: str) -> bool:
        found = _unit_scale(text)
        return found is not None and found[0] == "kr"

    # -- rows --

    def read_rows(self) -> None:
        self.alternative_mode = any(
            HAS_ALTERNATIVE.search(r[c.index])
            for r in self.records[self.header_row :]
            for c in self.columns
            if len(r) > c.index
        )
        sec = _Sections()
        header_cells = self.records[self.header_row - 1]
        name = _heading_text(" ".join(c for c in header_cells[: self.label_end] if c.strip()))
        if name and _side_of(_words(name)):
            # "Intäkter  Budget 2019  …": the header row's first cell starts a section.
            sec.start(name, 0)
        after_result = False
        first_header = {c.index: c for c in self.columns}
        read = {c.index for c in self.columns} | self.ignored | {self.note_index}

        for index in range(self.header_row, len(self.records)):
            cells = self.records[index]
            row = index + 1
            if _blank(cells):
                continue
            account = ""
            if self.account_index is not None and len(cells) > self.account_index:
                account = cells[self.account_index].strip()
            label_raw = (
                " ".join(
                    c.strip()
                    for i, c in enumerate(cells[: self.label_end])
                    if c.strip() and i != self.account_index
                )
                or account
            )
            label = _clean_label(label_raw)

            # A repeated header row (a table over two pages) starts a section.
            headings_here = [
                read_heading(text, year=self.year)
                if YEAR.search(text)
                else _Heading("unknown" if SPACES.sub("", text) else "empty")
                for text in (cells[c.index] if len(cells) > c.index else "" for c in self.columns)
            ]
            if any(h.kind == "amount" and h.named for h in headings_here) and all(
                h.kind in ("amount", "empty") for h in headings_here
            ):
                for column, h in zip(self.columns, headings_here, strict=True):
                    if h.kind == "amount" and column_code(h.year, h.column_kind) != column.code:
                        text = SPACES.sub(" ", cells[column.index]).strip()
                        if h.year != column.year:
                            self.problem(
                                row,
                                column.index + 1,
                                _(
                                    "rubriken »%(text)s« ska vara samma år som »%(first)s« på rad "
                                    "%(row)s"
                                )
                                % {"text": text, "first": column.header, "row": self.header_row},
                            )
                        else:
                            self.warnings.append(
                                _(
                                    "Rad %(row)s, kolumn %(column)s: rubriken »%(text)s« skiljer "
                                    "sig från »%(first)s« på rad %(header)s; kolumnen läses som "
                                    "%(heading)s."
                                )
                                % {
                                    "row": row,
                                    "column": column.index + 1,
                                    "text": text,
                                    "first": column.header,
                                    "header": self.header_row,
                                    "heading": first_header[column.index].heading,
                                }
                            )
                name = _heading_text(label_raw)
                if name:
                    sec.start(name, len(self.entries))
                self.skipped.append(SkippedRow(row, label_raw, _("upprepad rubrikrad")))
                continue

            for i in range(self.label_end, len(cells)):
                if i not in read and SPACES.sub("", cells[i]):
                    self.problem(
                        row,
                        i + 1,
                        _("cellen har ingen kolumnrubrik på rad %(row)s")
                        % {"row": self.header_row},
                    )
            note = ""
            if self.note_index is not None and len(cells) > self.note_index:
                note = SPACES.sub(" ", cells[self.note_index]).strip()
                if FOOTNOTE_MARK.fullmatch(note):
                    note = ""  # "a)": a mark for a footnote under the table
                elif len(note) > MAX_NOTE:
                    self.problem(
                        row,
                        self.note_index + 1,
                        _("noteringen är längre än %(n)s tecken") % {"n": MAX_NOTE},
                    )

            values: dict[str, Cell] = {}
            bad = False
            for column in self.columns:
                text = cells[column.index] if len(cells) > column.index else ""
                try:
                    cell = read_cell(
                        text, scale=UNITS[column.unit], alternatives=self.alternative_mode
                    )
                except ValueError as exc:
                    self.problem(row, column.index + 1, str(exc))
                    bad = True
                    continue
                if cell.value is not None or cell.alternative is not None or cell.percent:
                    values[column.code] = cell
            if bad:
                continue
            words = _words(label)

            if any(c.percent for c in values.values()) or "%" in label or "procent" in words:
                self.skipped.append(SkippedRow(row, label_raw, _("procentrad")))
                continue
            alternatives = {
                code: c.alternative for code, c in values.items() if c.alternative is not None
            }
            values = {code: c for code, c in values.items() if c.value is not None}
            if not values:
                if alternatives:
                    self.alternatives[row] = alternatives
                    self._alternative_warning(row, label or label_raw, alternatives)
                if (
                    not label
                    or FOOTNOTE_MARK.match(label_raw)
                    or re.match(r"^[⁰¹²³⁴⁵⁶⁷⁸⁹*]", label_raw)
                    or not re.search(r"[^\W\d_]", label)
                ):
                    self.skipped.append(SkippedRow(row, label_raw, _("fotnot eller sidnummer")))
                    continue
                sec.start(_heading_text(label_raw), len(self.entries))
                self.skipped.append(SkippedRow(row, label_raw, _("avsnittsrubrik")))
                continue
            if alternatives:
                self.alternatives[row] = alternatives
                self._alternative_warning(row, label, alternatives)
            if not label:
                self.problem(row, 1, _("raden har belopp men ingen benämning"))
                continue
            if len(label) > MAX_LABEL:
                self.problem(row, 1, _("benämningen är längre än %(n)s tecken") % {"n": MAX_LABEL})
                continue

            kind = classify_row(label, costs_started=sec.costs_started, after_result=after_result)
            if after_result:
                if kind == "ib":
                    self.equity.append(("ib", row, values))
                elif kind == "ub":
                    self.equity.append(("ub", row, values))
                    self.checks.append(_Check(row, label, "closing_equity", values, []))
                elif kind == "line" and self.equity and self.equity[-1][0] in ("ib", "change"):
                    self.equity.append(("change", row, values))  # e.g. "Prognos 2023"
                else:
                    self.skipped.append(SkippedRow(row, label_raw, _("står under resultatet")))
                continue
            if kind == "ub":
                after_result = True
                self.equity.append(("ub", row, values))
                self.checks.append(_Check(row, label, "closing_equity", values, []))
                continue
            if kind == "ib":
                self.entries.append(
                    _Entry(row, label, "ib", INCOME, values, sec.heading, note=note)
                )
                continue
            if kind == "result":
                after_result = True
                self.checks.append(_Check(row, label, "result", values, []))
                continue
            if kind == "summa":
                self._summa(sec, row, label, values, note)
                continue
            sec.open_heading = ""
            self.entries.append(
                _Entry(
                    row, label, "line", sec.side, values, sec.heading, note=note, account=account
                )
            )
            sec.costs_started = sec.costs_started or sec.side == COSTS

    def _summa(
        self, sec: _Sections, row: int, label: str, values: dict[str, Cell], note: str
    ) -> None:
        """A Summa or Totalt row: a printed subtotal to check, or, with no lines above
        it in its section, the section's one line."""
        rest = _summa_rest(label)
        side_total = set(rest) <= set(INCOME_WORDS) | set(COST_WORDS) | {"och"}
        total_side = (
            INCOME
            if set(rest) & set(INCOME_WORDS)
            else COSTS
            if set(rest) & set(COST_WORDS)
            else sec.side
        )
        if side_total:
            # "Summa intäkter", "Summa kostnader totalt", "Totalt": the whole side.
            for entry in self.entries:
                if entry.side is None:
                    entry.side = total_side
            scope = [
                i for i, e in enumerate(self.entries) if total_side is None or e.side == total_side
            ]
        else:
            # "Summa personalkostnader": since its heading, or the last heading or Summa.
            named = " ".join(rest)
            start = next(
                (
                    position
                    for name, position in reversed(sec.headings)
                    if " ".join(_words(name)) == named
                ),
                sec.group_start,
            )
            scope = list(range(start, len(self.entries)))
            for i in scope:
                self.entries[i].group_label = self.entries[i].group_label or label
        if any(self.entries[i].kind == "line" for i in scope):
            self.checks.append(_Check(row, label, "subtotal", values, scope))
        else:
            line_label = sec.open_heading or " ".join(label.split()[1:]).strip() or label
            self.entries.append(
                _Entry(
                    row,
                    line_label[:1].upper() + line_label[1:],
                    "line",
                    total_side if side_total else sec.side,
                    values,
                    sec.heading,
                    group_label=label,
                    note=note,
                    from_summa=True,
                )
            )
        if side_total and total_side == INCOME:
            sec.side = COSTS  # after the income total come the costs
        sec.costs_started = sec.costs_started or total_side == COSTS
        sec.group_start, sec.open_heading = len(self.entries), ""

    def _alternative_warning(
        self, row: int, label: str, alternatives: Mapping[str, Decimal]
    ) -> None:
        by_code = {c.code: c for c in self.columns}
        listed = ", ".join(
            f"{format_kr(amount)} ({by_code[code].heading})"
            for code, amount in alternatives.items()
        )
        self.warnings.append(
            _(
                "Rad %(row)s (%(label)s): beloppen inom parentes är ett alternativ och läses inte "
                "(%(amounts)s); lägg dem i ett scenario."
            )
            % {"row": row, "label": label, "amounts": listed}
        )


# --- categories -----------------------------------------------------------------------------


def _propose(
    entry: _Entry, members: NameIndex, interventions: NameIndex
) -> tuple[str, str | None, str | None, str, list[str]]:
    """(category, member, intervention, basis, names it could equally be)."""
    words = _words(entry.label)
    if entry.side == INCOME:
        member, tied = members.match(entry.label)
        if member is not None:
            return CONTRIBUTION, member, None, _("medlem: %(name)s") % {"name": member}, []
        return OTHER_INCOME, None, None, _("intäkt utan medlem"), tied
    intervention, tied = interventions.match(entry.label)
    if intervention is not None:
        return INTERVENTION, None, intervention, _("insats: %(name)s") % {"name": intervention}, []
    if _has(words, OTHER_COST_STEMS):
        return OTHER_COST, None, None, _("nyckelord"), tied
    if (
        _contains(words, ("insats",))
        or any(w in INTERVENTION_WORDS for w in words)
        or _has(words, INTERVENTION_STEMS)
    ):
        return INTERVENTION, None, None, _("nyckelord"), tied
    if _has(words, ADMIN_STEMS) or any(w in ADMIN_WORDS for w in words):
        return ADMINISTRATION, None, None, _("nyckelord"), tied
    for context in (entry.group_label, entry.heading):
        context_words = _words(context)
        if _has(context_words, ADMIN_SECTION):
            return ADMINISTRATION, None, None, _("avsnitt: %(name)s") % {"name": context}, tied
        if _contains(context_words, INTERVENTION_SECTION):
            return INTERVENTION, None, None, _("avsnitt: %(name)s") % {"name": context}, tied
    return OTHER_COST, None, None, _("övrig kostnad"), tied


def _guess_side(entry: _Entry, members: NameIndex) -> str:
    if members.match(entry.label)[0] is not None:
        return INCOME
    words = _words(entry.label)
    if _has(words, INCOME_STEMS) or _contains(words, ("intäkt",)):
        return INCOME
    return COSTS


def _sign_convention(entries: Sequence[_Entry], codes: Sequence[str]) -> str | None:
    """Accounting signs: income printed negative (debit/credit, as in SIE files and
    Kramfors' table) or costs printed negative, seen from the sums of each side."""

    def total(side: str) -> Decimal:
        return sum(
            (e.value(c) for e in entries if e.kind == "line" and e.side == side for c in codes),
            ZERO,
        )

    income, costs = total(INCOME), total(COSTS)
    if income < 0 and costs > 0:
        return INCOME_NEGATIVE
    if costs < 0 and income > 0:
        return COSTS_NEGATIVE
    return None


def _factor(side: str | None, convention: str | None) -> int:
    if convention == INCOME_NEGATIVE and side == INCOME:
        return -1
    if convention == COSTS_NEGATIVE and side == COSTS:
        return -1
    return 1


def parse_table(
    text: str,
    *,
    year: int,
    members: Sequence[str] = (),
    interventions: Sequence[str] = (),
) -> PastedTable:
    """Read a pasted budget table for the plan year `year` (see the module's docstring)."""
    if len(text) > MAX_TEXT:
        raise TableError([Problem(0, 0, _("texten är för lång (högst 2 000 000 tecken)"))])
    reader = _Reader(text, year, members, interventions)
    if len(reader.records) > MAX_ROWS:
        raise TableError([Problem(0, 0, _("tabellen har fler än %(n)s rader") % {"n": MAX_ROWS})])
    if not reader.read_header():
        raise TableError(reader.problems)
    reader.read_rows()
    if reader.problems:
        raise TableError(reader.problems)

    columns = reader.columns
    codes = [c.code for c in columns]
    entries = reader.entries
    members = NameIndex(reader.members, aliases=True)
    interventions = NameIndex(reader.interventions)
    for entry in entries:
        if entry.side is None:
            entry.side = _guess_side(entry, members)
    convention = _sign_convention(entries, codes)
    warnings = list(reader.warnings)
    if convention == INCOME_NEGATIVE:
        warnings.append(
            _(
                "Intäkterna står med minustecken (bokföringens tecken); de läses som "
                "positiva belopp."
            )
        )
    elif convention == COSTS_NEGATIVE:
        warnings.append(_("Kostnaderna står med minustecken; de läses som positiva belopp."))

    lines = []
    for entry in entries:
        if entry.kind != "line":
            continue
        category, member, intervention, basis, tied = _propose(entry, members, interventions)
        if tied:
            warnings.append(
                _("Rad %(row)s (%(label)s) kan gälla flera: %(names)s; välj i förhandsvisningen.")
                % {"row": entry.row, "label": entry.label, "names": ", ".join(tied)}
            )
        elif (
            entry.side == INCOME
            and category == OTHER_INCOME
            and _has(_words(entry.label), CONTRIBUTION_STEMS)
        ):
            warnings.append(
                _(
                    "Rad %(row)s (%(label)s) ser ut som medlemsbidrag, men ingen medlem heter så; "
                    "den föreslås som övriga intäkter."
                )
                % {"row": entry.row, "label": entry.label}
            )
        factor = _factor(entry.side, convention)
        lines.append(
            TableLine(
                row=entry.row,
                label=entry.label,
                category=category,
                amounts={
                    code: entry.value(code) * factor + ZERO for code in codes if code in entry.cells
                },
                side=entry.side or COSTS,
                section=entry.heading or _summa_name(entry.group_label),
                member=member,
                intervention=intervention,
                basis=basis,
                note=entry.note,
                alternatives={
                    code: a * factor for code, a in reader.alternatives.get(entry.row, {}).items()
                },
                from_summa=entry.from_summa,
                account=entry.account,
            )
        )

    opening, opening_row = _opening_equity(reader, entries, convention, warnings)
    printed = _printed_totals(reader, entries, convention)
    skipped = list(reader.skipped)
    if not reader.columns:
        raise TableError([Problem(reader.header_row, 0, _("tabellen har inga beloppskolumner"))])
    if column_code(year, BUDGET) not in codes:
        warnings.append(
            _("Tabellen har ingen kolumn Budget %(year)s; planårets budget kommer inte ur den.")
            % {"year": year}
        )
    return PastedTable(
        year=year,
        unit=_table_unit(reader),
        columns=tuple(columns),
        lines=tuple(lines),
        printed_totals=tuple(printed),
        opening_equity=opening,
        opening_equity_row=opening_row,
        sign_convention=convention,
        skipped=tuple(skipped),
        warnings=tuple(warnings),
        members=reader.members,
        interventions=reader.interventions,
    )


def _summa_name(label: str) -> str:
    """ "Summa personalkostnader" → "Personalkostnader": a section known by its Summa."""
    name = re.sub(r"^\s*(summa|totalt?a?)\s+", "", label, flags=re.IGNORECASE).strip()
    return name[:1].upper() + name[1:] if label else ""


def _table_unit(reader: _Reader) -> str:
    if reader.unit:
        return reader.unit[0]
    units = [c.unit for c in reader.columns]
    return max(dict.fromkeys(units), key=units.count) if units else "kr"


def _opening_equity(
    reader: _Reader, entries: Sequence[_Entry], convention: str | None, warnings: list[str]
) -> tuple[Decimal | None, int | None]:
    """The plan year's opening equity: the IB rows' amount in its budget column, with
    the changes printed between IB and UB under the result (Burlöv-Kävlinge-
    Staffanstorp-Vellinge: "IB 2023" plus "Prognos 2023")."""
    code = column_code(reader.year, BUDGET)
    factor = _factor(INCOME, convention)
    rows = [(e.row, e.cells) for e in entries if e.kind == "ib"]
    rows += [(row, cells) for kind, row, cells in reader.equity if kind == "ib"]
    if not rows:
        return None, None
    if len(rows) > 1:
        warnings.append(
            _(
                "Tabellen har flera rader med ingående eget kapital (rad %(rows)s); rad %(first)s "
                "används."
            )
            % {"rows": ", ".join(str(r) for r, _c in rows), "first": rows[0][0]}
        )
    row, cells = rows[0]
    if code not in [c.code for c in reader.columns]:
        return None, row
    cell = cells.get(code)
    opening = (cell.value if cell is not None and cell.value is not None else ZERO) * factor
    started = False
    for kind, change_row, change_cells in reader.equity:
        if change_row == row:
            started = True
        elif started and kind == "change":
            change = change_cells.get(code)
            if change is not None and change.value is not None:
                opening += change.value * factor
        elif started and kind == "ub":
            break
    return opening, row


def _printed_totals(
    reader: _Reader, entries: Sequence[_Entry], convention: str | None
) -> list[PrintedTotal]:
    """Every printed Summa, result and UB cell against what the rows give, in the
    table's own signs. A printed total may count the carried equity (IB) shown as
    income or not; either matches (Södra Vätterbygden's "Summa intäkter" does)."""
    result: list[PrintedTotal] = []
    first_result = min((c.row for c in reader.checks if c.kind == "result"), default=None)
    for check in reader.checks:
        equity = [
            cells
            for kind, row, cells in reader.equity
            if kind in ("ib", "change") and row < check.row
        ]
        if check.kind == "subtotal":
            used = [entries[i] for i in check.scope]
        elif check.kind == "closing_equity" and equity:
            # IB and its changes under the result, plus the result of the lines above it.
            used = [
                e
                for e in entries
                if e.kind == "line" and (first_result is None or e.row < first_result)
            ]
        else:
            used = [e for e in entries if e.row < check.row]
        for column in reader.columns:
            cell = check.cells.get(column.code)
            if cell is None or cell.value is None:
                continue
            candidates = _computed(check.kind, column.code, used, equity, convention)
            slack = ZERO
            if UNITS[column.unit] > 1:
                # Rounded to tkr or Mkr: each printed figure is up to half its last digit off.
                slack = sum(
                    (e.cells[column.code].ulp / 2 for e in used if column.code in e.cells),
                    cell.ulp / 2,
                )
            matching = next((c for c in candidates if abs(c - cell.value) <= slack), None)
            result.append(
                PrintedTotal(
                    row=check.row,
                    label=check.label,
                    column=column,
                    printed=cell.value,
                    computed=candidates[0] if matching is None else matching,
                    matches=matching is not None,
                    kind=check.kind,
                    column_name=_column_name(check.label, column, reader.columns),
                )
            )
    result.sort(key=lambda t: (t.row, reader.columns.index(t.column)))
    return result


def _computed(
    kind: str,
    code: str,
    used: Sequence[_Entry],
    equity: Sequence[Mapping[str, Cell]],
    convention: str | None,
) -> list[Decimal]:
    """What the rows give for a printed total, in the table's signs: the first is the
    one named when none matches."""
    if kind == "subtotal":
        return [
            sum((e.value(code) for e in used), ZERO),
            sum((e.value(code) for e in used if e.kind == "line"), ZERO),
        ]
    inc_f, cost_f = _factor(INCOME, convention), _factor(COSTS, convention)
    income = sum(
        (e.value(code) * inc_f for e in used if e.kind == "line" and e.side == INCOME), ZERO
    )
    costs = sum(
        (e.value(code) * cost_f for e in used if e.kind == "line" and e.side == COSTS), ZERO
    )
    ib = sum((e.value(code) * inc_f for e in used if e.kind == "ib"), ZERO)
    if kind == "result":
        # Income − costs, with the carried equity the table shows as income or without;
        # with income printed negative, the rows' plain sum (a surplus negative) or not.
        variants = [income + ib - costs, income - costs] if ib else [income - costs]
        candidates = [-v if convention == INCOME_NEGATIVE else v for v in variants]
        return candidates + ([-c for c in candidates] if convention == INCOME_NEGATIVE else [])
    if equity:
        ib = sum(
            (
                cells[code].value * inc_f
                for cells in equity
                if code in cells and cells[code].value is not None
            ),
            ZERO,
        )
    closing = (ib + income - costs) * inc_f  # equity is on the income (credit) side
    return [closing] + ([-closing] if convention == INCOME_NEGATIVE else [])


def _column_name(label: str, column: TableColumn, columns: Sequence[TableColumn]) -> str:
    shared = sum(c.year == column.year for c in columns) > 1
    if re.search(r"(?<![0-9])(19|20)[0-9]{2}$", label):
        return f"({column.header})"
    return column.header if shared else str(column.year)
