"""Every write to interventions, their goals and the goals' yearly outcomes.

Keyword-only, typed, one transaction each, `full_clean()` before saving. Views
call these and never `.save()` a domain model themselves. Who did what goes to
the audit log (finsam/audit.py), and on an outcome also to `updated_by`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from finsam.audit import record
from finsam.db import save_new
from finsam.models import Federation, Member
from interventions.freeze import (
    ensure_intervention_not_frozen,
    intervention_frozen_message,
    intervention_frozen_year,
)
from interventions.models import (
    GoalComparison,
    Intervention,
    InterventionGoal,
    InterventionOutcome,
    InterventionStatus,
)

# The fields whose changes the audit log lists.
AUDIT_FIELDS = (
    "key",
    "name",
    "short_name",
    "status",
    "individual_share_percent",
    "category_label",
    "target_group",
    "age_min",
    "age_max",
    "purpose",
    "description",
    "owner_id",
    "owner_unit",
    "steering_group",
    "start",
    "end",
    "reports_participants",
    "interim_report_on",
    "annual_report_on",
)


def _snapshot(intervention: Intervention) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(intervention, name) for name in AUDIT_FIELDS}
    if intervention.pk:
        values["members"] = sorted(m.key for m in intervention.members.all())
        values["steering_members"] = sorted(m.key for m in intervention.steering_members.all())
        values["goals"] = [
            [g.text, g.comparison, g.target, g.unit] for g in intervention.goals.all()
        ]
    return values


def _changed(before: dict[str, object], after: dict[str, object]) -> dict[str, object]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


@dataclass(frozen=True)
class GoalInput:
    """One goal as the form gives it; `id` is a stored goal of the intervention."""

    text: str
    target: Decimal | None = None
    unit: str = ""
    comparison: str = GoalComparison.AT_LEAST
    id: int | None = None


@dataclass(frozen=True)
class OutcomeInput:
    """A goal's outcome for the year; `value` None removes it (ej rapporterat)."""

    value: Decimal | None
    note: str = ""


def _free_key(federation: Federation, wanted: str, name: str, *, except_pk: int | None) -> str:
    taken = set(
        Intervention.objects.filter(federation=federation)
        .exclude(pk=except_pk)
        .values_list("key", flat=True)
    )
    if wanted:
        if wanted in taken:
            raise ValidationError(
                {"key": _("Nyckeln ”%(key)s” används redan av en annan insats.") % {"key": wanted}}
            )
        return wanted
    base = slugify(name)[:55] or "insats"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _check_members(federation: Federation, **groups: Iterable[Member | None]) -> None:
    for field, members in groups.items():
        for member in members:
            if member is not None and member.federation_id != federation.pk:
                raise ValidationError({field: _("Medlemmen hör till ett annat förbund.")})


@transaction.atomic
def intervention_create(
    *,
    federation: Federation,
    by: AbstractBaseUser | None,
    name: str,
    key: str = "",
    short_name: str = "",
    status: str = InterventionStatus.ONGOING,
    individual_share_percent: Decimal = Decimal(100),
    category_label: str = "",
    target_group: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    purpose: str = "",
    description: str = "",
    owner: Member | None = None,
    owner_unit: str = "",
    members: Sequence[Member] = (),
    steering_members: Sequence[Member] = (),
    steering_group: str = "",
    start: date | None = None,
    end: date | None = None,
    reports_participants: bool = False,
    interim_report_on: date | None = None,
    annual_report_on: date | None = None,
    goals: Sequence[GoalInput] = (),
) -> Intervention:
    """A new intervention, last in the förbund's order. Without a key one is made
    from the name."""
    last = (
        Intervention.objects.filter(federation=federation)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    intervention = Intervention(federation=federation, position=0 if last is None else last + 1)
    _write(
        intervention,
        by=by,
        key=key,
        values={
            "name": name,
            "short_name": short_name,
            "status": status,
            "individual_share_percent": individual_share_percent,
            "category_label": category_label,
            "target_group": target_group,
            "age_min": age_min,
            "age_max": age_max,
            "purpose": purpose,
            "description": description,
            "owner": owner,
            "owner_unit": owner_unit,
            "steering_group": steering_group,
            "start": start,
            "end": end,
            "reports_participants": reports_participants,
            "interim_report_on": interim_report_on,
            "annual_report_on": annual_report_on,
        },
        members=members,
        steering_members=steering_members,
        goals=goals,
    )
    record(
        action="lade till insatsen",
        by=by,
        obj=intervention,
        changes=_changed({}, _snapshot(intervention)),
    )
    return intervention


@transaction.atomic
def intervention_update(
    *,
    intervention: Intervention,
    by: AbstractBaseUser | None,
    name: str,
    key: str = "",
    short_name: str = "",
    status: str = InterventionStatus.ONGOING,
    individual_share_percent: Decimal = Decimal(100),
    category_label: str = "",
    target_group: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    purpose: str = "",
    description: str = "",
    owner: Member | None = None,
    owner_unit: str = "",
    members: Sequence[Member] = (),
    steering_members: Sequence[Member] = (),
    steering_group: str = "",
    start: date | None = None,
    end: date | None = None,
    reports_participants: bool = False,
    interim_report_on: date | None = None,
    annual_report_on: date | None = None,
    goals: Sequence[GoalInput] = (),
) -> Intervention:
    """Change an intervention. `goals` is the whole list: a stored goal that is
    not in it is deleted with its outcomes; one with an `id` keeps its outcomes.
    An empty key keeps the current one (budget lines and bundles use it)."""
    before = _snapshot(intervention)
    _write(
        intervention,
        by=by,
        key=key or intervention.key,
        values={
            "name": name,
            "short_name": short_name,
            "status": status,
            "individual_share_percent": individual_share_percent,
            "category_label": category_label,
            "target_group": target_group,
            "age_min": age_min,
            "age_max": age_max,
            "purpose": purpose,
            "description": description,
            "owner": owner,
            "owner_unit": owner_unit,
            "steering_group": steering_group,
            "start": start,
            "end": end,
            "reports_participants": reports_participants,
            "interim_report_on": interim_report_on,
            "annual_report_on": annual_report_on,
        },
        members=members,
        steering_members=steering_members,
        goals=goals,
    )
    record(
        action="ändrade insatsen",
        by=by,
        obj=intervention,
        changes=_changed(before, _snapshot(intervention)),
    )
    return intervention


def _write(
    intervention: Intervention,
    *,
    by: AbstractBaseUser | None,
    key: str,
    values: Mapping[str, object],
    members: Sequence[Member],
    steering_members: Sequence[Member],
    goals: Sequence[GoalInput],
) -> None:
    federation = intervention.federation
    # One that belongs to adopted (fastställda) plan years only is frozen with them
    # (interventions/freeze.py); a new one is checked as given, below.
    if intervention.pk is not None:
        ensure_intervention_not_frozen(intervention)
    _check_members(
        federation,
        owner=[values["owner"]],
        members=members,
        steering_members=steering_members,
    )
    intervention.key = _free_key(federation, key, str(values["name"]), except_pk=intervention.pk)
    for field, value in values.items():
        setattr(intervention, field, value)
    if intervention.pk is None:
        ensure_intervention_not_frozen(intervention)
    # Who the saved version (django-simple-history) records as having made it.
    intervention._history_user = by if by is not None and by.is_authenticated else None
    if intervention.pk is None:
        _insert(intervention, key=key, name=str(values["name"]))
    else:
        intervention.full_clean()
        intervention.save()
    intervention.members.set(members)
    intervention.steering_members.set(steering_members)
    _write_goals(intervention, goals)


def _insert(intervention: Intervention, *, key: str, name: str) -> None:
    """Save a new intervention. Two at once (a double click) that both took the
    same free key: a given key is refused with the message the check gives; a key
    made from the name is made again, as for a second intervention of that name."""
    federation = intervention.federation
    for attempt in range(3):
        try:
            save_new(
                intervention,
                conflict=Intervention.objects.filter(federation=federation, key=intervention.key),
                error={
                    "key": _("Nyckeln ”%(key)s” används redan av en annan insats.")
                    % {"key": intervention.key}
                },
            )
            return
        except ValidationError:
            if key or attempt == 2:
                raise
            intervention.key = _free_key(federation, "", name, except_pk=None)


def _write_goals(intervention: Intervention, goals: Sequence[GoalInput]) -> None:
    stored = {goal.pk: goal for goal in intervention.goals.all()}
    unknown = [g.id for g in goals if g.id is not None and g.id not in stored]
    if unknown:
        raise ValidationError(_("Målet hör inte till insatsen."))
    keep = {g.id for g in goals if g.id is not None}
    InterventionGoal.objects.filter(intervention=intervention).exclude(pk__in=keep).delete()
    for position, given in enumerate(goals):
        goal = (
            stored[given.id]
            if given.id is not None
            else InterventionGoal(intervention=intervention)
        )
        goal.text = given.text
        goal.target = given.target
        goal.unit = given.unit
        goal.comparison = given.comparison
        goal.position = position
        goal.full_clean()
        goal.save()


def intervention_delete_refusal(intervention: Intervention) -> str | None:
    """Why `intervention_delete` would refuse, or None. Budget lines that finance
    the intervention keep it (Line.intervention is PROTECT): unlink them first."""
    if (frozen := intervention_frozen_year(intervention)) is not None:
        return intervention_frozen_message(intervention, frozen)
    years = sorted(set(intervention.budget_lines.values_list("budget__year", flat=True)))
    if not years:
        return None
    return _(
        "%(name)s kan inte tas bort eftersom budgeten för %(years)s har rader kopplade "
        "till insatsen. Ta bort kopplingen i budgeten först."
    ) % {"name": intervention.name, "years": ", ".join(str(y) for y in years)}


@transaction.atomic
def intervention_delete(*, intervention: Intervention, by: AbstractBaseUser | None) -> None:
    """Delete an intervention with its goals and outcomes; refused while a budget
    line finances it."""
    ensure_intervention_not_frozen(intervention)
    if refusal := intervention_delete_refusal(intervention):
        raise ValidationError(refusal)
    record(
        action="tog bort insatsen",
        by=by,
        obj=intervention,
        changes={"key": intervention.key, "name": intervention.name},
    )
    intervention.delete()


@transaction.atomic
def outcomes_record(
    *,
    intervention: Intervention,
    year: int,
    outcomes: Mapping[int, OutcomeInput],
    by: AbstractBaseUser | None,
) -> list[InterventionOutcome]:
    """Record the year's outcome of each goal (goal id → value). A value of None
    removes that goal's outcome for the year; goals not given are left as they are.
    Only numbers are stored, never anything about a participant."""
    if not 1900 <= year <= 2999:
        raise ValidationError({"year": _("Ange ett år mellan 1900 och 2999.")})
    goals = {goal.pk: goal for goal in intervention.goals.all()}
    if any(goal_id not in goals for goal_id in outcomes):
        raise ValidationError(_("Målet hör inte till insatsen."))
    existing = {
        outcome.goal_id: outcome
        for outcome in InterventionOutcome.objects.filter(goal__in=list(goals.values()), year=year)
    }
    saved = []
    changes: dict[str, object] = {}
    for goal_id, given in outcomes.items():
        outcome = existing.get(goal_id)
        old = None if outcome is None else outcome.value
        if given.value != old:
            changes[goals[goal_id].text[:80]] = [old, given.value]
        if given.value is None:
            if outcome is not None:
                outcome.delete()
            continue
        if outcome is None:
            outcome = InterventionOutcome(goal=goals[goal_id], year=year)
        outcome.value = given.value
        outcome.note = given.note
        outcome.updated_by = by
        outcome.full_clean()
        outcome.save()
        saved.append(outcome)
    record(
        action="registrerade utfall",
        by=by,
        obj=intervention,
        changes={"year": year, "outcomes": changes},
    )
    return saved


@transaction.atomic
def outcome_delete(*, outcome: InterventionOutcome, by: AbstractBaseUser | None) -> None:
    intervention = outcome.goal.intervention
    record(
        action="tog bort utfallet",
        by=by,
        obj=intervention,
        changes={"year": outcome.year, "goal": outcome.goal.text[:80], "value": outcome.value},
    )
    outcome.delete()
