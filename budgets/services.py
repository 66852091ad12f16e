"""Writes to budgets. Every write is one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.bundle import BundleError, ParsedBundle, parse_bundle
from budgets.editing import BudgetDraft, scenario_overrides
from budgets.models import Amount, Budget, Column, Line, Scenario
from budgets.rules import LineFacts
from finsam.models import BoardSeat, Federation, Member
from interventions.models import Intervention, InterventionGoal
from plans.models import Goal, Meeting, Plan, Section

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def bundle_import(*, data: object, by: AbstractBaseUser | None = None) -> Budget:
    """Import a `finsam-bundle/1` document: create or replace the förbund's plan year.

    All or nothing: the bundle is checked first, and any problem, found then or
    refused later by the database, raises BundleError with the JSON path of the
    problem and leaves the database as it was. Members and interventions are
    updated by key and never deleted (other years' budgets may use them).
    """
    bundle = parse_bundle(data)
    writer = _BundleWriter(bundle, by)
    try:
        return writer.write()
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
            intervention.extra = parsed.extra
            intervention.position = index
            intervention.save()
            self.interventions[parsed.key] = intervention
        self.path = "interventions"
        _move_after(list(existing.values()), len(self.bundle.interventions), Intervention)

        ids = [intervention.pk for intervention in self.interventions.values()]
        InterventionGoal.objects.filter(intervention_id__in=ids).delete()
        InterventionGoal.objects.bulk_create(
            InterventionGoal(
                intervention=self.interventions[parsed.key],
                text=goal.text,
                target=goal.target,
                unit=goal.unit,
                position=position,
            )
            for parsed in self.bundle.interventions
            for position, goal in enumerate(parsed.goals)
        )
        through = Intervention.members.through
        through.objects.filter(intervention_id__in=ids).delete()
        through.objects.bulk_create(
            through(
                intervention_id=self.interventions[parsed.key].pk,
                member_id=self.members[key].pk,
            )
            for parsed in self.bundle.interventions
            for key in parsed.members
        )

    def _plan(self, federation: Federation) -> Plan:
        parsed = self.bundle.plan
        self.path = "plan"
        plan = Plan.objects.filter(federation=federation, year=parsed.year).first()
        if plan is None:
            plan = Plan(federation=federation, year=parsed.year)
        else:
            plan.sections.all().delete()
            plan.goals.all().delete()
            plan.meetings.all().delete()
        plan.title = parsed.title
        plan.reference = parsed.reference
        plan.status = parsed.status
        plan.decided_on = parsed.decided_on
        plan.decision_meeting_on = parsed.decision_meeting_on
        plan.save()
        Section.objects.bulk_create(
            Section(plan=plan, heading=section.heading, body=section.body, position=position)
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
        Meeting.objects.bulk_create(
            Meeting(
                plan=plan,
                kind=meeting.kind,
                date=meeting.date,
                title=meeting.title,
                note=meeting.note,
            )
            for meeting in parsed.meetings
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
            Scenario(budget=budget, name=scenario.name, position=position)
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
    """Someone else saved the budget since the editor loaded it."""

    def __init__(self, budget: Budget) -> None:
        super().__init__("budget changed")
        self.budget = budget


@transaction.atomic
def budget_save(
    *,
    budget: Budget,
    draft: BudgetDraft,
    expected_version: int,
    by: AbstractBaseUser | None = None,
) -> Budget:
    """Save the editor's draft in one transaction, if nobody saved in between.

    Optimistic concurrency: the version is bumped with `UPDATE … WHERE version=`,
    which works on SQLite (no row locks) and PostgreSQL alike; 0 rows updated means
    a conflict, and nothing is written.
    """
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

    Line.objects.filter(budget=budget, scenario=scenario).delete()
    created = Line.objects.bulk_create(
        Line(
            budget=budget,
            scenario=scenario,
            key=line.key,
            category=line.category,
            label=line.label,
            member=members.get(line.member) if line.member else None,
            intervention=interventions.get(line.intervention) if line.intervention else None,
            position=position,
        )
        for position, line in enumerate(lines)
    )
    Amount.objects.bulk_create(
        Amount(line=row, column=columns[code], amount=amount)
        for row, line in zip(created, lines, strict=True)
        for code, amount in line.amounts.items()
        if code in columns
    )
    return budget


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
