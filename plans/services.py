"""Every write to a verksamhetsplan: the plan, its sections, goals and årshjul, its
workflow (utkast → på beredning → fastställd, and a new revision), its comments,
the adopted snapshot, publication and next year's plan.

Keyword-only, typed, one transaction each, `full_clean()` before saving. Each
write stamps the plan (`updated_at`, `updated_by`), which also tells the PDF
cache that the document changed; sections, goals and meetings keep every saved
version with who saved it (django-simple-history). A fastställd plan refuses
every change (plans/freeze.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from finsam.audit import record
from finsam.db import save_new
from finsam.models import Federation, Membership
from plans.freeze import ensure_plan_not_frozen
from plans.models import (
    Comment,
    CommentTarget,
    Goal,
    Meeting,
    MeetingKind,
    Plan,
    PlanStatus,
    PlanTransition,
    Section,
    SectionKind,
    Snapshot,
)
from plans.rules import meeting_date_error, same_date_next_year, same_weekday_next_year

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from interventions.models import Intervention


def _user(by: AbstractBaseUser | None) -> Any:
    return by if by is not None and by.is_authenticated else None


def _name(by: AbstractBaseUser | None) -> str:
    user = _user(by)
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:200]


def _touch(plan: Plan, by: AbstractBaseUser | None) -> None:
    plan.updated_by = _user(by)
    plan.save(update_fields=["updated_at", "updated_by"])


def _editable(plan: Plan) -> None:
    """Every write to a plan's content starts here: the plan-year guard locks the
    plan's row for this transaction, and a fastställd plan refuses (plans/freeze.py)."""
    ensure_plan_not_frozen(plan.federation_id, plan.year)


def _text(text: str) -> str:
    """A textarea's CRLF line breaks as plain newlines, so versions compare by words."""
    return (text or "").replace("\r\n", "\n")


def _as(obj: Any, by: AbstractBaseUser | None) -> Any:
    """Who the history records as having saved (or deleted) `obj`."""
    obj._history_user = _user(by)
    return obj


def _save_part(obj: Any, by: AbstractBaseUser | None, action: str) -> Any:
    """Validate and save a section, goal or meeting of a plan, with its history,
    the plan's "last changed" and the audit entry."""
    obj.full_clean()
    _as(obj, by).save()
    _touch(obj.plan, by)
    record(action=action, by=by, obj=obj)
    return obj


def _delete_part(obj: Any, by: AbstractBaseUser | None, action: str) -> None:
    plan = obj.plan
    _editable(plan)
    record(action=action, by=by, obj=obj)
    _as(obj, by).delete()
    _touch(plan, by)


# --- a new plan: the standard outline and the statutory dates -----------------------

# (heading, kind, starting text). Taken from the seeds' common outline; the
# generated chapters are filled from the plan's data and nobody types them.
STANDARD_OUTLINE: tuple[tuple[str, str, str], ...] = (
    (
        "Inledning",
        SectionKind.TEXT,
        "{federation} är ett samordningsförbund enligt lag (2003:1210) om finansiell "
        "samordning av rehabiliteringsinsatser (Finsam). Förbundets medlemmar är "
        "{members}.\n\nSyftet med den finansiella samordningen är att underlätta en "
        "effektiv användning av de gemensamma resurserna. Förbundets resurser ska "
        "användas för insatser som syftar till att individer ska uppnå eller förbättra "
        "sin förmåga till förvärvsarbete.",
    ),
    (
        "Vision och uppdrag",
        SectionKind.TEXT,
        "Förbundets uppgifter enligt 7 § i lagen är att\n\n"
        "1. besluta om mål och riktlinjer för den finansiella samordningen,\n"
        "2. stödja samverkan mellan samverkansparterna,\n"
        "3. finansiera sådana insatser som avses i 2 § och som ligger inom de "
        "samverkande parternas samlade ansvarsområde,\n"
        "4. besluta på vilket sätt de medel som står till förfogande för finansiell "
        "samordning ska användas,\n"
        "5. svara för uppföljning och utvärdering av rehabiliteringsinsatserna, och\n"
        "6. upprätta budget och årsredovisning för den finansiella samordningen.",
    ),
    (
        "Målgrupper",
        SectionKind.TEXT,
        "Den övergripande målgruppen är personer i förvärvsaktiv ålder som är i behov "
        "av samordnade rehabiliteringsinsatser.",
    ),
    ("Mål", SectionKind.GOALS, "Förbundets mål för {year} och hur de mäts."),
    ("Insatser", SectionKind.INTERVENTIONS, "De insatser som förbundet finansierar {year}."),
    (
        "Uppföljning",
        SectionKind.TEXT,
        "Insatserna följs upp i Uppföljning Finsam (SUS) och med förbundets egna "
        "uppföljningar. Budgeten följs upp vid varje styrelsemöte.",
    ),
    ("Kommunikation", SectionKind.TEXT, ""),
    ("Risker", SectionKind.TEXT, ""),
    ("Årshjul", SectionKind.ANNUAL_CYCLE, "Styrelsens och beredningsgruppens möten och "
     "årets hålltider."),
    ("Budget", SectionKind.BUDGET, ""),
)


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def statutory_meetings(year: int) -> list[tuple[str, date, str, str]]:
    """(kind, date, title, note) of the dates the law sets for the plan year."""
    return [
        (
            MeetingKind.DEADLINE,
            date(year, 3, 31),
            f"Årsredovisning {year - 1} klar",
            "Senast tre månader efter räkenskapsårets slut.",
        ),
        (
            MeetingKind.MEMBERS,
            _weekday_on_or_after(date(year, 10, 15)),
            f"Medlemssamråd om verksamhetsplan och budget {year + 1}",
            "Medlemmarna ska höras innan styrelsen fastställer planen. Bekräfta datumet.",
        ),
        (
            MeetingKind.DEADLINE,
            date(year, 11, 30),
            f"Verksamhetsplan och budget {year + 1} fastställda",
            "Senast 30 november enligt lag (2003:1210).",
        ),
    ]


def _member_list(federation: Federation) -> str:
    names = [m.name for m in federation.members.order_by("position", "id")]
    if not names:
        return "(ange medlemmarna)"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " och " + names[-1]


@transaction.atomic
def plan_create(
    *,
    federation: Federation,
    year: int,
    title: str = "",
    by: AbstractBaseUser | None,
) -> Plan:
    """A new plan from the standard outline, with the statutory dates in its årshjul."""
    exists = {"year": _("Det finns redan en verksamhetsplan för %(year)s.") % {"year": year}}
    if Plan.objects.filter(federation=federation, year=year).exists():
        raise ValidationError(exists)
    plan = Plan(
        federation=federation,
        year=year,
        title=title or f"Verksamhetsplan och budget {year}",
        status=PlanStatus.DRAFT,
    )
    plan.updated_by = _user(by)
    save_new(plan, conflict=Plan.objects.filter(federation=federation, year=year), error=exists)
    values = {"federation": federation.name, "members": _member_list(federation), "year": year}
    bulk_create_with_history(
        [
            Section(plan=plan, heading=heading, kind=kind, body=body.format(**values), position=index)
            for index, (heading, kind, body) in enumerate(STANDARD_OUTLINE)
        ],
        Section,
        default_user=_user(by),
    )
    bulk_create_with_history(
        [
            Meeting(plan=plan, kind=kind, date=day, title=title_, note=note)
            for kind, day, title_, note in statutory_meetings(year)
        ],
        Meeting,
        default_user=_user(by),
    )
    record(action="skapade verksamhetsplanen", by=by, obj=plan)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: Plan,
    by: AbstractBaseUser | None,
    title: str,
    reference: str = "",
    decision_meeting_on: date | None = None,
    vision: str = "",
) -> Plan:
    """The plan's own facts. Its status changes only through the workflow below
    (plan_send_to_review, plan_decide, plan_new_revision), which records each step."""
    _editable(plan)
    plan.title = title
    plan.reference = reference
    plan.decision_meeting_on = decision_meeting_on
    plan.vision = vision
    plan.updated_by = _user(by)
    plan.full_clean()
    plan.save()
    record(action="ändrade verksamhetsplanen", by=by, obj=plan)
    return plan


# --- sections ------------------------------------------------------------------------


@transaction.atomic
def section_create(
    *,
    plan: Plan,
    by: AbstractBaseUser | None,
    heading: str,
    kind: str = SectionKind.TEXT,
    body: str = "",
) -> Section:
    _editable(plan)
    last = plan.sections.aggregate(last=Max("position"))["last"]
    section = Section(
        plan=plan, heading=heading, kind=kind, body=_text(body),
        position=0 if last is None else last + 1,
    )
    return _save_part(section, by, "lade till avsnittet")


class SectionConflict(Exception):
    """Someone saved the section after this editor was opened, and both changed the
    same field; `section` is what is stored now. Nothing was saved. `kept` are the
    fields only the other changed (name → stored value): the conflict page keeps
    them, so a second save does not revert them."""

    def __init__(self, section: Section, kept: dict[str, str] | None = None) -> None:
        super().__init__(f"avsnittet {section.pk} är version {section.version}")
        self.section = section
        self.kept = kept or {}


SECTION_FIELDS = ("heading", "kind", "body")


def _section_merge(
    base: Any, stored: Section, mine: dict[str, str]
) -> tuple[dict[str, str], dict[str, str], bool]:
    """Field by field, three ways: what only one side changed keeps that side's
    value. Returns the merged fields, those only the other changed, and whether
    both changed a field differently. Without a base (`None`) every difference is
    a conflict."""
    merged, kept, conflict = dict(mine), {}, False
    for name in SECTION_FIELDS:
        theirs, ours = getattr(stored, name), mine[name]
        if ours == theirs:
            continue
        before = None if base is None else getattr(base, name)
        if base is not None and ours == before:
            merged[name] = kept[name] = theirs
        elif base is None or theirs != before:
            conflict = True
    return merged, kept, conflict


@transaction.atomic
def section_update(
    *,
    section: Section,
    by: AbstractBaseUser | None,
    heading: str,
    kind: str,
    body: str = "",
    expected_version: int | None = None,
) -> Section:
    """Save the section's text. With `expected_version` (the editor's), refuse with
    SectionConflict unless the stored section is still that version: the row is
    locked first (PostgreSQL; SQLite's IMMEDIATE transaction holds the write lock),
    so of two saves from one version exactly one wins."""
    _editable(section.plan)
    stored = Section.objects.select_for_update(of=("self",)).get(pk=section.pk)
    fields = {"heading": heading, "kind": kind, "body": _text(body)}
    if expected_version is not None and stored.version != expected_version:
        # Saved since the editor opened: merge what each side changed, or refuse.
        base = (
            stored.history.filter(version=expected_version)  # type: ignore[attr-defined]
            .order_by("-history_date", "-history_id")
            .first()
        )
        fields, kept, conflict = _section_merge(base, stored, fields)
        if conflict:
            raise SectionConflict(stored, kept)
    section.heading = fields["heading"]
    section.kind = fields["kind"]
    section.body = fields["body"]
    section.version = stored.version + 1
    section.position = stored.position  # a move since the editor opened stays
    return _save_part(section, by, "ändrade avsnittet")


@transaction.atomic
def section_delete(*, section: Section, by: AbstractBaseUser | None) -> None:
    _delete_part(section, by, "tog bort avsnittet")


@transaction.atomic
def section_move(*, section: Section, by: AbstractBaseUser | None, offset: int) -> None:
    """Move a section `offset` places (−1 up, +1 down); the ends stay put."""
    plan = section.plan
    _editable(plan)
    sections = list(Section.objects.select_for_update().filter(plan=plan).order_by("position", "id"))
    index = next(i for i, s in enumerate(sections) if s.pk == section.pk)
    target = max(0, min(len(sections) - 1, index + offset))
    sections.insert(target, sections.pop(index))
    changed = []
    for position, row in enumerate(sections):
        if row.position != position:
            row.position = position
            changed.append(row)
    Section.objects.bulk_update(changed, ["position"])
    _touch(plan, by)
    record(action="flyttade avsnittet", by=by, obj=section)


# --- goals ---------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    plan: Plan,
    by: AbstractBaseUser | None,
    level: str,
    text: str,
    measures: list[str] | None = None,
) -> Goal:
    _editable(plan)
    last = plan.goals.aggregate(last=Max("position"))["last"]
    goal = Goal(
        plan=plan,
        level=level,
        text=text,
        measures=list(measures or []),
        position=0 if last is None else last + 1,
    )
    return _save_part(goal, by, "lade till målet")


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    by: AbstractBaseUser | None,
    level: str,
    text: str,
    measures: list[str] | None = None,
) -> Goal:
    _editable(goal.plan)
    goal.level = level
    goal.text = text
    goal.measures = list(measures or [])
    return _save_part(goal, by, "ändrade målet")


@transaction.atomic
def goal_delete(*, goal: Goal, by: AbstractBaseUser | None) -> None:
    _delete_part(goal, by, "tog bort målet")


# --- the årshjul -----------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    plan: Plan,
    by: AbstractBaseUser | None,
    kind: str,
    date: date,
    time: time | None = None,
    place: str = "",
    title: str = "",
    note: str = "",
) -> Meeting:
    _editable(plan)
    meeting = Meeting(
        plan=plan, kind=kind, date=date, time=time, place=place, title=title, note=note
    )
    return _save_part(meeting, by, "lade till mötet")


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: AbstractBaseUser | None,
    kind: str,
    date: date,
    time: time | None = None,
    place: str = "",
    title: str = "",
    note: str = "",
) -> Meeting:
    _editable(meeting.plan)
    meeting.kind = kind
    meeting.date = date
    meeting.time = time
    meeting.place = place
    meeting.title = title
    meeting.note = note
    return _save_part(meeting, by, "ändrade mötet")


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by: AbstractBaseUser | None) -> None:
    _delete_part(meeting, by, "tog bort mötet")


# --- the workflow: utkast → på beredning → fastställd ------------------------------------


def _transition(
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


def _require_status(plan: Plan, *allowed: str, message: str) -> None:
    if plan.status not in allowed:
        raise ValidationError(message, code="wrong_status")


def _ensure_history(plan: Plan, by: AbstractBaseUser | None) -> None:
    """Sections, goals and meetings written without a saved version (a bundle import
    bulk-creates them) get one now: the starting point that later changes are
    compared with."""
    from budgets.models import Amount, Line
    from interventions.models import Intervention

    stamp = timezone.now()
    for model in (Section, Goal, Meeting):
        history = model.history.model  # type: ignore[attr-defined]
        have = set(history.objects.filter(plan=plan).values_list("id", flat=True))
        missing = [row for row in model.objects.filter(plan=plan) if row.pk not in have]
        if missing:
            model.history.bulk_history_create(  # type: ignore[attr-defined]
                missing, default_user=_user(by), default_date=stamp,
                default_change_reason="utgångsläge",
            )
    # The budget's lines (with their amounts) and the förbund's interventions too, so
    # that "Ändringar sedan utskicket" compares their later changes with this.
    for model, rows in (
        (Line, Line.objects.filter(budget__federation_id=plan.federation_id,
                                   budget__year=plan.year)),
        (Intervention, Intervention.objects.filter(federation_id=plan.federation_id)),
    ):
        history = model.history.model  # type: ignore[attr-defined]
        have = set(history.objects.filter(id__in=rows.values("pk")).values_list("id", flat=True))
        missing = [row for row in rows if row.pk not in have]
        if not missing:
            continue
        model.history.bulk_history_create(  # type: ignore[attr-defined]
            missing, default_user=_user(by), default_date=stamp,
            default_change_reason="utgångsläge",
        )
        if model is Line:
            amounts: dict[int, dict[str, str]] = {}
            for line_id, year, kind, value in Amount.objects.filter(
                line__in=missing
            ).values_list("line_id", "column__year", "column__kind", "amount"):
                amounts.setdefault(line_id, {})[f"{year}:{kind}"] = str(value)
            versions = list(
                history.objects.filter(history_date=stamp, id__in=[m.pk for m in missing])
            )
            for version in versions:
                version.amounts = amounts.get(version.id, {})
            history.objects.bulk_update(versions, ["amounts"])


@transaction.atomic
def plan_send_to_review(
    *, plan: Plan, by: AbstractBaseUser | None, note: str = ""
) -> PlanTransition:
    """Utkast → på beredning. The reviewers find the plan on their start page (and
    by mail when settings.PLAN_REVIEW_MAIL is on); what changes from now on is
    what "Ändringar sedan utskicket" shows them."""
    _editable(plan)
    plan = Plan.objects.select_for_update(of=("self",)).select_related("federation").get(pk=plan.pk)
    _require_status(
        plan, PlanStatus.DRAFT,
        message=_("Bara ett utkast kan skickas på beredning; planen är %(status)s.")
        % {"status": PlanStatus(plan.status).label.lower()},
    )
    _ensure_history(plan, by)
    transition = _transition(plan, PlanStatus.REVIEW, by=by, note=note.strip())
    if getattr(settings, "PLAN_REVIEW_MAIL", False):
        transaction.on_commit(lambda: _mail_reviewers(plan, transition))
    return transition


def _mail_reviewers(plan: Plan, transition: PlanTransition) -> int:
    """One mail to each reviewer of the förbund who has an address (optional,
    behind settings.PLAN_REVIEW_MAIL)."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mass_mail

    from finsam.models import Role

    reviewers = get_user_model().objects.filter(
        memberships__federation=plan.federation, memberships__role=Role.REVIEWER, is_active=True
    ).exclude(email="")
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    subject = _("%(federation)s: verksamhetsplan %(year)s på beredning") % {
        "federation": plan.federation.name, "year": plan.year,
    }
    text = _(
        "%(who)s har skickat verksamhetsplanen %(year)s på beredning. Läs den och lämna "
        "dina synpunkter: %(url)s\n\n%(note)s"
    ) % {
        "who": transition.by_name or _("Förbundschefen"),
        "year": plan.year,
        "url": base + plan.get_absolute_url(),
        "note": transition.note,
    }
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", None)
    return send_mass_mail(
        [(subject, text, sender, [user.email]) for user in reviewers], fail_silently=True
    )


@transaction.atomic
def plan_return_to_draft(
    *, plan: Plan, by: AbstractBaseUser | None, note: str = ""
) -> PlanTransition:
    """På beredning → utkast (the director takes the plan back)."""
    _editable(plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _require_status(
        plan, PlanStatus.REVIEW,
        message=_("Bara en plan som är på beredning kan tas tillbaka till utkast."),
    )
    return _transition(plan, PlanStatus.DRAFT, by=by, note=note.strip())


def members_meeting_dates(plan: Plan) -> list[date]:
    """The förbund's medlemssamråd, from every plan's årshjul (the one before the
    decision is usually in last year's årshjul)."""
    return list(
        Meeting.objects.filter(
            plan__federation_id=plan.federation_id, kind=MeetingKind.MEMBERS
        ).values_list("date", flat=True)
    )


def decision_warnings(plan: Plan, decided_on: date) -> list[str]:
    """What the adoption warns about: the deadline and the medlemssamråd
    (plans/rules.py), and errors the budget's checks still find."""
    from budgets.models import Budget
    from budgets.rules import evaluate
    from budgets.selectors import budget_facts
    from plans.rules import adoption_warnings

    warnings = adoption_warnings(
        year=plan.year, decided_on=decided_on, members_meetings=members_meeting_dates(plan)
    )
    budget = Budget.objects.filter(federation_id=plan.federation_id, year=plan.year).first()
    if budget is not None:
        errors = evaluate(budget_facts(budget)).errors
        if errors:
            warnings.append(
                _("Budgetens kontroller hittar %(count)d fel, till exempel: %(first)s")
                % {"count": len(errors), "first": errors[0].message}
            )
    return warnings


def _status_refusal(plan: Plan) -> str:
    if plan.status == PlanStatus.DRAFT:
        return _(
            "Planen måste vara på beredning innan styrelsen fastställer den. Den är ett utkast: "
            "skicka den på beredning först."
        )
    if plan.status == PlanStatus.DECIDED:
        return _("Planen är redan fastställd. Starta en ny revision för att ändra den.")
    return ""


def decision_refusals(plan: Plan) -> list[str]:
    """Why plan_decide would refuse whatever date and dnr are entered (the status,
    no budget), in plain Swedish for the adoption form; empty when it may go ahead."""
    from budgets.models import Budget

    refusals = [_status_refusal(plan)] if plan.status != PlanStatus.REVIEW else []
    if not Budget.objects.filter(federation_id=plan.federation_id, year=plan.year).exists():
        refusals.append(
            _("Det finns ingen budget för %(year)s att fastställa med planen.") % {"year": plan.year}
        )
    return refusals


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


def _adoption_meeting(
    plan: Plan, decided_on: date, meeting: Meeting | None, *, by: AbstractBaseUser | None
) -> Meeting:
    """The årshjul's meeting where the board adopted the plan on `decided_on`: the
    chosen one, else the planned adoption meeting nearest that day, moved to it (so
    the årshjul, and next year's plan made from it, has one adoption meeting, not
    the planned one and another); a new board meeting only when none was planned."""
    if meeting is None:
        planned = planned_adoption_meetings(plan)
        if planned:
            meeting = min(planned, key=lambda m: (abs((m.date - decided_on).days), m.pk))
    if meeting is None:
        meeting = Meeting(
            plan=plan,
            kind=MeetingKind.BOARD,
            date=decided_on,
            title=_("Styrelsemöte"),
            note=_("Verksamhetsplan och budget %(year)s fastställs.") % {"year": plan.year},
        )
    elif meeting.date == decided_on:
        return meeting
    meeting.date = decided_on
    meeting.full_clean()
    _as(meeting, by).save()
    return meeting


@dataclass(frozen=True)
class Decision:
    transition: PlanTransition
    snapshot: Snapshot
    warnings: tuple[str, ...]


NEW_MEETING = "ny"


def decision_errors(
    plan: Plan, *, decided_on: date, reference: str, meeting: Meeting | None
) -> dict[str, str]:
    """What is wrong with an adoption as entered (the dnr, the date, the meeting, a
    missing budget), by form field; empty when plan_decide may go ahead. The web
    request checks it before it queues the adoption; plan_decide again, under the lock."""
    errors: dict[str, str] = {}
    reference = (reference or "").strip()
    if not reference:
        errors["reference"] = _("Ange beslutets diarienummer (dnr).")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("Beslutsdagen %(date)s har inte varit ännu.") % {
            "date": decided_on.isoformat()
        }
    if "decided_on" not in errors and (error := meeting_date_error(year=plan.year, day=decided_on)):
        errors["decided_on"] = error
    if meeting is not None:
        if meeting.plan_id != plan.pk or meeting.kind != MeetingKind.BOARD:
            errors["meeting"] = _("Välj ett styrelsemöte i planens årshjul.")
        elif meeting.date != decided_on and meeting not in planned_adoption_meetings(plan):
            errors["meeting"] = _(
                "Styrelsemötet är den %(meeting)s men beslutsdagen är %(decided)s."
            ) % {"meeting": meeting.date.isoformat(), "decided": decided_on.isoformat()}
    from budgets.models import Budget

    if not Budget.objects.filter(federation_id=plan.federation_id, year=plan.year).exists():
        errors["__all__"] = _("Det finns ingen budget för %(year)s att fastställa med planen.") % {
            "year": plan.year
        }
    return errors


@transaction.atomic
def plan_decide(
    *,
    plan: Plan,
    decided_on: date,
    reference: str,
    meeting: Meeting | None = None,
    by: AbstractBaseUser | None,
) -> Decision:
    """På beredning → fastställd: the board adopted the plan on `decided_on` at
    `meeting` (a board meeting of the plan's årshjul; None adds one that day),
    registered as `reference` (dnr). Freezes the plan: the bundle, the report and
    the PDF are stored as its snapshot. Warns (never refuses) when the date is after
    30 November of the year before, or no medlemssamråd was held before it.

    It renders the PDF (within its limits, plans/pdf_render.py), so it runs in a
    background task (plans/pdf_tasks.py adopt_plan), never in a web request."""
    # The lock the plan-year guard takes (plans/freeze.py), held until the snapshot
    # is stored: a save racing the adoption is in the snapshot or refused after it.
    plan = Plan.objects.select_for_update(of=("self",)).select_related("federation").get(pk=plan.pk)
    _require_status(plan, PlanStatus.REVIEW, message=_status_refusal(plan))
    errors = decision_errors(plan, decided_on=decided_on, reference=reference, meeting=meeting)
    if errors:
        raise ValidationError(errors)
    reference = (reference or "").strip()

    meeting = _adoption_meeting(plan, decided_on, meeting, by=by)
    warnings = decision_warnings(plan, decided_on)
    plan.decided_on = decided_on
    plan.reference = reference
    plan.decision_meeting = meeting
    plan.decision_meeting_on = decided_on
    transition = _transition(
        plan,
        PlanStatus.DECIDED,
        by=by,
        details={
            "decided_on": decided_on.isoformat(),
            "reference": reference,
            "meeting": meeting.pk,
            "revision": plan.revision,
            "warnings": warnings,
        },
    )
    snapshot = snapshot_create(plan=plan, by=by)
    return Decision(transition=transition, snapshot=snapshot, warnings=tuple(warnings))


@transaction.atomic
def plan_new_revision(*, plan: Plan, by: AbstractBaseUser | None, reason: str) -> PlanTransition:
    """Fastställd → utkast, as revision n + 1: the only way to change an adopted
    plan. The adopted version stays as it was, in its snapshot (and, if published,
    on the public page until the new revision is adopted)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _require_status(
        plan, PlanStatus.DECIDED, message=_("Bara en fastställd plan får en ny revision.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Ange varför planen ska ändras efter beslutet.")})
    plan.revision += 1
    plan.decided_on = None
    plan.decision_meeting = None
    return _transition(
        plan, PlanStatus.DRAFT, by=by, note=reason, details={"revision": plan.revision}
    )


# --- the adopted snapshot ----------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_bytes(bundle: dict[str, Any]) -> bytes:
    return (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@transaction.atomic
def snapshot_create(*, plan: Plan, by: AbstractBaseUser | None) -> Snapshot:
    """Store the fastställd plan as it is now: bundle, report, HTML and PDF, with a
    SHA-256 of the bundle and of the PDF. One per revision; asking again returns
    the one there is (load_demo asks for demo plans imported as fastställda)."""
    from django.template.loader import render_to_string

    from budgets.bundle import export_bundle
    from budgets.rules import evaluate
    from budgets.selectors import budget_report
    from plans.pdf import plan_html
    from plans.pdf_render import render_document_pdf
    from plans.selectors import plan_document

    existing = Snapshot.objects.filter(plan=plan, revision=plan.revision).first()
    if existing is not None:
        return existing
    if not plan.is_decided or plan.decided_on is None:
        raise ValidationError(_("Bara en fastställd plan sparas som fastställd version."))
    bundle = bundle_bytes(export_bundle(plan.federation, plan.year))
    document = plan_document(plan)
    report = ""
    if document.summary is not None:
        facts = document.summary.facts
        report = json.dumps(
            budget_report(facts, evaluate(facts)), ensure_ascii=False, indent=2
        )
    html = render_to_string(
        "plans/partials/document_body.html", {"document": document, "editable": False}
    )
    # Within the time and size limits; a PdfRefused rolls the adoption back.
    pdf = render_document_pdf(document, html=plan_html(document))
    snapshot = Snapshot(
        plan=plan,
        revision=plan.revision,
        created_by=_user(by),
        decided_on=plan.decided_on,
        reference=plan.reference,
        bundle=bundle.decode("utf-8"),
        bundle_sha256=sha256(bundle),
        report=report,
        html=html,
        pdf=pdf,
        pdf_sha256=sha256(pdf),
    )
    snapshot.full_clean()
    snapshot.save()
    record(
        action="sparade den fastställda versionen",
        by=by,
        obj=plan,
        changes={
            "revision": snapshot.revision,
            "bundle_sha256": snapshot.bundle_sha256,
            "pdf_sha256": snapshot.pdf_sha256,
        },
    )
    return snapshot


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


# --- comments ------------------------------------------------------------------------------


def _commentable(plan: Plan) -> None:
    """Every change to the plan's comments starts here: a fastställd plan's
    comments stay as they were when it was adopted (no new ones, replies,
    changes, withdrawals, resolving or reopening)."""
    ensure_plan_not_frozen(
        plan.federation_id, plan.year,
        message=_(
            "Planen är fastställd; den tar inte emot fler kommentarer, och dess "
            "kommentarer kan inte ändras."
        ),
    )


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Skriv en kommentar.")})
    return body


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@transaction.atomic
def comment_add(
    *,
    plan: Plan,
    by: AbstractBaseUser,
    role: str,
    body: str,
    target: str = CommentTarget.SECTION,
    section: Section | None = None,
    intervention: Intervention | None = None,
    quote: str = "",
) -> Comment:
    """A new comment on a section (optionally quoting a passage of its text), an
    intervention or the budget."""
    from plans.markdown import plain_text

    _commentable(plan)
    quote = " ".join((quote or "").split())
    comment = Comment(
        plan=plan,
        target=target,
        body=_clean_body(body),
        quote=quote,
        author=_user(by),
        author_name=_name(by),
        author_role=role,
    )
    if target == CommentTarget.SECTION:
        if section is None or section.plan_id != plan.pk:
            raise ValidationError({"section": _("Välj ett avsnitt i planen.")})
        comment.section = section
        comment.target_label = section.heading
        if quote and _normalise(quote) not in _normalise(
            plain_text(section.body) + " " + section.heading
        ):
            raise ValidationError(
                {"quote": _("Citatet finns inte i avsnittets text. Kopiera det ordagrant.")}
            )
    elif target == CommentTarget.INTERVENTION:
        if intervention is None or intervention.federation_id != plan.federation_id:
            raise ValidationError({"intervention": _("Välj en av förbundets insatser.")})
        comment.intervention = intervention
        comment.target_label = intervention.name
    elif target == CommentTarget.BUDGET:
        comment.target_label = _("Budget %(year)s") % {"year": plan.year}
    else:
        raise ValidationError({"target": _("Välj vad kommentaren gäller.")})
    comment.full_clean()
    comment.save()
    record(action="kommenterade planen", by=by, obj=plan,
           changes={"comment": comment.pk, "target": comment.target_label})
    return comment


@transaction.atomic
def comment_reply(*, comment: Comment, by: AbstractBaseUser, role: str, body: str) -> Comment:
    """A reply to a comment (a thread has one level: a reply to a reply answers the
    thread). Once it has a reply, the comment cannot be changed."""
    thread = comment.parent if comment.parent_id else comment
    assert thread is not None
    _commentable(thread.plan)
    if thread.is_withdrawn:
        raise ValidationError(_("Kommentaren är återtagen och kan inte besvaras."))
    reply = Comment(
        plan=thread.plan,
        parent=thread,
        target=thread.target,
        section=thread.section,
        intervention=thread.intervention,
        target_label=thread.target_label,
        body=_clean_body(body),
        author=_user(by),
        author_name=_name(by),
        author_role=role,
    )
    reply.full_clean()
    reply.save()
    record(action="svarade på en kommentar", by=by, obj=thread.plan,
           changes={"comment": thread.pk, "reply": reply.pk})
    return reply


def comment_change_refusal(comment: Comment, by: AbstractBaseUser) -> str | None:
    """Why `by` may not change (or withdraw) the comment, or None."""
    if comment.author_id is None or comment.author_id != getattr(by, "pk", None):
        return _("Bara den som skrev kommentaren kan ändra eller ta tillbaka den.")
    if comment.is_withdrawn:
        return _("Kommentaren är redan återtagen.")
    return None


@transaction.atomic
def comment_change(
    *, comment: Comment, by: AbstractBaseUser, body: str, quote: str | None = None
) -> Comment:
    """The author corrects a comment, as long as nobody has replied to it."""
    _commentable(comment.plan)
    comment = Comment.objects.select_for_update(of=("self",)).select_related("plan", "section").get(
        pk=comment.pk
    )
    if refusal := comment_change_refusal(comment, by):
        raise PermissionDenied(refusal)
    if comment.replies.exists():
        raise ValidationError(
            _("Kommentaren har fått svar och kan inte ändras längre. Skriv ett svar i stället.")
        )
    before = comment.body
    comment.body = _clean_body(body)
    if quote is not None:
        comment.quote = " ".join(quote.split())
    comment.changed_at = timezone.now()
    comment.full_clean()
    comment.save()
    record(action="ändrade sin kommentar", by=by, obj=comment.plan,
           changes={"comment": comment.pk, "body": [before, comment.body]})
    return comment


@transaction.atomic
def comment_withdraw(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """The author withdraws a comment; it is kept (marked återtagen), never deleted."""
    _commentable(comment.plan)
    comment = Comment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=comment.pk)
    if refusal := comment_change_refusal(comment, by):
        raise PermissionDenied(refusal)
    comment.withdrawn_at = timezone.now()
    comment.save(update_fields=["withdrawn_at"])
    record(action="tog tillbaka sin kommentar", by=by, obj=comment.plan,
           changes={"comment": comment.pk})
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """The director marks a comment (a thread) as dealt with."""
    _commentable(comment.plan)
    comment = Comment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=comment.pk)
    if comment.is_reply:
        raise ValidationError(_("Ett svar löses med den kommentar det svarar på."))
    if not comment.is_resolved:
        comment.resolved_at = timezone.now()
        comment.resolved_by = _user(by)
        comment.save(update_fields=["resolved_at", "resolved_by"])
        record(action="löste en kommentar", by=by, obj=comment.plan,
               changes={"comment": comment.pk})
    return comment


@transaction.atomic
def comment_reopen(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    _commentable(comment.plan)
    comment = Comment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=comment.pk)
    if comment.is_resolved:
        comment.resolved_at = None
        comment.resolved_by = None
        comment.save(update_fields=["resolved_at", "resolved_by"])
        record(action="öppnade en kommentar igen", by=by, obj=comment.plan,
               changes={"comment": comment.pk})
    return comment


# --- the årshjul feed's link --------------------------------------------------------------


@transaction.atomic
def calendar_link_renew(*, membership: Membership, by: AbstractBaseUser | None) -> Membership:
    """"Byt länk": a new subscription token for the membership; the old one stops
    working (plans/calendar.py makes the token from `calendar_generation`)."""
    membership = Membership.objects.select_for_update().select_related("federation").get(
        pk=membership.pk
    )
    membership.calendar_generation += 1
    membership.save(update_fields=["calendar_generation"])
    record(
        action="bytte kalenderlänken",
        by=by,
        federation=membership.federation,
        obj=membership,
        changes={"user": membership.user_id, "generation": membership.calendar_generation},
    )
    return membership


# --- next year's plan ----------------------------------------------------------------------


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
def plan_roll_forward(*, plan: Plan, by: AbstractBaseUser | None) -> Plan:
    """"Skapa nästa års plan": a draft for the next year from this adopted plan.

    Copies the sections, goals and årshjul (meetings one year on: the same weekday
    near the same date; deadlines to the same date), and the budget moved one year:
    this year's budget column becomes a forecast (prognos) for the current year,
    next year's plan column the budget, the later plan columns stay plans, and one
    more plan year is added; the opening equity is the forecast's closing equity.
    Interventions belong to the förbund, so the ongoing ones simply go on into the
    new year. The new plan lists what to look over (`review_items`)."""
    from plans.rules import mentions_year, shift_years

    # Locked, so that of two requests at once the second finds the first's plan.
    source = Plan.objects.select_for_update(of=("self",)).select_related("federation").get(
        pk=plan.pk
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
    elif source.decided_on is not None and meeting_date_error(
        year=source.year, day=source.decided_on
    ) is None:
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
            Goal(plan=new, level=g.level, text=g.text, measures=list(g.measures),
                 position=g.position)
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
        _("Titeln är ändrad till ”%(title)s”. Diarienummer och beslutsdatum är tomma tills "
          "styrelsen fastställer planen.") % {"title": new.title}
    )
    if meetings:
        items.append(
            _("Årshjulets %(count)d möten och hålltider är flyttade ett år framåt: mötena till "
              "samma veckodag nära samma datum, lagens hålltider till samma datum. "
              "Kontrollera datumen.") % {"count": len(meetings)}
        )
    if left_out:
        items.append(
            _("Möten med datum utanför %(first)s–%(last)s följde inte med: %(meetings)s. "
              "Lägg till dem igen med rätt datum om de behövs.")
            % {
                "first": source.year - 1,
                "last": source.year + 1,
                "meetings": ", ".join(
                    f"{m.display_title} ({m.date.isoformat()})" for m in left_out
                ),
            }
        )
    if new.decision_meeting_on:
        from finsam.money import swedish_date

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
        items.append(_("Rubriker med årtal är flyttade ett år: %(headings)s.")
                     % {"headings": ", ".join(renamed)})
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
    items += _roll_budget_forward(source, new, by=by)
    items += _interventions_carried(source, new)
    new.review_items = items
    new.save(update_fields=["review_items"])
    record(
        action="skapade nästa års plan",
        by=by,
        obj=new,
        changes={"from": source.year, "to": year, "review_items": len(items)},
    )
    return new


def _roll_budget_forward(source: Plan, new: Plan, *, by: AbstractBaseUser | None) -> list[str]:
    from budgets.forms import column_label
    from budgets.models import Amount, Budget, Column, Line, Scenario
    from budgets.rules import evaluate, parse_column_code, planning_columns
    from budgets.selectors import budget_facts
    from finsam.money import format_kr

    old = Budget.objects.filter(federation_id=source.federation_id, year=source.year).first()
    if old is None:
        return [_("Det fanns ingen budget för %(year)s att utgå från; skapa budgeten för %(new)s.")
                % {"year": source.year, "new": new.year}]
    if Budget.objects.filter(federation_id=source.federation_id, year=new.year).exists():
        return [_("Budgeten för %(year)s fanns redan och är inte ändrad.") % {"year": new.year}]

    facts = budget_facts(old)
    codes = list(facts.columns)
    planning = planning_columns(source.year, codes)
    forecast_code = f"{source.year}:forecast"
    budget_code = f"{source.year}:budget"
    # Where each new column's amounts come from.
    sources: list[tuple[str, str | None]] = []
    forecast_from = forecast_code if forecast_code in codes else (
        budget_code if budget_code in codes else None
    )
    sources.append((forecast_code, forecast_from))
    span = max(len(planning), 1)
    later = {parse_column_code(c)[0]: c for c in planning}
    last_source = planning[-1] if planning else None
    for offset in range(span):
        column_year = new.year + offset
        kind = "budget" if offset == 0 else "plan"
        sources.append((f"{column_year}:{kind}", later.get(column_year, last_source)))

    evaluation = evaluate(facts)
    result = evaluation.column(forecast_from).result if forecast_from else Decimal(0)
    opening = facts.opening_equity + result

    budget = Budget(
        federation_id=source.federation_id,
        year=new.year,
        opening_equity=opening,
        deficit_reason="",
        updated_by=_user(by),
    )
    budget.full_clean()
    budget.save()
    columns = Column.objects.bulk_create(
        Column(budget=budget, year=parse_column_code(code)[0], kind=parse_column_code(code)[1],
               position=position)
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
        scenario.pk: Scenario.objects.create(budget=budget, name=scenario.name,
                                             position=scenario.position)
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
        lines, Line, default_user=_user(by), default_change_reason="från förra årets budget"
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
        % {"columns": described, "year": source.year},
        _("Ingående eget kapital %(year)s är %(amount)s: utgående eget kapital %(old)s enligt "
          "prognosen%(copy)s. Ändra prognosen, och det ingående kapitalet, när utfallet är känt.")
        % {
            "year": new.year,
            "old": source.year,
            "amount": format_kr(opening),
            "copy": "" if forecast_from == forecast_code or forecast_from is None
            else _(" (en kopia av %(column)s)") % {"column": label(forecast_from)},
        },
    ]
    if last_source and sources[-1][1] == last_source and later.get(new.year + span - 1) is None:
        items.append(
            _("%(new)s är en kopia av %(old)s: se över beloppen.")
            % {"new": column_label(sources[-1][0]), "old": label(last_source)}
        )
    if old.deficit_reason:
        items.append(
            _("Skälet till underskott för %(year)s följer inte med. Ange ett nytt om budgeten "
              "%(new)s inte är i balans.") % {"year": source.year, "new": new.year}
        )
    if scenarios:
        items.append(
            _("Scenarierna följer med, flyttade på samma sätt: %(names)s.")
            % {"names": ", ".join(s.name for s in scenarios.values())}
        )
    return items


def _interventions_carried(source: Plan, new: Plan) -> list[str]:
    """Interventions belong to the förbund; those of this year's plan that go on
    are in next year's too, the others end with this year."""
    from interventions.selectors import intervention_chapters

    before = [c.intervention for c in intervention_chapters(source.federation, source.year)]
    after = {c.intervention.pk for c in intervention_chapters(new.federation, new.year)}
    going_on = [i.name for i in before if i.pk in after]
    ending = [i.name for i in before if i.pk not in after]
    items = []
    if going_on:
        items.append(
            _("Pågående insatser som fortsätter %(year)s: %(names)s. Se över deras mål och budget.")
            % {"year": new.year, "names": ", ".join(going_on)}
        )
    if ending:
        items.append(
            _("Insatser som inte fortsätter %(year)s (avslutade eller utan pengar): %(names)s.")
            % {"year": new.year, "names": ", ".join(ending)}
        )
    return items
