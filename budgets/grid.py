"""The editor grid as the template shows it: a draft, its figures and findings.

Figures come from `budgets.rules.evaluate` over the draft, the same computation
as every other output; this module only lays them out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from budgets.editing import (
    COLUMN_RE,
    BudgetDraft,
    DraftErrors,
    DraftLine,
    amount_field,
    draft_facts,
    line_field,
)
from budgets.models import Budget, Category, ColumnKind
from budgets.rules import (
    CATEGORIES,
    BudgetFacts,
    ColumnFigures,
    apply_scenario,
    evaluate,
    find_scenario,
)
from budgets.selectors import FIGURE_ROWS, RULE_FIGURE, FigureRow, FigureValue
from finsam.findings import ERROR, Finding, by_severity
from finsam.money import format_kr, format_number

CATEGORY_LABELS = dict(Category.choices)
KIND_LABELS = dict(ColumnKind.choices)


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


@dataclass(frozen=True)
class GridCell:
    name: str
    code: str
    raw: str
    error: str | None
    mark: str | None


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
        label = code
        if valid:
            year, kind = code.split(":")
            label = f"{KIND_LABELS[kind]} {year}"
        columns.append(
            GridColumn(
                index=j,
                code=code,
                label=label,
                figures=figures.get(code) if valid else None,
                error=errors.fields.get(f"column-{j}"),
            )
        )

    marks: dict[tuple[str, str], str] = {}
    flagged: dict[tuple[str, str], str] = {}
    for finding in evaluation.findings:
        if finding.line and finding.column and marks.get((finding.line, finding.column)) != ERROR:
            marks[(finding.line, finding.column)] = finding.severity
        if finding.rule in RULE_FIGURE and finding.column:
            where = (RULE_FIGURE[finding.rule], finding.column)
            if flagged.get(where) != ERROR:
                flagged[where] = finding.severity

    blocks = []
    for category in CATEGORIES:
        indexed = [(i, line) for i, line in enumerate(draft.lines) if line.category == category]
        rows = []
        for n, (i, line) in enumerate(indexed):
            cells = tuple(
                GridCell(
                    name=amount_field(i, col.index),
                    code=col.code,
                    raw=line.raw.get(col.code, ""),
                    error=errors.fields.get(amount_field(i, col.index)),
                    mark=marks.get((line.key, col.code)),
                )
                for col in columns
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
                flagged=flagged.get(("contributions", col.code)) if category == "contribution" else None,
            )
            for col in columns
        )
        blocks.append(
            GridBlock(category=category, label=CATEGORY_LABELS[category], rows=tuple(rows), subtotals=subtotals)
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
        findings=tuple(by_severity(list(evaluation.findings))),
        errors=errors,
        scenarios=tuple(s.name for s in facts.scenarios),
        members=tuple((m.key, m.name) for m in facts.members),
        interventions=tuple((i.key, i.name) for i in facts.interventions),
        categories=tuple((c, CATEGORY_LABELS[c]) for c in CATEGORIES),
    )


# --- layout actions (applied to the draft, nothing saved) ---------------------------


def apply_layout_action(draft: BudgetDraft, action: str, data: Mapping[str, str]) -> None:
    """`add-line-CATEGORY`, `delete-line-I`, `move-up-I`, `move-down-I`,
    `add-column` (code in `new_column`), `delete-column-J`."""
    if action.startswith("add-line-"):
        category = action.removeprefix("add-line-")
        if category in CATEGORIES:
            draft.lines.append(DraftLine(key="", category=category, label=""))
    elif action.startswith("delete-line-"):
        index = _index(action, "delete-line-")
        if index is not None and index < len(draft.lines):
            del draft.lines[index]
    elif action.startswith(("move-up-", "move-down-")):
        up = action.startswith("move-up-")
        index = _index(action, "move-up-" if up else "move-down-")
        if index is None or index >= len(draft.lines):
            return
        category = draft.lines[index].category
        same = [i for i, line in enumerate(draft.lines) if line.category == category]
        at = same.index(index)
        other = at - 1 if up else at + 1
        if 0 <= other < len(same):
            a, b = same[at], same[other]
            draft.lines[a], draft.lines[b] = draft.lines[b], draft.lines[a]
    elif action == "add-column":
        code = (data.get("new_column") or "").strip()
        if COLUMN_RE.match(code) and code not in draft.columns:
            draft.columns.append(code)
    elif action.startswith("delete-column-"):
        index = _index(action, "delete-column-")
        if index is not None and index < len(draft.columns):
            code = draft.columns.pop(index)
            for line in draft.lines:
                line.amounts.pop(code, None)
                line.raw.pop(code, None)


def _index(action: str, prefix: str) -> int | None:
    rest = action.removeprefix(prefix)
    return int(rest) if rest.isascii() and rest.isdigit() else None


# --- conflicts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    what: str
    column: str
    theirs: str
    yours: str


def draft_differences(stored: BudgetDraft, draft: BudgetDraft) -> list[Difference]:
    """Where the user's draft and what someone else saved differ."""
    differences = []
    if stored.scenario is None and stored.opening_equity != draft.opening_equity:
        differences.append(
            Difference("Eget kapital vid årets början", "", format_kr(stored.opening_equity),
                       format_kr(draft.opening_equity))
        )
    if stored.scenario is None and stored.deficit_reason != draft.deficit_reason:
        differences.append(
            Difference("Skäl till underskott", "", stored.deficit_reason or "–", draft.deficit_reason or "–")
        )
    theirs = {line.key: line for line in stored.lines}
    yours = {line.key: line for line in draft.lines}
    columns = list(dict.fromkeys(stored.columns + draft.columns))
    for key in dict.fromkeys(list(theirs) + list(yours)):
        a, b = theirs.get(key), yours.get(key)
        label = (b or a).label if (b or a) else key
        if a is None or b is None:
            differences.append(
                Difference(label, "", "finns inte" if a is None else "finns", "finns inte" if b is None else "finns")
            )
            continue
        if a.label != b.label:
            differences.append(Difference(label, "benämning", a.label, b.label))
        for code in columns:
            x, y = a.amounts.get(code, Decimal(0)), b.amounts.get(code, Decimal(0))
            if x != y:
                differences.append(Difference(label, code, format_kr(x), format_kr(y)))
    return differences
