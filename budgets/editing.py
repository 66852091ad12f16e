"""The budget as the editor holds it before saving: a draft.

The grid posts every cell; `parse_draft()` reads the post into a `BudgetDraft` and
a dict of Swedish messages per field, keeping what the user typed so that nothing
is lost when one cell is wrong. `draft_facts()` turns a draft into the facts the
rules evaluate, so the figures follow each keystroke without saving anything.
The Excel import builds the same draft, so both paths save the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext as _

from budgets.rules import (
    CATEGORIES,
    COLUMN_KINDS,
    BudgetFacts,
    LineFacts,
    ScenarioFacts,
    column_label,
    parse_column_label,
)
from finsam.money import TOO_LARGE, parse_typed_amount, too_large

ZERO = Decimal(0)
COLUMN_RE = re.compile(r"^(\d{4}):(budget|plan|forecast|actual)$")


@dataclass
class DraftLine:
    key: str
    category: str
    label: str
    member: str | None = None
    intervention: str | None = None
    amounts: dict[str, Decimal] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # what was typed, per column
    # The line's note; None keeps the stored one (the grid does not edit notes).
    note: str | None = None

    def as_facts(self) -> LineFacts:
        return LineFacts(
            key=self.key,
            category=self.category,
            label=self.label,
            amounts=dict(self.amounts),
            member=self.member if self.category == "contribution" else None,
            intervention=self.intervention if self.category == "intervention" else None,
        )


@dataclass
class BudgetDraft:
    columns: list[str]
    lines: list[DraftLine]
    opening_equity: Decimal = ZERO
    deficit_reason: str = ""
    scenario: str | None = None  # the scenario these lines are for; None is the base
    version: int | None = None
    raw_opening_equity: str = ""
    # A scenario's note (the Excel import); None keeps the stored one.
    scenario_note: str | None = None


@dataclass
class DraftErrors:
    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields)


def line_field(index: int, name: str) -> str:
    return f"line-{index}-{name}"


def amount_field(index: int, column: int) -> str:
    return f"line-{index}-amount-{column}"


def parse_draft(
    data: Mapping[str, str],
    *,
    members: set[str],
    interventions: set[str],
) -> tuple[BudgetDraft, DraftErrors]:
    """Read the editor's post. Field names: `column-J` (a `YEAR:KIND` code),
    `line-I-key|label|category|member|intervention|delete`, `line-I-amount-J`,
    `opening_equity`, `deficit_reason`, `version`, `scenario`."""
    data = _flat(data)
    errors = DraftErrors()

    columns: list[str] = []
    column_indices = _indices(data, "column-")
    for j in column_indices:
        code = (data.get(f"column-{j}") or "").strip()
        if not code:
            continue
        if not COLUMN_RE.match(code):
            errors.add(f"column-{j}", _("Kolumnen går inte att läsa; ladda om sidan."))
        elif code in columns:
            errors.add(
                f"column-{j}",
                _("Kolumnen %(column)s finns redan.") % {"column": column_label(code)},
            )
        columns.append(code)
    column_index = {j: (data.get(f"column-{j}") or "").strip() for j in column_indices}

    lines: list[DraftLine] = []
    seen: set[str] = set()
    # A line is in the post with its name field (the other fields alone are not a line).
    for i in _indices(data, "line-", "-label"):
        if data.get(line_field(i, "delete")):
            continue
        label = (data.get(line_field(i, "label")) or "").strip()
        category = data.get(line_field(i, "category")) or ""
        # A key is a slug of at most 80 characters (Line.key); anything else posted
        # is made into one, so no database refuses it.
        key = slugify((data.get(line_field(i, "key")) or "").strip())[:80] or slugify(label)[:80]
        member = (data.get(line_field(i, "member")) or "").strip() or None
        intervention = (data.get(line_field(i, "intervention")) or "").strip() or None
        # The grid posts one select, `link`: "member:KEY" or "intervention:KEY".
        link = (data.get(line_field(i, "link")) or "").strip()
        if link:
            kind, _sep, value = link.partition(":")
            if kind == "member":
                member = value
            elif kind == "intervention":
                intervention = value
        if not label:
            errors.add(line_field(i, "label"), "Ange en benämning.")
        elif len(label) > 200:
            errors.add(line_field(i, "label"), "Högst 200 tecken.")
        if category not in CATEGORIES:
            errors.add(line_field(i, "category"), "Välj en kategori.")
        if not key:
            key = f"rad-{i}"
        base_key, n = key, 2
        while key in seen:
            key, n = f"{base_key}-{n}", n + 1
        seen.add(key)
        if category == "contribution":
            if not member:
                errors.add(line_field(i, "member"), "Ett medlemsbidrag ska höra till en medlem.")
            elif member not in members:
                errors.add(line_field(i, "member"), "Medlemmen finns inte.")
        if category == "intervention" and intervention and intervention not in interventions:
            errors.add(line_field(i, "intervention"), "Insatsen finns inte.")
        line = DraftLine(
            key=key,
            category=category,
            label=label,
            member=member if category == "contribution" else None,
            intervention=intervention if category == "intervention" else None,
        )
        prefix = f"line-{i}-amount-"
        for j, code in column_index.items():
            name = prefix + str(j)
            raw = (data.get(name) or "").strip()
            line.raw[code] = raw
            if not raw or not code:
                continue
            if PLAIN_AMOUNT.fullmatch(raw):  # the common case, as the grid shows amounts
                line.amounts[code] = Decimal(raw.replace(" ", ""))
                continue
            try:
                line.amounts[code] = _parse_amount(raw)
            except ValueError as exc:
                errors.add(name, _amount_message(str(exc)))
        lines.append(line)

    raw_equity = (data.get("opening_equity") or "").strip()
    opening = ZERO
    if raw_equity:
        try:
            opening = _parse_amount(raw_equity)
        except ValueError as exc:
            errors.add("opening_equity", _amount_message(str(exc)))
    version = data.get("version")
    draft = BudgetDraft(
        columns=columns,
        lines=lines,
        opening_equity=opening,
        # A browser posts a textarea's line breaks as CRLF; stored text has LF, so a
        # reason the user did not touch compares equal to the stored one.
        deficit_reason=(data.get("deficit_reason") or "").replace("\r\n", "\n").strip(),
        scenario=(data.get("scenario") or "").strip() or None,
        version=int(version) if version and re.fullmatch(r"[0-9]{1,9}", version) else None,
        raw_opening_equity=raw_equity,
    )
    return draft, errors


# Whole kronor of at most 12 digits, with or without thousands spaces ("1 296 000"):
# what parse_typed_amount reads the same way, read here without its general steps.
PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,3}(?: ?[0-9]{3}){0,3}")


def _flat(data: Mapping[str, str]) -> Mapping[str, str]:
    """A post as a plain dict of each name's last value (as QueryDict.get gives it):
    a 300-line grid posts 2 400 fields, each read more than once."""
    lists = getattr(data, "lists", None)
    if lists is None:
        return data
    return {name: values[-1] if values else "" for name, values in lists()}


def _parse_amount(raw: str) -> Decimal:
    amount = parse_typed_amount(raw)
    if too_large(amount):
        raise ValueError(TOO_LARGE)
    return amount


def _amount_message(reason: str) -> str:
    if reason == "fler än två decimaler":
        return "Högst två decimaler (öre)."
    if reason == TOO_LARGE:
        return "Beloppet är för stort (högst 999\u00a0999\u00a0999\u00a0999,99)."
    return "Inte ett belopp (skriv t.ex. 1\u00a0296\u00a0000 eller 1\u00a0296\u00a0000,50)."


INDEX = re.compile(r"[0-9]{1,6}")


def _indices(data: Mapping[str, str], prefix: str, suffix: str = "") -> list[int]:
    """The row indexes a post has (of `prefix` I `suffix` names), in order. Only
    those present: a post naming row 10**9 must not make the server count to it."""
    found = set()
    skip = len(prefix)
    for name in data:
        if name.startswith(prefix) and name.endswith(suffix):
            number = name[skip : len(name) - len(suffix)]
            if INDEX.fullmatch(number):
                found.add(int(number))
    return sorted(found)


def draft_facts(facts: BudgetFacts, draft: BudgetDraft) -> BudgetFacts:
    """The stored facts with the draft in place of the stored lines: of the base
    budget, or of the draft's scenario."""
    columns = tuple(c for c in draft.columns if COLUMN_RE.match(c))
    lines = tuple(line.as_facts() for line in draft.lines if line.category in CATEGORIES)
    if draft.scenario is None:
        return replace(
            facts,
            columns=columns,
            lines=lines,
            opening_equity=draft.opening_equity,
            deficit_reason=draft.deficit_reason or None,
        )
    scenarios = tuple(
        ScenarioFacts(name=s.name, lines=scenario_overrides(facts.lines, lines))
        if s.name == draft.scenario
        else s
        for s in facts.scenarios
    )
    return replace(facts, columns=columns, scenarios=scenarios)


def scenario_overrides(
    base: tuple[LineFacts, ...], effective: tuple[LineFacts, ...]
) -> tuple[LineFacts, ...]:
    """What a scenario must store so that applying it to `base` gives `effective`:
    a line whose amounts differ from the base line, and every line the base lacks.
    Base lines missing from `effective` cannot be removed by a scenario; they are
    kept with zero amounts (an override of nothing)."""
    by_key = {line.key: line for line in base}
    result = []
    shown = set()
    for line in effective:
        shown.add(line.key)
        base_line = by_key.get(line.key)
        if base_line is None:
            result.append(line)
        elif _nonzero(base_line.amounts) != _nonzero(line.amounts):
            result.append(replace(base_line, amounts=dict(line.amounts)))
    for line in base:
        if line.key not in shown:
            result.append(replace(line, amounts={}))
    return tuple(result)


def _nonzero(amounts: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return {k: v for k, v in amounts.items() if v != 0}


def column_sort_key(code: str) -> tuple[int, int]:
    year, kind = code.split(":")
    return int(year), COLUMN_KINDS.index(kind)


# What a column is called where people write it: "Utfall 2020", "Prognos 2023",
# "Budget 2024", "Plan 2025" (budgets.rules.parse_column_label, the labels read
# back). The year may come first ("2020 utfall", "2020:prognos"); "2020:actual",
# the stored code, is read too.
YEAR_FIRST_RE = re.compile(r"\s*(?P<year>[0-9]{4})\s*[\s:]\s*(?P<kind>\S+)\s*")


def read_column_name(text: str) -> str:
    """The column code of a column's Swedish name, "Utfall 2020" → its code; raises
    ValueError with a Swedish message naming what was typed."""
    text = text or ""
    code = parse_column_label(text)
    if code is None and (year_first := YEAR_FIRST_RE.fullmatch(text)):
        code = parse_column_label(f"{year_first['kind']} {year_first['year']}")
        if code is None and COLUMN_RE.match(text.strip()):
            code = text.strip()
    if code is not None:
        return code
    examples = _("Utfall 2020, Prognos 2023, Budget 2024 eller Plan 2025")
    if not text.strip():
        raise ValueError(
            _("Skriv kolumnens slag och år, t.ex. %(examples)s.") % {"examples": examples}
        )
    raise ValueError(
        _("»%(text)s« är ingen kolumn. Skriv slag och år, t.ex. %(examples)s.")
        % {"text": text.strip(), "examples": examples}
    )


def insert_in_year_order(columns: list[str], code: str) -> int:
    """Put `code` among `columns` where it belongs by year (and, within a year, budget,
    plan, prognos, utfall), before the first column that comes after it; return its
    index. Columns already out of order stay as they are."""
    key = column_sort_key(code)
    index = next(
        (
            i
            for i, other in enumerate(columns)
            if COLUMN_RE.match(other) and column_sort_key(other) > key
        ),
        len(columns),
    )
    columns.insert(index, code)
    return index


def draft_post(draft: BudgetDraft) -> dict[str, str]:
    """The fields the grid would post for `draft`: `parse_draft` reads them back to
    the same draft, what was typed included (after a layout action the messages of
    bad cells are found again at the cells' new places)."""
    data = {
        "opening_equity": draft.raw_opening_equity,
        "deficit_reason": draft.deficit_reason,
        "scenario": draft.scenario or "",
        "version": "" if draft.version is None else str(draft.version),
    }
    for j, code in enumerate(draft.columns):
        data[f"column-{j}"] = code
    for i, line in enumerate(draft.lines):
        data[line_field(i, "key")] = line.key
        data[line_field(i, "label")] = line.label
        data[line_field(i, "category")] = line.category
        if line.member:
            data[line_field(i, "link")] = f"member:{line.member}"
        elif line.intervention:
            data[line_field(i, "link")] = f"intervention:{line.intervention}"
        for j, code in enumerate(draft.columns):
            data[amount_field(i, j)] = line.raw.get(code, "")
    return data
