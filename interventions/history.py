"""The interventions' changes since a moment, field by field, for "Ändringar
sedan utskicket" (documents/history.py); their versions are kept by
django-simple-history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from finsam.models import Member
from finsam.money import swedish_date
from interventions.models import Intervention
from plans.history import saved_by
from plans.models import Plan

HistoricalIntervention = Intervention.history.model

INTERVENTION_FIELDS = (
    "name",
    "short_name",
    "status",
    "individual_share_percent",
    "category_label",
    "owner",
    "owner_unit",
    "steering_group",
    "start",
    "end",
    "target_group",
    "age_min",
    "age_max",
    "purpose",
    "description",
    "reports_participants",
    "interim_report_on",
    "annual_report_on",
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
    members = dict(
        Member.objects.filter(federation_id=plan.federation_id).values_list("pk", "name")
    )
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
                changes.append(
                    InterventionChange(
                        name, "", "", "ny insats", saved_by(history[0]), history[0].history_date
                    )
                )
            continue
        if last.history_type == "-":
            if before is not None:
                changes.append(
                    InterventionChange(name, "", "", "borttagen", saved_by(last), last.history_date)
                )
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
            changes.append(
                InterventionChange(
                    intervention=name,
                    field=str(Intervention._meta.get_field(field).verbose_name),
                    before=old,
                    after=new,
                    by=saved_by(changed),
                    at=changed.history_date,
                )
            )
    return changes
