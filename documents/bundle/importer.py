"""`bundle_import` reads a `finsam-bundle/1` document into the database: the
förbund, its members and board, interventions, the plan and the budget, all or
nothing (the format and its checks: budgets/bundle_schema.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from budgets.bundle import BundleError, ParsedBundle, ParsedOutcome, parse_bundle
from budgets.models import Amount, Budget, Column, Line, Scenario
from finsam.audit import record
from finsam.models import BoardSeat, Federation, Member
from interventions.models import Intervention, InterventionGoal, InterventionOutcome
from plans.freeze import decision_text, ensure_plan_not_frozen
from plans.models import Goal, Meeting, Plan, PlanStatus, Section
from plans.workflow import plan_new_revision

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class DecidedPlanImport(BundleError):
    """The bundle would replace a fastställd plan year; the adopted record stays."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        super().__init__("", decision_text(plan))


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
    `plans.workflow.plan_new_revision` starts one; the adopted version stays in
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
            changes={
                "year": budget.year,
                "version": budget.version,
                "lines": len(bundle.budget.lines),
                "members": len(bundle.members),
                "interventions": len(bundle.interventions),
            },
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
        for relation, attribute in (
            ("members", "members"),
            ("steering_members", "steering_members"),
        ):
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
                goal = (
                    same.pop(0)
                    if same
                    else InterventionGoal(intervention=intervention, text=parsed_goal.text)
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
                goal=goal,
                year=outcome.year,
                value=outcome.value,
                note=outcome.note,
                updated_by=self.by,
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
