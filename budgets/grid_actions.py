"""What the grid's buttons and its paste do to a draft, nothing saved (issue 16).

Pure: a `BudgetDraft` and the posted fields in, the changed draft out, with the
field to focus next and a Swedish sentence for the status line. The view re-reads
the changed draft (`draft_post` → `parse_draft`), so the messages of bad cells
follow the cells wherever a row moved.

Actions, as the grid posts them in `action`:
- `add-line-CATEGORY`, `delete-line-I`, `move-up-I`, `move-down-I`;
- `add-column` (its Swedish name in `new_column`), `delete-column-J`;
- `fill-right-I-J`: the cell's amount into every column to its right;
- `grow-I-J`: each later year's column gets the cell's amount increased by
  `grow_percent` per year, rounded half up to whole kronor;
- `clear-row-I`, `clear-column-J`: the amounts go, the names stay;
- `paste`: `paste_text` (tab-separated rows, as Excel or Google Sheets copy them) at
  row `paste_row`, cell `paste_col` (0 the name, 1 the first amount column, ...).
  It fills right and down (the rows below on the screen) and adds rows under the
  last one for what does not fit. A block with a table's shape (a heading row of years, or Summa and result
  rows), pasted at a name, is read as a table (`budgets.table_paste`): its lines go
  to their categories, its columns are added, its IB becomes the opening equity.
I is a line's index in the draft, J a column's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets.editing import (
    COLUMN_RE,
    BudgetDraft,
    DraftLine,
    amount_field,
    insert_in_year_order,
    line_field,
    read_column_name,
)
from budgets.grid import raw_amount
from budgets.rules import CATEGORIES, column_label
from budgets.table_data import PastedTable, TableError
from budgets.table_paste import parse_table
from budgets.table_text import classify_row, read_heading
from finsam.money import parse_typed_amount, to_places

MAX_PASTE_ROWS = 2000
MAX_GROW_PERCENT = Decimal(1000)


@dataclass(frozen=True)
class ActionResult:
    refusal: str = ""  # why a column was not added (shown at the new column's box)
    focus: str = ""  # the id of the field or button to focus afterwards
    message: str = ""  # for the grid's status line


@dataclass(frozen=True)
class Names:
    """The förbund's members and interventions, key → name (for a pasted table)."""

    members: Mapping[str, str]
    interventions: Mapping[str, str]


def rows_of(draft: BudgetDraft, category: str) -> list[int]:
    return [i for i, line in enumerate(draft.lines) if line.category == category]


def display_order(draft: BudgetDraft) -> list[int]:
    """The lines' indexes as the grid shows them: by category, then as stored."""
    return [i for category in CATEGORIES for i in rows_of(draft, category)]


def apply_action(
    draft: BudgetDraft, action: str, data: Mapping[str, str], names: Names | None = None
) -> ActionResult:
    """Apply one action to `draft` (in place); see the module's docstring."""
    if action.startswith("add-line-"):
        category = action.removeprefix("add-line-")
        if category not in CATEGORIES:
            return ActionResult()
        draft.lines.append(DraftLine(key="", category=category, label=""))
        return ActionResult(focus=line_field(len(draft.lines) - 1, "label"))
    if action.startswith("delete-line-"):
        return _delete_line(draft, _index(action, "delete-line-"))
    if action.startswith(("move-up-", "move-down-")):
        up = action.startswith("move-up-")
        return _move(draft, _index(action, "move-up-" if up else "move-down-"), up)
    if action == "add-column":
        return _add_column(draft, data.get("new_column") or "")
    if action.startswith("delete-column-"):
        index = _index(action, "delete-column-")
        if index is not None and index < len(draft.columns):
            code = draft.columns.pop(index)
            for line in draft.lines:
                line.amounts.pop(code, None)
                line.raw.pop(code, None)
        return ActionResult(focus="new_column")
    for prefix, change in (("fill-right-", _fill_right), ("grow-", _grow)):
        if action.startswith(prefix):
            cell = _cell(draft, action.removeprefix(prefix))
            if cell is None:
                return ActionResult(message=_("Välj först en beloppscell i rutnätet."))
            return change(draft, *cell, data)
    if action.startswith("clear-row-"):
        index = _index(action, "clear-row-")
        if index is None or index >= len(draft.lines):
            return ActionResult(message=_("Välj först en cell i rutnätet."))
        line = draft.lines[index]
        line.amounts.clear()
        line.raw = {code: "" for code in draft.columns}
        return ActionResult(
            focus=amount_field(index, 0) if draft.columns else line_field(index, "label"),
            message=_("Raden %(label)s är tömd.") % {"label": line.label or _("utan namn")},
        )
    if action.startswith("clear-column-"):
        index = _index(action, "clear-column-")
        if index is None or index >= len(draft.columns):
            return ActionResult(message=_("Välj först en beloppscell i rutnätet."))
        code = draft.columns[index]
        for line in draft.lines:
            line.amounts.pop(code, None)
            line.raw[code] = ""
        first = _first_row(draft)
        return ActionResult(
            focus=amount_field(first, index) if first is not None else "",
            message=_("Kolumnen %(column)s är tömd.") % {"column": _column_name(code)},
        )
    if action == "paste":
        return paste(draft, data, names or Names({}, {}))
    return ActionResult()


def _index(action: str, prefix: str) -> int | None:
    rest = action.removeprefix(prefix)
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) <= 6 else None


def _cell(draft: BudgetDraft, rest: str) -> tuple[int, int] | None:
    """ "I-J" → (I, J), a line and a column the draft has."""
    row, _sep, column = rest.partition("-")
    i, j = _index(row, ""), _index(column, "")
    if i is None or j is None or i >= len(draft.lines) or j >= len(draft.columns):
        return None
    return i, j


def _column_name(code: str) -> str:
    return column_label(code) if COLUMN_RE.match(code) else code


def _first_row(draft: BudgetDraft) -> int | None:
    for category in CATEGORIES:
        if rows := rows_of(draft, category):
            return rows[0]
    return None


def _delete_line(draft: BudgetDraft, index: int | None) -> ActionResult:
    if index is None or index >= len(draft.lines):
        return ActionResult()
    category = draft.lines[index].category
    at = rows_of(draft, category).index(index)
    del draft.lines[index]
    same = rows_of(draft, category)
    if not same:
        return ActionResult(focus=f"add-line-{category}")
    return ActionResult(focus=line_field(same[min(at, len(same) - 1)], "label"))


def _move(draft: BudgetDraft, index: int | None, up: bool) -> ActionResult:
    if index is None or index >= len(draft.lines):
        return ActionResult()
    same = rows_of(draft, draft.lines[index].category)
    at = same.index(index)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(same):
        return ActionResult()
    a, b = same[at], same[other]
    draft.lines[a], draft.lines[b] = draft.lines[b], draft.lines[a]
    # The moved row's same button keeps the focus while it can move on; at the end,
    # the other one.
    can_go_on = other > 0 if up else other < len(same) - 1
    button = ("move-up" if up else "move-down") if can_go_on else ("move-down" if up else "move-up")
    return ActionResult(focus=f"{button}-{b}")


def _add_column(draft: BudgetDraft, text: str) -> ActionResult:
    try:
        code = read_column_name(text)
    except ValueError as exc:
        return ActionResult(refusal=str(exc), focus="new_column")
    if code in draft.columns:
        return ActionResult(
            refusal=_("Budgeten har redan kolumnen %(column)s.") % {"column": column_label(code)},
            focus="new_column",
        )
    j = insert_in_year_order(draft.columns, code)
    first = _first_row(draft)
    return ActionResult(focus=amount_field(first, j) if first is not None else "new_column")


# --- fill ---------------------------------------------------------------------------


def _amount_of(line: DraftLine, code: str) -> Decimal | None:
    raw = (line.raw.get(code) or "").strip()
    if not raw:
        return None
    try:
        return parse_typed_amount(raw)
    except ValueError:
        return None


def _fill_right(draft: BudgetDraft, i: int, j: int, data: Mapping[str, str]) -> ActionResult:
    line = draft.lines[i]
    value = _amount_of(line, draft.columns[j])
    if value is None:
        return ActionResult(
            focus=amount_field(i, j), message=_("Cellen har inget belopp att fylla åt höger med.")
        )
    later = draft.columns[j + 1 :]
    for code in later:
        _set(line, code, value)
    return ActionResult(
        focus=amount_field(i, j),
        message=ngettext(
            "%(label)s: %(amount)s i %(count)s kolumn till höger.",
            "%(label)s: %(amount)s i %(count)s kolumner till höger.",
            len(later),
        )
        % {"label": line.label or _("raden"), "amount": raw_amount(value), "count": len(later)},
    )


def read_percent(text: str) -> Decimal:
    """ "2", "2,5", "−1 %" → Decimal; ValueError with a Swedish message."""
    cleaned = (text or "").strip().removesuffix("%").strip().replace("\u2212", "-")
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not cleaned:
        raise ValueError(_("Skriv ökningen i procent, t.ex. 2 eller 2,5."))
    if abs(value) > MAX_GROW_PERCENT or value <= -100:
        raise ValueError(_("Ökningen ska vara mellan −99 och 1 000 procent per år."))
    return value


def grown(amount: Decimal, percent: Decimal, years: int) -> Decimal:
    """`amount` increased by `percent` per year for `years` years, rounded half up to
    whole kronor: 100 000 at 2 % over 2 years is 104 040."""
    factor = (Decimal(1) + percent / Decimal(100)) ** years
    return to_places(amount * factor, 0)


def _grow(draft: BudgetDraft, i: int, j: int, data: Mapping[str, str]) -> ActionResult:
    line = draft.lines[i]
    code = draft.columns[j]
    try:
        percent = read_percent(data.get("grow_percent", ""))
    except ValueError as exc:
        return ActionResult(focus="grow_percent", message=str(exc))
    value = _amount_of(line, code)
    if value is None or not COLUMN_RE.match(code):
        return ActionResult(
            focus=amount_field(i, j), message=_("Cellen har inget belopp att öka från.")
        )
    year = int(code[:4])
    changed = 0
    for other in draft.columns[j + 1 :]:
        if COLUMN_RE.match(other) and int(other[:4]) > year:
            _set(line, other, grown(value, percent, int(other[:4]) - year))
            changed += 1
    if not changed:
        return ActionResult(
            focus=amount_field(i, j), message=_("Det finns inget senare år till höger om cellen.")
        )
    return ActionResult(
        focus=amount_field(i, j),
        message=_("%(label)s: ökad med %(percent)s %% per år i %(count)s kolumner.")
        % {
            "label": line.label or _("raden"),
            "percent": str(percent).replace(".", ","),
            "count": changed,
        },
    )


def _set(line: DraftLine, code: str, value: Decimal) -> None:
    line.amounts[code] = value
    line.raw[code] = raw_amount(value)


# --- paste --------------------------------------------------------------------------


def _records(text: str) -> list[list[str]]:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return [row.split("\t") for row in text.split("\n")] if text else []


def paste(draft: BudgetDraft, data: Mapping[str, str], names: Names) -> ActionResult:
    records = _records(data.get("paste_text", ""))
    row = _index(data.get("paste_row", ""), "")
    column = _index(data.get("paste_col", ""), "")
    if not records:
        return ActionResult(message=_("Det fanns inget att klistra in."))
    if len(records) > MAX_PASTE_ROWS:
        return ActionResult(
            message=_("Högst %(count)s rader går att klistra in på en gång.")
            % {"count": MAX_PASTE_ROWS}
        )
    if row is None or row >= len(draft.lines) or column is None or column > len(draft.columns):
        return ActionResult(message=_("Välj först den cell där blocket ska börja."))
    if column == 0 and _looks_like_table(records):
        table = _read_table(records, draft, names)
        if isinstance(table, PastedTable):
            return _paste_table(draft, row, table, names)
        if table:
            return ActionResult(focus=line_field(row, "label"), message=table)
    return _paste_block(draft, row, column, records)


def _looks_like_table(records: Sequence[Sequence[str]]) -> bool:
    """Summa, result or equity rows (what a budget table has and lines do not), or a
    heading row of years."""
    for cells in records:
        if len(cells) < 2 or not cells[0].strip():
            continue
        if any(c.strip() for c in cells[1:]) and classify_row(cells[0]) != "line":
            return True
    return any(
        sum(read_heading(c, year=2000).kind == "amount" for c in cells[1:]) >= 1
        and not any(_is_amount(c) for c in cells[1:])
        for cells in records
    )


def _is_amount(text: str) -> bool:
    """Whether a cell is an amount (a heading row has none)."""
    try:
        parse_typed_amount(text)
    except ValueError:
        return False
    return bool(text.strip())


def _read_table(
    records: Sequence[Sequence[str]], draft: BudgetDraft, names: Names
) -> PastedTable | str:
    """The block as a table: with its own heading row, or under the grid's columns."""
    text = "\n".join("\t".join(r) for r in records)
    year = _plan_year(draft)
    kwargs = {
        "year": year,
        "members": list(names.members.values()),
        "interventions": list(names.interventions.values()),
    }
    try:
        return parse_table(text, **kwargs)
    except TableError as first:
        heading = "\t".join([_("Post"), *(_column_name(c) for c in draft.columns)])
        try:
            return parse_table(heading + "\n" + text, **kwargs)
        except TableError:
            return str(first)


def _plan_year(draft: BudgetDraft) -> int:
    budgets = [int(c[:4]) for c in draft.columns if c.endswith(":budget") and COLUMN_RE.match(c)]
    years = [int(c[:4]) for c in draft.columns if COLUMN_RE.match(c)]
    return min(budgets or years or [2000])


def _paste_table(draft: BudgetDraft, row: int, table: PastedTable, names: Names) -> ActionResult:
    anchor = draft.lines[row]
    if not anchor.label.strip() and not any((v or "").strip() for v in anchor.raw.values()):
        del draft.lines[row]  # the empty row she pasted into becomes the table's lines
    for column in table.columns:
        if column.code not in draft.columns:
            insert_in_year_order(draft.columns, column.code)
    member_keys = {name: key for key, name in names.members.items()}
    intervention_keys = {name: key for key, name in names.interventions.items()}
    focus = ""
    for pasted in table.lines:
        same = next(
            (
                i
                for i, line in enumerate(draft.lines)
                if line.category == pasted.category
                and line.label.casefold() == pasted.label.casefold()
            ),
            None,
        )
        if same is None:
            draft.lines.append(
                DraftLine(
                    key="",
                    category=pasted.category,
                    label=pasted.label,
                    member=member_keys.get(pasted.member or ""),
                    intervention=intervention_keys.get(pasted.intervention or ""),
                )
            )
            same = len(draft.lines) - 1
        for code, value in pasted.amounts.items():
            _set(draft.lines[same], code, value)
        focus = focus or line_field(same, "label")
    if table.opening_equity is not None and draft.scenario is None:
        draft.opening_equity = table.opening_equity
        draft.raw_opening_equity = raw_amount(table.opening_equity)
    parts = [
        ngettext(
            "Inklistrat som tabell: %(count)s rad.",
            "Inklistrat som tabell: %(count)s rader.",
            len(table.lines),
        )
        % {"count": len(table.lines)}
    ]
    if table.opening_equity is not None and draft.scenario is None:
        parts.append(
            _("Eget kapital vid årets början: %(amount)s.")
            % {"amount": raw_amount(table.opening_equity) + " kr"}
        )
    parts += [m.message + "." for m in table.mismatches]
    parts += [_("Kontrollera kategori och koppling för varje rad.")]
    return ActionResult(focus=focus, message=" ".join(parts))


def _paste_block(
    draft: BudgetDraft, row: int, column: int, records: Sequence[Sequence[str]]
) -> ActionResult:
    # Down is down on the screen: the rows below in the grid's order, whatever their
    # category; rows added for the rest go under the grid's last row.
    same = display_order(draft)
    start = same.index(row)
    category = draft.lines[same[-1]].category
    added = 0
    filled = 0
    last = ""
    for n, cells in enumerate(records):
        if start + n < len(same):
            i = same[start + n]
        else:
            draft.lines.append(DraftLine(key="", category=category, label=""))
            i = len(draft.lines) - 1
            added += 1
        line = draft.lines[i]
        for k, value in enumerate(cells):
            target = column + k
            value = value.strip()
            if target == 0:
                line.label = value
                last = line_field(i, "label")
            elif target <= len(draft.columns):
                code = draft.columns[target - 1]
                line.raw[code] = value
                line.amounts.pop(code, None)  # read again by the view, bad cells marked
                last = amount_field(i, target - 1)
            else:
                continue
            filled += 1
    message = ngettext("Inklistrat: %(cells)s cell.", "Inklistrat: %(cells)s celler.", filled) % {
        "cells": filled
    }
    if added:
        message += " " + ngettext(
            "%(rows)s rad lades till.", "%(rows)s rader lades till.", added
        ) % {"rows": added}
    widest = max(len(cells) for cells in records)
    if column + widest - 1 > len(draft.columns):
        message += " " + _("Det som låg till höger om sista kolumnen fick inte plats.")
    return ActionResult(focus=last, message=message)
