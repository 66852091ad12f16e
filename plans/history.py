"""Reads of the version history: a section's saved versions, a word-level diff of
any two, and everything that changed in a plan since it was sent to review.

Every save of a section, goal and meeting is kept by django-simple-history with
who saved it and when (the services set the user); budget lines are kept the same
way, keyed by budget and line key since a budget save writes its lines anew (each
version holds the line's amounts then); interventions are kept too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import Http404

from budgets.forms import column_label
from budgets.models import Budget, Line
from finsam.models import Member
from finsam.money import format_kr, swedish_date
from interventions.models import Intervention
from plans.diff import TextDiff, word_diff
from plans.models import Goal, Meeting, Plan, PlanStatus, PlanTransition, Section
from plans.selectors import review_sent_at

HistoricalSection = Section.history.model  # type: ignore[attr-defined]
HistoricalGoal = Goal.history.model  # type: ignore[attr-defined]
HistoricalMeeting = Meeting.history.model  # type: ignore[attr-defined]
HistoricalLine = Line.history.model  # type: ignore[attr-defined]
HistoricalIntervention = Intervention.history.model  # type: ignore[attr-defined]

KINDS = {"+": "skapad", "~": "ändrad", "-": "borttagen"}


@dataclass(frozen=True)
class Version:
    """One saved version of a section."""

    id: int
    number: int
    at: datetime
    by: str
    kind: str
    heading: str
    body: str
    reason: str

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


def _by(row: Any) -> str:
    user = row.history_user
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def section_versions(section_id: int) -> list[Version]:
    """The section's saved versions, newest first, numbered from 1 (the oldest)."""
    rows = list(
        HistoricalSection.objects.filter(id=section_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    versions = [
        Version(
            id=row.history_id,
            number=number,
            at=row.history_date,
            by=_by(row),
            kind=row.history_type,
            heading=row.heading,
            body=row.body,
            reason=row.history_change_reason or "",
        )
        for number, row in enumerate(rows, start=1)
    ]
    return versions[::-1]


def version_of(versions: list[Version], version_id: int | str | None) -> Version | None:
    for version in versions:
        if str(version.id) == str(version_id):
            return version
    return None


def get_version(versions: list[Version], version_id: int) -> Version:
    version = version_of(versions, version_id)
    if version is None:
        raise Http404("Versionen finns inte.")
    return version


@dataclass(frozen=True)
class SectionChange:
    section_id: int
    heading: str
    status: str  # "ändrat", "nytt", "borttaget"
    heading_diff: TextDiff
    body_diff: TextDiff
    since: Version | None


def _section_text(row: Any) -> tuple[str, str]:
    return (row.heading, row.body) if row is not None else ("", "")


def section_changes_since(plan: Plan, since: datetime) -> list[SectionChange]:
    """Each section that differs from how it was at `since`, in the plan's order;
    sections added since then, and removed ones, last."""
    rows = list(
        HistoricalSection.objects.filter(plan=plan)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    then: dict[int, Any] = {}
    for row in rows:
        if row.history_date <= since:
            then[row.id] = None if row.history_type == "-" else row
    changes = []
    current = list(Section.objects.filter(plan=plan).order_by("position", "id"))
    for section in current:
        before = then.get(section.pk)
        old_heading, old_body = _section_text(before)
        heading = word_diff(old_heading, section.heading)
        body = word_diff(old_body, section.body)
        if before is not None and not heading.changed and not body.changed:
            continue
        changes.append(
            SectionChange(
                section_id=section.pk,
                heading=section.heading,
                status="ändrat" if before is not None else "nytt",
                heading_diff=heading,
                body_diff=body,
                since=None,
            )
        )
    present = {section.pk for section in current}
    for section_id, before in then.items():
        if before is None or section_id in present:
            continue
        changes.append(
            SectionChange(
                section_id=section_id,
                heading=before.heading,
                status="borttaget",
                heading_diff=word_diff(before.heading, ""),
                body_diff=word_diff(before.body, ""),
                since=None,
            )
        )
    return changes


@dataclass(frozen=True)
class ItemChange:
    what: str  # "Mål" or "Möte"
    status: str
    text: TextDiff


def _goal_text(row: Any) -> str:
    measures = "; ".join(row.measures or [])
    return f"{row.get_level_display()}: {row.text}" + (f" ({measures})" if measures else "")


def _meeting_text(row: Any) -> str:
    title = row.title or row.get_kind_display()
    time = f" {row.time:%H.%M}" if row.time else ""
    place = f", {row.place}" if row.place else ""
    return f"{row.date.isoformat()}{time} {title}{place}"


def _item_changes(plan: Plan, since: datetime, model: Any, history: Any, what: str,
                  text: Any) -> list[ItemChange]:
    then: dict[int, Any] = {}
    for row in history.objects.filter(plan=plan, history_date__lte=since).order_by(
        "history_date", "history_id"
    ):
        then[row.id] = None if row.history_type == "-" else row
    changes = []
    current = list(model.objects.filter(plan=plan))
    for item in current:
        before = then.get(item.pk)
        diff = word_diff(text(before) if before is not None else "", text(item))
        if before is None:
            changes.append(ItemChange(what=what, status="nytt", text=diff))
        elif diff.changed:
            changes.append(ItemChange(what=what, status="ändrat", text=diff))
    present = {item.pk for item in current}
    for item_id, before in then.items():
        if before is not None and item_id not in present:
            changes.append(ItemChange(what=what, status="borttaget", text=word_diff(text(before), "")))
    return changes


# --- the budget: cell by cell ------------------------------------------------------------


@dataclass(frozen=True)
class BudgetChange:
    """One cell of the budget that differs from how it was: the line, the column
    in Swedish ("Budget 2024"), before and after in kronor (None: no amount), who
    made the last change of it and when."""

    line: str
    scenario: str
    column: str
    before: Decimal | None
    after: Decimal | None
    by: str
    at: datetime

    @property
    def before_kr(self) -> str:
        return format_kr(self.before) if self.before is not None else "–"

    @property
    def after_kr(self) -> str:
        return format_kr(self.after) if self.after is not None else "–"


def _amount(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def budget_changes_since(plan: Plan, since: datetime) -> list[BudgetChange]:
    """Every budget cell of the plan year that changed since `since`, from the budget
    lines' saved versions (a line is known by its scenario and key: a save writes the
    lines anew). In the budget's line order, then column order."""
    budget = Budget.objects.filter(federation_id=plan.federation_id, year=plan.year).first()
    if budget is None:
        return []
    scenarios = dict(budget.scenarios.values_list("pk", "name"))
    rows = list(
        HistoricalLine.objects.filter(budget_id=budget.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    then: dict[tuple[int | None, str], Any] = {}
    later: dict[tuple[int | None, str], list[Any]] = {}
    for row in rows:
        scope = (row.scenario_id, row.key)
        if row.history_date <= since:
            then[scope] = None if row.history_type == "-" else row
        else:
            later.setdefault(scope, []).append(row)
    columns = list(budget.columns.order_by("position", "id"))
    order = {column.code: index for index, column in enumerate(columns)}
    current = {
        (line.scenario_id, line.key): line
        for line in Line.objects.filter(budget=budget).order_by("position", "id")
    }
    changes: list[BudgetChange] = []
    scopes = list(current) + [s for s in {**then, **later} if s not in current]
    for scope in scopes:
        history = later.get(scope, [])
        if not history:
            continue
        before_row = then.get(scope)
        before = {k: _amount(v) for k, v in (before_row.amounts if before_row else {}).items()}
        # The line as the versions since then leave it: a removed line has no amounts.
        value = dict(before)
        changed_by: dict[str, Any] = {}
        for row in history:
            now = {} if row.history_type == "-" else {
                k: _amount(v) for k, v in (row.amounts or {}).items()
            }
            if row.history_type == "-":
                # A save deletes and writes the lines anew: the delete is not a change.
                continue
            for code in set(value) | set(now):
                if value.get(code) != now.get(code):
                    changed_by[code] = row
            value = now
        if scope not in current:
            for code in value:
                changed_by.setdefault(code, history[-1])
            value = {}
        label_row = current.get(scope) or history[-1]
        for code in sorted(set(before) | set(value), key=lambda c: (order.get(c, 99), c)):
            if before.get(code) == value.get(code) or code not in changed_by:
                continue
            row = changed_by[code]
            changes.append(BudgetChange(
                line=label_row.label,
                scenario=scenarios.get(scope[0], "") if scope[0] else "",
                column=column_label(code),
                before=before.get(code),
                after=value.get(code),
                by=_by(row),
                at=row.history_date,
            ))
    return changes


# --- interventions: field by field -----------------------------------------------------------

INTERVENTION_FIELDS = (
    "name", "short_name", "status", "individual_share_percent", "category_label", "owner",
    "owner_unit", "steering_group", "start", "end", "target_group", "age_min", "age_max",
    "purpose", "description", "reports_participants", "interim_report_on", "annual_report_on",
)


@dataclass(frozen=True)
class InterventionChange:
    """One field of an intervention that differs from how it was (or a whole
    intervention added or removed: `field` is then empty)."""

    intervention: str
    field: str
    before: str
    after: str
    by: str
    at: datetime


def _shown(row: Any, name: str, members: dict[int, str]) -> str:
    if row is None:
        return ""
    if name == "owner":
        return members.get(row.owner_id, "") if row.owner_id else ""
    value = getattr(row, name)
    field = Intervention._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, date):
        return swedish_date(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}".replace(".", ",")
    return "" if value is None else str(value)


def intervention_changes_since(
    plan: Plan, since: datetime, until: datetime | None = None
) -> list[InterventionChange]:
    """Each field of the förbund's interventions that changed since `since` (and up
    to `until`, the decision: later changes are the förbund's, not the adopted
    plan's), from their saved versions; who made the last change of it and when."""
    rows = HistoricalIntervention.objects.filter(federation_id=plan.federation_id)
    if until is not None:
        rows = rows.filter(history_date__lte=until)
    rows = list(rows.select_related("history_user").order_by("history_date", "history_id"))
    members = dict(Member.objects.filter(federation_id=plan.federation_id).values_list("pk", "name"))
    then: dict[int, Any] = {}
    later: dict[int, list[Any]] = {}
    for row in rows:
        if row.history_date <= since:
            then[row.id] = None if row.history_type == "-" else row
        else:
            later.setdefault(row.id, []).append(row)
    changes: list[InterventionChange] = []
    for intervention_id, history in later.items():
        before = then.get(intervention_id)
        last = history[-1]
        name = (last if last.history_type != "-" or before is None else before).name
        if before is None and intervention_id not in then and history[0].history_type == "+":
            if last.history_type != "-":
                changes.append(InterventionChange(name, "", "", "ny insats", _by(history[0]),
                                                  history[0].history_date))
            continue
        if last.history_type == "-":
            if before is not None:
                changes.append(InterventionChange(name, "", "", "borttagen", _by(last),
                                                  last.history_date))
            continue
        for field in INTERVENTION_FIELDS:
            old = _shown(before, field, members)
            new = _shown(last, field, members)
            if old == new:
                continue
            previous, changed = old, history[-1]
            for row in history:
                value = _shown(row, field, members)
                if value != previous:
                    changed, previous = row, value
            changes.append(InterventionChange(
                intervention=name,
                field=str(Intervention._meta.get_field(field).verbose_name),
                before=old,
                after=new,
                by=_by(changed),
                at=changed.history_date,
            ))
    return changes


@dataclass(frozen=True)
class ReviewChanges:
    since: datetime
    by: str
    sections: list[SectionChange]
    items: list[ItemChange]
    budget: list[BudgetChange]
    interventions: list[InterventionChange]

    @property
    def count(self) -> int:
        return len(self.sections) + len(self.items) + len(self.budget) + len(self.interventions)


def changes_since_review(plan: Plan) -> ReviewChanges | None:
    """What changed in the plan's text, goals and årshjul since it was last sent to
    review; None if it never was."""
    sent = review_sent_at(plan)
    if sent is None:
        return None
    decided = decided_at(plan)
    return ReviewChanges(
        since=sent.at,
        by=sent.by_name,
        sections=section_changes_since(plan, sent.at),
        items=_item_changes(plan, sent.at, Goal, HistoricalGoal, "Mål", _goal_text)
        + _item_changes(plan, sent.at, Meeting, HistoricalMeeting, "Möte", _meeting_text),
        budget=budget_changes_since(plan, sent.at),
        interventions=intervention_changes_since(plan, sent.at, decided),
    )


def decided_at(plan: Plan) -> datetime | None:
    """When a fastställd plan was decided (registered); None for one that is not.
    Its plan-year data cannot change after that; the förbund's interventions can."""
    if plan.status != PlanStatus.DECIDED:
        return None
    return (
        PlanTransition.objects.filter(plan=plan, to_status=PlanStatus.DECIDED)
        .order_by("-at", "-id").values_list("at", flat=True).first()
    )
