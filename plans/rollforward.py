"""Next year's plan, the plan's part: the new draft with the sections, goals and
årshjul of this year's adopted plan (documents/rollforward.py adds the budget's
and the interventions' parts)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from finsam.db import save_new
from finsam.money import swedish_date
from plans.models import Goal, Meeting, MeetingKind, Plan, PlanStatus, Section
from plans.rules import (
    meeting_date_error,
    mentions_year,
    same_date_next_year,
    same_weekday_next_year,
    shift_years,
)
from plans.services import _user

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def _carried(meeting: Meeting) -> bool:
    """Whether next year's plan gets a copy of the meeting: only a date in the plan's
    window (plans/rules.py) moves one year on; stored data from before the rule
    (a 9999-12-31 meeting) is left out and named in the review list."""
    return meeting_date_error(year=meeting.plan.year, day=meeting.date) is None


def _shifted_meeting_date(meeting: Meeting) -> date:
    # A deadline is a date in the law or the förbundsordning (31 March, 30
    # November); a meeting is on a weekday, so it keeps that.
    if meeting.kind == MeetingKind.DEADLINE:
        return same_date_next_year(meeting.date)
    return same_weekday_next_year(meeting.date)


@transaction.atomic
def plan_carry_forward(*, plan: Plan, by: AbstractBaseUser | None) -> tuple[Plan, list[str]]:
    """The plan's part of "Skapa nästa års plan" (documents/rollforward.py): a draft
    for the next year from this adopted plan, and what to look over in it.

    Copies the sections, goals and årshjul (meetings one year on: the same weekday
    near the same date; deadlines to the same date)."""
    # Locked, so that of two requests at once the second finds the first's plan.
    source = (
        Plan.objects.select_for_update(of=("self",)).select_related("federation").get(pk=plan.pk)
    )
    if not source.is_decided:
        raise ValidationError(
            _("Nästa års plan görs från en fastställd plan; den här är %(status)s.")
            % {"status": PlanStatus(source.status).label.lower()}
        )
    year = source.year + 1
    federation = source.federation
    exists = _("Det finns redan en verksamhetsplan för %(year)s.") % {"year": year}
    if Plan.objects.filter(federation=federation, year=year).exists():
        raise ValidationError(exists)
    user = _user(by)
    items: list[str] = []
    new = Plan(
        federation=federation,
        year=year,
        title=shift_years(source.title, first=source.year - 1, last=source.year + 5),
        vision=source.vision,
        status=PlanStatus.DRAFT,
        carried_from=source,
        updated_by=user,
    )
    if source.decision_meeting is not None and _carried(source.decision_meeting):
        new.decision_meeting_on = _shifted_meeting_date(source.decision_meeting)
    elif (
        source.decided_on is not None
        and meeting_date_error(year=source.year, day=source.decided_on) is None
    ):
        new.decision_meeting_on = same_weekday_next_year(source.decided_on)
    save_new(new, conflict=Plan.objects.filter(federation=federation, year=year), error=exists)

    sections = list(source.sections.order_by("position", "id"))
    first, last = source.year - 1, source.year + 5
    bulk_create_with_history(
        [
            Section(
                plan=new,
                heading=shift_years(s.heading, first=first, last=last),
                kind=s.kind,
                body=s.body,
                position=s.position,
            )
            for s in sections
        ],
        Section,
        default_user=user,
        default_change_reason="från förra årets plan",
    )
    goals = list(source.goals.order_by("position", "id"))
    bulk_create_with_history(
        [
            Goal(
                plan=new, level=g.level, text=g.text, measures=list(g.measures), position=g.position
            )
            for g in goals
        ],
        Goal,
        default_user=user,
        default_change_reason="från förra årets plan",
    )
    stored_meetings = list(source.meetings.all())
    meetings = [m for m in stored_meetings if _carried(m)]
    left_out = [m for m in stored_meetings if not _carried(m)]
    bulk_create_with_history(
        [
            Meeting(
                plan=new,
                kind=m.kind,
                date=_shifted_meeting_date(m),
                time=m.time,
                place=m.place,
                title=shift_years(m.title, first=first, last=last),
                note=shift_years(m.note, first=first, last=last),
            )
            for m in meetings
        ],
        Meeting,
        default_user=user,
        default_change_reason="från förra årets plan",
    )

    items.append(
        _(
            "Titeln är ändrad till ”%(title)s”. Diarienummer och beslutsdatum är tomma tills "
            "styrelsen fastställer planen."
        )
        % {"title": new.title}
    )
    if meetings:
        items.append(
            _(
                "Årshjulets %(count)d möten och hålltider är flyttade ett år framåt: mötena till "
                "samma veckodag nära samma datum, lagens hålltider till samma datum. "
                "Kontrollera datumen."
            )
            % {"count": len(meetings)}
        )
    if left_out:
        items.append(
            _(
                "Möten med datum utanför %(first)s–%(last)s följde inte med: %(meetings)s. "
                "Lägg till dem igen med rätt datum om de behövs."
            )
            % {
                "first": source.year - 1,
                "last": source.year + 1,
                "meetings": ", ".join(
                    f"{m.display_title} ({m.date.isoformat()})" for m in left_out
                ),
            }
        )
    if new.decision_meeting_on:
        items.append(
            _("Planerat beslut i styrelsen: %(date)s (samma veckodag som förra årets beslut).")
            % {"date": swedish_date(new.decision_meeting_on)}
        )
    renamed = [
        f"{s.heading} → {shift_years(s.heading, first=first, last=last)}"
        for s in sections
        if shift_years(s.heading, first=first, last=last) != s.heading
    ]
    if renamed:
        items.append(
            _("Rubriker med årtal är flyttade ett år: %(headings)s.")
            % {"headings": ", ".join(renamed)}
        )
    dated = [
        shift_years(s.heading, first=first, last=last)
        for s in sections
        if mentions_year(s.body, source.year)
    ]
    if dated:
        items.append(
            _("Avsnitt som nämner %(year)s och kan behöva skrivas om: %(headings)s.")
            % {"year": source.year, "headings": ", ".join(dated)}
        )
    dated_goals = [g.text[:60] for g in goals if mentions_year(g.text, source.year)]
    if dated_goals:
        items.append(
            _("Mål som nämner %(year)s: %(goals)s.")
            % {"year": source.year, "goals": "; ".join(dated_goals)}
        )
    return new, items
