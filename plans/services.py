"""Every write to a verksamhetsplan's content: the plan, its sections, goals and
årshjul, and the årshjul feed's link. Its workflow is in plans/workflow.py, its
comments in plans/comments.py and next year's plan in plans/rollforward.py;
sending to review and adoption, which write more than the plan, in
documents/adoption.py.

Keyword-only, typed, one transaction each, `full_clean()` before saving. Each
write stamps the plan (`updated_at`, `updated_by`), which also tells the PDF
cache that the document changed; sections, goals and meetings keep every saved
version with who saved it (django-simple-history). A fastställd plan refuses
every change (plans/freeze.py).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from finsam.audit import record
from finsam.db import check_version, save_new
from finsam.models import Federation, Membership
from finsam.text import and_list
from plans.freeze import ensure_plan_not_frozen
from plans.models import Goal, Meeting, MeetingKind, Plan, PlanStatus, Section, SectionKind
from plans.rules import decision_deadline

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


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
    (
        "Årshjul",
        SectionKind.ANNUAL_CYCLE,
        "Styrelsens och beredningsgruppens möten och årets hålltider.",
    ),
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
            decision_deadline(year + 1),
            f"Verksamhetsplan och budget {year + 1} fastställda",
            "Senast 30 november enligt lag (2003:1210).",
        ),
    ]


def _member_list(federation: Federation) -> str:
    names = [m.name for m in federation.members.order_by("position", "id")]
    if not names:
        return "(ange medlemmarna)"
    return and_list(names)


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
            Section(
                plan=plan, heading=heading, kind=kind, body=body.format(**values), position=index
            )
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
        plan=plan,
        heading=heading,
        kind=kind,
        body=_text(body),
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
    SectionConflict unless the stored section is still that version, or what each
    side changed merges (`finsam.db.check_version`, as for a budget)."""
    _editable(section.plan)
    check = check_version(Section.objects, section.pk, expected_version)
    stored = check.stored
    fields = {"heading": heading, "kind": kind, "body": _text(body)}
    if not check.unchanged:
        # Saved since the editor opened: merge what each side changed, or refuse.
        base = (
            stored.history.filter(version=expected_version)
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
    sections = list(
        Section.objects.select_for_update().filter(plan=plan).order_by("position", "id")
    )
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


# --- the årshjul feed's link --------------------------------------------------------------


@transaction.atomic
def calendar_link_renew(*, membership: Membership, by: AbstractBaseUser | None) -> Membership:
    """ "Byt länk": a new subscription token for the membership; the old one stops
    working (plans/calendar.py makes the token from `calendar_generation`)."""
    membership = (
        Membership.objects.select_for_update().select_related("federation").get(pk=membership.pk)
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
