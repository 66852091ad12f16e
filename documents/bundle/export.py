"""`export_bundle` writes one förbund's plan year as a `finsam-bundle/1` document,
in a fixed number of queries (the format: budgets/bundle_schema.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Value

from budgets.bundle import INTERVENTION_DEFAULTS
from budgets.bundle_schema import FORMAT
from budgets.models import Amount, Budget, Line, Scenario
from finsam.models import BoardSeat, Federation, Member, MemberKind
from finsam.money import amount_str, round_ore, to_places
from interventions.models import GoalComparison, Intervention, InterventionGoal
from plans.models import Plan, SectionKind

# --- Export ---------------------------------------------------------------------------


def _cell(value: Decimal) -> int | str:
    """An amount cell: an integer when whole, else a string with öre ("645333.50")."""
    return int(value) if value == value.to_integral_value() else amount_str(value)


def _percent_str(value: Decimal) -> str:
    """ "20" for 20.00, "12.50", and three decimals when there are (fixed shares)."""
    if value != round_ore(value):
        return str(to_places(value, 3))
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
    links = (
        Intervention.members.through.objects.filter(intervention__federation=federation)
        .annotate(role=Value("members"))
        .values_list("intervention_id", "member_id", "role")
    )
    steering = (
        Intervention.steering_members.through.objects.filter(intervention__federation=federation)
        .annotate(role=Value("steering_members"))
        .values_list("intervention_id", "member_id", "role")
    )
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
            "id",
            "intervention_id",
            "text",
            "target",
            "unit",
            "comparison",
            "outcomes__year",
            "outcomes__value",
            "outcomes__note",
        )
    )
    goals: dict[int, dict[str, Any]] = {}
    by_intervention: dict[int, list[dict[str, Any]]] = {}
    for goal_id, intervention_id, text, target, unit, comparison, year, value, note in rows:
        goal = goals.get(goal_id)
        if goal is None:
            goal = {
                "text": text,
                "target": "" if target is None else _number_str(target),
                "unit": unit,
            }
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
