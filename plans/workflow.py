"""The plan's workflow: utkast → på beredning → fastställd, a new revision, and
publication of the adopted plan. Each step is recorded (PlanTransition) and in the
audit log. Sending to review and adoption write more than the plan (the starting
versions, the snapshot), so they are in documents/adoption.py, on these steps."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finsam.audit import record
from plans.models import Meeting, MeetingKind, Plan, PlanStatus, PlanTransition
from plans.services import _editable, _name, _user

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def plan_transition(
    plan: Plan,
    to_status: str,
    *,
    by: AbstractBaseUser | None,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> PlanTransition:
    transition = PlanTransition(
        plan=plan,
        from_status=plan.status,
        to_status=to_status,
        by=_user(by),
        by_name=_name(by),
        note=note,
        details=details or {},
    )
    transition.full_clean()
    transition.save()
    plan.status = to_status
    plan.updated_by = _user(by)
    plan.full_clean()
    plan.save()
    record(
        action=str(transition.label).lower()[:100],
        by=by,
        obj=plan,
        changes={"status": [transition.from_status, to_status], "note": note, **(details or {})},
    )
    return transition


def require_status(plan: Plan, *allowed: str, message: str) -> None:
    if plan.status not in allowed:
        raise ValidationError(message, code="wrong_status")


@transaction.atomic
def plan_return_to_draft(
    *, plan: Plan, by: AbstractBaseUser | None, note: str = ""
) -> PlanTransition:
    """På beredning → utkast (the director takes the plan back)."""
    _editable(plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    require_status(
        plan,
        PlanStatus.REVIEW,
        message=_("Bara en plan som är på beredning kan tas tillbaka till utkast."),
    )
    return plan_transition(plan, PlanStatus.DRAFT, by=by, note=note.strip())


def members_meeting_dates(plan: Plan) -> list[date]:
    """The förbund's medlemssamråd, from every plan's årshjul (the one before the
    decision is usually in last year's årshjul)."""
    return list(
        Meeting.objects.filter(
            plan__federation_id=plan.federation_id, kind=MeetingKind.MEMBERS
        ).values_list("date", flat=True)
    )


ADOPTS = re.compile(r"fastst[äa]ll", re.IGNORECASE)


def planned_adoption_meetings(plan: Plan) -> list[Meeting]:
    """The board meetings of the plan's årshjul planned for adopting it: the one on
    the planned decision day (`decision_meeting_on`), and those whose title or note
    says that the plan is adopted there ("Verksamhetsplan 2021 fastställs"). Not
    one where an earlier revision was adopted: that meeting has been held."""
    held = set(plan.snapshots.values_list("decided_on", flat=True))
    planned = []
    for meeting in plan.meetings.filter(kind=MeetingKind.BOARD).order_by("date", "id"):
        if meeting.date in held:
            continue
        text = f"{meeting.title} {meeting.note}"
        years = {int(y) for y in re.findall(r"(?<!\d)20\d\d(?!\d)", text)}
        says_so = ADOPTS.search(text) is not None and (not years or plan.year in years)
        if meeting.date == plan.decision_meeting_on or says_so:
            planned.append(meeting)
    return planned


NEW_MEETING = "ny"


@transaction.atomic
def plan_new_revision(*, plan: Plan, by: AbstractBaseUser | None, reason: str) -> PlanTransition:
    """Fastställd → utkast, as revision n + 1: the only way to change an adopted
    plan. The adopted version stays as it was, in its snapshot (and, if published,
    on the public page until the new revision is adopted)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    require_status(
        plan, PlanStatus.DECIDED, message=_("Bara en fastställd plan får en ny revision.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Ange varför planen ska ändras efter beslutet.")})
    plan.revision += 1
    plan.decided_on = None
    plan.decision_meeting = None
    return plan_transition(
        plan, PlanStatus.DRAFT, by=by, note=reason, details={"revision": plan.revision}
    )


# --- publication ---------------------------------------------------------------------------


@transaction.atomic
def plan_publish(*, plan: Plan, by: AbstractBaseUser | None) -> Plan:
    """Make the adopted plan a public document, at a public read-only address (HTML
    and PDF, both from the snapshot). A plan that was never adopted stays private."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if not plan.snapshots.exists():
        raise ValidationError(_("Bara en fastställd plan kan publiceras."))
    if plan.published_at is None:
        plan.published_at = timezone.now()
        plan.published_by = _user(by)
        plan.save(update_fields=["published_at", "published_by"])
        record(action="publicerade verksamhetsplanen", by=by, obj=plan)
    return plan


@transaction.atomic
def plan_unpublish(*, plan: Plan, by: AbstractBaseUser | None) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.published_at is not None:
        plan.published_at = None
        plan.published_by = None
        plan.save(update_fields=["published_at", "published_by"])
        record(action="avpublicerade verksamhetsplanen", by=by, obj=plan)
    return plan
