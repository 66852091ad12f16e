"""The plan bundle `finsam-bundle/1` (see the shared spec, bundle.md).

`parse_bundle` checks a whole bundle before anything is written and reports the
first problem with its JSON path; it reads no database. `export_bundle` writes one
förbund's plan year back in a fixed number of queries.

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
import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Value
from django.utils.translation import gettext as _

from budgets.models import Amount, Budget, Category, ColumnKind, Line, Scenario
from budgets.rules import BudgetFacts, InterventionFacts, LineFacts, MemberFacts, ScenarioFacts
from finsam.models import (
    BoardSeat,
    Federation,
    Member,
    MemberKind,
    MunicipalSplit,
    SeatPosition,
    SeatRole,
)
from finsam.money import ORE, amount_str, parse_amount, round_ore
from interventions.models import (
    MAX_AGE,
    GoalComparison,
    Intervention,
    InterventionGoal,
    InterventionStatus,
)
from plans.models import GoalLevel, MeetingKind, Plan, PlanStatus, SectionKind
from plans.rules import meeting_date_error

FORMAT = "finsam-bundle/1"

# DecimalField(max_digits=14, decimal_places=2) holds less than 10^12 kr.
MAX_AMOUNT = Decimal(10) ** 12
MAX_POPULATION = 2_147_483_647
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
TIME_RE = re.compile(r"^\d{2}:\d{2}\Z")
COLUMN_RE = re.compile(r"^(\d{4}):([a-z]+)\Z")
PERCENT_RE = re.compile(r"^-?\d+(\.\d+)?\Z")
MIN_YEAR, MAX_YEAR = 1900, 2999

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
INTERVENTION_KEYS = (
    "key",
    "name",
    "individual_share_percent",
    "members",
    "owner",
    "start",
    "end",
    "target_group",
    "purpose",
    "goals",
    *OPTIONAL_INTERVENTION_KEYS,
)
FEDERATION_OPTIONAL_KEYS = (
    "equity_cap_percent",
    "equity_floor",
    "individual_share_target_percent",
    "org_number",
    "address",
    "contact",
    "municipal_split",
    "population_date",
)


class BundleError(ValueError):
    """A rejected bundle: the JSON path of the first problem and a Swedish message."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class NotJSON(BundleError):
    """The text is not JSON at all (a message without a path)."""


# --- The parsed bundle -------------------------------------------------------------


@dataclass(frozen=True)
class ParsedFederation:
    slug: str
    name: str
    equity_cap_percent: Decimal
    equity_floor: Decimal | None
    individual_share_target_percent: Decimal | None
    org_number: str
    address: str
    contact: str
    municipal_split: str
    population_date: date | None
    # The keys besides slug and name that the bundle gives; import leaves the others
    # as they are (or at the model's default for a new förbund).
    given: frozenset[str]


@dataclass(frozen=True)
class ParsedMember:
    key: str
    name: str
    kind: str
    population: int | None
    population_date: date | None
    fixed_share_percent: Decimal | None


@dataclass(frozen=True)
class ParsedSeat:
    person: str
    member: str
    role: str
    position: str
    term_end: date | None


@dataclass(frozen=True)
class ParsedOutcome:
    year: int
    value: Decimal
    note: str


@dataclass(frozen=True)
class ParsedInterventionGoal:
    text: str
    target: Decimal | None
    unit: str
    comparison: str = GoalComparison.AT_LEAST.value
    # None: the bundle says nothing about outcomes (import keeps what is stored).
    outcomes: tuple[ParsedOutcome, ...] | None = None


@dataclass(frozen=True)
class ParsedIntervention:
    key: str
    name: str
    individual_share_percent: Decimal
    members: tuple[str, ...]
    owner: str | None
    start: date | None
    end: date | None
    target_group: str
    purpose: str
    goals: tuple[ParsedInterventionGoal, ...]
    extra: dict[str, Any]
    short_name: str = ""
    status: str = InterventionStatus.ONGOING.value
    category_label: str = ""
    age_min: int | None = None
    age_max: int | None = None
    description: str = ""
    owner_unit: str = ""
    steering_members: tuple[str, ...] = ()
    steering_group: str = ""
    reports_participants: bool = False
    interim_report_on: date | None = None
    annual_report_on: date | None = None


@dataclass(frozen=True)
class ParsedSection:
    heading: str
    body: str
    kind: str = SectionKind.TEXT


@dataclass(frozen=True)
class ParsedPlanGoal:
    level: str
    text: str
    measures: tuple[str, ...]


@dataclass(frozen=True)
class ParsedMeeting:
    kind: str
    date: date
    title: str
    note: str
    time: time | None = None
    place: str = ""
    uid: uuid.UUID | None = None


@dataclass(frozen=True)
class ParsedPlan:
    year: int
    title: str
    reference: str
    status: str
    decided_on: date | None
    decision_meeting_on: date | None
    sections: tuple[ParsedSection, ...]
    goals: tuple[ParsedPlanGoal, ...]
    meetings: tuple[ParsedMeeting, ...]
    vision: str = ""


@dataclass(frozen=True)
class ParsedLine:
    key: str
    category: str
    label: str
    member: str | None
    intervention: str | None
    # Only the cells the bundle gives, by column code; a missing cell is 0.
    amounts: dict[str, Decimal]
    note: str = ""


@dataclass(frozen=True)
class ParsedScenario:
    name: str
    # An override carries its base line's category, label, member and intervention.
    lines: tuple[ParsedLine, ...]
    note: str = ""


@dataclass(frozen=True)
class ParsedBudget:
    year: int
    columns: tuple[tuple[int, str], ...]
    opening_equity: Decimal
    deficit_reason: str
    lines: tuple[ParsedLine, ...]
    scenarios: tuple[ParsedScenario, ...]


@dataclass(frozen=True)
class ParsedBundle:
    federation: ParsedFederation
    members: tuple[ParsedMember, ...]
    board: tuple[ParsedSeat, ...] | None  # None: the bundle has no "board" key
    interventions: tuple[ParsedIntervention, ...]
    plan: ParsedPlan
    budget: ParsedBudget


# --- Small readers; each raises BundleError with the path it was given --------------

_MISSING = object()


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _entry(path: str, key: str) -> str:
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _quote(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BundleError(path, _("ska vara ett objekt"))
    return value


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise BundleError(path, _("ska vara en lista"))
    return value


def _get(obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> Any:
    if key not in obj:
        if required:
            raise BundleError(_child(path, key), _("saknas"))
        return _MISSING
    return obj[key]


def _list_at(obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> list[Any]:
    value = _get(obj, key, path, required=required)
    if value is _MISSING or (value is None and not required):
        return []
    return _list(value, _child(path, key))


def _check_text(value: object, path: str, *, max_length: int | None, blank: bool) -> str:
    if not isinstance(value, str):
        raise BundleError(path, _("ska vara en text"))
    if "\x00" in value:
        raise BundleError(path, _("innehåller ett otillåtet tecken (NUL)"))
    if not blank and not value.strip():
        raise BundleError(path, _("får inte vara tom"))
    if max_length is not None and len(value) > max_length:
        raise BundleError(path, _("är för lång (högst %(max)s tecken)") % {"max": max_length})
    return value


def _text(
    obj: dict[str, Any],
    key: str,
    path: str,
    *,
    max_length: int | None = None,
    required: bool = True,
) -> str:
    """Required texts may not be blank; optional ones may be missing or null ("")."""
    value = _get(obj, key, path, required=required)
    if not required and (value is _MISSING or value is None):
        return ""
    return _check_text(value, _child(path, key), max_length=max_length, blank=not required)


def _slug(obj: dict[str, Any], key: str, path: str, *, max_length: int) -> str:
    value = _text(obj, key, path, max_length=max_length)
    if not SLUG_RE.match(value):
        raise BundleError(
            _child(path, key),
            _("ogiltig nyckel %(key)s (bara a–z, A–Z, 0–9, - och _)") % {"key": _quote(value)},
        )
    return value


def _choice(
    obj: dict[str, Any],
    key: str,
    path: str,
    choices: list[str],
    *,
    default: str | None = None,
) -> str:
    value = _get(obj, key, path, required=default is None)
    if value is _MISSING:
        assert default is not None
        return default
    if not isinstance(value, str) or value not in choices:
        raise BundleError(
            _child(path, key),
            _("okänt värde %(value)s (tillåtna: %(choices)s)")
            % {"value": _quote(value), "choices": ", ".join(c or '""' for c in choices)},
        )
    return value


def _date(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> date | None:
    value = _get(obj, key, path, required=required)
    if value is _MISSING or (value is None and not required):
        return None
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BundleError(_child(path, key), _("inte ett datum (ÅÅÅÅ-MM-DD)"))


def _time(obj: dict[str, Any], key: str, path: str) -> time | None:
    value = _get(obj, key, path, required=False)
    if value is _MISSING or value is None:
        return None
    if isinstance(value, str) and TIME_RE.match(value):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise BundleError(_child(path, key), _("inte en tid (TT:MM)"))


def _year(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise BundleError(path, _("inte ett årtal"))
    return value


def _amount(value: object, path: str) -> Decimal:
    try:
        amount = parse_amount(value)
    except ValueError as exc:
        raise BundleError(path, str(exc)) from None
    if abs(amount) >= MAX_AMOUNT:
        raise BundleError(path, _("beloppet är för stort"))
    return amount


def _percent(value: object, path: str, *, places: int = 2) -> Decimal:
    assert places in (2, 3)
    """A percentage 0–100: an integer or a decimal string ("20", "33.333")."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BundleError(path, _("inte ett tal"))
    text = str(value).strip().replace(",", ".")
    if not PERCENT_RE.match(text):
        raise BundleError(path, _("inte ett tal"))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BundleError(path, _("inte ett tal")) from None
    if not number.is_finite():
        raise BundleError(path, _("inte ett tal"))
    if not 0 <= number <= 100:
        raise BundleError(path, _("ska vara mellan 0 och 100"))
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise BundleError(
            path, _("fler än två decimaler") if places == 2 else _("fler än tre decimaler")
        )
    return number


def _share(value: object, path: str) -> Decimal:
    """An intervention's individual share: a number as the spec writes it (100,
    12.5), or a decimal string. A JSON number with a fraction arrives as a float;
    its shortest decimal form is what was written."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BundleError(path, _("inte ett tal"))
        value = repr(value)
        if "e" in value.lower():
            raise BundleError(path, _("inte ett tal"))
    return _percent(value, path)


def _optional_percent(
    obj: dict[str, Any],
    key: str,
    path: str,
    *,
    places: int = 2,
) -> Decimal | None:
    value = _get(obj, key, path, required=False)
    if value is _MISSING or value is None:
        return None
    return _percent(value, _child(path, key), places=places)


def _json_value(value: object, path: str) -> None:
    """An intervention's extra keys are stored as JSON: plain JSON values only."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BundleError(path, _("inte ett tal"))
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _json_value(item, _item(path, index))
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise BundleError(path, _("nycklar ska vara texter"))
            _json_value(item, _entry(path, key))
        return
    raise BundleError(path, _("inte ett JSON-värde"))


def _unique(seen: dict[str, str], key: str, path: str, what: str) -> None:
    if key in seen:
        raise BundleError(
            path,
            _("%(what)s %(key)s förekommer redan (%(first)s)")
            % {"what": what, "key": _quote(key), "first": seen[key]},
        )
    seen[key] = path


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
            return _child(self.path, self.key or "") if _plain_key(self.key) else _entry(
                self.path, self.key or ""
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
                    raise BundleError(where, _("nyckeln innehåller ett ogiltigt tecken (ett ensamt surrogattecken)"))
                if value in level.keys:
                    raise BundleError(
                        where, _("nyckeln %(key)s står två gånger i samma objekt") % {"key": _quote(value)}
                    )
                level.keys.add(value)
                level.expect_key = False
            elif _SURROGATE.search(value):
                raise BundleError(here, _("texten innehåller ett ogiltigt tecken (ett ensamt surrogattecken)"))
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


# --- Parsing -------------------------------------------------------------------------


def parse_bundle(data: object) -> ParsedBundle:
    """Validate a whole bundle; raise BundleError for the first problem found."""
    if not isinstance(data, dict):
        raise BundleError("", _("paketet ska vara ett JSON-objekt"))
    root = data
    fmt = _get(root, "format", "")
    if fmt != FORMAT:
        raise BundleError("format", _("ska vara %(format)s") % {"format": _quote(FORMAT)})
    federation = _parse_federation(_object(_get(root, "federation", ""), "federation"))
    members = _parse_members(_list_at(root, "members", ""))
    member_keys = {m.key for m in members}
    board = None  # no "board" (or null): the förbund's board stays as it is
    if root.get("board") is not None:
        board = _parse_board(_list(root["board"], "board"), member_keys)
    interventions = _parse_interventions(_list_at(root, "interventions", ""), member_keys)
    plan = _parse_plan(_object(_get(root, "plan", ""), "plan"))
    budget = _parse_budget(
        _object(_get(root, "budget", ""), "budget"),
        plan_year=plan.year,
        member_keys=member_keys,
        intervention_keys={i.key for i in interventions},
    )
    return ParsedBundle(federation, members, board, interventions, plan, budget)


def _parse_federation(obj: dict[str, Any]) -> ParsedFederation:
    path = "federation"
    slug = _slug(obj, "slug", path, max_length=80)
    name = _text(obj, "name", path, max_length=200)
    cap = Decimal(20)
    if "equity_cap_percent" in obj:
        cap = _percent(obj["equity_cap_percent"], _child(path, "equity_cap_percent"))
    floor = None
    if obj.get("equity_floor") is not None:
        floor = _amount(obj["equity_floor"], _child(path, "equity_floor"))
        if floor < 0:
            raise BundleError(_child(path, "equity_floor"), _("får inte vara negativt"))
    target = _optional_percent(obj, "individual_share_target_percent", path)
    return ParsedFederation(
        slug=slug,
        name=name,
        equity_cap_percent=cap,
        equity_floor=floor,
        individual_share_target_percent=target,
        org_number=_text(obj, "org_number", path, max_length=20, required=False),
        address=_text(obj, "address", path, required=False),
        contact=_text(obj, "contact", path, required=False),
        municipal_split=_choice(
            obj, "municipal_split", path, MunicipalSplit.values, default=MunicipalSplit.POPULATION
        ),
        population_date=_date(obj, "population_date", path),
        given=frozenset(key for key in FEDERATION_OPTIONAL_KEYS if key in obj),
    )


def _parse_members(items: list[Any]) -> tuple[ParsedMember, ...]:
    seen: dict[str, str] = {}
    members = []
    for index, value in enumerate(items):
        path = _item("members", index)
        obj = _object(value, path)
        key = _slug(obj, "key", path, max_length=60)
        _unique(seen, key, _child(path, "key"), _("medlemmen"))
        name = _text(obj, "name", path, max_length=200)
        kind = _choice(obj, "kind", path, MemberKind.values)
        population = None
        raw = obj.get("population")
        if raw is not None:
            if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_POPULATION:
                raise BundleError(_child(path, "population"), _("ska vara ett heltal ≥ 0"))
            population = raw
        population_date = _date(obj, "population_date", path)
        fixed_share = _optional_percent(obj, "fixed_share_percent", path, places=3)
        if kind != MemberKind.MUNICIPALITY:
            for field, given in (
                ("population", population),
                ("population_date", population_date),
                ("fixed_share_percent", fixed_share),
            ):
                if given is not None:
                    raise BundleError(_child(path, field), _("anges bara för kommuner"))
        members.append(ParsedMember(key, name, kind, population, population_date, fixed_share))
    return tuple(members)


def _member_ref(obj: dict[str, Any], key: str, path: str, member_keys: set[str]) -> str:
    value = _get(obj, key, path)
    if not isinstance(value, str) or value not in member_keys:
        raise BundleError(
            _child(path, key),
            _("medlemmen %(key)s finns inte i members") % {"key": _quote(value)},
        )
    return value


def _parse_board(items: list[Any], member_keys: set[str]) -> tuple[ParsedSeat, ...]:
    seats = []
    for index, value in enumerate(items):
        path = _item("board", index)
        obj = _object(value, path)
        person = _text(obj, "name", path, max_length=200)
        member = _member_ref(obj, "member", path, member_keys)
        role = _choice(obj, "role", path, SeatRole.values)
        position = ""
        if obj.get("position") is not None:
            position = _choice(obj, "position", path, SeatPosition.values)
        seats.append(ParsedSeat(person, member, role, position, _date(obj, "term_end", path)))
    return tuple(seats)


def _parse_interventions(
    items: list[Any],
    member_keys: set[str],
) -> tuple[ParsedIntervention, ...]:
    seen: dict[str, str] = {}
    interventions = []
    for index, value in enumerate(items):
        path = _item("interventions", index)
        obj = _object(value, path)
        key = _slug(obj, "key", path, max_length=60)
        _unique(seen, key, _child(path, "key"), _("insatsen"))
        name = _text(obj, "name", path, max_length=200)
        share = _share(
            _get(obj, "individual_share_percent", path),
            _child(path, "individual_share_percent"),
        )
        members = _member_list(obj, "members", path, member_keys, required=True)
        owner = None
        if obj.get("owner") is not None:
            owner = _member_ref(obj, "owner", path, member_keys)
        start = _date(obj, "start", path)
        end = _date(obj, "end", path)
        if start and end and end < start:
            raise BundleError(_child(path, "end"), _("slutar före start"))
        target_group = _text(obj, "target_group", path, required=False)
        purpose = _text(obj, "purpose", path, required=False)
        goals = []
        goals_path = _child(path, "goals")
        for goal_index, goal_value in enumerate(_list_at(obj, "goals", path, required=False)):
            goals.append(_parse_intervention_goal(goal_value, _item(goals_path, goal_index)))
        age_min = _age(obj, "age_min", path)
        age_max = _age(obj, "age_max", path)
        if age_min is not None and age_max is not None and age_max < age_min:
            raise BundleError(_child(path, "age_max"), _("är lägre än age_min"))
        reports = obj.get("reports_participants", False)
        if reports is None:
            reports = False
        if not isinstance(reports, bool):
            raise BundleError(_child(path, "reports_participants"), _("ska vara true eller false"))
        extra = {}
        for extra_key, extra_value in obj.items():
            if extra_key not in INTERVENTION_KEYS:
                _json_value(extra_value, _child(path, extra_key))
                extra[extra_key] = extra_value
        interventions.append(
            ParsedIntervention(
                key,
                name,
                share,
                tuple(members),
                owner,
                start,
                end,
                target_group,
                purpose,
                tuple(goals),
                extra,
                short_name=_text(obj, "short_name", path, max_length=40, required=False),
                status=_choice(
                    obj, "status", path, InterventionStatus.values,
                    default=InterventionStatus.ONGOING.value,
                ),
                category_label=_text(obj, "category_label", path, max_length=60, required=False),
                age_min=age_min,
                age_max=age_max,
                description=_text(obj, "description", path, required=False),
                owner_unit=_text(obj, "owner_unit", path, max_length=200, required=False),
                steering_members=tuple(
                    _member_list(obj, "steering_members", path, member_keys, required=False)
                ),
                steering_group=_text(obj, "steering_group", path, required=False),
                reports_participants=reports,
                interim_report_on=_date(obj, "interim_report_on", path),
                annual_report_on=_date(obj, "annual_report_on", path),
            )
        )
    return tuple(interventions)


def _member_list(
    obj: dict[str, Any], key: str, path: str, member_keys: set[str], *, required: bool
) -> list[str]:
    """A list of member keys, each known and named once."""
    list_path = _child(path, key)
    members: list[str] = []
    for index, member in enumerate(_list_at(obj, key, path, required=required)):
        member_path = _item(list_path, index)
        if not isinstance(member, str) or member not in member_keys:
            raise BundleError(
                member_path,
                _("medlemmen %(key)s finns inte i members") % {"key": _quote(member)},
            )
        if member in members:
            raise BundleError(
                member_path, _("medlemmen %(key)s står två gånger") % {"key": _quote(member)}
            )
        members.append(member)
    return members


def _age(obj: dict[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AGE:
        raise BundleError(
            _child(path, key), _("ska vara ett heltal 0–%(max)s") % {"max": MAX_AGE}
        )
    return value


def _goal_number(value: object, path: str) -> Decimal:
    """A goal's target or outcome: an integer or a decimal string ("40", "12.5")."""
    if isinstance(value, str):
        _check_text(value, path, max_length=40, blank=True)
    amount = _amount(value, path)
    return amount


def _parse_intervention_goal(value: object, path: str) -> ParsedInterventionGoal:
    goal = _object(value, path)
    text = _text(goal, "text", path)
    target = None
    raw = goal.get("target")
    if raw is not None and not (isinstance(raw, str) and not raw.strip()):
        target = _goal_number(raw, _child(path, "target"))
    comparison = _choice(
        goal, "comparison", path, GoalComparison.values, default=GoalComparison.AT_LEAST.value
    )
    outcomes = None
    if goal.get("outcomes") is not None:
        outcomes_path = _child(path, "outcomes")
        seen: dict[str, str] = {}
        parsed = []
        for index, item in enumerate(_list(goal["outcomes"], outcomes_path)):
            item_path = _item(outcomes_path, index)
            outcome = _object(item, item_path)
            year = _year(_get(outcome, "year", item_path), _child(item_path, "year"))
            _unique(seen, str(year), _child(item_path, "year"), _("året"))
            parsed.append(
                ParsedOutcome(
                    year=year,
                    value=_goal_number(_get(outcome, "value", item_path), _child(item_path, "value")),
                    note=_text(outcome, "note", item_path, max_length=300, required=False),
                )
            )
        outcomes = tuple(parsed)
    return ParsedInterventionGoal(
        text=text,
        target=target,
        unit=_text(goal, "unit", path, max_length=40, required=False),
        comparison=comparison,
        outcomes=outcomes,
    )


def _meeting_uid(meeting: dict[str, Any], path: str, seen: set[uuid.UUID]) -> uuid.UUID | None:
    """A meeting's optional calendar UID: a UUID, once per bundle."""
    value = _get(meeting, "uid", path, required=False)
    if value is _MISSING or value is None:
        return None
    try:
        uid = uuid.UUID(value) if isinstance(value, str) and len(value) <= 45 else None
    except ValueError:
        uid = None
    if uid is None:
        raise BundleError(_child(path, "uid"), _("inte ett UID (UUID, t.ex. %(example)s)")
                          % {"example": "0b5c1e8a-4a4e-4d0e-9a59-2f3c8c1d7e21"})
    if uid in seen:
        raise BundleError(_child(path, "uid"), _("finns redan på ett annat möte i paketet"))
    seen.add(uid)
    return uid


def _parse_plan(obj: dict[str, Any]) -> ParsedPlan:
    path = "plan"
    year = _year(_get(obj, "year", path), _child(path, "year"))
    title = _text(obj, "title", path, max_length=300)
    reference = _text(obj, "reference", path, max_length=100, required=False)
    status = _choice(obj, "status", path, PlanStatus.values, default=PlanStatus.DRAFT)
    decided_on = _date(obj, "decided_on", path)
    if status == PlanStatus.DECIDED and decided_on is None:
        raise BundleError(
            _child(path, "decided_on"),
            _("saknas: en fastställd plan (status decided) anger beslutsdagen"),
        )
    decision_meeting_on = _date(obj, "decision_meeting_on", path)
    sections = []
    for index, value in enumerate(_list_at(obj, "sections", path, required=False)):
        item_path = _item(_child(path, "sections"), index)
        section = _object(value, item_path)
        sections.append(
            ParsedSection(
                heading=_text(section, "heading", item_path, max_length=200),
                body=_text(section, "body", item_path, required=False),
                kind=_choice(
                    section, "kind", item_path, SectionKind.values, default=SectionKind.TEXT
                ),
            )
        )
    goals = []
    for index, value in enumerate(_list_at(obj, "goals", path, required=False)):
        item_path = _item(_child(path, "goals"), index)
        goal = _object(value, item_path)
        level = _choice(goal, "level", item_path, GoalLevel.values)
        text = _text(goal, "text", item_path)
        measures = []
        measures_path = _child(item_path, "measures")
        for measure_index, measure in enumerate(
            _list_at(goal, "measures", item_path, required=False)
        ):
            measures.append(
                _check_text(
                    measure, _item(measures_path, measure_index), max_length=None, blank=True
                )
            )
        goals.append(ParsedPlanGoal(level, text, tuple(measures)))
    meetings = []
    uids: set[uuid.UUID] = set()
    for index, value in enumerate(_list_at(obj, "meetings", path, required=False)):
        item_path = _item(_child(path, "meetings"), index)
        meeting = _object(value, item_path)
        kind = _choice(meeting, "kind", item_path, MeetingKind.values)
        day = _date(meeting, "date", item_path, required=True)
        assert day is not None
        if error := meeting_date_error(year=year, day=day):
            raise BundleError(_child(item_path, "date"), error)
        meetings.append(
            ParsedMeeting(
                kind=kind,
                date=day,
                title=_text(meeting, "title", item_path, max_length=200, required=False),
                note=_text(meeting, "note", item_path, required=False),
                time=_time(meeting, "time", item_path),
                place=_text(meeting, "place", item_path, max_length=200, required=False),
                uid=_meeting_uid(meeting, item_path, uids),
            )
        )
    return ParsedPlan(
        year,
        title,
        reference,
        status,
        decided_on,
        decision_meeting_on,
        tuple(sections),
        tuple(goals),
        tuple(meetings),
        vision=_text(obj, "vision", path, required=False),
    )


def _parse_columns(obj: dict[str, Any], year: int) -> tuple[tuple[int, str], ...]:
    path = "budget.columns"
    seen: dict[str, str] = {}
    columns = []
    for index, code in enumerate(_list_at(obj, "columns", "budget")):
        item_path = _item(path, index)
        match = COLUMN_RE.match(code) if isinstance(code, str) else None
        if not match or match.group(2) not in ColumnKind.values:
            raise BundleError(
                item_path,
                _("ogiltig kolumn %(code)s (ÅR:SLAG med SLAG %(kinds)s)")
                % {"code": _quote(code), "kinds": ", ".join(ColumnKind.values)},
            )
        column_year = _year(int(match.group(1)), item_path)
        _unique(seen, code, item_path, _("kolumnen"))
        columns.append((column_year, match.group(2)))
    if (year, ColumnKind.BUDGET) not in columns:
        raise BundleError(path, _("kolumnen %(code)s saknas") % {"code": _quote(f"{year}:budget")})
    return tuple(columns)


def _parse_amounts(obj: dict[str, Any], path: str, column_codes: set[str]) -> dict[str, Decimal]:
    value = _get(obj, "amounts", path, required=False)
    if value is _MISSING or value is None:
        return {}
    amounts_path = _child(path, "amounts")
    cells = _object(value, amounts_path)
    amounts = {}
    for code, cell in cells.items():
        cell_path = _entry(amounts_path, code)
        if code not in column_codes:
            raise BundleError(cell_path, _("kolumnen finns inte i budget.columns"))
        amounts[code] = _amount(cell, cell_path)
    return amounts


@dataclass(frozen=True)
class _LineContext:
    column_codes: set[str]
    member_keys: set[str]
    intervention_keys: set[str]


def _parse_line(obj: dict[str, Any], path: str, key: str, ctx: _LineContext) -> ParsedLine:
    """A full line; `key` has been read (from "key", or "line" in a scenario)."""
    category = _choice(obj, "category", path, Category.values)
    label = _text(obj, "label", path, max_length=200)
    member = None
    if category == Category.CONTRIBUTION:
        value = obj.get("member")
        if value is None:
            raise BundleError(_child(path, "member"), _("saknas (medlemsbidrag anger medlem)"))
        member = _member_ref(obj, "member", path, ctx.member_keys)
    elif obj.get("member") is not None:
        raise BundleError(_child(path, "member"), _("anges bara på medlemsbidrag (contribution)"))
    intervention = None
    if obj.get("intervention") is not None:
        if category != Category.INTERVENTION:
            raise BundleError(
                _child(path, "intervention"), _("anges bara på insatsrader (intervention)")
            )
        intervention = obj["intervention"]
        if not isinstance(intervention, str) or intervention not in ctx.intervention_keys:
            raise BundleError(
                _child(path, "intervention"),
                _("insatsen %(key)s finns inte i interventions") % {"key": _quote(intervention)},
            )
    amounts = _parse_amounts(obj, path, ctx.column_codes)
    note = _text(obj, "note", path, required=False)
    return ParsedLine(key, category, label, member, intervention, amounts, note)


def _parse_budget(
    obj: dict[str, Any],
    *,
    plan_year: int,
    member_keys: set[str],
    intervention_keys: set[str],
) -> ParsedBudget:
    path = "budget"
    year = _year(_get(obj, "year", path), _child(path, "year"))
    if year != plan_year:
        raise BundleError(
            _child(path, "year"),
            _("ska vara samma år som plan.year (%(year)s)") % {"year": plan_year},
        )
    columns = _parse_columns(obj, year)
    opening_equity = Decimal(0)
    if obj.get("opening_equity") is not None:
        opening_equity = _amount(obj["opening_equity"], _child(path, "opening_equity"))
    deficit_reason = _text(obj, "deficit_reason", path, required=False)
    ctx = _LineContext({f"{y}:{k}" for y, k in columns}, member_keys, intervention_keys)

    lines: list[ParsedLine] = []
    seen: dict[str, str] = {}
    for index, value in enumerate(_list_at(obj, "lines", path)):
        line_path = _item(_child(path, "lines"), index)
        line = _object(value, line_path)
        key = _slug(line, "key", line_path, max_length=80)
        _unique(seen, key, _child(line_path, "key"), _("raden"))
        lines.append(_parse_line(line, line_path, key, ctx))
    base = {line.key: line for line in lines}

    scenarios = []
    names: dict[str, str] = {}
    for index, value in enumerate(_list_at(obj, "scenarios", path, required=False)):
        scenario_path = _item(_child(path, "scenarios"), index)
        scenario = _object(value, scenario_path)
        name = _text(scenario, "name", scenario_path, max_length=200)
        _unique(names, name, _child(scenario_path, "name"), _("scenariot"))
        scenario_lines = []
        scenario_seen: dict[str, str] = {}
        overrides = _list_at(scenario, "overrides", scenario_path, required=False)
        for line_index, line_value in enumerate(overrides):
            line_path = _item(_child(scenario_path, "overrides"), line_index)
            line = _object(line_value, line_path)
            key_name = "line" if "line" in line or "key" not in line else "key"
            key = _slug(line, key_name, line_path, max_length=80)
            if key_name == "line" and "key" in line and line["key"] != key:
                raise BundleError(_child(line_path, "key"), _("ska vara samma som line"))
            _unique(scenario_seen, key, _child(line_path, key_name), _("raden"))
            if key in base:
                scenario_lines.append(_parse_override(line, line_path, base[key], ctx))
            elif "category" in line:
                scenario_lines.append(_parse_line(line, line_path, key, ctx))
            else:
                raise BundleError(
                    _child(line_path, key_name),
                    _(
                        "raden %(key)s finns inte i budget.lines (en ny rad anger category och label)"
                    )
                    % {"key": _quote(key)},
                )
        note = _text(scenario, "note", scenario_path, required=False)
        scenarios.append(ParsedScenario(name, tuple(scenario_lines), note))
    return ParsedBudget(
        year, columns, opening_equity, deficit_reason, tuple(lines), tuple(scenarios)
    )


def _parse_override(
    obj: dict[str, Any],
    path: str,
    base: ParsedLine,
    ctx: _LineContext,
) -> ParsedLine:
    """An override changes a base line's amounts only; any other key it repeats must
    agree with the base line."""
    for field in ("category", "label", "member", "intervention"):
        value = obj.get(field)
        if value is not None and value != getattr(base, field):
            raise BundleError(
                _child(path, field),
                _(
                    "skiljer sig från raden %(key)s i budget.lines; ett scenario ändrar bara beloppen"
                )
                % {"key": _quote(base.key)},
            )
    amounts = _parse_amounts(obj, path, ctx.column_codes)
    note = _text(obj, "note", path, required=False)
    return ParsedLine(
        base.key, base.category, base.label, base.member, base.intervention, amounts, note
    )


# --- The facts a bundle holds ----------------------------------------------------------


def _stored(value: Decimal) -> Decimal:
    """A number as the database gives it back (two decimals), so that figures read
    from a bundle are the very Decimals the same data gives when stored."""
    return value.quantize(ORE)


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


# --- Comparing a bundle with an adopted one ------------------------------------------


# What the export means by leaving a key out (it writes our optional keys only when
# they are not the default).
_LEFT_OUT: dict[str, Any] = {
    **INTERVENTION_DEFAULTS,
    "comparison": GoalComparison.AT_LEAST.value,
    "kind": SectionKind.TEXT.value,
}


def _empty(value: object) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


def _same_value(adopted: object, incoming: object) -> bool:
    """Two leaf values that mean the same: 100 and "100", null and "", "20" and "20.00"."""
    if adopted == incoming and type(adopted) is type(incoming):
        return True
    if _empty(incoming) and _empty(adopted):
        return True
    numbers = []
    for value in (adopted, incoming):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return False
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return False
        if not number.is_finite():
            return False
        numbers.append(number)
    return numbers[0] == numbers[1]


def bundle_unchanged(adopted: object, incoming: object) -> bool:
    """Does `incoming` say nothing that the adopted bundle (a snapshot's, as the
    export writes it) does not? Every key it gives has the same meaning there;
    keys it leaves out (the export writes every optional key) are not compared.
    Used to tell a demo file that is the adopted plan from one that would change it."""
    pending = [(adopted, incoming)]
    while pending:
        old, new = pending.pop()
        if _empty(new) and _empty(old):
            continue
        if isinstance(new, dict):
            if not isinstance(old, dict):
                return False
            for key, value in new.items():
                if key in old:
                    pending.append((old[key], value))
                elif not _empty(value) and not _same_value(_LEFT_OUT.get(key), value):
                    return False
        elif isinstance(new, list):
            if not isinstance(old, list) or len(old) != len(new):
                return False
            pending.extend(zip(old, new, strict=True))
        elif not _same_value(old, new):
            return False
    return True


# --- Export ---------------------------------------------------------------------------


def _cell(value: Decimal) -> int | str:
    """An amount cell: an integer when whole, else a string with öre ("645333.50")."""
    return int(value) if value == value.to_integral_value() else amount_str(value)


def _percent_str(value: Decimal) -> str:
    """ "20" for 20.00, "12.50", and three decimals when there are (fixed shares)."""
    if value != round_ore(value):
        return str(value.quantize(Decimal("0.001")))
    return amount_str(value)


def _share_number(value: Decimal) -> int | float:
    """An intervention's individual share is a JSON number, as in the spec: 100,
    50, and 12.5 when it has decimals (at most two, so the number is exact)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())


def _optional(value: Decimal | None, fmt: Any) -> Any:
    return None if value is None else fmt(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def export_bundle(federation: Federation, year: int) -> dict[str, Any]:
    """The förbund's plan year as a `finsam-bundle/1` document (JSON-ready).

    Raises Plan.DoesNotExist or Budget.DoesNotExist when the year has no plan or
    budget. Reads in a fixed number of queries, however big the budget.
    """
    plan = Plan.objects.prefetch_related("sections", "goals", "meetings").get(
        federation=federation, year=year
    )
    budget = Budget.objects.get(federation=federation, year=year)
    members = list(Member.objects.filter(federation=federation))
    member_keys = {member.pk: member.key for member in members}
    seats = BoardSeat.objects.filter(member__federation=federation).order_by(
        "member__position", "member_id", "id"
    )
    interventions = list(Intervention.objects.filter(federation=federation))
    intervention_keys = {intervention.pk: intervention.key for intervention in interventions}
    people = _intervention_members(federation, members)
    goals = _intervention_goals(federation)
    columns = list(budget.columns.all())
    scenarios = list(budget.scenarios.all())
    lines = list(budget.lines.all())
    cells: dict[int, dict[int, Decimal]] = {}
    for line_id, column_id, value in Amount.objects.filter(line__budget=budget).values_list(
        "line_id", "column_id", "amount"
    ):
        cells.setdefault(line_id, {})[column_id] = value

    def amounts_of(line: Line) -> dict[str, int | str]:
        line_cells = cells.get(line.pk, {})
        return {
            column.code: _cell(line_cells[column.pk])
            for column in columns
            if column.pk in line_cells
        }

    def full_line(line: Line, key_name: str) -> dict[str, Any]:
        data: dict[str, Any] = {key_name: line.key, "category": line.category}
        if line.member_id is not None:
            data["member"] = member_keys[line.member_id]
        if line.intervention_id is not None:
            data["intervention"] = intervention_keys[line.intervention_id]
        data["label"] = line.label
        if line.note:
            data["note"] = line.note
        data["amounts"] = amounts_of(line)
        return data

    base_keys = {line.key for line in lines if line.scenario_id is None}
    scenario_lines: dict[int, list[dict[str, Any]]] = {}
    for line in lines:
        if line.scenario_id is None:
            continue
        if line.key in base_keys:
            entry = {"line": line.key}
            if line.note:
                entry["note"] = line.note
            entry["amounts"] = amounts_of(line)
        else:
            entry = full_line(line, "line")
        scenario_lines.setdefault(line.scenario_id, []).append(entry)

    return {
        "format": FORMAT,
        "federation": {
            "slug": federation.slug,
            "name": federation.name,
            "equity_cap_percent": _percent_str(federation.equity_cap_percent),
            "equity_floor": _optional(federation.equity_floor, amount_str),
            "individual_share_target_percent": _optional(
                federation.individual_share_target_percent, _percent_str
            ),
            "org_number": federation.org_number,
            "address": federation.address,
            "contact": federation.contact,
            "municipal_split": federation.municipal_split,
            "population_date": _iso(federation.population_date),
        },
        "members": [_export_member(member) for member in members],
        "board": [
            {
                "name": seat.person,
                "member": member_keys[seat.member_id],
                "role": seat.role,
                "position": seat.position,
                "term_end": _iso(seat.term_end),
            }
            for seat in seats
        ],
        "interventions": [
            _export_intervention(
                intervention,
                member_keys,
                people.get(intervention.pk, {}),
                goals.get(intervention.pk, []),
            )
            for intervention in interventions
        ],
        "plan": _export_plan(plan),
        "budget": {
            "year": budget.year,
            "columns": [column.code for column in columns],
            "opening_equity": amount_str(budget.opening_equity),
            "deficit_reason": budget.deficit_reason or None,
            "lines": [full_line(line, "key") for line in lines if line.scenario_id is None],
            "scenarios": [_export_scenario(scenario, scenario_lines) for scenario in scenarios],
        },
    }


def _export_scenario(scenario: Scenario, lines: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": scenario.name}
    if scenario.note:
        data["note"] = scenario.note
    data["overrides"] = lines.get(scenario.pk, [])
    return data


def _export_plan(plan: Plan) -> dict[str, Any]:
    """The plan part. Our optional plan keys (vision, sections[].kind,
    meetings[].time and .place) are written only when they hold something, so a
    bundle without them exports back unchanged."""
    data: dict[str, Any] = {
        "year": plan.year,
        "title": plan.title,
        # A plan without a diarienummer has null, as the spec's bundles do.
        "reference": plan.reference or None,
        "status": plan.status,
        "decided_on": _iso(plan.decided_on),
        "decision_meeting_on": _iso(plan.decision_meeting_on),
    }
    if plan.vision:
        data["vision"] = plan.vision
    sections = []
    for section in plan.sections.all():
        entry = {"heading": section.heading, "body": section.body}
        if section.kind != SectionKind.TEXT:
            entry["kind"] = section.kind
        sections.append(entry)
    meetings = []
    for meeting in plan.meetings.all():
        entry = {
            "uid": str(meeting.uid),
            "kind": meeting.kind,
            "date": meeting.date.isoformat(),
            "title": meeting.title,
            "note": meeting.note,
        }
        if meeting.time is not None:
            entry["time"] = meeting.time.strftime("%H:%M")
        if meeting.place:
            entry["place"] = meeting.place
        meetings.append(entry)
    data["sections"] = sections
    data["goals"] = [
        {"level": goal.level, "text": goal.text, "measures": list(goal.measures)}
        for goal in plan.goals.all()
    ]
    data["meetings"] = meetings
    return data


def _export_member(member: Member) -> dict[str, Any]:
    data: dict[str, Any] = {"key": member.key, "name": member.name, "kind": member.kind}
    if member.kind == MemberKind.MUNICIPALITY:
        data["population"] = member.population
        data["population_date"] = _iso(member.population_date)
        data["fixed_share_percent"] = _optional(member.fixed_share_percent, _percent_str)
    return data


def _intervention_members(
    federation: Federation, members: list[Member]
) -> dict[int, dict[str, list[str]]]:
    """Each intervention's member keys, as "members" and "steering_members", in the
    members' order; one query for both lists (a union of the two link tables)."""
    order = {member.pk: (member.position, member.pk, member.key) for member in members}
    links = Intervention.members.through.objects.filter(
        intervention__federation=federation
    ).annotate(role=Value("members")).values_list("intervention_id", "member_id", "role")
    steering = Intervention.steering_members.through.objects.filter(
        intervention__federation=federation
    ).annotate(role=Value("steering_members")).values_list("intervention_id", "member_id", "role")
    found: dict[int, dict[str, list[tuple[int, int, str]]]] = {}
    for intervention_id, member_id, role in links.union(steering, all=True):
        found.setdefault(intervention_id, {}).setdefault(role, []).append(order[member_id])
    return {
        intervention_id: {role: [key for *_, key in sorted(keys)] for role, keys in roles.items()}
        for intervention_id, roles in found.items()
    }


def _number_str(value: Decimal) -> str:
    """A goal's number as written: "40", "42.5"."""
    return format(value.normalize(), "f")


def _intervention_goals(federation: Federation) -> dict[int, list[dict[str, Any]]]:
    """Each intervention's goals with their outcomes, in one query (goals joined
    with their outcomes)."""
    rows = (
        InterventionGoal.objects.filter(intervention__federation=federation)
        .order_by("intervention_id", "position", "id", "outcomes__year")
        .values_list(
            "id", "intervention_id", "text", "target", "unit", "comparison",
            "outcomes__year", "outcomes__value", "outcomes__note",
        )
    )
    goals: dict[int, dict[str, Any]] = {}
    by_intervention: dict[int, list[dict[str, Any]]] = {}
    for goal_id, intervention_id, text, target, unit, comparison, year, value, note in rows:
        goal = goals.get(goal_id)
        if goal is None:
            goal = {"text": text, "target": "" if target is None else _number_str(target), "unit": unit}
            if comparison != GoalComparison.AT_LEAST:
                goal["comparison"] = comparison
            goals[goal_id] = goal
            by_intervention.setdefault(intervention_id, []).append(goal)
        if year is not None:
            goal.setdefault("outcomes", []).append(
                {"year": year, "value": _number_str(value), "note": note}
            )
    return by_intervention


def _export_intervention(
    intervention: Intervention,
    member_keys: dict[int, str],
    people: dict[str, list[str]],
    goals: list[dict[str, Any]],
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": intervention.key,
        "name": intervention.name,
        "individual_share_percent": _share_number(intervention.individual_share_percent),
        "members": people.get("members", []),
        "owner": member_keys.get(intervention.owner_id) if intervention.owner_id else None,
        "start": _iso(intervention.start),
        "end": _iso(intervention.end),
        "target_group": intervention.target_group,
        "purpose": intervention.purpose,
        "goals": goals,
    }
    optional: dict[str, Any] = {
        "short_name": intervention.short_name,
        "status": intervention.status,
        "category_label": intervention.category_label,
        "age_min": intervention.age_min,
        "age_max": intervention.age_max,
        "description": intervention.description,
        "owner_unit": intervention.owner_unit,
        "steering_members": people.get("steering_members", []),
        "steering_group": intervention.steering_group,
        "reports_participants": intervention.reports_participants,
        "interim_report_on": _iso(intervention.interim_report_on),
        "annual_report_on": _iso(intervention.annual_report_on),
    }
    for key, value in optional.items():
        if value != INTERVENTION_DEFAULTS[key]:
            data[key] = value
    extra = intervention.extra if isinstance(intervention.extra, dict) else {}
    for key in sorted(extra):
        if key not in data:
            data[key] = extra[key]
    return data
