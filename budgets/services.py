"""Writes to budgets. Every write is one transaction."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from budgets.bundle import BundleError, ParsedBundle, ParsedOutcome, parse_bundle
from budgets.editing import BudgetDraft, scenario_overrides
from budgets.grid import stored_draft
from budgets.merge import Conflict, merge_drafts
from budgets.models import Amount, Budget, Column, Line, Scenario
from budgets.rules import LineFacts
from budgets.selectors import budget_facts
from finsam.audit import record
from finsam.db import save_new
from finsam.models import BoardSeat, Federation, Member
from finsam.money import swedish_date
from interventions.models import Intervention, InterventionGoal, InterventionOutcome
from plans.freeze import ensure_plan_not_frozen
from plans.models import Goal, Meeting, Plan, PlanStatus, Section
from plans.services import plan_new_revision

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class DecidedPlanImport(BundleError):
    """The bundle would replace a fastställd plan year; the adopted record stays."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        super().__init__("", decision_text(plan))


def decision_text(plan: Plan) -> str:
    """ "Verksamhetsplanen 2020 för … är fastställd (styrelsens beslut 19 november
    2019, dnr 2019:12 / 6) och ändras inte." """
    decision = swedish_date(plan.decided_on) if plan.decided_on else _("okänt datum")
    if plan.reference:
        decision = _("%(date)s, %(reference)s") % {
            "date": decision,
            "reference": plan.reference if plan.reference.lower().startswith("dnr")
            else f"dnr {plan.reference}",
        }
    return _(
        "Verksamhetsplanen %(year)s för %(federation)s är fastställd (styrelsens beslut "
        "%(decision)s) och ändras inte."
    ) % {"year": plan.year, "federation": plan.federation.name, "decision": decision}


@transaction.atomic
def bundle_import(
    *, data: object, by: AbstractBaseUser | None = None, new_revision: bool = False
) -> Budget:
    """Import a `finsam-bundle/1` document: create or replace the förbund's plan year.

    All or nothing: the bundle is checked first, and any problem, found then or
    refused later by the database, raises BundleError with the JSON path of the
    problem and leaves the database as it was. Members and interventions are
    updated by key and never deleted (other years' budgets may use them).

    A fastställd plan year is never replaced (DecidedPlanImport). With
    `new_revision` the bundle becomes the plan's next revision, a draft, as
    `plans.services.plan_new_revision` starts one; the adopted version stays in
    its snapshot as it was.
    """
    bundle = parse_bundle(data)
    plan = (
        Plan.objects.select_for_update()
        .select_related("federation")
        .filter(federation__slug=bundle.federation.slug, year=bundle.plan.year)
        .first()
    )
    if new_revision:
        if plan is None or not plan.is_decided:
            raise BundleError(
                "",
                _(
                    "Verksamhetsplanen %(year)s är inte fastställd, så paketet blir ingen ny "
                    "revision; läs in det som vanligt."
                )
                % {"year": bundle.plan.year},
            )
        plan_new_revision(
            plan=plan,
            by=by,
            reason=_("Nytt planpaket inläst som ny revision (import_bundle)."),
        )
        # The new revision is a draft, whatever status the bundle gives.
        plan_draft = bundle.plan.model_copy(update={"status": PlanStatus.DRAFT, "decided_on": None})
        bundle = bundle.model_copy(update={"plan": plan_draft})
    elif plan is not None and plan.is_decided:
        raise DecidedPlanImport(plan)
    writer = _BundleWriter(bundle, by)
    try:
        if plan is not None:
            # The plan-year guard, as in front of every write (plans/freeze.py).
            ensure_plan_not_frozen(plan.federation_id, plan.year)
        budget = writer.write()
        record(
            action="importerade planpaket",
            by=by,
            obj=budget,
            changes={"year": budget.year, "version": budget.version,
                     "lines": len(bundle.budget.lines), "members": len(bundle.members),
                     "interventions": len(bundle.interventions)},
        )
        return budget
    except ValidationError as exc:
        raise _validation_error(writer.path, exc) from exc
    except DatabaseError as exc:
        # The transaction is rolled back as the error leaves this function.
        raise BundleError(
            writer.path, _("databasen godtog inte uppgiften (%(error)s)") % {"error": exc}
        ) from exc


def _validation_error(path: str, exc: ValidationError) -> BundleError:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        if field != NON_FIELD_ERRORS:
            path = f"{path}.{field}"
        return BundleError(path, "; ".join(errors[0].messages))
    return BundleError(path, "; ".join(exc.messages))


# The intervention fields a bundle carries besides the spec's own keys.
INTERVENTION_FIELDS = (
    "short_name",
    "status",
    "category_label",
    "age_min",
    "age_max",
    "description",
    "owner_unit",
    "steering_group",
    "reports_participants",
    "interim_report_on",
    "annual_report_on",
)


class _BundleWriter:
    """Writes a parsed bundle; `path` says where it is, for error messages."""

    def __init__(self, bundle: ParsedBundle, by: AbstractBaseUser | None) -> None:
        self.bundle = bundle
        self.by = by
        self.path = "federation"
        self.members: dict[str, Member] = {}
        self.interventions: dict[str, Intervention] = {}

    def write(self) -> Budget:
        federation = self._federation()
        self._members(federation)
        if self.bundle.board is not None:
            self._board(federation)
        self._interventions(federation)
        self._plan(federation)
        return self._budget(federation)

    def _federation(self) -> Federation:
        parsed = self.bundle.federation
        self.path = "federation"
        federation = Federation.objects.filter(slug=parsed.slug).first() or Federation(
            slug=parsed.slug
        )
        federation.name = parsed.name
        # A key the bundle leaves out keeps its value (bundles from elsewhere lack ours).
        for field in parsed.given:
            setattr(federation, field, getattr(parsed, field))
        federation.full_clean()
        federation.save()
        return federation

    def _members(self, federation: Federation) -> None:
        existing = {member.key: member for member in Member.objects.filter(federation=federation)}
        for index, parsed in enumerate(self.bundle.members):
            self.path = f"members[{index}]"
            member = existing.pop(parsed.key, None) or Member(federation=federation, key=parsed.key)
            member.name = parsed.name
            member.kind = parsed.kind
            member.population = parsed.population
            member.population_date = parsed.population_date
            member.fixed_share_percent = parsed.fixed_share_percent
            member.position = index
            member.full_clean()
            member.save()
            self.members[parsed.key] = member
        self.path = "members"
        _move_after(list(existing.values()), len(self.bundle.members), Member)

    def _board(self, federation: Federation) -> None:
        self.path = "board"
        BoardSeat.objects.filter(member__federation=federation).delete()
        BoardSeat.objects.bulk_create(
            BoardSeat(
                member=self.members[seat.member],
                person=seat.person,
                role=seat.role,
                position=seat.position,
                term_end=seat.term_end,
            )
            for seat in self.bundle.board or ()
        )

    def _interventions(self, federation: Federation) -> None:
        existing = {
            intervention.key: intervention
            for intervention in Intervention.objects.filter(federation=federation)
        }
        for index, parsed in enumerate(self.bundle.interventions):
            self.path = f"interventions[{index}]"
            intervention = existing.pop(parsed.key, None) or Intervention(
                federation=federation, key=parsed.key
            )
            intervention.name = parsed.name
            intervention.individual_share_percent = parsed.individual_share_percent
            intervention.owner = self.members[parsed.owner] if parsed.owner else None
            intervention.start = parsed.start
            intervention.end = parsed.end
            intervention.target_group = parsed.target_group
            intervention.purpose = parsed.purpose
            for field in INTERVENTION_FIELDS:
                setattr(intervention, field, getattr(parsed, field))
            intervention.extra = parsed.extra
            intervention.position = index
            intervention.save()
            self.interventions[parsed.key] = intervention
        self.path = "interventions"
        _move_after(list(existing.values()), len(self.bundle.interventions), Intervention)

        ids = [intervention.pk for intervention in self.interventions.values()]
        self._intervention_goals(ids)
        for relation, attribute in (("members", "members"), ("steering_members", "steering_members")):
            through = getattr(Intervention, relation).through
            through.objects.filter(intervention_id__in=ids).delete()
            through.objects.bulk_create(
                through(
                    intervention_id=self.interventions[parsed.key].pk,
                    member_id=self.members[key].pk,
                )
                for parsed in self.bundle.interventions
                for key in getattr(parsed, attribute)
            )

    def _intervention_goals(self, ids: list[int]) -> None:
        """Goals are matched to the stored ones by their text, so a goal that stays
        keeps its recorded outcomes; a goal's outcomes are replaced only when the
        bundle gives them. Stored goals the bundle no longer has are deleted."""
        stored: dict[tuple[int, str], list[InterventionGoal]] = {}
        for goal in InterventionGoal.objects.filter(intervention_id__in=ids).order_by(
            "position", "id"
        ):
            stored.setdefault((goal.intervention_id, goal.text), []).append(goal)
        kept: list[InterventionGoal] = []
        created: list[InterventionGoal] = []
        outcomes: list[tuple[InterventionGoal, tuple[ParsedOutcome, ...]]] = []
        for parsed in self.bundle.interventions:
            intervention = self.interventions[parsed.key]
            for position, parsed_goal in enumerate(parsed.goals):
                same = stored.get((intervention.pk, parsed_goal.text))
                goal = same.pop(0) if same else InterventionGoal(
                    intervention=intervention, text=parsed_goal.text
                )
                goal.target = parsed_goal.target
                goal.unit = parsed_goal.unit
                goal.comparison = parsed_goal.comparison
                goal.position = position
                (kept if goal.pk else created).append(goal)
                if parsed_goal.outcomes is not None:
                    outcomes.append((goal, parsed_goal.outcomes))
        InterventionGoal.objects.filter(
            pk__in=[goal.pk for goals in stored.values() for goal in goals]
        ).delete()
        InterventionGoal.objects.bulk_update(kept, ["target", "unit", "comparison", "position"])
        InterventionGoal.objects.bulk_create(created)
        InterventionOutcome.objects.filter(goal__in=[goal for goal, _ in outcomes]).delete()
        InterventionOutcome.objects.bulk_create(
            InterventionOutcome(
                goal=goal, year=outcome.year, value=outcome.value, note=outcome.note, updated_by=self.by
            )
            for goal, goal_outcomes in outcomes
            for outcome in goal_outcomes
        )

    def _plan(self, federation: Federation) -> Plan:
        parsed = self.bundle.plan
        self.path = "plan"
        plan = Plan.objects.filter(federation=federation, year=parsed.year).first()
        stored_uids: dict[tuple[str, Any, str], list[uuid.UUID]] = {}
        if plan is None:
            plan = Plan(federation=federation, year=parsed.year)
        else:
            for kind, day, title, uid in plan.meetings.order_by("id").values_list(
                "kind", "date", "title", "uid"
            ):
                stored_uids.setdefault((kind, day, title), []).append(uid)
            plan.sections.all().delete()
            plan.goals.all().delete()
            plan.meetings.all().delete()
        plan.title = parsed.title
        plan.reference = parsed.reference
        plan.status = parsed.status
        plan.decided_on = parsed.decided_on
        plan.decision_meeting_on = parsed.decision_meeting_on
        plan.vision = parsed.vision
        plan.save()
        Section.objects.bulk_create(
            Section(
                plan=plan,
                heading=section.heading,
                kind=section.kind,
                body=section.body,
                position=position,
            )
            for position, section in enumerate(parsed.sections)
        )
        Goal.objects.bulk_create(
            Goal(
                plan=plan,
                level=goal.level,
                text=goal.text,
                measures=list(goal.measures),
                position=position,
            )
            for position, goal in enumerate(parsed.goals)
        )
        uids = [
            meeting.uid
            or (stored_uids.get((meeting.kind, meeting.date, meeting.title)) or [None]).pop(0)
            or uuid.uuid4()
            for meeting in parsed.meetings
        ]
        # A UID is the meeting's for good: one that another plan's meeting has (the
        # bundle was made from another year or förbund) gives this one a new UID.
        taken = set(Meeting.objects.filter(uid__in=uids).values_list("uid", flat=True))
        seen: set[uuid.UUID] = set()
        for index, uid in enumerate(uids):
            if uid in taken or uid in seen:
                uids[index] = uid = uuid.uuid4()
            seen.add(uid)
        Meeting.objects.bulk_create(
            Meeting(
                plan=plan,
                kind=meeting.kind,
                date=meeting.date,
                time=meeting.time,
                place=meeting.place,
                title=meeting.title,
                note=meeting.note,
                uid=uid,
            )
            for meeting, uid in zip(parsed.meetings, uids, strict=True)
        )
        return plan

    def _budget(self, federation: Federation) -> Budget:
        parsed = self.bundle.budget
        self.path = "budget"
        budget = (
            Budget.objects.select_for_update()
            .filter(federation=federation, year=parsed.year)
            .first()
        )
        if budget is None:
            budget = Budget(federation=federation, year=parsed.year, version=1)
        else:
            budget.lines.all().delete()
            budget.scenarios.all().delete()
            budget.columns.all().delete()
            budget.version += 1
            budget.federation = federation
        budget.opening_equity = parsed.opening_equity
        budget.deficit_reason = parsed.deficit_reason
        budget.updated_by = self.by
        budget.save()

        self.path = "budget.columns"
        columns = Column.objects.bulk_create(
            Column(budget=budget, year=year, kind=kind, position=position)
            for position, (year, kind) in enumerate(parsed.columns)
        )
        column_by_code = {column.code: column for column in columns}

        self.path = "budget.scenarios"
        scenarios = Scenario.objects.bulk_create(
            Scenario(budget=budget, name=scenario.name, note=scenario.note, position=position)
            for position, scenario in enumerate(parsed.scenarios)
        )

        self.path = "budget.lines"
        parsed_lines = [(None, position, line) for position, line in enumerate(parsed.lines)]
        for scenario, parsed_scenario in zip(scenarios, parsed.scenarios, strict=True):
            parsed_lines += [
                (scenario, position, line) for position, line in enumerate(parsed_scenario.lines)
            ]
        lines = Line.objects.bulk_create(
            Line(
                budget=budget,
                scenario=scenario,
                key=line.key,
                category=line.category,
                label=line.label,
                member=self.members[line.member] if line.member else None,
                intervention=self.interventions[line.intervention] if line.intervention else None,
                note=line.note,
                position=position,
            )
            for scenario, position, line in parsed_lines
        )
        Amount.objects.bulk_create(
            Amount(line=line, column=column_by_code[code], amount=value)
            for line, (_scenario, _position, parsed_line) in zip(lines, parsed_lines, strict=True)
            for code, value in parsed_line.amounts.items()
        )
        return budget


def _move_after(stale: list[Member] | list[Intervention], start: int, model: type) -> None:
    """Rows the bundle does not list keep their order, after the bundle's rows."""
    stale.sort(key=lambda row: (row.position, row.pk))
    for offset, row in enumerate(stale):
        row.position = start + offset
    if stale:
        model.objects.bulk_update(stale, ["position"])


class BudgetConflict(Exception):
    """Someone else saved the budget since the editor loaded it, and the user's
    draft does not merge into it: `conflicts` are the parts both changed (empty
    when the editor's base is unknown to the caller or a save came in between).
    Nothing was written."""

    def __init__(self, budget: Budget, conflicts: tuple[Conflict, ...] = ()) -> None:
        super().__init__("budget changed")
        self.budget = budget
        self.conflicts = conflicts


@transaction.atomic
def budget_save(
    *,
    budget: Budget,
    draft: BudgetDraft,
    expected_version: int,
    base: BudgetDraft | None = None,
    by: AbstractBaseUser | None = None,
) -> Budget:
    """Save the editor's draft in one transaction, if nobody saved in between.

    Optimistic concurrency: the version is bumped with `UPDATE … WHERE version=`,
    which works on SQLite (no row locks) and PostgreSQL alike; 0 rows updated means
    a conflict, and nothing is written. A fastställd plan year refuses (PlanFrozen).

    A draft from an older version is merged cell by cell into what is stored now,
    given `base`, the draft as the editor loaded it (budgets/merge.py): what only
    the user changed is saved, what only others changed stays. If both changed a
    part to different values, or `base` is None and anything differs, it raises
    BudgetConflict with those parts and writes nothing.
    """
    ensure_plan_not_frozen(budget.federation_id, budget.year)
    loaded_version = expected_version
    draft, expected_version = _merged_draft(budget, draft, expected_version, base)
    updated = Budget.objects.filter(pk=budget.pk, version=expected_version).update(
        version=F("version") + 1, updated_by=by, updated_at=timezone.now()
    )
    if not updated:
        raise BudgetConflict(Budget.objects.select_related("updated_by").get(pk=budget.pk))
    budget.refresh_from_db()

    columns = _save_columns(budget, draft.columns)
    members = {m.key: m for m in budget.federation.members.all()}
    interventions = {i.key: i for i in budget.federation.interventions.all()}
    if draft.scenario is None:
        budget.opening_equity = draft.opening_equity
        budget.deficit_reason = draft.deficit_reason
        budget.full_clean()
        budget.save(update_fields=["opening_equity", "deficit_reason"])
        scenario = None
        lines = [line.as_facts() for line in draft.lines]
    else:
        scenario = budget.scenarios.get(name=draft.scenario)
        base = tuple(
            LineFacts(
                key=line.key,
                category=line.category,
                label=line.label,
                member=line.member.key if line.member else None,
                intervention=line.intervention.key if line.intervention else None,
                amounts={a.column.code: a.amount for a in line.amounts.all()},
            )
            for line in budget.lines.filter(scenario=None)
            .select_related("member", "intervention")
            .prefetch_related("amounts__column")
        )
        lines = list(scenario_overrides(base, tuple(line.as_facts() for line in draft.lines)))

    stored = _stored_cells(budget, scenario)
    notes = _line_notes(budget, scenario, draft)
    Line.objects.filter(budget=budget, scenario=scenario).delete()
    # Lines are written anew, with a saved version each (who, when, the amounts).
    stamp = timezone.now()
    created = bulk_create_with_history(
        [
            Line(
                budget=budget,
                scenario=scenario,
                key=line.key,
                category=line.category,
                label=line.label,
                member=members.get(line.member) if line.member else None,
                intervention=interventions.get(line.intervention) if line.intervention else None,
                note=notes.get(line.key, ""),
                position=position,
            )
            for position, line in enumerate(lines)
        ],
        Line,
        default_user=by if by is not None and by.is_authenticated else None,
        default_date=stamp,
    )
    Amount.objects.bulk_create(
        Amount(line=row, column=columns[code], amount=amount)
        for row, line in zip(created, lines, strict=True)
        for code, amount in line.amounts.items()
        if code in columns
    )
    _line_history_amounts(budget, stamp)
    record(
        action="sparade budgeten",
        by=by,
        federation=budget.federation,
        obj=budget,
        changes={
            "version": [expected_version, budget.version],
            # Merged cell by cell into others' saves since the editor loaded this version.
            **({"merged_from_version": loaded_version} if loaded_version != expected_version else {}),
            "scenario": draft.scenario,
            "columns": list(columns),
            **_cell_changes(stored, lines, columns),
        },
    )
    return budget


def _merged_draft(
    budget: Budget, draft: BudgetDraft, expected_version: int, base: BudgetDraft | None
) -> tuple[BudgetDraft, int]:
    """The draft to save and the version it now applies to: as given if the budget
    is still at `expected_version`, else merged into the stored budget. The row is
    locked first (PostgreSQL), so the stored budget cannot change before the save."""
    current = Budget.objects.select_for_update().get(pk=budget.pk)
    if current.version == expected_version:
        return draft, expected_version
    theirs = stored_draft(budget_facts(current), current, draft.scenario)
    merged = merge_drafts(base, draft, theirs)
    if merged.conflicts:
        raise BudgetConflict(
            Budget.objects.select_related("updated_by").get(pk=budget.pk), tuple(merged.conflicts)
        )
    return merged.draft, current.version


def _line_notes(budget: Budget, scenario: Scenario | None, draft: BudgetDraft) -> dict[str, str]:
    """Each line's note by key: what the draft gives (the Excel import's note
    column), else the note stored on the line with that key. The grid does not
    edit notes, so a save there keeps them."""
    notes = dict(
        Line.objects.filter(budget=budget, scenario=scenario).values_list("key", "note")
    )
    notes.update((line.key, line.note) for line in draft.lines if line.note is not None)
    return notes


def _line_history_amounts(budget: Budget, stamp: datetime) -> None:
    """The budget lines' versions saved at `stamp` get the lines' amounts then, so
    a line's history (by budget and key) shows its figures."""
    history = Line.history.model  # type: ignore[attr-defined]
    rows = list(history.objects.filter(budget=budget, history_date=stamp))
    if not rows:
        return
    amounts: dict[int, dict[str, str]] = {}
    for line_id, year, kind, amount in Amount.objects.filter(
        line_id__in=[row.id for row in rows]
    ).values_list("line_id", "column__year", "column__kind", "amount"):
        amounts.setdefault(line_id, {})[f"{year}:{kind}"] = str(amount)
    for row in rows:
        row.amounts = amounts.get(row.id, {})
    history.objects.bulk_update(rows, ["amounts"])


AUDIT_CELLS = 200  # changed cells listed per save in the audit log; the rest are counted


def _stored_cells(budget: Budget, scenario: Scenario | None) -> dict[str, dict[str, Decimal]]:
    cells: dict[str, dict[str, Decimal]] = {}
    for line in Line.objects.filter(budget=budget, scenario=scenario).values_list("key", flat=True):
        cells[line] = {}
    for key, year, kind, amount in Amount.objects.filter(
        line__budget=budget, line__scenario=scenario
    ).values_list("line__key", "column__year", "column__kind", "amount"):
        cells.setdefault(key, {})[f"{year}:{kind}"] = amount
    return cells


def _cell_changes(
    stored: dict[str, dict[str, Decimal]], lines: list[LineFacts], columns: Mapping[str, Column]
) -> dict[str, object]:
    """For the audit log: lines added and removed, and cells changed as [old, new]."""
    new = {line.key: {c: a for c, a in line.amounts.items() if c in columns} for line in lines}
    cells: dict[str, list[str | None]] = {}
    for key in new.keys() | stored.keys():
        old_amounts, new_amounts = stored.get(key, {}), new.get(key, {})
        for code in sorted(old_amounts.keys() | new_amounts.keys()):
            old, value = old_amounts.get(code), new_amounts.get(code)
            if old != value:
                cells[f"{key} {code}"] = [
                    None if old is None else str(old), None if value is None else str(value)
                ]
    shown = dict(sorted(cells.items())[:AUDIT_CELLS])
    return {
        "added_lines": sorted(new.keys() - stored.keys()),
        "removed_lines": sorted(stored.keys() - new.keys()),
        "cells": shown,
        "cells_not_shown": len(cells) - len(shown),
    }


def _save_columns(budget: Budget, codes: list[str]) -> dict[str, Column]:
    existing = {c.code: c for c in budget.columns.all()}
    for code, column in existing.items():
        if code not in codes:
            column.delete()
    result = {}
    for position, code in enumerate(codes):
        column = existing.get(code)
        if column is None:
            year, kind = code.split(":")
            column = Column.objects.create(budget=budget, year=int(year), kind=kind, position=position)
        elif column.position != position:
            column.position = position
            column.save(update_fields=["position"])
        result[code] = column
    return result


# --- scenarios and the contribution planner ------------------------------------------
# (Appended after the code above, which stays as it is; hence the imports here.)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from decimal import Decimal

# The base budget's name on every page; a scenario by that name would be ambiguous.
BASE_NAME = "Grundbudget"


def _budget_touched(budget: Budget, by: AbstractBaseUser | None) -> None:
    """Bump the version, so an editor opened before this write gets a conflict
    (a renamed or deleted scenario, changed contributions) instead of overwriting."""
    Budget.objects.filter(pk=budget.pk).update(
        version=F("version") + 1, updated_by=by, updated_at=timezone.now()
    )
    budget.refresh_from_db(fields=["version", "updated_by", "updated_at"])


def _clean_scenario_name(budget: Budget, name: str, *, except_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Ange ett namn på scenariot.")})
    if name.casefold() == BASE_NAME.casefold():
        raise ValidationError(
            {
                "name": _("”%(name)s” är budgeten utan scenario. Välj ett annat namn.")
                % {"name": BASE_NAME}
            }
        )
    # Case-insensitive: "ESF" and "esf" side by side would only confuse.
    taken = budget.scenarios.exclude(pk=except_pk).values_list("name", flat=True)
    if any(other.casefold() == name.casefold() for other in taken):
        raise ValidationError(
            {"name": _("Budgeten har redan ett scenario som heter ”%(name)s”.") % {"name": name}}
        )
    return name


@transaction.atomic
def scenario_create(*, budget: Budget, name: str, by: AbstractBaseUser | None) -> Scenario:
    """A new scenario. It copies nothing: an empty scenario equals the base budget,
    and its lines are changed in the budget editor."""
    ensure_plan_not_frozen(budget.federation_id, budget.year)
    name = _clean_scenario_name(budget, name)
    last = budget.scenarios.order_by("-position").values_list("position", flat=True).first()
    scenario = Scenario(budget=budget, name=name, position=0 if last is None else last + 1)
    save_new(
        scenario,
        conflict=Scenario.objects.filter(budget=budget, name=name),
        error={
            "name": _("Budgeten har redan ett scenario som heter ”%(name)s”.") % {"name": name}
        },
    )
    _budget_touched(budget, by)
    record(action="skapade scenariot", by=by, federation=budget.federation, obj=scenario,
           changes={"budget": budget.year, "name": scenario.name})
    return scenario


@transaction.atomic
def scenario_rename(*, scenario: Scenario, name: str, by: AbstractBaseUser | None) -> Scenario:
    budget = scenario.budget
    ensure_plan_not_frozen(budget.federation_id, budget.year)
    old = scenario.name
    scenario.name = _clean_scenario_name(budget, name, except_pk=scenario.pk)
    scenario.full_clean()
    scenario.save(update_fields=["name"])
    _budget_touched(budget, by)
    record(action="bytte namn på scenariot", by=by, federation=budget.federation, obj=scenario,
           changes={"budget": budget.year, "name": [old, scenario.name]})
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario, by: AbstractBaseUser | None) -> None:
    """Delete a scenario with its lines and amounts; the base budget is untouched."""
    budget = scenario.budget
    ensure_plan_not_frozen(budget.federation_id, budget.year)
    name = scenario.name
    scenario.delete()
    _budget_touched(budget, by)
    record(action="tog bort scenariot", by=by, federation=budget.federation, obj=name,
           changes={"budget": budget.year, "name": name})


@transaction.atomic
def contributions_fill(
    *,
    budget: Budget,
    column: str,
    amounts: Mapping[str, Decimal],
    scenario: Scenario | None = None,
    by: AbstractBaseUser | None,
) -> Budget:
    """Write each member's contribution in one column (`YEAR:KIND`), e.g. from the
    contribution planner. `amounts` maps member keys to kronor.

    A member's first contribution line gets the amount and its other contribution
    lines 0 in that column, so the member pays exactly the amount. A member without
    a contribution line gets one (key = member key, label = member name), unless its
    amount is 0. Other columns and other lines are untouched.

    In a scenario the lines are the scenario's: a base line gets an override that
    keeps the base line's other columns (an override replaces a line's amounts).
    """
    from django.db.models import Q

    from budgets.rules import parse_column_code
    from finsam.money import ORE

    ensure_plan_not_frozen(budget.federation_id, budget.year)
    try:
        year, kind = parse_column_code(column)
    except ValueError:
        year, kind = 0, ""
    target = budget.columns.filter(year=year, kind=kind).first()
    if target is None:
        raise ValidationError(
            {"column": _("Budgeten har ingen kolumn %(column)s.") % {"column": column}}
        )
    if scenario is not None and scenario.budget_id != budget.pk:
        raise ValidationError({"scenario": _("Scenariot hör inte till budgeten.")})
    members = {m.key: m for m in budget.federation.members.all()}
    for key, amount in amounts.items():
        if key not in members:
            raise ValidationError(
                {"amounts": _("Förbundet har ingen medlem med nyckeln ”%(key)s”.") % {"key": key}}
            )
        if not amount.is_finite() or amount != amount.quantize(ORE) or abs(amount) >= 10**12:
            raise ValidationError(
                {
                    "amounts": _("%(amount)s är inte ett belopp i kronor och öre.")
                    % {"amount": amount}
                }
            )

    all_lines = list(
        Line.objects.filter(Q(scenario=None) | Q(scenario=scenario), budget=budget)
        .prefetch_related("amounts")
        .order_by("position", "id")
    )
    base = [line for line in all_lines if line.scenario_id is None]
    own = [line for line in all_lines if scenario is not None and line.scenario_id == scenario.pk]
    overrides = {line.key: line for line in own}
    next_position = max((line.position for line in (base + own)), default=-1) + 1
    base_keys = {line.key for line in base}
    taken_keys = base_keys | set(overrides)

    def override_of(base_line: Line) -> Line:
        """The scenario's line for a base line, created with the base line's amounts."""
        line = overrides.get(base_line.key)
        if line is None:
            line = Line(
                budget=budget,
                scenario=scenario,
                key=base_line.key,
                category=base_line.category,
                label=base_line.label,
                member=base_line.member,
                position=base_line.position,
            )
            line.full_clean()
            line.save()
            Amount.objects.bulk_create(
                Amount(line=line, column_id=a.column_id, amount=a.amount)
                for a in base_line.amounts.all()
            )
            overrides[line.key] = line
        return line

    touched: list[Line] = []
    for key, amount in amounts.items():
        member = members[key]
        if scenario is None:
            lines = [
                line
                for line in base
                if line.category == "contribution" and line.member_id == member.pk
            ]
        else:
            # The scenario's effective lines: base lines (overridden or not) keep
            # their member; lines only in the scenario count by their own member.
            lines = [
                override_of(line)
                for line in base
                if line.category == "contribution" and line.member_id == member.pk
            ] + [
                line
                for line in own
                if line.key not in base_keys
                and line.category == "contribution"
                and line.member_id == member.pk
            ]
        if not lines:
            if amount == 0:
                continue
            new_key, n = member.key, 2
            while new_key in taken_keys:
                new_key, n = f"{member.key}-{n}", n + 1
            taken_keys.add(new_key)
            line = Line(
                budget=budget,
                scenario=scenario,
                key=new_key,
                category="contribution",
                label=member.name,
                member=member,
                position=next_position,
            )
            next_position += 1
            line.full_clean()
            line.save()
            lines = [line]
        first, *others = lines
        Amount.objects.update_or_create(line=first, column=target, defaults={"amount": amount})
        Amount.objects.filter(line__in=others, column=target).delete()
        touched += lines

    # A saved version of each line whose amounts changed (who, when, the amounts).
    stamp = timezone.now()
    Line.history.bulk_history_create(  # type: ignore[attr-defined]
        touched, update=True, default_date=stamp,
        default_user=by if by is not None and by.is_authenticated else None,
    )
    _line_history_amounts(budget, stamp)
    _budget_touched(budget, by)
    record(
        action="fyllde i medlemsbidrag",
        by=by,
        federation=budget.federation,
        obj=budget,
        changes={"column": column, "scenario": scenario.name if scenario else None,
                 "amounts": {key: str(amount) for key, amount in amounts.items()}},
    )
    return budget
