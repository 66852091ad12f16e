"""The plan bundle `finsam-bundle/1` (see the shared spec, bundle.md).

`parse_bundle` checks a whole bundle before anything is written and reports the
first problem with its JSON path; it reads no database (its schema is
bundle_schema.py). `export_bundle` writes one förbund's plan year back in a fixed
number of queries.

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
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Value
from django.utils.translation import gettext as _

from budgets.bundle_schema import (
    FORMAT,
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
from budgets.models import Amount, Budget, Line, Scenario
from budgets.rules import BudgetFacts, InterventionFacts, LineFacts, MemberFacts, ScenarioFacts
from finsam.models import BoardSeat, Federation, Member, MemberKind
from finsam.money import ORE, amount_str, round_ore
from interventions.models import GoalComparison, Intervention, InterventionGoal, InterventionStatus
from plans.models import Plan, PlanStatus, SectionKind

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
