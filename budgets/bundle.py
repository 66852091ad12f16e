"""The plan bundle `finsam-bundle/1` (see the shared spec, bundle.md).

`parse_bundle` checks a whole bundle before anything is written and reports the
first problem with its JSON path; it reads no database (its schema is
bundle_schema.py). These stay in budgets because the budget's figures of a
fastställd year are read from its adopted bundle (`bundle_facts`, below). Writing
a bundle (`export_bundle`), reading one into the database (`bundle_import`) and
comparing one with an adopted bundle span every app: they are in documents/bundle/.

Our optional keys (the spec allows optional keys): federation.org_number, .address,
.contact, .municipal_split, .population_date; members[].fixed_share_percent;
top-level "board"; plan.decision_meeting_on; plan.meetings[].uid (the meeting's
calendar UID, always written; a bundle without it is valid); an intervention's short_name, status,
category_label, age_min, age_max, description, owner_unit, steering_members,
steering_group, reports_participants, interim_report_on and annual_report_on, and
its goals' comparison and outcomes (written only when they differ from the
default, so a bundle without them exports back unchanged; a key left out is the
default on import); and an intervention's unknown keys, which are kept in
Intervention.extra and written back. budget.lines[].note and budget.scenarios[].note
(and an override's own note) are written when they hold text, as the demo files do.

`load_bundle_json` reads the JSON text for every path that reads a bundle, and
`bundle_facts` reads a parsed bundle's budget facts without the database (a
fastställd year's figures come from its snapshot's bundle that way).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from budgets.bundle_schema import (
    BundleError,
    ParsedBundle,
    ParsedLine,
    _child,
    _entry,
    _item,
    _quote,
)
from budgets.bundle_schema import ParsedOutcome as ParsedOutcome  # the bundle's public names
from budgets.bundle_schema import parse_bundle as parse_bundle
from budgets.rules import BudgetFacts, InterventionFacts, LineFacts, MemberFacts, ScenarioFacts
from finsam.money import to_places
from interventions.models import InterventionStatus
from plans.models import PlanStatus

# Our optional intervention keys with their defaults (export leaves out a default).
INTERVENTION_DEFAULTS: dict[str, Any] = {
    "short_name": "",
    "status": InterventionStatus.ONGOING.value,
    "category_label": "",
    "age_min": None,
    "age_max": None,
    "description": "",
    "owner_unit": "",
    "steering_members": [],
    "steering_group": "",
    "reports_participants": False,
    "interim_report_on": None,
    "annual_report_on": None,
}
OPTIONAL_INTERVENTION_KEYS = tuple(INTERVENTION_DEFAULTS)


class NotJSON(BundleError):
    """The text is not JSON at all (a message without a path)."""


# --- Reading the JSON text ----------------------------------------------------------

# Deeper than any bundle goes (the deepest path is about six levels), far from
# Python's recursion limit, which a crafted file would otherwise hit in json.loads.
MAX_DEPTH = 40
# Python refuses to read integers of more than 4 300 digits (a ValueError from
# inside json.loads); no figure in a bundle needs more than a few.
MAX_NUMBER_LENGTH = 40

_TOKEN = re.compile(
    r"""[ \t\n\r]*(?:
        (?P<string>"(?:[^"\\\x00-\x1f]|\\.)*")
      | (?P<number>-?[0-9][0-9.eE+\-]*)
      | (?P<punct>[{}\[\],:])
      | (?P<word>true|false|null|NaN|-?Infinity)
    )""",
    re.VERBOSE,
)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Level:
    """One open object or array while scanning: where it is and what it has seen."""

    __slots__ = ("path", "is_object", "keys", "index", "key", "expect_key")

    def __init__(self, path: str, is_object: bool) -> None:
        self.path = path
        self.is_object = is_object
        self.keys: set[str] = set()
        self.index = 0
        self.key: str | None = None
        self.expect_key = is_object

    def child(self) -> str:
        if self.is_object:
            return (
                _child(self.path, self.key or "")
                if _plain_key(self.key)
                else _entry(self.path, self.key or "")
            )
        return _item(self.path, self.index)


def _plain_key(key: str | None) -> bool:
    return bool(key) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key or "") is not None


def _scan_json(text: str) -> None:
    """Look through the JSON text without building it, and refuse what json.loads
    would take badly: a key twice in one object (json.loads keeps the last one
    silently), nesting deeper than MAX_DEPTH, a number too long to read, a string
    holding half of a UTF-16 surrogate pair (the database cannot store it). Each
    is reported with its JSON path. Text that is not JSON is left to json.loads,
    which says where."""
    stack: list[_Level] = []
    position = 0
    while True:
        match = _TOKEN.match(text, position)
        if match is None:
            return
        position = match.end()
        level = stack[-1] if stack else None
        here = level.child() if level is not None else ""
        kind = match.lastgroup
        token = match.group(kind or "")
        if kind == "string":
            try:
                value = json.loads(token)
            except ValueError:
                return
            if level is not None and level.is_object and level.expect_key:
                level.key = value
                where = level.child()
                if _SURROGATE.search(value):
                    raise BundleError(
                        where,
                        _("nyckeln innehåller ett ogiltigt tecken (ett ensamt surrogattecken)"),
                    )
                if value in level.keys:
                    raise BundleError(
                        where,
                        _("nyckeln %(key)s står två gånger i samma objekt")
                        % {"key": _quote(value)},
                    )
                level.keys.add(value)
                level.expect_key = False
            elif _SURROGATE.search(value):
                raise BundleError(
                    here, _("texten innehåller ett ogiltigt tecken (ett ensamt surrogattecken)")
                )
        elif kind == "number":
            if len(token) > MAX_NUMBER_LENGTH:
                raise BundleError(
                    here, _("talet är för långt (%(digits)s tecken)") % {"digits": len(token)}
                )
        elif token in "{[":
            if len(stack) >= MAX_DEPTH:
                shown = here if len(here) <= 120 else here[:120] + "…"
                raise BundleError(
                    shown, _("nästlat för djupt (högst %(depth)s nivåer)") % {"depth": MAX_DEPTH}
                )
            stack.append(_Level(here, token == "{"))
        elif token in "}]":
            if not stack:
                return
            stack.pop()
        elif token == "," and level is not None:
            if level.is_object:
                level.expect_key = True
            else:
                level.index += 1


def load_bundle_json(text: str) -> object:
    """The bundle's JSON text as Python values, for parse_bundle. Raises BundleError
    with the JSON path for what would otherwise pass unnoticed or end in a
    traceback (see _scan_json), and for text that is not JSON."""
    _scan_json(text)
    try:
        # Floats stay floats, so that the bundle check refuses them as amounts.
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotJSON(
            "",
            _("inte giltig JSON (rad %(line)s, kolumn %(column)s): %(message)s")
            % {"line": exc.lineno, "column": exc.colno, "message": exc.msg},
        ) from None
    except (ValueError, RecursionError):  # the scan lets none of these through; to be sure
        raise NotJSON("", _("inte läsbar som JSON")) from None


# --- The facts a bundle holds ----------------------------------------------------------


def _stored(value: Decimal) -> Decimal:
    """A number as the database gives it back (two decimals), so that figures read
    from a bundle are the very Decimals the same data gives when stored."""
    return to_places(value, 2)


def _line_facts(line: ParsedLine) -> LineFacts:
    return LineFacts(
        key=line.key,
        category=line.category,
        label=line.label,
        amounts={code: _stored(amount) for code, amount in line.amounts.items()},
        member=line.member,
        intervention=line.intervention,
        note=line.note,
    )


def bundle_facts(bundle: ParsedBundle) -> BudgetFacts:
    """What the budget rules need, read from a bundle alone (pure: no database).

    A fastställd year's figures come from its adopted bundle through this, so that
    later changes to the förbund's members, interventions or settings change the
    years to come, never the adopted record."""
    federation, plan, budget = bundle.federation, bundle.plan, bundle.budget
    return BudgetFacts(
        federation=federation.slug,
        year=budget.year,
        columns=tuple(f"{year}:{kind}" for year, kind in budget.columns),
        opening_equity=_stored(budget.opening_equity),
        lines=tuple(_line_facts(line) for line in budget.lines),
        members=tuple(
            MemberFacts(
                key=m.key,
                name=m.name,
                kind=m.kind,
                population=m.population,
                fixed_share_percent=m.fixed_share_percent,
            )
            for m in bundle.members
        ),
        interventions=tuple(
            InterventionFacts(
                key=i.key,
                name=i.name,
                individual_share_percent=_stored(i.individual_share_percent),
                member_keys=i.members,
                start=i.start,
                end=i.end,
                goals_without_target=sum(1 for goal in i.goals if goal.target is None),
            )
            for i in bundle.interventions
        ),
        deficit_reason=budget.deficit_reason or None,
        equity_cap_percent=_stored(federation.equity_cap_percent),
        equity_floor=None if federation.equity_floor is None else _stored(federation.equity_floor),
        individual_share_target_percent=(
            None
            if federation.individual_share_target_percent is None
            else _stored(federation.individual_share_target_percent)
        ),
        decided_on=plan.decided_on if plan.status == PlanStatus.DECIDED else None,
        decision_meeting_on=plan.decision_meeting_on,
        scenarios=tuple(
            ScenarioFacts(
                name=s.name, lines=tuple(_line_facts(line) for line in s.lines), note=s.note
            )
            for s in budget.scenarios
        ),
    )
