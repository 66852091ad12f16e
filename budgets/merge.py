"""Three-way merge of budget drafts: what the editor loaded (base), what the user
saves (mine) and what is stored now because a colleague saved in between (theirs).

Pure: no ORM, no request. A part only one side changed keeps that side's value;
a part both sides changed to different values is a `Conflict`, which the merged
draft holds with the user's value until she picks one (`apply_picks`). Parts are
cells (line × column), a line's label, category and link, a line as a whole
(added or removed), a column, the opening equity and the deficit reason. Line
order follows the side that reordered; if both did, the user's order wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from budgets.editing import BudgetDraft, DraftLine

ZERO = Decimal(0)
MINE = "mine"
THEIRS = "theirs"

# What a conflict or a kept change is about.
AMOUNT = "amount"
LABEL = "label"
CATEGORY = "category"
LINK = "link"
LINE = "line"
COLUMN = "column"
OPENING_EQUITY = "opening_equity"
DEFICIT_REASON = "deficit_reason"


@dataclass(frozen=True)
class Part:
    """One mergeable part. `key` is the line's key, `column` a `YEAR:KIND` code."""

    kind: str
    key: str = ""
    column: str = ""

    @property
    def id(self) -> str:
        return "|".join(p for p in (self.kind, self.key, self.column) if p)

    @classmethod
    def from_id(cls, value: str) -> Part | None:
        kind, *rest = value.split("|")
        if kind == AMOUNT and len(rest) == 2:
            return cls(kind, rest[0], rest[1])
        if kind in (LABEL, CATEGORY, LINK, LINE) and len(rest) == 1:
            return cls(kind, rest[0])
        if kind == COLUMN and len(rest) == 1:
            return cls(kind, column=rest[0])
        if kind in (OPENING_EQUITY, DEFICIT_REASON) and not rest:
            return cls(kind)
        return None


# A part's value: an amount (None for an empty cell), a text, a (member,
# intervention) link, or for lines and columns whether it exists.
Value = object


@dataclass(frozen=True)
class Conflict:
    part: Part
    label: str  # the line's label (for a line part), else ""
    base: Value
    mine: Value
    theirs: Value


@dataclass(frozen=True)
class Kept:
    """A colleague's change the merge kept."""

    part: Part
    label: str
    theirs: Value


@dataclass
class Merge:
    draft: BudgetDraft
    conflicts: list[Conflict] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)


def _same_amount(a: Decimal | None, b: Decimal | None) -> bool:
    return (a or ZERO) == (b or ZERO)


def _same(a: Value, b: Value) -> bool:
    return a == b


def _link(line: DraftLine) -> tuple[str | None, str | None]:
    return (line.member, line.intervention)


def _line_equal(a: DraftLine, b: DraftLine, columns: Iterable[str]) -> bool:
    return (
        a.label == b.label
        and a.category == b.category
        and _link(a) == _link(b)
        and all(_same_amount(a.amounts.get(c), b.amounts.get(c)) for c in columns)
    )


def _copy(line: DraftLine) -> DraftLine:
    return replace(line, amounts=dict(line.amounts), raw=dict(line.raw))


class _Merger:
    def __init__(self, base: BudgetDraft | None, mine: BudgetDraft, theirs: BudgetDraft) -> None:
        # Without a base nothing is known to be unchanged: every difference is a conflict.
        self.blind = base is None
        self.base = base if base is not None else BudgetDraft(columns=[], lines=[])
        self.mine, self.theirs = mine, theirs
        self.conflicts: list[Conflict] = []
        self.kept: list[Kept] = []

    def pick(
        self,
        part: Part,
        label: str,
        base: Value,
        mine: Value,
        theirs: Value,
        same: Callable[[Value, Value], bool] = _same,
    ) -> Value:
        """The merged value of one part: the side that changed it, or on a conflict
        the user's value (until she picks)."""
        if same(mine, theirs):
            return mine
        if self.blind:
            self.conflicts.append(Conflict(part, label, None, mine, theirs))
            return mine
        if same(mine, base):
            self.kept.append(Kept(part, label, theirs))
            return theirs
        if not same(theirs, base):
            self.conflicts.append(Conflict(part, label, base, mine, theirs))
        return mine

    def merge(self) -> Merge:
        columns = self._columns()
        lines = self._lines(columns)
        draft = replace(
            self.mine,
            columns=columns,
            lines=lines,
            opening_equity=self.pick(
                Part(OPENING_EQUITY),
                "",
                self.base.opening_equity,
                self.mine.opening_equity,
                self.theirs.opening_equity,
            ),
            deficit_reason=self.pick(
                Part(DEFICIT_REASON),
                "",
                self.base.deficit_reason,
                self.mine.deficit_reason,
                self.theirs.deficit_reason,
            ),
            version=self.theirs.version,
        )
        if draft.opening_equity != self.mine.opening_equity:
            draft.raw_opening_equity = self.theirs.raw_opening_equity
        return Merge(draft=draft, conflicts=self.conflicts, kept=self.kept)

    # --- columns ---------------------------------------------------------------------

    def _columns(self) -> list[str]:
        base, mine, theirs = (
            set(self.base.columns),
            set(self.mine.columns),
            set(self.theirs.columns),
        )
        result = []
        for code in _ordered(self.base.columns, self.mine.columns, self.theirs.columns):
            if code in mine and code in theirs:
                result.append(code)
            elif self.blind:
                self.conflicts.append(
                    Conflict(Part(COLUMN, column=code), "", None, code in mine, code in theirs)
                )
                if code in mine:
                    result.append(code)
            elif code not in base:
                # Added by one side only.
                if code in theirs:
                    self.kept.append(Kept(Part(COLUMN, column=code), "", True))
                result.append(code)
            elif code in mine or code in theirs:
                # Removed by one side: fine unless the other changed a cell in it.
                remover, keeper = (
                    (self.theirs, self.mine) if code in mine else (self.mine, self.theirs)
                )
                if self._changed_cells(keeper, code):
                    self.conflicts.append(
                        Conflict(Part(COLUMN, column=code), "", True, code in mine, code in theirs)
                    )
                    if code in mine:
                        result.append(code)
                elif code in theirs:
                    pass  # the user removed it
                else:
                    self.kept.append(Kept(Part(COLUMN, column=code), "", False))
        return result

    def _changed_cells(self, side: BudgetDraft, code: str) -> bool:
        base = {line.key: line for line in self.base.lines}
        for line in side.lines:
            before = base.get(line.key)
            if not _same_amount(
                line.amounts.get(code), before.amounts.get(code) if before else None
            ):
                return True
        return False

    # --- lines -----------------------------------------------------------------------

    def _lines(self, columns: list[str]) -> list[DraftLine]:
        base = {line.key: line for line in self.base.lines}
        mine = {line.key: line for line in self.mine.lines}
        theirs = {line.key: line for line in self.theirs.lines}
        every = list(dict.fromkeys([*self.base.columns, *self.mine.columns, *self.theirs.columns]))
        merged: dict[str, DraftLine] = {}
        for key in dict.fromkeys([*base, *mine, *theirs]):
            b, m, t = base.get(key), mine.get(key), theirs.get(key)
            if m is not None and t is not None:
                merged[key] = self._line(b, m, t, columns)
            elif self.blind:
                line = m if m is not None else t
                assert line is not None
                self.conflicts.append(
                    Conflict(Part(LINE, key), line.label, None, m is not None, t is not None)
                )
                if m is not None:
                    merged[key] = _copy(m)
            elif b is None:
                # Added by one side only.
                line = m if m is not None else t
                assert line is not None
                if m is None:
                    self.kept.append(Kept(Part(LINE, key), line.label, True))
                merged[key] = _copy(line)
            elif m is None and t is None:
                continue
            elif m is None:
                assert t is not None
                # The user removed it: a conflict if the colleague changed it.
                if not _line_equal(b, t, every):
                    self.conflicts.append(Conflict(Part(LINE, key), t.label, True, False, True))
            else:
                # The colleague removed it: a conflict if the user changed it.
                if _line_equal(b, m, every):
                    self.kept.append(Kept(Part(LINE, key), b.label, False))
                else:
                    self.conflicts.append(Conflict(Part(LINE, key), m.label, True, True, False))
                    merged[key] = _copy(m)
        order = _merged_order(
            [line.key for line in self.base.lines],
            [line.key for line in self.mine.lines],
            [line.key for line in self.theirs.lines],
            merged,
        )
        result = [merged[key] for key in order]
        for line in result:
            for code in list(line.amounts):
                if code not in columns:
                    del line.amounts[code]
                    line.raw.pop(code, None)
        return result

    def _line(
        self, b: DraftLine | None, m: DraftLine, t: DraftLine, columns: list[str]
    ) -> DraftLine:
        if b is None:  # both added a line with this key: merge against an empty line
            b = DraftLine(key=m.key, category="", label="")
        label = m.label
        line = _copy(m)
        line.label = self.pick(Part(LABEL, m.key), label, b.label, m.label, t.label)
        line.category = self.pick(Part(CATEGORY, m.key), label, b.category, m.category, t.category)
        line.member, line.intervention = self.pick(
            Part(LINK, m.key), label, _link(b), _link(m), _link(t)
        )
        for code in columns:
            mine, theirs = m.amounts.get(code), t.amounts.get(code)
            value = self.pick(
                Part(AMOUNT, m.key, code),
                label,
                b.amounts.get(code),
                mine,
                theirs,
                _same_amount,
            )
            if value is mine:
                continue
            if value is None:
                line.amounts.pop(code, None)
                line.raw[code] = ""
            else:
                line.amounts[code] = value
                line.raw[code] = t.raw.get(code, "")
        return line


def _ordered(*lists: Sequence[str]) -> list[str]:
    """Every item of the lists, base order first, then what the others add."""
    return list(dict.fromkeys(item for items in lists for item in items))


def _merged_order(
    base: list[str], mine: list[str], theirs: list[str], merged: Mapping[str, object]
) -> list[str]:
    """The side that reordered the lines they share sets the order (the user if
    both did); lines only the other side has go after the line they follow there."""
    shared = set(base) & set(mine) & set(theirs)

    def common(keys: list[str]) -> list[str]:
        return [k for k in keys if k in shared]

    if common(mine) == common(base):
        primary, others = theirs, [mine, base]
    else:
        primary, others = mine, [theirs, base]
    order = [k for k in primary if k in merged]
    for sequence in others:
        for at, key in enumerate(sequence):
            if key not in merged or key in order:
                continue
            before = next((k for k in reversed(sequence[:at]) if k in order), None)
            after = next((k for k in sequence[at + 1 :] if k in order), None)
            if before is not None:
                order.insert(order.index(before) + 1, key)
            elif after is not None:
                order.insert(order.index(after), key)
            else:
                order.append(key)
    order += [k for k in merged if k not in order]
    return order


def merge_drafts(base: BudgetDraft | None, mine: BudgetDraft, theirs: BudgetDraft) -> Merge:
    """Merge the user's draft into what is stored now (`theirs`), given what she
    loaded (`base`). The merged draft has theirs' version. Without a base (a post
    from a page that did not carry one) every difference is a conflict to pick."""
    return _Merger(base, mine, theirs).merge()


def apply_picks(
    draft: BudgetDraft, base: BudgetDraft, parts: Iterable[Part], picks: Mapping[str, str]
) -> list[Part]:
    """After a conflict the editor's base is what was stored then (theirs) and the
    draft holds the user's values; where she picked theirs, put base's value back.
    Returns the parts she has not picked yet (nothing may be saved until none)."""
    missing = []
    by_key = {line.key: line for line in base.lines}
    for part in parts:
        choice = picks.get(part.id)
        if choice not in (MINE, THEIRS):
            missing.append(part)
            continue
        if choice == MINE:
            continue
        _take_base(draft, base, by_key, part)
    return missing


def _take_base(
    draft: BudgetDraft, base: BudgetDraft, by_key: Mapping[str, DraftLine], part: Part
) -> None:
    line = next((line for line in draft.lines if line.key == part.key), None)
    stored = by_key.get(part.key)
    if part.kind == OPENING_EQUITY:
        draft.opening_equity = base.opening_equity
        draft.raw_opening_equity = base.raw_opening_equity
    elif part.kind == DEFICIT_REASON:
        draft.deficit_reason = base.deficit_reason
    elif part.kind == COLUMN:
        if part.column in base.columns and part.column not in draft.columns:
            draft.columns.append(part.column)
            for row in draft.lines:
                if row.key in by_key and part.column in by_key[row.key].amounts:
                    row.amounts[part.column] = by_key[row.key].amounts[part.column]
                    row.raw[part.column] = by_key[row.key].raw.get(part.column, "")
        elif part.column not in base.columns and part.column in draft.columns:
            draft.columns.remove(part.column)
            for row in draft.lines:
                row.amounts.pop(part.column, None)
                row.raw.pop(part.column, None)
    elif part.kind == LINE:
        if stored is None and line is not None:
            draft.lines.remove(line)
        elif stored is not None and line is None:
            keys = [row.key for row in base.lines]
            at = keys.index(part.key)
            before = {k for k in keys[:at]}
            index = max(
                (i + 1 for i, row in enumerate(draft.lines) if row.key in before), default=0
            )
            restored = _copy(stored)
            for code in list(restored.amounts):
                if code not in draft.columns:
                    del restored.amounts[code]
            draft.lines.insert(index, restored)
    elif line is not None and stored is not None:
        if part.kind == LABEL:
            line.label = stored.label
        elif part.kind == CATEGORY:
            line.category = stored.category
        elif part.kind == LINK:
            line.member, line.intervention = stored.member, stored.intervention
        elif part.kind == AMOUNT:
            if part.column in stored.amounts:
                line.amounts[part.column] = stored.amounts[part.column]
                line.raw[part.column] = stored.raw.get(part.column, "")
            else:
                line.amounts.pop(part.column, None)
                line.raw[part.column] = ""


def part_value(draft: BudgetDraft, part: Part) -> Value:
    """A part's value in a draft, as the conflict table compares them."""
    if part.kind == OPENING_EQUITY:
        return draft.opening_equity
    if part.kind == DEFICIT_REASON:
        return draft.deficit_reason
    if part.kind == COLUMN:
        return part.column in draft.columns
    line = next((line for line in draft.lines if line.key == part.key), None)
    if part.kind == LINE:
        return line is not None
    if line is None:
        return None
    if part.kind == LABEL:
        return line.label
    if part.kind == CATEGORY:
        return line.category
    if part.kind == LINK:
        return _link(line)
    return line.amounts.get(part.column)
