"""A pasted table's plain data (budgets/table_paste.py reads the table): the
problems it has, its columns and lines, the printed totals, and `PastedTable`, with
the limits and the words for signs and units they share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext as _

from budgets.editing import BudgetDraft, DraftLine, column_sort_key
from budgets.models import ColumnKind
from budgets.rules import (
    CATEGORIES,
    CONTRIBUTION,
    COST_CATEGORIES,
    INTERVENTION,
    column_code,
    planning_columns,
)
from finsam.money import amount_str, format_kr

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
                (
                    line.amounts.get(code, ZERO)
                    for line in self.lines
                    if line.category not in COST_CATEGORIES
                ),
                ZERO,
            )
            costs = sum(
                (
                    line.amounts.get(code, ZERO)
                    for line in self.lines
                    if line.category in COST_CATEGORIES
                ),
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
            "columns": [{"header": c.header, "year": c.year, "kind": c.kind} for c in self.columns],
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
                    Problem(
                        line.row, 1, _("ett medlemsbidrag ska höra till en av förbundets medlemmar")
                    )
                )
                continue
            if intervention is not None and intervention not in self.interventions:
                problems.append(Problem(line.row, 1, _("insatsen finns inte i förbundet")))
                continue
            lines.append(
                replace(
                    line,
                    category=choice.category,
                    member=member,
                    intervention=intervention,
                    basis=_("vald"),
                )
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
                    Problem(
                        line.row, 1, _("ett medlemsbidrag ska höra till en av förbundets medlemmar")
                    )
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
