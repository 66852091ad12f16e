"""The editor grid as the template shows it: a draft, its figures and findings.

Figures come from `budgets.rules.evaluate` over the draft, the same computation
as every other output; this module only lays them out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.editing import (
    COLUMN_RE,
    BudgetDraft,
    DraftErrors,
    DraftLine,
    amount_field,
    draft_facts,
    line_field,
)
from budgets.merge import (
    AMOUNT,
    CATEGORY,
    COLUMN,
    DEFICIT_REASON,
    LABEL,
    LINE,
    LINK,
    OPENING_EQUITY,
    Kept,
    Part,
    part_value,
)
from budgets.models import Budget, Category
from budgets.rules import (
    CATEGORIES,
    BudgetFacts,
    ColumnFigures,
    apply_scenario,
    column_label,
    evaluate,
    find_scenario,
    planning_columns,
)
from budgets.selectors import FIGURE_ROWS, RULE_FIGURE, FigureRow, FigureValue
from finsam.findings import ERROR, Finding, by_severity
from finsam.money import format_kr, format_number

CATEGORY_LABELS = dict(Category.choices)


def raw_amount(value: Decimal) -> str:
    """An amount as the grid shows it in an input: "1 296 000" or "1 296 000,50"."""
    return format_number(value).replace("\u2212", "-").replace("\u00a0", " ")


def stored_draft(facts: BudgetFacts, budget: Budget, scenario: str | None) -> BudgetDraft:
    """The draft as stored: the base lines, or a scenario's effective lines."""
    lines = apply_scenario(facts.lines, find_scenario(facts, scenario) if scenario else None)
    return BudgetDraft(
        columns=list(facts.columns),
        lines=[
            DraftLine(
                key=line.key,
                category=line.category,
                label=line.label,
                member=line.member,
                intervention=line.intervention,
                amounts=dict(line.amounts),
                raw={code: raw_amount(amount) for code, amount in line.amounts.items()},
            )
            for line in lines
        ],
        opening_equity=budget.opening_equity,
        deficit_reason=budget.deficit_reason,
        scenario=scenario,
        version=budget.version,
        raw_opening_equity=raw_amount(budget.opening_equity),
    )


# --- layout -------------------------------------------------------------------------


class GridCell(NamedTuple):
    """One amount cell (a tuple: a 300-line grid makes 1 500 on every keystroke)."""

    name: str
    code: str
    raw: str
    error: str | None
    mark: str | None
    label: str = ""  # the column's name, "Budget 2024"


@dataclass(frozen=True)
class GridError:
    name: str  # the field's id
    where: str
    message: str


@dataclass(frozen=True)
class GridRow:
    index: int
    line: DraftLine
    cells: tuple[GridCell, ...]
    link: str
    errors: Mapping[str, str]
    can_move_up: bool
    can_move_down: bool

    @property
    def names(self) -> dict[str, str]:
        return {name: line_field(self.index, name) for name in ("key", "label", "category", "link")}


@dataclass(frozen=True)
class GridBlock:
    category: str
    label: str
    rows: tuple[GridRow, ...]
    subtotals: tuple[FigureValue, ...]


@dataclass(frozen=True)
class GridColumn:
    index: int
    code: str
    label: str
    figures: ColumnFigures | None
    error: str | None


@dataclass(frozen=True)
class EditorGrid:
    draft: BudgetDraft
    columns: tuple[GridColumn, ...]
    blocks: tuple[GridBlock, ...]
    figure_rows: tuple[FigureRow, ...]
    findings: tuple[Finding, ...]
    errors: DraftErrors
    scenarios: tuple[str, ...]
    members: tuple[tuple[str, str], ...]
    interventions: tuple[tuple[str, str], ...]
    categories: tuple[tuple[str, str], ...]

    @property
    def state_json(self) -> str:
        """Marks and messages for grid.js to apply after a recompute."""
        marks = {
            cell.name: cell.mark
            for block in self.blocks
            for row in block.rows
            for cell in row.cells
            if cell.mark
        }
        return json.dumps({"marks": marks, "errors": self.errors.fields}, ensure_ascii=False)

    @property
    def error_count(self) -> int:
        return len(self.errors.fields)

    @property
    def error_list(self) -> tuple[GridError, ...]:
        """The messages about bad fields in the grid, in the grid's order, each with
        where it is in Swedish ("Styrelse, Budget 2024"); listed under the grid."""
        found = []
        fields = self.errors.fields
        for block in self.blocks:
            for n, row in enumerate(block.rows, start=1):
                name = row.line.label or _("rad %(n)s under %(block)s") % {
                    "n": n,
                    "block": block.label.lower(),
                }
                label = line_field(row.index, "label")
                if label in fields:
                    found.append(
                        GridError(label, _("Benämning, %(row)s") % {"row": name}, fields[label])
                    )
                for kind in ("member", "intervention"):
                    if (key := line_field(row.index, kind)) in fields:
                        found.append(
                            GridError(
                                line_field(row.index, "link"),
                                _("Koppling för %(row)s") % {"row": name},
                                fields[key],
                            )
                        )
                for cell in row.cells:
                    if cell.error:
                        found.append(GridError(cell.name, f"{name}, {cell.label}", cell.error))
        return tuple(found)


EQUITY_FIGURES = frozenset({"opening_equity", "closing_equity"})


def _rests_on_unknown(
    finding: Finding, invalid_columns: set[str], equity_unknown: set[str]
) -> bool:
    """A finding about a column's sums while one of its cells is not an amount, or about
    its equity while that is unknown: not said, as if the bad cell were 0 (the grid
    shows "ogiltig cell" there, and the cell's own message is listed). A finding about
    one line (a negative amount, a contribution linked to no member) still holds."""
    if finding.column is None or finding.line is not None:
        return False
    if finding.column in invalid_columns:
        return True
    return RULE_FIGURE.get(finding.rule) in EQUITY_FIGURES and finding.column in equity_unknown


def editor_grid(facts: BudgetFacts, draft: BudgetDraft, errors: DraftErrors) -> EditorGrid:
    computed = draft_facts(facts, draft)
    scenario = None
    if draft.scenario is not None:
        scenario = find_scenario(computed, draft.scenario)
    evaluation = evaluate(computed, scenario)
    figures = {c.column: c for c in evaluation.columns}

    columns = []
    seen: set[str] = set()
    for j, code in enumerate(draft.columns):
        valid = bool(COLUMN_RE.match(code)) and code not in seen
        seen.add(code)
        label = column_label(code) if valid else code
        columns.append(
            GridColumn(
                index=j,
                code=code,
                label=label,
                figures=figures.get(code) if valid else None,
                error=errors.fields.get(f"column-{j}"),
            )
        )

    # A column with a cell that is not an amount: its sums are not shown as if the
    # cell were 0 (the grid says "ogiltig cell" there instead).
    fields = errors.fields
    invalid: set[tuple[str, str]] = set()
    if fields:
        for i, line in enumerate(draft.lines):
            for col in columns:
                if amount_field(i, col.index) in fields:
                    invalid.add((line.category, col.code))
    invalid_columns = {code for _category, code in invalid}
    # Each planning year opens with the previous one's closing equity: a bad cell, or a
    # bad opening equity, leaves the equity of that year and every later one unknown.
    equity_unknown: set[str] = set()
    unknown = "opening_equity" in fields
    for code in planning_columns(computed.year, computed.columns):
        unknown = unknown or code in invalid_columns
        if unknown:
            equity_unknown.add(code)
    findings = [
        finding
        for finding in evaluation.findings
        if not _rests_on_unknown(finding, invalid_columns, equity_unknown)
    ]

    marks: dict[tuple[str, str], str] = {}
    flagged: dict[tuple[str, str], str] = {}
    for finding in findings:
        if finding.line and finding.column and marks.get((finding.line, finding.column)) != ERROR:
            marks[(finding.line, finding.column)] = finding.severity
        if finding.rule in RULE_FIGURE and finding.column:
            where = (RULE_FIGURE[finding.rule], finding.column)
            if flagged.get(where) != ERROR:
                flagged[where] = finding.severity

    cell_columns = [(f"-amount-{col.index}", col.code, col.label) for col in columns]

    blocks = []
    for category in CATEGORIES:
        indexed = [(i, line) for i, line in enumerate(draft.lines) if line.category == category]
        rows = []
        for n, (i, line) in enumerate(indexed):
            prefix, raw, key = f"line-{i}", line.raw, line.key
            cells = tuple(
                GridCell(
                    prefix + suffix,
                    code,
                    raw.get(code, ""),
                    fields.get(prefix + suffix) if fields else None,
                    marks.get((key, code)) if marks else None,
                    label,
                )
                for suffix, code, label in cell_columns
            )
            link = ""
            if line.member:
                link = f"member:{line.member}"
            elif line.intervention:
                link = f"intervention:{line.intervention}"
            rows.append(
                GridRow(
                    index=i,
                    line=line,
                    cells=cells,
                    link=link,
                    errors={
                        name: errors.fields[line_field(i, name)]
                        for name in ("label", "category", "member", "intervention")
                        if line_field(i, name) in errors.fields
                    },
                    can_move_up=n > 0,
                    can_move_down=n < len(indexed) - 1,
                )
            )
        subtotals = tuple(
            FigureValue(
                value=sum(
                    (line.amounts.get(col.code, Decimal(0)) for _, line in indexed), Decimal(0)
                ),
                flagged=flagged.get(("contributions", col.code))
                if category == "contribution"
                else None,
                invalid=(category, col.code) in invalid,
            )
            for col in columns
        )
        blocks.append(
            GridBlock(
                category=category,
                label=CATEGORY_LABELS[category],
                rows=tuple(rows),
                subtotals=subtotals,
            )
        )

    figure_rows = tuple(
        FigureRow(
            label=label,
            figure=figure,
            unit=unit,
            style=style,
            values=tuple(
                FigureValue(
                    value=getattr(col.figures, figure) if col.figures else None,
                    flagged=flagged.get((figure, col.code)),
                    invalid=col.code in invalid_columns
                    or (figure in EQUITY_FIGURES and col.code in equity_unknown),
                )
                for col in columns
            ),
        )
        for label, figure, unit, style in FIGURE_ROWS
    )
    return EditorGrid(
        draft=draft,
        columns=tuple(columns),
        blocks=tuple(blocks),
        figure_rows=figure_rows,
        findings=tuple(by_severity(findings)),
        errors=errors,
        scenarios=tuple(s.name for s in facts.scenarios),
        members=tuple((m.key, m.name) for m in facts.members),
        interventions=tuple((i.key, i.name) for i in facts.interventions),
        categories=tuple((c, CATEGORY_LABELS[c]) for c in CATEGORIES),
    )


# --- conflicts ----------------------------------------------------------------------
# The editor carries its base, the draft as loaded, in one signed hidden field, so
# a save from an older version can be merged cell by cell (budgets/merge.py) and
# the parts both changed can be picked one by one. Signed: a post cannot claim a
# base the server never sent.

BASE_FIELD = "base"
BASE_SALT = "budgets.grid.base"
PICK_PREFIX = "pick-"


@dataclass(frozen=True)
class EditorBase:
    draft: BudgetDraft | None  # None: not known (a page that did not carry it)
    conflicts: tuple[Part, ...] = ()  # parts the user must pick before a save

    @property
    def token(self) -> str:
        if self.draft is None:
            return ""
        base = self.draft
        data = {
            "version": base.version,
            "scenario": base.scenario,
            "columns": base.columns,
            "lines": [
                [
                    line.key,
                    line.category,
                    line.label,
                    line.member,
                    line.intervention,
                    {code: str(amount) for code, amount in line.amounts.items()},
                ]
                for line in base.lines
            ],
            "opening_equity": str(base.opening_equity),
            "deficit_reason": base.deficit_reason,
            "conflicts": [part.id for part in self.conflicts],
        }
        return signing.dumps(data, salt=BASE_SALT, compress=True)


def read_base(data: Mapping[str, str], draft: BudgetDraft) -> EditorBase:
    """The base the editor posted, if it is one the server signed for this draft's
    version and scenario; else an unknown base."""
    try:
        value = signing.loads(data.get(BASE_FIELD) or "", salt=BASE_SALT)
        if value["version"] != draft.version or value["scenario"] != draft.scenario:
            return EditorBase(None)
        base = BudgetDraft(
            columns=list(value["columns"]),
            lines=[
                DraftLine(
                    key=key,
                    category=category,
                    label=label,
                    member=member,
                    intervention=intervention,
                    amounts={code: Decimal(amount) for code, amount in amounts.items()},
                    raw={code: raw_amount(Decimal(amount)) for code, amount in amounts.items()},
                )
                for key, category, label, member, intervention, amounts in value["lines"]
            ],
            opening_equity=Decimal(value["opening_equity"]),
            deficit_reason=value["deficit_reason"],
            scenario=value["scenario"],
            version=value["version"],
            raw_opening_equity=raw_amount(Decimal(value["opening_equity"])),
        )
        parts = tuple(p for p in map(Part.from_id, value["conflicts"]) if p is not None)
    except (signing.BadSignature, KeyError, TypeError, ValueError, ArithmeticError):
        return EditorBase(None)
    return EditorBase(base, parts)


def posted_picks(data: Mapping[str, str]) -> dict[str, str]:
    return {
        name.removeprefix(PICK_PREFIX): value
        for name, value in data.items()
        if name.startswith(PICK_PREFIX)
    }


@dataclass(frozen=True)
class ConflictRow:
    """A part both sides changed, as the conflict table shows it."""

    id: str
    what: str
    column: str
    theirs: str
    mine: str
    by: str
    at: datetime | None
    target: str  # the grid field a pick fills in ("" if none)
    theirs_raw: str
    mine_raw: str
    picked: str
    missing: bool

    @property
    def field_name(self) -> str:
        return PICK_PREFIX + self.id


PART_LABELS = {
    LABEL: gettext_lazy("Benämning"),
    CATEGORY: gettext_lazy("Kategori"),
    LINK: gettext_lazy("Koppling"),
}


def conflict_rows(
    parts: Sequence[Part],
    theirs: BudgetDraft,
    draft: BudgetDraft,
    *,
    names: Mapping[str, str],
    authors: Mapping[str, tuple[str, datetime | None]],
    picks: Mapping[str, str],
    missing: Sequence[Part] = (),
) -> list[ConflictRow]:
    """`theirs` is what the colleague saved, `draft` holds the user's values;
    `names` are members' and interventions' names by key, `authors` who saved
    each part's value and when (by part id)."""
    rows = []
    missing_ids = {part.id for part in missing}
    index = {line.key: i for i, line in enumerate(draft.lines)}
    for part in parts:
        line = next((row for row in (*draft.lines, *theirs.lines) if row.key == part.key), None)
        what = line.label if line is not None else ""
        column, target = "", ""
        if part.kind == AMOUNT:
            column = column_label(part.column)
            if part.key in index and part.column in draft.columns:
                target = amount_field(index[part.key], draft.columns.index(part.column))
        elif part.kind in PART_LABELS:
            column = str(PART_LABELS[part.kind])
            if part.kind == LABEL and part.key in index:
                target = line_field(index[part.key], "label")
        elif part.kind == COLUMN:
            what, column = _("Kolumn"), column_label(part.column)
        elif part.kind == OPENING_EQUITY:
            what = _("Eget kapital vid årets början")
        elif part.kind == DEFICIT_REASON:
            what = _("Skäl till underskott")
        by, at = authors.get(part.id, ("", None))
        rows.append(
            ConflictRow(
                id=part.id,
                what=what,
                column=column,
                theirs=_shown(part, part_value(theirs, part), names),
                mine=_shown(part, part_value(draft, part), names),
                by=by,
                at=at,
                target=target,
                theirs_raw=_raw(part, theirs),
                mine_raw=_raw(part, draft),
                picked=picks.get(part.id, ""),
                missing=part.id in missing_ids,
            )
        )
    return rows


def _shown(part: Part, value: object, names: Mapping[str, str]) -> str:
    if part.kind in (AMOUNT, OPENING_EQUITY):
        return "–" if value is None else format_kr(value)
    if part.kind == LINE:
        return _("raden finns") if value else _("raden är borttagen")
    if part.kind == COLUMN:
        return _("kolumnen finns") if value else _("kolumnen är borttagen")
    if part.kind == CATEGORY:
        return str(CATEGORY_LABELS.get(str(value), value)) if value else "–"
    if part.kind == LINK:
        member, intervention = value
        key = member or intervention
        return names.get(key, key) if key else _("ingen koppling")
    return str(value) if value else "–"


def _raw(part: Part, draft: BudgetDraft) -> str:
    line = next((row for row in draft.lines if row.key == part.key), None)
    if line is None:
        return ""
    if part.kind == AMOUNT:
        value = line.amounts.get(part.column)
        return line.raw.get(part.column) or ("" if value is None else raw_amount(value))
    if part.kind == LABEL:
        return line.label
    return ""


def kept_summary(kept: Sequence[Kept], limit: int = 5) -> str:
    """ "Resor (Budget 2024), Kansli (Budget 2024) och 2 till" """
    shown = []
    for item in kept:
        part = item.part
        if part.kind == AMOUNT:
            shown.append(f"{item.label} ({column_label(part.column)})")
        elif part.kind == COLUMN:
            shown.append(_("kolumnen %(column)s") % {"column": column_label(part.column)})
        elif part.kind == OPENING_EQUITY:
            shown.append(_("eget kapital vid årets början"))
        elif part.kind == DEFICIT_REASON:
            shown.append(_("skäl till underskott"))
        elif part.kind == LINE:
            shown.append(_("raden %(label)s") % {"label": item.label})
        else:
            shown.append(f"{item.label} ({str(PART_LABELS[part.kind]).lower()})")
    shown = list(dict.fromkeys(shown))
    if len(shown) > limit:
        return ", ".join(shown[:limit]) + _(" och %(count)s till") % {"count": len(shown) - limit}
    return ", ".join(shown)
