"""Writes to budgets. Every write is one transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from budgets.editing import BudgetDraft, scenario_overrides
from budgets.grid import stored_draft
from budgets.merge import Conflict, merge_drafts
from budgets.models import Amount, Budget, Column, Line, Scenario
from budgets.planner import KIND_ORDER, split_total
from budgets.rules import LineFacts, column_label, evaluate, parse_column_code, rolled_columns
from budgets.selectors import budget_facts, interventions_running, member_facts
from budgets.starting import empty_draft
from finsam.audit import record
from finsam.db import check_version, raise_version, save_new
from finsam.models import Federation
from finsam.money import format_kr, too_large, whole_ore
from plans.freeze import decision_text, ensure_plan_not_frozen
from plans.models import Plan

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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
    if not raise_version(
        Budget, budget.pk, expected_version, updated_by=by, updated_at=timezone.now()
    ):
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
            **(
                {"merged_from_version": loaded_version}
                if loaded_version != expected_version
                else {}
            ),
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
    locked first, so the stored budget cannot change before the save."""
    check = check_version(Budget.objects, budget.pk, expected_version)
    if check.unchanged:
        return draft, expected_version
    current = check.stored
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
    notes = dict(Line.objects.filter(budget=budget, scenario=scenario).values_list("key", "note"))
    notes.update((line.key, line.note) for line in draft.lines if line.note is not None)
    return notes


def _line_history_amounts(budget: Budget, stamp: datetime) -> None:
    """The budget lines' versions saved at `stamp` get the lines' amounts then, so
    a line's history (by budget and key) shows its figures."""
    history = Line.history.model
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
                    None if old is None else str(old),
                    None if value is None else str(value),
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
            column = Column.objects.create(
                budget=budget, year=int(year), kind=kind, position=position
            )
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

# The base budget's name on every page; a scenario by that name would be ambiguous.
BASE_NAME = "Grundbudget"


def _budget_touched(budget: Budget, by: AbstractBaseUser | None) -> None:
    """Bump the version, so an editor opened before this write gets a conflict
    (a renamed or deleted scenario, changed contributions) instead of overwriting."""
    raise_version(Budget, budget.pk, None, updated_by=by, updated_at=timezone.now())
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
        error={"name": _("Budgeten har redan ett scenario som heter ”%(name)s”.") % {"name": name}},
    )
    _budget_touched(budget, by)
    record(
        action="skapade scenariot",
        by=by,
        federation=budget.federation,
        obj=scenario,
        changes={"budget": budget.year, "name": scenario.name},
    )
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
    record(
        action="bytte namn på scenariot",
        by=by,
        federation=budget.federation,
        obj=scenario,
        changes={"budget": budget.year, "name": [old, scenario.name]},
    )
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario, by: AbstractBaseUser | None) -> None:
    """Delete a scenario with its lines and amounts; the base budget is untouched."""
    budget = scenario.budget
    ensure_plan_not_frozen(budget.federation_id, budget.year)
    name = scenario.name
    scenario.delete()
    _budget_touched(budget, by)
    record(
        action="tog bort scenariot",
        by=by,
        federation=budget.federation,
        obj=name,
        changes={"budget": budget.year, "name": name},
    )


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
        if not whole_ore(amount) or too_large(amount):
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
    Line.history.bulk_history_create(
        touched,
        update=True,
        default_date=stamp,
        default_user=by if by is not None and by.is_authenticated else None,
    )
    _line_history_amounts(budget, stamp)
    _budget_touched(budget, by)
    record(
        action="fyllde i medlemsbidrag",
        by=by,
        federation=budget.federation,
        obj=budget,
        changes={
            "column": column,
            "scenario": scenario.name if scenario else None,
            "amounts": {key: str(amount) for key, amount in amounts.items()},
        },
    )
    return budget


# --- next year's budget ------------------------------------------------------------------


@transaction.atomic
def budget_roll_forward(
    *, federation_id: int, source_year: int, by: AbstractBaseUser | None, year: int | None = None
) -> list[str]:
    """The budget's part of "Skapa nästa års plan" (documents/rollforward.py): next
    year's budget from this year's. The columns move one year (`rolled_columns` in
    budgets/rules.py), the lines and scenarios are copied with their amounts, and
    the opening equity is the forecast's closing equity. Returns what to look over,
    for the new plan's list.

    With `year` (later than `source_year`), the budget for that year, the columns
    moved as far ("Skapa budget" from an older year's, budget_create_copy); the
    opening equity then adds the results of every year between."""
    new_year = source_year + 1 if year is None else year
    user = by if by is not None and by.is_authenticated else None
    old = Budget.objects.filter(federation_id=federation_id, year=source_year).first()
    if old is None:
        return [
            _("Det fanns ingen budget för %(year)s att utgå från; skapa budgeten för %(new)s.")
            % {"year": source_year, "new": new_year}
        ]
    if Budget.objects.filter(federation_id=federation_id, year=new_year).exists():
        return [_("Budgeten för %(year)s fanns redan och är inte ändrad.") % {"year": new_year}]

    facts = budget_facts(old)
    rolled = rolled_columns(source_year, facts.columns, to=new_year)
    sources = rolled.columns
    forecast_code = f"{new_year - 1}:forecast"
    forecast_from = rolled.forecast_source

    evaluation = evaluate(facts)
    # Each year up to the new one by the column that says how it ends (its forecast).
    ends = [
        rolled_columns(source_year, facts.columns, to=y + 1).forecast_source
        for y in range(source_year, new_year)
    ]
    opening = facts.opening_equity + sum(
        (evaluation.column(code).result for code in ends if code), Decimal(0)
    )

    budget = Budget(
        federation_id=federation_id,
        year=new_year,
        opening_equity=opening,
        deficit_reason="",
        updated_by=user,
    )
    budget.full_clean()
    budget.save()
    columns = Column.objects.bulk_create(
        Column(
            budget=budget,
            year=parse_column_code(code)[0],
            kind=parse_column_code(code)[1],
            position=position,
        )
        for position, (code, _from) in enumerate(sources)
    )
    column_of = {column.code: column for column in columns}

    def amounts(line_amounts: dict[str, Decimal]) -> dict[str, Decimal]:
        moved = {}
        for code, origin in sources:
            if origin is not None and origin in line_amounts:
                moved[code] = line_amounts[origin]
        return moved

    old_lines = list(
        Line.objects.filter(budget=old).select_related("scenario").order_by("position", "id")
    )
    cells: dict[int, dict[str, Decimal]] = {}
    for line_id, column_year, kind, value in Amount.objects.filter(line__budget=old).values_list(
        "line_id", "column__year", "column__kind", "amount"
    ):
        cells.setdefault(line_id, {})[f"{column_year}:{kind}"] = value
    scenarios = {
        scenario.pk: Scenario.objects.create(
            budget=budget, name=scenario.name, position=scenario.position
        )
        for scenario in old.scenarios.all()
    }
    lines = [
        Line(
            budget=budget,
            scenario=scenarios.get(line.scenario_id) if line.scenario_id else None,
            key=line.key,
            category=line.category,
            label=line.label,
            member_id=line.member_id,
            intervention_id=line.intervention_id,
            position=line.position,
        )
        for line in old_lines
    ]
    created = bulk_create_with_history(
        lines, Line, default_user=user, default_change_reason="från förra årets budget"
    )
    if created and created[0].pk is None:
        created = list(Line.objects.filter(budget=budget).order_by("id"))
    Amount.objects.bulk_create(
        Amount(line=row, column=column_of[code], amount=value)
        for row, old_line in zip(created, old_lines, strict=True)
        for code, value in amounts(cells.get(old_line.pk, {})).items()
    )

    def label(code: str | None) -> str:
        return str(column_label(code)).lower() if code else _("tom")

    described = ", ".join(
        _("%(new)s (från %(old)s)") % {"new": label(code), "old": label(origin)}
        for code, origin in sources
    )
    items = [
        _("Budgetens kolumner: %(columns)s. Jämförelsekolumnerna från %(year)s följer inte med.")
        % {"columns": described, "year": source_year},
        _(
            "Ingående eget kapital %(year)s är %(amount)s: utgående eget kapital %(old)s enligt "
            "prognosen%(copy)s. Ändra prognosen, och det ingående kapitalet, när utfallet är känt."
        )
        % {
            "year": new_year,
            "old": new_year - 1,
            "amount": format_kr(opening),
            "copy": ""
            if forecast_from == forecast_code or forecast_from is None
            else _(" (en kopia av %(column)s)") % {"column": label(forecast_from)},
        },
    ]
    if rolled.copied_last:
        items.append(
            _("%(new)s är en kopia av %(old)s: se över beloppen.")
            % {"new": column_label(sources[-1][0]), "old": label(sources[-1][1])}
        )
    if old.deficit_reason:
        items.append(
            _(
                "Skälet till underskott för %(year)s följer inte med. Ange ett nytt om budgeten "
                "%(new)s inte är i balans."
            )
            % {"year": source_year, "new": new_year}
        )
    if scenarios:
        items.append(
            _("Scenarierna följer med, flyttade på samma sätt: %(names)s.")
            % {"names": ", ".join(s.name for s in scenarios.values())}
        )
    return items


# --- a new budget: "Skapa budget" (budgets/starting.py) --------------------------------


def _plan_for_new_budget(federation: Federation, year: int) -> Plan:
    """The plan year a new budget is for: it has a plan, the plan is not fastställd
    (the plan-year guard, first in the transaction) and it has no budget yet."""
    plan = Plan.objects.filter(federation=federation, year=year).first()
    if plan is not None:
        ensure_plan_not_frozen(federation, year, message=decision_text(plan))
    if plan is None:
        raise ValidationError(
            _(
                "Det finns ingen verksamhetsplan för %(year)s. Skapa planen först; budgeten "
                "hör till planen."
            )
            % {"year": year},
            code="no_plan",
        )
    if Budget.objects.filter(federation=federation, year=year).exists():
        raise ValidationError(
            _("Det finns redan en budget för %(year)s.") % {"year": year}, code="exists"
        )
    return plan


def _new_budget(federation: Federation, year: int, by: AbstractBaseUser | None) -> Budget:
    budget = Budget(
        federation=federation,
        year=year,
        updated_by=by if by is not None and by.is_authenticated else None,
    )
    save_new(
        budget,
        conflict=Budget.objects.filter(federation=federation, year=year),
        error=_("Det finns redan en budget för %(year)s.") % {"year": year},
    )
    return budget


@transaction.atomic
def budget_create_empty(
    *,
    federation: Federation,
    year: int,
    total: Decimal | None = None,
    by: AbstractBaseUser | None,
) -> tuple[Budget, list[str]]:
    """The plan year's budget from the förbund itself (budgets.starting.empty_draft):
    a contribution line per member, the standard cost lines and a line per
    intervention running that year, in the columns prognos N−1, budget N, plan N+1
    and N+2. With `total` the members' contributions in the budget column are its
    split (budgets.planner.split_total). Returns the budget and what to know about
    it (e.g. that the municipalities' quarter was split equally)."""
    _plan_for_new_budget(federation, year)
    members = sorted(
        federation.members.all(), key=lambda m: (KIND_ORDER.get(m.kind, 9), m.position, m.pk)
    )
    notes: list[str] = []
    contributions = None
    if total is not None:
        split = split_total(total, [member_facts(m) for m in members], federation.municipal_split)
        if split.problem:
            raise ValidationError({"total": split.problem})
        contributions = split.amounts
        if split.note:
            notes.append(split.note)
    interventions = interventions_running(federation, year)
    draft = empty_draft(
        year,
        members=[(m.key, m.name) for m in members],
        interventions=[(i.key, i.name) for i in interventions],
        contributions=contributions,
    )
    budget = _new_budget(federation, year, by)
    budget_save(budget=budget, draft=draft, expected_version=budget.version, by=by)
    record(
        action="skapade budgeten",
        by=by,
        federation=federation,
        obj=budget,
        changes={
            "year": year,
            "start": "empty",
            "total": None if total is None else str(total),
            "lines": len(draft.lines),
            "columns": draft.columns,
        },
    )
    return budget, notes


@transaction.atomic
def budget_create_copy(
    *, federation: Federation, year: int, source_year: int, by: AbstractBaseUser | None
) -> tuple[Budget, list[str]]:
    """The plan year's budget as a copy of an earlier year's, moved to `year` as the
    roll-forward moves next year's budget (budget_roll_forward): the lines, scenarios
    and amounts, the columns moved, the opening equity from the years between.
    Returns the budget and what to look over."""
    _plan_for_new_budget(federation, year)
    if (
        source_year >= year
        or not Budget.objects.filter(federation=federation, year=source_year).exists()
    ):
        raise ValidationError(
            {"source": _("Välj budgeten för ett år före %(year)s.") % {"year": year}}
        )
    items = budget_roll_forward(
        federation_id=federation.pk, source_year=source_year, year=year, by=by
    )
    budget = Budget.objects.get(federation=federation, year=year)
    record(
        action="skapade budgeten",
        by=by,
        federation=federation,
        obj=budget,
        changes={
            "year": year,
            "start": "copy",
            "source_year": source_year,
            "columns": [c.code for c in budget.columns.order_by("position")],
        },
    )
    return budget, items
