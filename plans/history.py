"""Reads of the plan's version history: a section's saved versions, a word-level
diff of any two, and what changed in the plan's text, goals and årshjul since a
moment (documents/history.py puts "Ändringar sedan utskicket" together with the
budget's changes, budgets/history.py, and the interventions', interventions/history.py).

Every save of a section, goal and meeting is kept by django-simple-history with
who saved it and when (the services set the user).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404

from plans.diff import TextDiff, word_diff
from plans.models import Goal, Meeting, Plan, PlanStatus, PlanTransition, Section

HistoricalSection = Section.history.model
HistoricalGoal = Goal.history.model
HistoricalMeeting = Meeting.history.model

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


def saved_by(row: Any) -> str:
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
            by=saved_by(row),
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


def _item_changes(
    plan: Plan, since: datetime, model: Any, history: Any, what: str, text: Any
) -> list[ItemChange]:
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
            changes.append(
                ItemChange(what=what, status="borttaget", text=word_diff(text(before), ""))
            )
    return changes


def decided_at(plan: Plan) -> datetime | None:
    """When a fastställd plan was decided (registered); None for one that is not.
    Its plan-year data cannot change after that; the förbund's interventions can."""
    if plan.status != PlanStatus.DECIDED:
        return None
    return (
        PlanTransition.objects.filter(plan=plan, to_status=PlanStatus.DECIDED)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )


def item_changes_since(plan: Plan, since: datetime) -> list[ItemChange]:
    """The plan's goals and årshjul meetings that differ from how they were at `since`."""
    return _item_changes(plan, since, Goal, HistoricalGoal, "Mål", _goal_text) + _item_changes(
        plan, since, Meeting, HistoricalMeeting, "Möte", _meeting_text
    )
