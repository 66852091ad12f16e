"""Paste your own table: a förbund's budget table, as Excel or Word copy it (issue 15, 4).

A förbund moving from Word and Excel has last year's budget as a table in its own
file. This module reads such a table and checks it. It is pure: text in, plain data
out, no database. The names of the förbund's members and interventions come in as
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
import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify
from django.utils.translation import gettext as _

from budgets.editing import BudgetDraft, DraftLine, column_sort_key
from budgets.models import ColumnKind
from budgets.rules import (
    ADMINISTRATION,
    CATEGORIES,
    CONTRIBUTION,
    COST_CATEGORIES,
    INTERVENTION,
    OTHER_COST,
    OTHER_INCOME,
    column_code,
    planning_columns,
)
from finsam.money import amount_str, format_kr, too_large, whole_ore

ZERO = Decimal(0)
INCOME, COSTS = "income", "costs"
INCOME_NEGATIVE, COSTS_NEGATIVE = "income_negative", "costs_negative"

MAX_TEXT = 2_000_000  # characters
MAX_ROWS = 2000  # rows of text; the seeds' tables have about 30
MAX_COLUMNS = 60
MAX_LABEL = 200  # Line.label
MAX_NOTE = 2000

KIND_LABELS = {str(kind): str(label) for kind, label in ColumnKind.choices}
BUDGET, PLAN, FORECAST, ACTUAL = "budget", "plan", "forecast", "actual"  # ColumnKind
UNITS = {"kr": Decimal(1), "tkr": Decimal(1000), "Mkr": Decimal(1_000_000)}

# --- plain data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Bad input: what is wrong, and where (1-based row and column; 0 = the whole table)."""

    row: int
    column: int
    message: str
    header: str = ""  # the column's heading, when it has one

    def __str__(self) -> str:
        where = []
        if self.row:
            where.append(_("rad %(row)s") % {"row": self.row})
        if self.column:
            column = _("kolumn %(column)s") % {"column": self.column}
            if self.header:
                column += f" ({self.header})"
            where.append(column)
        text = ", ".join(where)
        if not text:
            return self.message[:1].upper() + self.message[1:]
        return f"{text[:1].upper()}{text[1:]}: {self.message}"


class TableError(ValueError):
    """The table cannot be read; nothing is to be saved. `problems` name row and column."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class TableColumn:
    index: int  # 0-based cell index in a row
    header: str
    year: int
    kind: str  # budget, plan, forecast, actual
    unit: str  # kr, tkr, Mkr

    @property
    def code(self) -> str:
        return column_code(self.year, self.kind)

    @property
    def heading(self) -> str:
        """ "Prognos 2019", as the budget pages name the column."""
        return f"{KIND_LABELS[self.kind]} {self.year}"


@dataclass(frozen=True)
class TableLine:
    row: int
    label: str
    category: str  # proposed (or, after with_choices, confirmed)
    amounts: Mapping[str, Decimal]  # column code → kronor, income and costs positive
    side: str  # income or costs
    section: str = ""
    member: str | None = None  # the matched member's name
    intervention: str | None = None  # the matched intervention's name
    basis: str = ""  # why this category was proposed, in Swedish
    note: str = ""
    # Amounts in brackets next to the amount ("770 000 (1 160 000)"): not read.
    alternatives: Mapping[str, Decimal] = field(default_factory=dict)
    from_summa: bool = False  # a section that is only its Summa row
    account: str = ""  # from a "Konto" column (the bookkeeping's account number)


@dataclass(frozen=True)
class PrintedTotal:
    row: int
    label: str
    column: TableColumn
    printed: Decimal  # kronor, as printed (the table's signs)
    computed: Decimal  # what the rows give, in the same signs
    matches: bool
    kind: str = "subtotal"  # subtotal, result, closing_equity
    # How the message names the column: its year, or its heading where two columns
    # have the same year ("Förväntat utfall 2019") or the label ends with a year.
    column_name: str = ""

    @property
    def message(self) -> str:
        """ "Summa kostnader 2020: tryckt 2 252 000 kr, raderna ger 2 270 000 kr" """
        return _("%(label)s %(column)s: tryckt %(printed)s, raderna ger %(computed)s") % {
            "label": self.label,
            "column": self.column_name or self.column.year,
            "printed": format_kr(self.printed),
            "computed": format_kr(self.computed),
        }


@dataclass(frozen=True)
class SkippedRow:
    row: int
    label: str
    reason: str


@dataclass(frozen=True)
class LineChoice:
    """The user's confirmation of a line in the preview: category and link (names)."""

    category: str
    member: str | None = None
    intervention: str | None = None


@dataclass(frozen=True)
class Totals:
    income: Decimal
    costs: Decimal

    @property
    def result(self) -> Decimal:
        return self.income - self.costs


@dataclass(frozen=True)
class PastedTable:
    year: int
    unit: str
    columns: tuple[TableColumn, ...]
    lines: tuple[TableLine, ...]
    printed_totals: tuple[PrintedTotal, ...] = ()
    opening_equity: Decimal | None = None
    opening_equity_row: int | None = None
    sign_convention: str | None = None
    skipped: tuple[SkippedRow, ...] = ()
    warnings: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.columns]

    @property
    def planning_columns(self) -> list[str]:
        return planning_columns(self.year, self.codes)

    @property
    def budget_column(self) -> str | None:
        code = column_code(self.year, BUDGET)
        return code if code in self.codes else None

    @property
    def mismatches(self) -> tuple[PrintedTotal, ...]:
        return tuple(t for t in self.printed_totals if not t.matches)

    def totals(self) -> dict[str, Totals]:
        """Income, costs and result per planning column (code), from the lines."""
        result = {}
        for code in self.planning_columns:
            income = sum(
                (line.amounts.get(code, ZERO) for line in self.lines
                 if line.category not in COST_CATEGORIES),
                ZERO,
            )
            costs = sum(
                (line.amounts.get(code, ZERO) for line in self.lines
                 if line.category in COST_CATEGORIES),
                ZERO,
            )
            result[code] = Totals(income=income, costs=costs)
        return result

    def amount_key(self, code: str) -> str:
        """The key of a column in `as_dict`: the year for a planning column (as in
        finsam-report/1's `years`), the column code for the others, so that
        "Budget 2019" and "Prognos 2019" stay apart."""
        return code.split(":")[0] if code in self.planning_columns else code

    def as_dict(
        self,
        member_keys: Mapping[str, str] | None = None,
        intervention_keys: Mapping[str, str] | None = None,
    ) -> dict[str, object]:
        """The `import_budget_table --json` document: the issue's keys (unit, columns,
        lines with label, category and amounts, totals, printed_totals), amounts in
        kronor as decimal strings, plus what the preview needs beside them: each
        line's row, section and matched member or intervention (its key when the
        mapping is given, else its name), each printed total's row and column code,
        the opening equity, the skipped rows and the warnings."""

        def link(name: str | None, keys: Mapping[str, str] | None) -> str | None:
            if name is None:
                return None
            return keys.get(name, name) if keys is not None else name

        totals = self.totals()
        return {
            "unit": self.unit,
            "columns": [
                {"header": c.header, "year": c.year, "kind": c.kind} for c in self.columns
            ],
            "lines": [
                {
                    "label": line.label,
                    "category": line.category,
                    "amounts": {
                        self.amount_key(code): amount_str(amount)
                        for code, amount in line.amounts.items()
                    },
                    "row": line.row,
                    "section": line.section,
                    "member": link(line.member, member_keys),
                    "intervention": link(line.intervention, intervention_keys),
                }
                for line in self.lines
            ],
            "totals": {
                code.split(":")[0]: {
                    "income": amount_str(t.income),
                    "costs": amount_str(t.costs),
                    "result": amount_str(t.result),
                }
                for code, t in totals.items()
            },
            "printed_totals": [
                {
                    "label": t.label,
                    "year": t.column.year,
                    "printed": amount_str(t.printed),
                    "computed": amount_str(t.computed),
                    "matches": t.matches,
                    "row": t.row,
                    "column": t.column.code,
                }
                for t in self.printed_totals
            ],
            "opening_equity": (
                None if self.opening_equity is None else amount_str(self.opening_equity)
            ),
            "skipped": [{"row": s.row, "label": s.label, "reason": s.reason} for s in self.skipped],
            "warnings": list(self.warnings),
        }

    def with_choices(self, choices: Mapping[int, LineChoice]) -> PastedTable:
        """The table with the user's categories and links, by the line's row."""
        problems = []
        by_row = {line.row: line for line in self.lines}
        for row in choices:
            if row not in by_row:
                problems.append(Problem(row, 0, _("raden är ingen budgetrad i tabellen")))
        lines = []
        for line in self.lines:
            choice = choices.get(line.row)
            if choice is None:
                lines.append(line)
                continue
            if choice.category not in CATEGORIES:
                problems.append(Problem(line.row, 1, _("välj en kategori")))
                continue
            member = choice.member if choice.category == CONTRIBUTION else None
            intervention = choice.intervention if choice.category == INTERVENTION else None
            if choice.category == CONTRIBUTION and member not in self.members:
                problems.append(
                    Problem(line.row, 1, _("ett medlemsbidrag ska höra till en av förbundets medlemmar"))
                )
                continue
            if intervention is not None and intervention not in self.interventions:
                problems.append(Problem(line.row, 1, _("insatsen finns inte i förbundet")))
                continue
            lines.append(
                replace(line, category=choice.category, member=member, intervention=intervention,
                        basis=_("vald"))
            )
        if problems:
            raise TableError(problems)
        return replace(self, lines=tuple(lines))

    def draft(
        self,
        *,
        member_keys: Mapping[str, str],
        intervention_keys: Mapping[str, str],
        opening_equity: Decimal = ZERO,
        deficit_reason: str = "",
        keys: Mapping[int, str] | None = None,
    ) -> BudgetDraft:
        """The draft `budgets.services.budget_save` stores: the columns in year order,
        a line per table line (its key from its label), the opening equity from the IB
        rows (else `opening_equity`). Names are mapped to keys by the caller's maps;
        a contribution whose member has no key raises TableError. `keys` gives
        lines (by row) the key of a stored line, so that a line read again stays the
        same line (its history, a scenario's override of it)."""
        problems = []
        keys = keys or {}
        taken: set[str] = set(keys.values())
        lines = []
        for line in self.lines:
            member = member_keys.get(line.member) if line.member else None
            if line.category == CONTRIBUTION and member is None:
                problems.append(
                    Problem(line.row, 1, _("ett medlemsbidrag ska höra till en av förbundets medlemmar"))
                )
            intervention = intervention_keys.get(line.intervention) if line.intervention else None
            key = keys.get(line.row, "")
            if not key:
                base = slugify(line.label)[:80].strip("-") or f"rad-{line.row}"
                key, n = base, 2
                while key in taken:
                    suffix = f"-{n}"
                    key, n = base[: 80 - len(suffix)] + suffix, n + 1
                taken.add(key)
            lines.append(
                DraftLine(
                    key=key,
                    category=line.category,
                    label=line.label,
                    member=member if line.category == CONTRIBUTION else None,
                    intervention=intervention if line.category == INTERVENTION else None,
                    amounts=dict(line.amounts),
                    note=line.note,
                )
            )
        if problems:
            raise TableError(problems)
        return BudgetDraft(
            columns=sorted(self.codes, key=column_sort_key),
            lines=lines,
            opening_equity=opening_equity if self.opening_equity is None else self.opening_equity,
            deficit_reason=deficit_reason,
        )


# --- cells ------------------------------------------------------------------------------

SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
YEAR = re.compile(r"(?<![0-9])(19[5-9][0-9]|20[0-9]{2})(?![0-9])")
# Footnote marks after an amount or a label: ², *, **, a), (a).
FOOTNOTE_TAIL = re.compile(r"(?:\s*(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\*+)|\s+\(?[a-zåäö]\))+\s*$")
FOOTNOTE_MARK = re.compile(r"^\s*(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\*+|[a-zåäö]\)|\([a-zåäö]\)|[0-9]{1,2}\))\s*$", re.I)
CELL_UNIT = re.compile(
    r"\s*(?P<unit>tkr|kkr|tsek|mkr|mnkr|msek|milj\.?\s*kr|kr\.?|sek|:-)\s*$", re.IGNORECASE
)
DASHES = "-−–—"
# Thousands grouped by spaces or dots (no leading zero), or plain digits; then a
# decimal comma or point. ASCII digits only: [0-9], not \d, which takes any script's.
NUMBER = re.compile(
    r"(?P<sign>[-+−–—])?\s*"
    r"(?P<int>[1-9][0-9]{0,2}(?: [0-9]{3})+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[0-9]+)"
    r"(?:(?P<sep>[,.])(?P<frac>[0-9]+))?"
)
ALTERNATIVE = re.compile(r"^(?P<base>[^()]*?)\s*\((?P<alt>[^()]*)\)$")
HAS_ALTERNATIVE = re.compile(r"[0-9]\s*[⁰¹²³⁴⁵⁶⁷⁸⁹*]*\s*\(\s*[-−–]?\s*[0-9]")


def _unit_scale(text: str) -> tuple[str, Decimal] | None:
    """A unit named in a heading or title: "tkr", "(tkr)", "Belopp i tusental kronor"."""
    low = text.casefold()
    if re.search(r"(?<![a-zåäö])(mkr|mnkr|msek|mdkr|miljoner kronor|milj\.?\s*kr)(?![a-zåäö])", low):
        return "Mkr", UNITS["Mkr"]
    if re.search(r"(?<![a-zåäö])(tkr|kkr|tsek|t\s?kr|tusental kronor|tusen kronor|tusentals kronor)"
                 r"(?![a-zåäö])", low):
        return "tkr", UNITS["tkr"]
    if re.search(r"(?<![a-zåäö])(kr|kronor|sek)(?![a-zåäö])", low):
        return "kr", UNITS["kr"]
    return None


@dataclass(frozen=True)
class Cell:
    value: Decimal | None = None  # kronor, as printed (signs as in the table)
    alternative: Decimal | None = None
    ulp: Decimal = Decimal(1)  # the value of the last printed digit, in kronor
    percent: bool = False


class _CellError(ValueError):
    pass


def _number(text: str, scale: Decimal) -> tuple[Decimal, Decimal]:
    """A number written as people write them, in kronor, and its last digit's worth."""
    text = SPACES.sub(" ", text).strip()
    match = NUMBER.fullmatch(text)
    if not match:
        raise _CellError(
            _("»%(text)s« är inget belopp (skriv t.ex. 1 296 000, -1 296 000 eller 1 296 000 kr)")
            % {"text": text}
        )
    digits = match["int"].replace(" ", "").replace(".", "")
    frac = match["frac"] or ""
    if match["sep"] == "." and "." in match["int"]:
        raise _CellError(_("»%(text)s« är inget belopp") % {"text": text})
    try:
        value = Decimal(f"{digits}.{frac}" if frac else digits) * scale
    except InvalidOperation:
        raise _CellError(_("»%(text)s« är inget belopp") % {"text": text}) from None
    if match["sign"] and match["sign"] != "+":
        value = -value
    if too_large(value):
        raise _CellError(_("beloppet är för stort (högst 999 999 999 999,99 kr)"))
    if not whole_ore(value):
        raise _CellError(
            _("»%(text)s« ger fler än två decimaler i kronor") % {"text": text}
        )
    return value, scale / (Decimal(10) ** len(frac))


def read_cell(text: str, *, scale: Decimal = Decimal(1), alternatives: bool = False) -> Cell:
    """One amount cell. `scale` is the column's unit in kronor; with `alternatives`
    the table writes alternatives in brackets, else brackets mean a negative amount.
    Raises ValueError with a Swedish message on anything it cannot read."""
    text = SPACES.sub(" ", text or "").strip()
    if not text or text in DASHES:
        return Cell()
    if text.endswith("%"):
        return Cell(percent=True)
    text = FOOTNOTE_TAIL.sub("", text).strip()
    if not text or text in DASHES:
        return Cell()
    match = ALTERNATIVE.fullmatch(text)
    if match and alternatives:
        base = FOOTNOTE_TAIL.sub("", match["base"]).strip()
        alt = read_cell(match["alt"], scale=scale).value
        value = read_cell(base, scale=scale) if base else Cell()
        return replace(value, alternative=alt)
    negative = False
    if match and not match["base"]:
        text, negative = match["alt"].strip(), True  # (545 000): accounting's negative
    unit = CELL_UNIT.search(text)
    if unit:
        found = _unit_scale(unit["unit"]) if unit["unit"] != ":-" else None
        scale = found[1] if found else scale
        text = text[: unit.start()].strip()
    try:
        value, ulp = _number(text, scale)
    except _CellError as exc:
        raise ValueError(str(exc)) from None
    return Cell(value=-value if negative else value, ulp=ulp)


# --- words ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9a-zåäöéüæø]+", text.casefold())


@functools.cache
def _stems_pattern(stems: tuple[str, ...], *, anywhere: bool) -> re.Pattern[str]:
    alternatives = "|".join(map(re.escape, stems))
    return re.compile(f"(?:{alternatives})" if anywhere else f"^(?:{alternatives})")


def _has(words: Sequence[str], stems: tuple[str, ...]) -> bool:
    """Does a word start with one of the stems (Swedish compounds: "lokalhyra")?"""
    pattern = _stems_pattern(stems, anywhere=False)
    return any(pattern.match(word) for word in words)


def _contains(words: Sequence[str], stems: tuple[str, ...]) -> bool:
    pattern = _stems_pattern(stems, anywhere=True)
    return any(pattern.search(word) for word in words)


SUMMA_WORDS = ("summa", "totalt", "total", "totala", "totalsumma", "delsumma", "sammanlagt")
INCOME_WORDS = ("intäkter", "intäkt", "inkomster", "inkomst")
COST_WORDS = ("kostnader", "kostnad", "utgifter", "utgift")
# Section headings: which side they are on (parts of compounds: "personalkostnader").
INCOME_SECTION = ("intäkt", "inkomst", "medlemsbidrag", "finansiering", "tilldelning", "driftsbidrag")
COST_SECTION = ("kostnad", "utgift", "insats", "kansli", "administration", "personal", "projekt")
ADMIN_SECTION = ("kansli", "administrat", "personal", "fasta")
INTERVENTION_SECTION = ("insats", "projekt")
RESULT_WORDS = ("resultat", "årsresultat", "nettoresultat", "avvikelse", "differens", "överskott",
                "underskott")
# The administration keywords of shared/spec/bundle.md (kansli, personal, styrelse,
# revision, lokal, IT, ekonomitjänster, bank) and the seeds' own words for them.
ADMIN_STEMS = (
    "kansli", "administrat", "personal", "lön", "arvod", "styrelse", "revision", "revisor",
    "ekonomi", "bokför", "redovisning", "lokal", "hyr", "kontor", "tele", "data", "dator",
    "kommunikation", "information", "hemsid", "webb", "rese", "resor", "sociala", "anställd",
    "arbetsgivaravgift", "förbundschef", "förvaltning", "bank", "försäkringar", "medlemsavgift",
    "gdpr", "representation", "porto", "utbildning", "konferens", "pension", "ombud",
)
ADMIN_WORDS = ("it",)
OTHER_COST_STEMS = ("utvärdering", "uppföljning", "effektmätning", "oförutsedd", "oförutsett")
# Money for interventions, linked or not: a reserve such as "Kvar att fördela" is an
# intervention line without an intervention (spec).
INTERVENTION_STEMS = ("förstudie", "reserv", "fördela", "samverkansteam")
INTERVENTION_WORDS = ("projekt", "team", "bidrag", "projektmedel")
CONTRIBUTION_STEMS = ("medlemsbidrag", "bidrag", "avgift", "tilldelning", "nettoomsättning",
                      "omsättning", "driftsbidrag")
INCOME_STEMS = ("intäkt", "statsbidrag", "projektmedel", "esf", "ränteintäkt", "tilldelning",
                "medlemsbidrag", "driftsbidrag", "nettoomsättning")
NOTE_HEADINGS = ("not", "noter", "anm", "anmärkning", "kommentar", "kommentarer", "fotnot")
LABEL_HEADINGS = ("konto", "benämning", "post", "text", "rad", "kontonamn", "nr")
ACCOUNT_HEADINGS = ("konto", "kontonr", "kontonummer", "nr")


def _clean_label(text: str) -> str:
    """A label as printed, without list marks and footnote marks: "- Kansli *" → "Kansli"."""
    text = SPACES.sub(" ", text).strip()
    text = re.sub(r"^(?:[-–•·*]\s+|[0-9]{1,2}[.)]\s+(?=[^\s0-9]))", "", text)
    text = FOOTNOTE_TAIL.sub("", text).strip()
    return text.strip(" :")


def _heading_text(text: str) -> str:
    """A section heading: "fortsättning Kostnader" → "Kostnader"."""
    text = re.sub(r"^(fortsättning|forts\.?)\s+", "", _clean_label(text), flags=re.IGNORECASE)
    return text.strip(" :")


def _side_of(words: Sequence[str]) -> str | None:
    if _contains(words, INCOME_SECTION):
        return INCOME
    if _contains(words, COST_SECTION):
        return COSTS
    return None


def _without_brackets(text: str) -> str:
    return re.sub(r"\([^()]*\)", " ", text)


def _summa_rest(label: str) -> list[str]:
    """A Summa row's words after "Summa"/"Totalt", without years and brackets."""
    core = _words(_without_brackets(label)) or _words(label)
    return [w for w in core if w not in SUMMA_WORDS and not YEAR.fullmatch(w)]


def classify_row(label: str, *, costs_started: bool = False, after_result: bool = False) -> str:
    """What a row with amounts is, by its label: "ib" (opening equity), "ub" (closing
    equity), "result", "summa" (a printed subtotal or total) or "line".

    "Balanserat resultat" is carried surplus (IB) among the income and the result under
    the costs (Södra Vätterbygden prints both); "Eget kapital" is the IB above the
    result and the UB under it."""
    words = _words(label)
    core = _words(_without_brackets(label)) or words
    # "(IB)" in brackets counts here: words, not core.
    if "ub" in words or "utgående" in words or _find(words, ["årets", "slut"]):
        return "ub"
    if (
        "ib" in words or "ingående" in words or _find(core, ["föregående", "år"])
        or _find(words, ["årets", "början"])
        or (("balanserat" in core or "balanserade" in core) and not costs_started)
        or (_find(core, ["eget", "kapital"]) and not after_result)
    ):
        return "ib"
    if after_result and _find(core, ["eget", "kapital"]):
        return "ub"
    if any(w in RESULT_WORDS or w.endswith("resultat") for w in _summa_rest(label)):
        return "result"
    if core and (core[0] in SUMMA_WORDS or core[0].startswith("summa")):
        return "summa"
    return "line"


# --- columns ------------------------------------------------------------------------------

FORECAST_MARKS = ("förväntat", "beräknat", "prognos", "prognostiserat", "prel")
ACTUAL_MARKS = ("utfall", "bokslut", "verkligt", "redovisat", "årsredovisning")
PLAN_MARKS = ("plan", "flerårsplan", "planering", "budgetplan", "planår")
BUDGET_MARKS = ("budget", "budgetförslag", "förslag", "fastställd", "reviderad")


@dataclass(frozen=True)
class _Heading:
    kind: str  # amount, note, label, empty, unknown, problem
    year: int = 0
    column_kind: str = ""
    unit: tuple[str, Decimal] | None = None
    problem: str = ""
    named: bool = False  # the kind is written ("Budget 2021"), not only the year


def _column_kind(words: Sequence[str]) -> str | None:
    if any(w in FORECAST_MARKS or w.startswith("prognos") for w in words):
        return FORECAST
    if any(w in ACTUAL_MARKS for w in words):
        return ACTUAL
    if any(w in PLAN_MARKS for w in words):
        return PLAN
    if any(w in BUDGET_MARKS or w.startswith("budget") for w in words):
        return BUDGET
    return None


def read_heading(text: str, *, year: int) -> _Heading:
    """A header cell: an amount column (year and kind), a note column, or neither."""
    text = SPACES.sub(" ", text or "").strip()
    if not text:
        return _Heading("empty")
    words = _words(_without_brackets(text)) or _words(text)
    unit = _unit_scale(text)
    if words and words[0] in NOTE_HEADINGS and len(words) <= 2:
        return _Heading("note")
    years = sorted({int(y) for y in YEAR.findall(text)})
    kind = _column_kind(words)
    if not years:
        if kind is not None:
            return _Heading(
                "problem",
                problem=_("rubriken »%(text)s« saknar år (skriv t.ex. %(kind)s %(year)s)")
                % {"text": text, "kind": KIND_LABELS[kind], "year": year},
            )
        if words and words[0] in LABEL_HEADINGS:
            return _Heading("label")
        return _Heading("unknown", unit=unit)
    kind = None if kind is None else str(kind)
    if len(years) > 1:
        return _Heading(
            "problem",
            problem=_("rubriken »%(text)s« har flera år; en kolumn gäller ett år") % {"text": text},
        )
    col_year = years[0]
    named = kind is not None
    if kind is None:
        if col_year == year:
            kind = BUDGET
        elif col_year > year:
            kind = PLAN
        else:
            return _Heading(
                "problem",
                problem=_(
                    "rubriken »%(text)s« säger inte vad kolumnen är (skriv t.ex. Budget, "
                    "Prognos eller Utfall %(year)s)"
                )
                % {"text": text, "year": col_year},
            )
    # A later year of a multi-year plan is a plan column, whatever the table calls it:
    # the seeds print "Budget 2021" and "prognos för 2021" for the plan year 2020.
    if col_year > year and kind in (BUDGET, FORECAST):
        kind = PLAN
    return _Heading("amount", year=col_year, column_kind=kind, unit=unit, named=named)


# --- names --------------------------------------------------------------------------------

# A contribution line names its payer; "Staten" and "FK" mean Försäkringskassan, which
# pays the state's whole half, Arbetsförmedlingen's part included (5 § lag (2003:1210)).
ALIASES = {"fk": "försäkringskassan", "af": "arbetsförmedlingen", "staten": "försäkringskassan"}
STATE_PAYER = "försäkringskassan"


def _same(a: str, b: str) -> bool:
    """Equal words, or one the genitive of the other: "Jönköping" and "Jönköpings"."""
    return a == b or a + "s" == b or b + "s" == a


def _find(hay: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return n > 0 and any(
        all(_same(hay[i + j], needle[j]) for j in range(n)) for i in range(len(hay) - n + 1)
    )


def _abbreviates(label: Sequence[str], name: Sequence[str]) -> bool:
    """ "Kunskapssatsn stressrel ohälsa" for "Kunskapssatsning stressrelaterad ohälsa"."""
    n = len(label)
    if n < 2:
        return False
    for i in range(len(name) - n + 1):
        pairs = list(zip(label, name[i : i + n], strict=True))
        if all(len(a) >= 3 and b.startswith(a) for a, b in pairs) and any(
            a != b for a, b in pairs
        ):
            return True
    return False


def _name_words(text: str, *, aliases: bool) -> list[str]:
    words = [w for w in _words(text) if not YEAR.fullmatch(w) and not re.fullmatch(r"[0-9]+", w)]
    return [ALIASES.get(w, w) for w in words] if aliases else words


def _main_part(label: str) -> str:
    """What a label is about: "Finsamteam inkl lots och insatskatalog (Om ESF)" → "Finsamteam"."""
    text = re.split(r"\(|\s(?:inkl\.?|inklusive|exkl\.?|exklusive)\s", label, maxsplit=1)[0]
    return text.strip()


def _stem(word: str) -> str:
    """Words that can match share their first three letters (genitive s, abbreviation)."""
    return word[:3]


class NameIndex:
    """A förbund's names (members or interventions), ready to match labels against.
    A name "X – Y" or "X, Y" is found by its parts too ("Projekt SAMS – SAMverkan i
    Södra Vätterbygden" by "Projekt SAMS")."""

    def __init__(self, names: Sequence[str], *, aliases: bool = False) -> None:
        self.aliases = aliases
        self.parts: list[tuple[str, list[str]]] = []  # (name, words of one of its parts)
        self.by_stem: dict[str, set[int]] = {}
        for name in dict.fromkeys(names):
            for part in [name, *re.split(r"\s[-–—]\s|,\s|:\s", name)]:
                words = _name_words(part, aliases=aliases)
                if words:
                    for word in words:
                        self.by_stem.setdefault(_stem(word), set()).add(len(self.parts))
                    self.parts.append((name, words))
        self.payers = {name for name in names if STATE_PAYER in _name_words(name, aliases=True)}

    def match(self, label: str) -> tuple[str | None, list[str]]:
        """The name a line's label names, and the names it could equally be (when more
        than one fits equally well, none is chosen)."""
        full = _name_words(label, aliases=self.aliases)
        main = _name_words(_main_part(label), aliases=self.aliases)
        if not full:
            return None, []
        candidates = set().union(*(self.by_stem.get(_stem(w), set()) for w in full))
        scores: dict[str, int] = {}
        for index in sorted(candidates):
            name, words = self.parts[index]
            if len(words) == len(full) and all(map(_same, words, full)):
                score = 100
            elif main and len(words) == len(main) and all(map(_same, words, main)):
                score = 95
            elif _find(main, words):
                score = 80
            elif _find(words, main):
                score = 70
            elif _abbreviates(main, words):
                score = 60
            else:
                continue
            scores[name] = max(score, scores.get(name, 0))
        if not scores:
            return None, []
        top = max(scores.values())
        tied = [name for name, score in scores.items() if score == top]
        if len(tied) == 1:
            return tied[0], []
        payers = [name for name in tied if name in self.payers]
        if self.aliases and len(payers) == 1:
            return payers[0], []
        return None, tied


def match_name(label: str, names: Sequence[str], *, aliases: bool = False) -> tuple[str | None, list[str]]:
    """`NameIndex(names, aliases=aliases).match(label)`: for one label."""
    return NameIndex(names, aliases=aliases).match(label)


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
                        row, 1 + next(i for i, c in enumerate(cells[1:], 1)
                                      if self._has_amounts([c])),
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
            0, 0,
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
            (i for i in range(first) if _words(cells[i])[:1] and _words(cells[i])[0]
             in ACCOUNT_HEADINGS and len(_words(cells[i])) == 1), None
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
                        row, column,
                        _("kolumnen %(heading)s finns redan (kolumn %(other)s)")
                        % {"heading": f"{KIND_LABELS[heading.column_kind]} {heading.year}",
                           "other": seen[code]},
                    )
                    continue
                seen[code] = column
                self.columns.append(
                    TableColumn(index=i, header=text, year=heading.year,
                                kind=heading.column_kind, unit=unit[0] if unit else "kr")
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
                c if c.unit != "kr" or self._named_kr(cells[c.index]) else replace(c, unit=self.unit[0])
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
            for r in self.records[self.header_row:]
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
            label_raw = " ".join(
                c.strip() for i, c in enumerate(cells[: self.label_end])
                if c.strip() and i != self.account_index
            ) or account
            label = _clean_label(label_raw)

            # A repeated header row (a table over two pages) starts a section.
            headings_here = [
                read_heading(text, year=self.year) if YEAR.search(text)
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
                                row, column.index + 1,
                                _("rubriken »%(text)s« ska vara samma år som »%(first)s« på rad "
                                  "%(row)s") % {"text": text, "first": column.header,
                                                "row": self.header_row},
                            )
                        else:
                            self.warnings.append(
                                _("Rad %(row)s, kolumn %(column)s: rubriken »%(text)s« skiljer "
                                  "sig från »%(first)s« på rad %(header)s; kolumnen läses som "
                                  "%(heading)s.")
                                % {"row": row, "column": column.index + 1, "text": text,
                                   "first": column.header, "header": self.header_row,
                                   "heading": first_header[column.index].heading}
                            )
                name = _heading_text(label_raw)
                if name:
                    sec.start(name, len(self.entries))
                self.skipped.append(SkippedRow(row, label_raw, _("upprepad rubrikrad")))
                continue

            for i in range(self.label_end, len(cells)):
                if i not in read and SPACES.sub("", cells[i]):
                    self.problem(row, i + 1, _("cellen har ingen kolumnrubrik på rad %(row)s")
                                 % {"row": self.header_row})
            note = ""
            if self.note_index is not None and len(cells) > self.note_index:
                note = SPACES.sub(" ", cells[self.note_index]).strip()
                if FOOTNOTE_MARK.fullmatch(note):
                    note = ""  # "a)": a mark for a footnote under the table
                elif len(note) > MAX_NOTE:
                    self.problem(row, self.note_index + 1,
                                 _("noteringen är längre än %(n)s tecken") % {"n": MAX_NOTE})

            values: dict[str, Cell] = {}
            bad = False
            for column in self.columns:
                text = cells[column.index] if len(cells) > column.index else ""
                try:
                    cell = read_cell(text, scale=UNITS[column.unit],
                                     alternatives=self.alternative_mode)
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
            alternatives = {code: c.alternative for code, c in values.items()
                            if c.alternative is not None}
            values = {code: c for code, c in values.items() if c.value is not None}
            if not values:
                if alternatives:
                    self.alternatives[row] = alternatives
                    self._alternative_warning(row, label or label_raw, alternatives)
                if not label or FOOTNOTE_MARK.match(label_raw) or re.match(
                    r"^[⁰¹²³⁴⁵⁶⁷⁸⁹*]", label_raw
                ) or not re.search(r"[^\W\d_]", label):
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
                self.entries.append(_Entry(row, label, "ib", INCOME, values, sec.heading, note=note))
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
                _Entry(row, label, "line", sec.side, values, sec.heading, note=note, account=account)
            )
            sec.costs_started = sec.costs_started or sec.side == COSTS

    def _summa(
        self, sec: _Sections, row: int, label: str, values: dict[str, Cell], note: str
    ) -> None:
        """A Summa or Totalt row: a printed subtotal to check, or, with no lines above
        it in its section, the section's one line."""
        rest = _summa_rest(label)
        side_total = set(rest) <= set(INCOME_WORDS) | set(COST_WORDS) | {"och"}
        total_side = (INCOME if set(rest) & set(INCOME_WORDS) else
                      COSTS if set(rest) & set(COST_WORDS) else sec.side)
        if side_total:
            # "Summa intäkter", "Summa kostnader totalt", "Totalt": the whole side.
            for entry in self.entries:
                if entry.side is None:
                    entry.side = total_side
            scope = [i for i, e in enumerate(self.entries)
                     if total_side is None or e.side == total_side]
        else:
            # "Summa personalkostnader": since its heading, or the last heading or Summa.
            named = " ".join(rest)
            start = next((position for name, position in reversed(sec.headings)
                          if " ".join(_words(name)) == named), sec.group_start)
            scope = list(range(start, len(self.entries)))
            for i in scope:
                self.entries[i].group_label = self.entries[i].group_label or label
        if any(self.entries[i].kind == "line" for i in scope):
            self.checks.append(_Check(row, label, "subtotal", values, scope))
        else:
            line_label = sec.open_heading or " ".join(label.split()[1:]).strip() or label
            self.entries.append(
                _Entry(row, line_label[:1].upper() + line_label[1:], "line",
                       total_side if side_total else sec.side, values, sec.heading,
                       group_label=label, note=note, from_summa=True)
            )
        if side_total and total_side == INCOME:
            sec.side = COSTS  # after the income total come the costs
        sec.costs_started = sec.costs_started or total_side == COSTS
        sec.group_start, sec.open_heading = len(self.entries), ""

    def _alternative_warning(self, row: int, label: str, alternatives: Mapping[str, Decimal]) -> None:
        by_code = {c.code: c for c in self.columns}
        listed = ", ".join(
            f"{format_kr(amount)} ({by_code[code].heading})" for code, amount in alternatives.items()
        )
        self.warnings.append(
            _("Rad %(row)s (%(label)s): beloppen inom parentes är ett alternativ och läses inte "
              "(%(amounts)s); lägg dem i ett scenario.")
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
    if _contains(words, ("insats",)) or any(w in INTERVENTION_WORDS for w in words) or _has(
        words, INTERVENTION_STEMS
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
        return sum((e.value(c) for e in entries if e.kind == "line" and e.side == side
                    for c in codes), ZERO)

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
        warnings.append(_("Intäkterna står med minustecken (bokföringens tecken); de läses som "
                          "positiva belopp."))
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
        elif entry.side == INCOME and category == OTHER_INCOME and _has(
            _words(entry.label), CONTRIBUTION_STEMS
        ):
            warnings.append(
                _("Rad %(row)s (%(label)s) ser ut som medlemsbidrag, men ingen medlem heter så; "
                  "den föreslås som övriga intäkter.") % {"row": entry.row, "label": entry.label}
            )
        factor = _factor(entry.side, convention)
        lines.append(
            TableLine(
                row=entry.row,
                label=entry.label,
                category=category,
                amounts={code: entry.value(code) * factor + ZERO for code in codes
                         if code in entry.cells},
                side=entry.side or COSTS,
                section=entry.heading or _summa_name(entry.group_label),
                member=member,
                intervention=intervention,
                basis=basis,
                note=entry.note,
                alternatives={code: a * factor
                              for code, a in reader.alternatives.get(entry.row, {}).items()},
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
            _("Tabellen har flera rader med ingående eget kapital (rad %(rows)s); rad %(first)s "
              "används.") % {"rows": ", ".join(str(r) for r, _c in rows), "first": rows[0][0]}
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
        equity = [cells for kind, row, cells in reader.equity
                  if kind in ("ib", "change") and row < check.row]
        if check.kind == "subtotal":
            used = [entries[i] for i in check.scope]
        elif check.kind == "closing_equity" and equity:
            # IB and its changes under the result, plus the result of the lines above it.
            used = [e for e in entries if e.kind == "line"
                    and (first_result is None or e.row < first_result)]
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
                slack = sum((e.cells[column.code].ulp / 2 for e in used
                             if column.code in e.cells), cell.ulp / 2)
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
        return [sum((e.value(code) for e in used), ZERO),
                sum((e.value(code) for e in used if e.kind == "line"), ZERO)]
    inc_f, cost_f = _factor(INCOME, convention), _factor(COSTS, convention)
    income = sum((e.value(code) * inc_f for e in used if e.kind == "line" and e.side == INCOME),
                 ZERO)
    costs = sum((e.value(code) * cost_f for e in used if e.kind == "line" and e.side == COSTS),
                ZERO)
    ib = sum((e.value(code) * inc_f for e in used if e.kind == "ib"), ZERO)
    if kind == "result":
        # Income − costs, with the carried equity the table shows as income or without;
        # with income printed negative, the rows' plain sum (a surplus negative) or not.
        variants = [income + ib - costs, income - costs] if ib else [income - costs]
        candidates = [-v if convention == INCOME_NEGATIVE else v for v in variants]
        return candidates + ([-c for c in candidates] if convention == INCOME_NEGATIVE else [])
    if equity:
        ib = sum((cells[code].value * inc_f for cells in equity
                  if code in cells and cells[code].value is not None), ZERO)
    closing = (ib + income - costs) * inc_f  # equity is on the income (credit) side
    return [closing] + ([-closing] if convention == INCOME_NEGATIVE else [])


def _column_name(label: str, column: TableColumn, columns: Sequence[TableColumn]) -> str:
    shared = sum(c.year == column.year for c in columns) > 1
    if re.search(r"(?<![0-9])(19|20)[0-9]{2}$", label):
        return f"({column.header})"
    return column.header if shared else str(column.year)

