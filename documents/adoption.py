"""Sending the plan to review and adopting it: the steps of the workflow that
write more than the plan. Sending to review saves the starting version of the
plan's parts, the budget's lines and the interventions ("Ändringar sedan
utskicket" compares with it); adoption stores the snapshot (bundle, report, HTML
and PDF). The plan-only steps are in plans/workflow.py."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.models import Amount, Budget, Line
from budgets.rules import evaluate
from budgets.selectors import budget_facts, budget_queryset, budget_report, budget_summary
from documents.bundle.export import export_bundle
from documents.document import plan_document
from documents.pdf import Archive, plan_html
from documents.pdf_render import render_document_pdf
from finsam.audit import record
from finsam.findings import Finding
from finsam.models import Role
from finsam.money import swedish_date
from interventions.models import Intervention
from plans.models import (
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
from plans.rules import (
    Stopper,
    adoption_warnings,
    decision_deadline,
    meeting_date_error,
    members_consulted,
    open_comments_stopper,
)
from plans.selectors import open_comment_links
from plans.services import _as, _editable, _user
from plans.workflow import (
    members_meeting_dates,
    plan_transition,
    planned_adoption_meetings,
    require_status,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def _ensure_history(plan: Plan, by: AbstractBaseUser | None) -> None:
    """Sections, goals and meetings written without a saved version (a bundle import
    bulk-creates them) get one now: the starting point that later changes are
    compared with."""
    stamp = timezone.now()
    for model in (Section, Goal, Meeting):
        history = model.history.model
        have = set(history.objects.filter(plan=plan).values_list("id", flat=True))
        missing = [row for row in model.objects.filter(plan=plan) if row.pk not in have]
        if missing:
            model.history.bulk_history_create(
                missing,
                default_user=_user(by),
                default_date=stamp,
                default_change_reason="utgångsläge",
            )
    # The budget's lines (with their amounts) and the förbund's interventions too, so
    # that "Ändringar sedan utskicket" compares their later changes with this.
    for model, rows in (
        (
            Line,
            Line.objects.filter(budget__federation_id=plan.federation_id, budget__year=plan.year),
        ),
        (Intervention, Intervention.objects.filter(federation_id=plan.federation_id)),
    ):
        history = model.history.model
        have = set(history.objects.filter(id__in=rows.values("pk")).values_list("id", flat=True))
        missing = [row for row in rows if row.pk not in have]
        if not missing:
            continue
        model.history.bulk_history_create(
            missing,
            default_user=_user(by),
            default_date=stamp,
            default_change_reason="utgångsläge",
        )
        if model is Line:
            amounts: dict[int, dict[str, str]] = {}
            for line_id, year, kind, value in Amount.objects.filter(line__in=missing).values_list(
                "line_id", "column__year", "column__kind", "amount"
            ):
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
    require_status(
        plan,
        PlanStatus.DRAFT,
        message=_("Bara ett utkast kan skickas på beredning; planen är %(status)s.")
        % {"status": PlanStatus(plan.status).label.lower()},
    )
    _ensure_history(plan, by)
    transition = plan_transition(plan, PlanStatus.REVIEW, by=by, note=note.strip())
    if getattr(settings, "PLAN_REVIEW_MAIL", False):
        transaction.on_commit(lambda: _mail_reviewers(plan, transition))
    return transition


def _mail_reviewers(plan: Plan, transition: PlanTransition) -> int:
    """One mail to each reviewer of the förbund who has an address (optional,
    behind settings.PLAN_REVIEW_MAIL)."""
    reviewers = (
        get_user_model()
        .objects.filter(
            memberships__federation=plan.federation, memberships__role=Role.REVIEWER, is_active=True
        )
        .exclude(email="")
    )
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    subject = _("%(federation)s: verksamhetsplan %(year)s på beredning") % {
        "federation": plan.federation.name,
        "year": plan.year,
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


def decision_warnings(plan: Plan, decided_on: date) -> list[str]:
    """What the adoption warns about: the deadline and the medlemssamråd
    (plans/rules.py), and errors the budget's checks still find."""
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


def decision_stoppers(
    *,
    year: int,
    decided_on: date,
    open_comments: Sequence[tuple[str, str]] = (),
    comments_url: str = "",
    budget_findings: Sequence[Finding] = (),
    budget_url: str = "",
    members_meetings: Iterable[date] = (),
    meetings_url: str = "",
    empty_sections: Sequence[tuple[str, str]] = (),
) -> list[Stopper]:
    """What the confirmation before registering the board's decision lists, each
    thing that should stop her: open comments; the budget's errors and warnings
    (as budgets/rules.py phrases them); a decision after 30 November of the year
    before; no medlemssamråd before the decision; text sections left empty (each
    (heading, url)). Plain values in; nothing here refuses the adoption."""
    stoppers = open_comments_stopper(open_comments, url=comments_url)
    for finding in budget_findings:
        stoppers.append(
            Stopper(
                rule=finding.rule,
                severity=finding.severity,
                message=(f"{finding.year}: " if finding.year else "") + finding.message,
                url=budget_url,
                link_text=_("Till budgeten") if budget_url else "",
            )
        )
    deadline = decision_deadline(year)
    if decided_on > deadline:
        stoppers.append(
            Stopper(
                rule="decision-deadline",
                message=_("Beslutsdatumet %(date)s är efter den %(deadline)s.")
                % {"date": swedish_date(decided_on), "deadline": swedish_date(deadline)},
            )
        )
    if not members_consulted(year=year, decided_on=decided_on, members_meetings=members_meetings):
        stoppers.append(
            Stopper(
                rule="members-meeting",
                message=_(
                    "Inget medlemssamråd finns i årshjulet före beslutet (mellan 1 januari "
                    "%(year)s och %(date)s)."
                )
                % {"year": year - 1, "date": swedish_date(decided_on)},
                url=meetings_url,
                link_text=_("Lägg till ett möte i årshjulet") if meetings_url else "",
            )
        )
    for heading, url in empty_sections:
        stoppers.append(
            Stopper(
                rule="empty-section",
                message=_("Avsnittet ”%(heading)s” är tomt.") % {"heading": heading},
                url=url,
                link_text=_("Skriv avsnittet") if url else "",
            )
        )
    return stoppers


def plan_decision_stoppers(plan: Plan, decided_on: date) -> list[Stopper]:
    """decision_stoppers for the plan as it is now, decided on `decided_on`: its
    open comments, the budget's findings as the plan page shows them
    (budgets.selectors.budget_summary), its medlemssamråd and its text sections."""
    args = [plan.federation.slug, plan.year]
    budget = budget_queryset().filter(federation=plan.federation_id, year=plan.year).first()
    findings = budget_summary(budget).base.findings if budget is not None else []
    empty = [
        (section.heading, reverse("section_edit", args=[*args, section.pk]))
        for section in plan.sections.filter(kind=SectionKind.TEXT).order_by("position", "id")
        if not section.body.strip()
    ]
    return decision_stoppers(
        year=plan.year,
        decided_on=decided_on,
        open_comments=open_comment_links(plan),
        comments_url=reverse("plan_comments", args=args),
        budget_findings=findings,
        budget_url=reverse("budget_detail", args=args),
        members_meetings=members_meeting_dates(plan),
        meetings_url=reverse("meeting_create", args=args),
        empty_sections=empty,
    )


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
    refusals = [_status_refusal(plan)] if plan.status != PlanStatus.REVIEW else []
    if not Budget.objects.filter(federation_id=plan.federation_id, year=plan.year).exists():
        refusals.append(
            _("Det finns ingen budget för %(year)s att fastställa med planen.")
            % {"year": plan.year}
        )
    return refusals


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

    It renders the PDF (within its limits, documents/pdf_render.py), so it runs in a
    background task (documents/pdf_tasks.py adopt_plan), never in a web request."""
    # The lock the plan-year guard takes (plans/freeze.py), held until the snapshot
    # is stored: a save racing the adoption is in the snapshot or refused after it.
    plan = Plan.objects.select_for_update(of=("self",)).select_related("federation").get(pk=plan.pk)
    require_status(plan, PlanStatus.REVIEW, message=_status_refusal(plan))
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
    transition = plan_transition(
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
        report = json.dumps(budget_report(facts, evaluate(facts)), ensure_ascii=False, indent=2)
    html = render_to_string(
        "plans/partials/document_body.html", {"document": document, "editable": False}
    )
    # Within the time and size limits; a PdfRefused rolls the adoption back. The
    # archival PDF (PDF/A-3a and PDF/UA-1) carries the bundle inside.
    archive = Archive(
        bundle=bundle,
        title=f"{plan.title} – {plan.federation.name}",
        author=plan.federation.name,
        reference=plan.reference,
        decided_on=plan.decided_on,
        created=timezone.now(),
    )
    pdf = render_document_pdf(document, html=plan_html(document), archive=archive)
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
