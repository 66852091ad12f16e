"""The schema of the plan bundle `finsam-bundle/1`: pydantic models of the document.

`parse_bundle` validates a whole bundle against these models (it reads no
database) and reports the first problem in document order as a BundleError with
the JSON path and a Swedish message. Every value check here raises `Problem` with
its own Swedish message; the few errors pydantic finds by itself (a key missing, an
object or a list of the wrong kind) get theirs from `MESSAGES`, so that pydantic's
English never reaches a user. Checks that need an earlier part of the bundle (the
member and intervention keys, the plan year, the budget's columns and base lines)
read it from the validation context, which each part fills in once it is read.

The models are also the parsed bundle that import and `bundle_facts` read: frozen,
with Decimals, dates and tuples.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from budgets.models import Category, ColumnKind
from finsam.models import MemberKind, MunicipalSplit, SeatPosition, SeatRole
from finsam.money import (
    DEFAULT_EQUITY_CAP_PERCENT,
    TOO_LARGE,
    parse_amount,
    too_large,
    within_places,
)
from interventions.models import MAX_AGE, GoalComparison, InterventionStatus
from plans.models import GoalLevel, MeetingKind, PlanStatus, SectionKind
from plans.rules import meeting_date_error

FORMAT = "finsam-bundle/1"

MAX_POPULATION = 2_147_483_647
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
TIME_RE = re.compile(r"^\d{2}:\d{2}\Z")
COLUMN_RE = re.compile(r"^(\d{4}):([a-z]+)\Z")
PERCENT_RE = re.compile(r"^-?\d+(\.\d+)?\Z")
MIN_YEAR, MAX_YEAR = 1900, 2999


class BundleError(ValueError):
    """A rejected bundle: the JSON path of the first problem and a Swedish message."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


# --- JSON paths -----------------------------------------------------------------------


class Entry(str):
    """A key of a map in a path, written ["…"]: amounts["2021:plan"]."""


Place = str | int  # a key (Entry for a map's) or an index


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _entry(path: str, key: str) -> str:
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def json_path(places: Iterable[Place]) -> str:
    path = ""
    for place in places:
        if isinstance(place, int):
            path = _item(path, place)
        else:
            path = _entry(path, place) if isinstance(place, Entry) else _child(path, place)
    return path


def _quote(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


class Problem(ValueError):
    """A value the schema refuses: a Swedish message, and where it is below the place
    pydantic reports. `first` is another place there, for a message's %(first)s."""

    def __init__(
        self,
        message: str,
        *at: Place,
        params: dict[str, Any] | None = None,
        first: tuple[Place, ...] | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.at, self.params, self.first = message, at, params or {}, first

    def below(self, *at: Place) -> Problem:
        return Problem(self.message, *at, *self.at, params=self.params, first=self.first)


# The errors pydantic reports itself; every value check raises a Problem instead.
MESSAGES = {
    "missing": gettext_lazy("saknas"),
    "model_type": gettext_lazy("ska vara ett objekt"),
    "tuple_type": gettext_lazy("ska vara en lista"),
}


def _bundle_error(exc: ValidationError) -> BundleError:
    error = exc.errors(include_url=False)[0]
    loc = error["loc"]
    problem = (error.get("ctx") or {}).get("error")
    if isinstance(problem, Problem):
        message = problem.message
        if problem.first is not None:
            message %= {**problem.params, "first": json_path((*loc, *problem.first))}
        return BundleError(json_path((*loc, *problem.at)), message)
    if not loc:
        return BundleError("", _("paketet ska vara ett JSON-objekt"))
    return BundleError(json_path(loc), str(MESSAGES.get(error["type"], _("ogiltigt värde"))))


def _unique(what: str, keyed: Iterable[tuple[object, tuple[Place, ...]]]) -> None:
    seen: dict[object, tuple[Place, ...]] = {}
    for key, at in keyed:
        if key in seen:
            raise Problem(
                _("%(what)s %(key)s förekommer redan (%(first)s)"),
                *at,
                params={"what": what, "key": _quote(key)},
                first=seen[key],
            )
        seen[key] = at


def _by_key(what: str, items: tuple[Any, ...]) -> dict[str, Any]:
    """The items by key; each key once."""
    _unique(what, ((item.key, (index, "key")) for index, item in enumerate(items)))
    return {item.key: item for item in items}


# --- Values: each reader returns the value or raises Problem ----------------------------

_REFUSED = object()
T = TypeVar("T")


def _reads(reader: Callable[..., Any], *, null: object = _REFUSED, **options: Any) -> Any:
    """The validator of a value that `reader` reads (with the validation info when it
    takes `info`). With `null`, a JSON null reads as that (a key left out is the
    field's default)."""
    with_info = "info" in inspect.signature(reader).parameters

    def read(value: object, info: ValidationInfo) -> Any:
        if value is None and null is not _REFUSED:
            return null
        return reader(value, info, **options) if with_info else reader(value, **options)

    return PlainValidator(read)


def _text(value: object, *, max_length: int | None = None, blank: bool = False) -> str:
    if not isinstance(value, str):
        raise Problem(_("ska vara en text"))
    if "\x00" in value:
        raise Problem(_("innehåller ett otillåtet tecken (NUL)"))
    if not blank and not value.strip():
        raise Problem(_("får inte vara tom"))
    if max_length is not None and len(value) > max_length:
        raise Problem(_("är för lång (högst %(max)s tecken)") % {"max": max_length})
    return value


def _optional_text(max_length: int | None = None) -> Any:
    """An optional text: it may be left out, null (""), or blank."""
    return _reads(_text, null="", blank=True, max_length=max_length)


def _slug(value: object, *, max_length: int) -> str:
    text = _text(value, max_length=max_length)
    if not SLUG_RE.match(text):
        raise Problem(
            _("ogiltig nyckel %(key)s (bara a–z, A–Z, 0–9, - och _)") % {"key": _quote(text)}
        )
    return text


def _choice(value: object, *, choices: list[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise Problem(
            _("okänt värde %(value)s (tillåtna: %(choices)s)")
            % {"value": _quote(value), "choices": ", ".join(c or '""' for c in choices)}
        )
    return value


def _one_of(choices: list[str], **null: str) -> Any:
    return _reads(_choice, choices=choices, **null)


def _iso(value: object, pattern: re.Pattern[str], read: Callable[[str], T], message: str) -> T:
    if isinstance(value, str) and pattern.match(value):
        try:
            return read(value)
        except ValueError:
            pass
    raise Problem(message)


def _date(value: object) -> dt.date:
    return _iso(value, DATE_RE, dt.date.fromisoformat, _("inte ett datum (ÅÅÅÅ-MM-DD)"))


def _time(value: object) -> dt.time:
    return _iso(value, TIME_RE, dt.time.fromisoformat, _("inte en tid (TT:MM)"))


def _whole(value: object, high: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise Problem(message)
    return value


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise Problem(_("inte ett årtal"))
    return value


def _population(value: object) -> int:
    return _whole(value, MAX_POPULATION, _("ska vara ett heltal ≥ 0"))


def _age(value: object) -> int:
    return _whole(value, MAX_AGE, _("ska vara ett heltal 0–%(max)s") % {"max": MAX_AGE})


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise Problem(_("ska vara true eller false"))
    return value


def _amount(value: object) -> Decimal:
    try:
        amount = parse_amount(value)
    except ValueError as exc:
        raise Problem(str(exc)) from None
    if too_large(amount):
        raise Problem(TOO_LARGE)
    return amount


def _not_negative(value: object) -> Decimal:
    amount = _amount(value)
    if amount < 0:
        raise Problem(_("får inte vara negativt"))
    return amount


def _percent(value: object, *, places: int = 2) -> Decimal:
    """A percentage 0–100: an integer or a decimal string ("20", "33.333")."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Problem(_("inte ett tal"))
    text = str(value).strip().replace(",", ".")
    try:
        number = Decimal(text) if PERCENT_RE.match(text) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise Problem(_("inte ett tal"))
    if not 0 <= number <= 100:
        raise Problem(_("ska vara mellan 0 och 100"))
    if not within_places(number, places):
        raise Problem(_("fler än två decimaler") if places == 2 else _("fler än tre decimaler"))
    return number


def _share(value: object) -> Decimal:
    """An intervention's individual share: a number as the spec writes it (100,
    12.5), or a decimal string. A JSON number with a fraction arrives as a float;
    its shortest decimal form is what was written."""
    if isinstance(value, float):
        if not math.isfinite(value) or "e" in repr(value).lower():
            raise Problem(_("inte ett tal"))
        value = repr(value)
    return _percent(value)


def _goal_number(value: object) -> Decimal:
    """A goal's target or outcome: an integer or a decimal string ("40", "12.5")."""
    if isinstance(value, str):
        _text(value, max_length=40, blank=True)
    return _amount(value)


def _target(value: object) -> Decimal | None:
    """A goal's target; a blank one is no target."""
    return None if isinstance(value, str) and not value.strip() else _goal_number(value)


def _uid(value: object) -> uuid.UUID:
    if isinstance(value, str) and len(value) <= 45:
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise Problem(
        _("inte ett UID (UUID, t.ex. %(example)s)")
        % {"example": "0b5c1e8a-4a4e-4d0e-9a59-2f3c8c1d7e21"}
    )


def _json_value(value: object) -> object:
    """An intervention's extra keys are stored as JSON: plain JSON values only."""
    items: Iterable[tuple[Place, object]] = ()
    if isinstance(value, float) and not math.isfinite(value):
        raise Problem(_("inte ett tal"))
    if isinstance(value, list):
        items = enumerate(value)
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise Problem(_("nycklar ska vara texter"))
        items = ((Entry(key), item) for key, item in value.items())
    elif value is not None and not isinstance(value, bool | int | float | str):
        raise Problem(_("inte ett JSON-värde"))
    for place, item in items:
        try:
            _json_value(item)
        except Problem as problem:
            raise problem.below(place) from None
    return value


def _member(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or value not in info.context["members"]:
        raise Problem(_("medlemmen %(key)s finns inte i members") % {"key": _quote(value)})
    return value


def _members(value: object, info: ValidationInfo) -> tuple[str, ...]:
    """A list of member keys, each known and named once."""
    if not isinstance(value, list):
        raise Problem(_("ska vara en lista"))
    for index, key in enumerate(value):
        try:
            _member(key, info)
        except Problem as problem:
            raise problem.below(index) from None
        if key in value[:index]:
            raise Problem(_("medlemmen %(key)s står två gånger") % {"key": _quote(key)}, index)
    return tuple(value)


def _intervention(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or value not in info.context["interventions"]:
        raise Problem(_("insatsen %(key)s finns inte i interventions") % {"key": _quote(value)})
    return value


def _columns(value: object) -> tuple[tuple[int, str], ...]:
    if not isinstance(value, list):
        raise Problem(_("ska vara en lista"))
    columns = []
    for index, code in enumerate(value):
        match = COLUMN_RE.match(code) if isinstance(code, str) else None
        if not match or match.group(2) not in ColumnKind.values:
            raise Problem(
                _("ogiltig kolumn %(code)s (ÅR:SLAG med SLAG %(kinds)s)")
                % {"code": _quote(code), "kinds": ", ".join(ColumnKind.values)},
                index,
            )
        try:
            columns.append((_year(int(match.group(1))), match.group(2)))
        except Problem as problem:
            raise problem.below(index) from None
    _unique(_("kolumnen"), ((code, (index,)) for index, code in enumerate(value)))
    return tuple(columns)


def _amounts(value: object, info: ValidationInfo) -> dict[str, Decimal]:
    if not isinstance(value, dict):
        raise Problem(_("ska vara ett objekt"))
    amounts = {}
    for code, cell in value.items():
        try:
            if code not in info.context["columns"]:
                raise Problem(_("kolumnen finns inte i budget.columns"))
            amounts[code] = _amount(cell)
        except Problem as problem:
            raise problem.below(Entry(code)) from None
    return amounts


def _check_format(value: object) -> str:
    if value != FORMAT:
        raise Problem(_("ska vara %(format)s") % {"format": _quote(FORMAT)})
    return FORMAT


# An optional list: it may be left out or null ([]).
Items = Annotated[tuple[T, ...], BeforeValidator(lambda value: () if value is None else value)]
Text = Annotated[str, _reads(_text)]
Name = Annotated[str, _reads(_text, max_length=200)]
OptionalText = Annotated[str, _optional_text()]
Key = Annotated[str, _reads(_slug, max_length=80)]
ShortKey = Annotated[str, _reads(_slug, max_length=60)]
Year = Annotated[int, _reads(_year)]
Date = Annotated[dt.date | None, _reads(_date, null=None)]
Member = Annotated[str, _reads(_member)]
OptionalMember = Annotated[str | None, _reads(_member, null=None)]


# --- The bundle -------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class ParsedFederation(_Model):
    slug: Key
    name: Name
    equity_cap_percent: Annotated[Decimal, _reads(_percent)] = DEFAULT_EQUITY_CAP_PERCENT
    equity_floor: Annotated[Decimal | None, _reads(_not_negative, null=None)] = None
    individual_share_target_percent: Annotated[Decimal | None, _reads(_percent, null=None)] = None
    org_number: Annotated[str, _optional_text(20)] = ""
    address: OptionalText = ""
    contact: OptionalText = ""
    municipal_split: Annotated[str, _one_of(MunicipalSplit.values)] = MunicipalSplit.POPULATION
    population_date: Date = None

    @property
    def given(self) -> frozenset[str]:
        """The keys besides slug and name that the bundle gives; import leaves the
        others as they are (or at the model's default for a new förbund)."""
        return frozenset(self.model_fields_set - {"slug", "name"})


class ParsedMember(_Model):
    key: ShortKey
    name: Name
    kind: Annotated[str, _one_of(MemberKind.values)]
    population: Annotated[int | None, _reads(_population, null=None)] = None
    population_date: Date = None
    fixed_share_percent: Annotated[Decimal | None, _reads(_percent, null=None, places=3)] = None

    @model_validator(mode="after")
    def _only_municipalities(self) -> ParsedMember:
        if self.kind != MemberKind.MUNICIPALITY:
            for field in ("population", "population_date", "fixed_share_percent"):
                if getattr(self, field) is not None:
                    raise Problem(_("anges bara för kommuner"), field)
        return self


class ParsedSeat(_Model):
    person: Name = Field(alias="name")
    member: Member
    role: Annotated[str, _one_of(SeatRole.values)]
    position: Annotated[str, _one_of(SeatPosition.values, null="")] = ""
    term_end: Date = None


class ParsedOutcome(_Model):
    year: Year
    value: Annotated[Decimal, _reads(_goal_number)]
    note: Annotated[str, _optional_text(300)] = ""


class ParsedInterventionGoal(_Model):
    text: Text
    target: Annotated[Decimal | None, _reads(_target, null=None)] = None
    unit: Annotated[str, _optional_text(40)] = ""
    comparison: Annotated[str, _one_of(GoalComparison.values)] = GoalComparison.AT_LEAST.value
    # None: the bundle says nothing about outcomes (import keeps what is stored).
    outcomes: tuple[ParsedOutcome, ...] | None = None

    @field_validator("outcomes")
    @classmethod
    def _one_per_year(cls, outcomes: tuple[ParsedOutcome, ...] | None) -> Any:
        _unique(_("året"), ((str(o.year), (i, "year")) for i, o in enumerate(outcomes or ())))
        return outcomes


class ParsedIntervention(_Model):
    # The keys a bundle gives besides these are kept as they are: `extra`.
    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, Annotated[object, _reads(_json_value)]] = Field(init=False)

    key: ShortKey
    name: Name
    individual_share_percent: Annotated[Decimal, _reads(_share)]
    members: Annotated[tuple[str, ...], _reads(_members)]
    owner: OptionalMember = None
    start: Date = None
    end: Date = None
    target_group: OptionalText = ""
    purpose: OptionalText = ""
    goals: Items[ParsedInterventionGoal] = ()
    age_min: Annotated[int | None, _reads(_age, null=None)] = None
    age_max: Annotated[int | None, _reads(_age, null=None)] = None
    reports_participants: Annotated[bool, _reads(_flag, null=False)] = False
    short_name: Annotated[str, _optional_text(40)] = ""
    status: Annotated[str, _one_of(InterventionStatus.values)] = InterventionStatus.ONGOING.value
    category_label: Annotated[str, _optional_text(60)] = ""
    description: OptionalText = ""
    owner_unit: Annotated[str, _optional_text(200)] = ""
    steering_members: Annotated[tuple[str, ...], _reads(_members, null=())] = ()
    steering_group: OptionalText = ""
    interim_report_on: Date = None
    annual_report_on: Date = None

    @model_validator(mode="after")
    def _in_order(self) -> ParsedIntervention:
        if self.start and self.end and self.end < self.start:
            raise Problem(_("slutar före start"), "end")
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            raise Problem(_("är lägre än age_min"), "age_max")
        return self

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ParsedSection(_Model):
    heading: Name
    body: OptionalText = ""
    kind: Annotated[str, _one_of(SectionKind.values)] = SectionKind.TEXT


class ParsedPlanGoal(_Model):
    level: Annotated[str, _one_of(GoalLevel.values)]
    text: Text
    measures: Items[Annotated[str, _reads(_text, blank=True)]] = ()


class ParsedMeeting(_Model):
    kind: Annotated[str, _one_of(MeetingKind.values)]
    date: Annotated[dt.date, _reads(_date)]
    title: Annotated[str, _optional_text(200)] = ""
    note: OptionalText = ""
    time: Annotated[dt.time | None, _reads(_time, null=None)] = None
    place: Annotated[str, _optional_text(200)] = ""
    uid: Annotated[uuid.UUID | None, _reads(_uid, null=None)] = None


class ParsedPlan(_Model):
    year: Year
    title: Annotated[str, _reads(_text, max_length=300)]
    reference: Annotated[str, _optional_text(100)] = ""
    status: Annotated[str, _one_of(PlanStatus.values)] = PlanStatus.DRAFT
    decided_on: Date = None
    decision_meeting_on: Date = None
    sections: Items[ParsedSection] = ()
    goals: Items[ParsedPlanGoal] = ()
    meetings: Items[ParsedMeeting] = ()
    vision: OptionalText = ""

    @field_validator("year")
    @classmethod
    def _known(cls, year: int, info: ValidationInfo) -> int:
        info.context["year"] = year
        return year

    @field_validator("meetings")
    @classmethod
    def _in_the_plan_year(cls, meetings: tuple[ParsedMeeting, ...], info: ValidationInfo) -> Any:
        year, uids = info.data.get("year"), set[uuid.UUID]()
        for index, meeting in enumerate(meetings):
            if year is not None and (error := meeting_date_error(year=year, day=meeting.date)):
                raise Problem(error, index, "date")
            if meeting.uid in uids:
                raise Problem(_("finns redan på ett annat möte i paketet"), index, "uid")
            if meeting.uid is not None:
                uids.add(meeting.uid)
        return meetings

    @model_validator(mode="after")
    def _decided_on_a_day(self) -> ParsedPlan:
        if self.status == PlanStatus.DECIDED and self.decided_on is None:
            raise Problem(
                _("saknas: en fastställd plan (status decided) anger beslutsdagen"), "decided_on"
            )
        return self


class ParsedLine(_Model):
    key: Key
    category: Annotated[str, _one_of(Category.values)]
    label: Name
    member: OptionalMember = None
    intervention: Annotated[str | None, _reads(_intervention, null=None)] = None
    # Only the cells the bundle gives, by column code; a missing cell is 0.
    amounts: Annotated[dict[str, Decimal], _reads(_amounts, null={})] = {}
    note: OptionalText = ""

    @model_validator(mode="before")
    @classmethod
    def _category_keys(cls, line: object) -> object:
        """Which of member and intervention a line of its category gives (before
        they are looked up: a key on the wrong line is wrong whatever it is)."""
        if not isinstance(line, dict) or line.get("category") not in Category.values:
            return line
        category = line["category"]
        if category == Category.CONTRIBUTION and line.get("member") is None:
            raise Problem(_("saknas (medlemsbidrag anger medlem)"), "member")
        if category != Category.CONTRIBUTION and line.get("member") is not None:
            raise Problem(_("anges bara på medlemsbidrag (contribution)"), "member")
        if category != Category.INTERVENTION and line.get("intervention") is not None:
            raise Problem(_("anges bara på insatsrader (intervention)"), "intervention")
        return line


# What an override of a base line may repeat, if it says the same.
_BASE_LINE_KEYS = ("category", "label", "member", "intervention")


def _line_key_name(override: dict[str, Any]) -> str:
    """An override names its line with "line" (or "key", as a line does)."""
    return "line" if "line" in override or "key" not in override else "key"


def _override(value: object, info: ValidationInfo) -> object:
    """An override changes a base line's amounts (and note) only; one whose line is
    not in budget.lines adds a line."""
    if not isinstance(value, dict):
        return value
    name = _line_key_name(value)
    if name not in value:
        raise Problem(_("saknas"), name)
    try:
        line_key = _slug(value[name], max_length=80)
    except Problem as problem:
        raise problem.below(name) from None
    if name == "line" and "key" in value and value["key"] != line_key:
        raise Problem(_("ska vara samma som line"), "key")
    base = info.context["lines"].get(line_key)
    if base is None and "category" not in value:
        raise Problem(
            _("raden %(key)s finns inte i budget.lines (en ny rad anger category och label)")
            % {"key": _quote(line_key)},
            name,
        )
    if base is None:
        return {**value, "key": line_key}
    for field in _BASE_LINE_KEYS:
        if value.get(field) is not None and value[field] != getattr(base, field):
            raise Problem(
                _(
                    "skiljer sig från raden %(key)s i budget.lines; ett scenario ändrar bara beloppen"
                )
                % {"key": _quote(line_key)},
                field,
            )
    return {
        **base.model_dump(include=set(_BASE_LINE_KEYS)),
        "key": line_key,
        "amounts": value.get("amounts"),
        "note": value.get("note"),
    }


class ParsedScenario(_Model):
    name: Name
    # The overrides as whole lines: each carries its base line's category, label,
    # member and intervention.
    lines: Items[Annotated[ParsedLine, BeforeValidator(_override)]] = Field(
        (), validation_alias="overrides"
    )
    note: OptionalText = ""

    @field_validator("lines", mode="before")
    @classmethod
    def _one_override_per_line(cls, overrides: object) -> object:
        if isinstance(overrides, list):
            _unique(
                _("raden"),
                (
                    (override[name], (index, name))
                    for index, override in enumerate(overrides)
                    if isinstance(override, dict)
                    and isinstance(override.get(name := _line_key_name(override)), str)
                ),
            )
        return overrides


class ParsedBudget(_Model):
    year: Year
    columns: Annotated[tuple[tuple[int, str], ...], _reads(_columns)]
    opening_equity: Annotated[Decimal, _reads(_amount, null=Decimal(0))] = Decimal(0)
    deficit_reason: OptionalText = ""
    lines: tuple[ParsedLine, ...]
    scenarios: Items[ParsedScenario] = ()

    @field_validator("year")
    @classmethod
    def _plan_year(cls, year: int, info: ValidationInfo) -> int:
        plan_year = info.context["year"]
        if plan_year is not None and year != plan_year:
            raise Problem(_("ska vara samma år som plan.year (%(year)s)") % {"year": plan_year})
        return year

    @field_validator("columns")
    @classmethod
    def _budget_column(cls, columns: tuple[tuple[int, str], ...], info: ValidationInfo) -> Any:
        year = info.data.get("year")
        if year is not None and (year, ColumnKind.BUDGET) not in columns:
            raise Problem(_("kolumnen %(code)s saknas") % {"code": _quote(f"{year}:budget")})
        info.context["columns"] = {f"{y}:{kind}" for y, kind in columns}
        return columns

    @field_validator("lines")
    @classmethod
    def _base_lines(cls, lines: tuple[ParsedLine, ...], info: ValidationInfo) -> Any:
        info.context["lines"] = _by_key(_("raden"), lines)
        return lines

    @field_validator("scenarios")
    @classmethod
    def _names(cls, scenarios: tuple[ParsedScenario, ...]) -> Any:
        _unique(_("scenariot"), ((s.name, (index, "name")) for index, s in enumerate(scenarios)))
        return scenarios


class ParsedBundle(_Model):
    format: Annotated[str, _reads(_check_format)]
    federation: ParsedFederation
    members: tuple[ParsedMember, ...]
    board: tuple[ParsedSeat, ...] | None = None  # None: the förbund's board stays as it is
    interventions: tuple[ParsedIntervention, ...]
    plan: ParsedPlan
    budget: ParsedBudget

    @field_validator("members", "interventions")
    @classmethod
    def _keys(cls, items: tuple[Any, ...], info: ValidationInfo) -> Any:
        what = _("medlemmen") if info.field_name == "members" else _("insatsen")
        info.context[info.field_name] = _by_key(what, items)
        return items


def parse_bundle(data: object) -> ParsedBundle:
    """Validate a whole bundle; raise BundleError for the first problem found."""
    known: dict[str, Any] = {
        "members": {},
        "interventions": {},
        "year": None,
        "columns": set(),
        "lines": {},
    }
    try:
        return ParsedBundle.model_validate(data, context=known)
    except ValidationError as exc:
        raise _bundle_error(exc) from None
