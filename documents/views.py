"""The pages that put the plan year together: the start page and the förbund
page (their plan-year summaries), the plan as a document and its PDF, sending it
to review, adopting it, next year's plan, "Ändringar sedan utskicket", and a new
comment (which may be on one of the plan year's interventions).

As everywhere: access first (another förbund's plan answers 404 whatever the
method; a role without the right answers 403), then the method, then form →
service → redirect with a message. The URLs are in documents/urls.py, under the
same addresses as the plan's other pages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from budgets.funding import intervention_chapters
from documents import adoption, rollforward
from documents.document import plan_document
from documents.history import changes_since_review
from documents.pdf_tasks import latest_failure, queue_adoption
from documents.pdf_views import draft_pdf_response
from documents.selectors import federation_overview, plan_and_budget_steps
from documents.word import DOCX_CONTENT_TYPE, plan_docx
from finsam.access import comment_view, edit_view, get_federation_for_user
from finsam.audit import record
from finsam.getting_started import getting_started
from finsam.models import Role
from finsam.money import swedish_date
from finsam.people.selectors import people_counts
from finsam.roles import COMMENT, EDIT, MANAGE_PEOPLE, role_may
from finsam.selectors import federations_with_role
from finsam.text import is_whole_number
from plans import comments, workflow
from plans.forms import CommentForm, DecideForm, SendToReviewForm
from plans.freeze import frozen_response, refusal_response
from plans.markdown import render_markdown
from plans.models import MeetingKind, Plan
from plans.selectors import (
    comment_threads,
    current_snapshot,
    get_plan,
    open_comment_counts,
    plans_awaiting_comments,
    review_sent_at,
    snapshots_without_files,
)
from plans.views import calendar_feed_url, snapshot_pdf_response
from plans.workflow_views import errors_to_form, load_plan, message_errors, plan_page

# --- the start page and the förbund page -----------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "finsam/home.html",
        {
            "entries": federations_with_role(request.user),
            # For the beredningsgrupp: the plans sent to them for comments.
            "awaiting": plans_awaiting_comments(request.user),
        },
    )


@login_required
def federation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    overview = federation_overview(access.federation)
    people, invited = people_counts(access.federation)
    return render(
        request,
        "finsam/federation_detail.html",
        {
            "access": access,
            "federation": access.federation,
            "overview": overview,
            "role_label": Role(access.role).label,
            "getting_started": getting_started(
                access.federation,
                overview,
                people=people,
                invited=invited,
                steps=plan_and_budget_steps(access.federation),
            ),
            "may_manage_people": role_may(access.role, MANAGE_PEOPLE),
        },
    )


# --- the plan and its PDF --------------------------------------------------------


@login_required
def plan_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    try:
        plan = get_plan(access, year)
    except Http404:
        # A year with a budget but no plan yet: the director may start one.
        if access.may_edit and request.method == "GET":
            return redirect(reverse("plan_create", args=[slug]) + f"?ar={year}")
        raise
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    feed_url = calendar_feed_url(request, access)
    context: dict[str, Any] = {
        "access": access,
        "federation": access.federation,
        "plan": plan,
        "editable": access.may_edit and not plan.is_decided,
        "may_comment": access.may_comment and not plan.is_decided,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
        "snapshots": snapshots_without_files(plan),
        # Why the worker could not make the PDF (a section too large, too slow).
        "pdf_failure": latest_failure(plan) if access.may_edit and not plan.is_decided else "",
    }
    snapshot = current_snapshot(plan)
    if snapshot is not None:
        # The adopted plan is shown as it was adopted, from its snapshot.
        context["snapshot"] = snapshot
        context["next_plan"] = Plan.objects.filter(
            federation=access.federation, year=plan.year + 1
        ).first()
        return render(request, "plans/plan_decided.html", context)
    threads = comment_threads(plan)
    context.update(
        document=plan_document(plan),
        comment_counts=open_comment_counts(plan),
        open_threads=threads,
        review=review_sent_at(plan),
    )
    return render(request, "plans/plan_detail.html", context)


@login_required
def plan_pdf_download(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The PDF the board holds in its hand; rendered once per plan version, in the
    background. An adopted plan's PDF comes from its snapshot, byte for byte."""
    access, plan = load_plan(request, slug, year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    snapshot = current_snapshot(plan)
    if snapshot is None:
        # Made by the worker (documents/pdf_tasks.py); until then, "PDF:en förbereds".
        return draft_pdf_response(request, access, plan)
    if request.method == "GET":
        record(
            action="laddade ned planen som PDF",
            by=request.user,
            obj=plan,
            changes={"year": plan.year, "adopted": True},
        )
    return snapshot_pdf_response(snapshot)


@login_required
def plan_docx_download(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The plan as a Word file, for members who reuse its text (documents/word.py)."""
    _access, plan = load_plan(request, slug, year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    content = plan_docx(plan_document(plan))
    if request.method == "GET":
        record(
            action="laddade ned planen som Word-fil",
            by=request.user,
            obj=plan,
            changes={"year": plan.year},
        )
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="verksamhetsplan-{plan.federation.slug}-{plan.year}.docx"'
    )
    return response


# --- the workflow ----------------------------------------------------------------


@edit_view
@login_required
def plan_send_to_review(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=EDIT)
    if refused := frozen_response(request, access.federation, plan.year):
        return refused
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = SendToReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            adoption.plan_send_to_review(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            message_errors(request, exc)
        else:
            messages.success(
                request,
                _("Planen är skickad på beredning. Beredningsgruppen ser den på sin startsida."),
            )
        return redirect(plan.get_absolute_url())
    return plan_page(
        request,
        access,
        plan,
        "plans/action_form.html",
        form=form,
        title=_("Skicka planen på beredning"),
        lead=_(
            "Beredningsgruppen kan då läsa och kommentera planen. Du kan fortsätta att "
            "ändra den; de ser vad som ändrats sedan utskicket."
        ),
        submit_label=_("Skicka på beredning"),
    )


def _entered_before(request: HttpRequest, meetings: list[Any]) -> dict[str, Any]:
    """What a failed adoption had entered, from its page's link back to the form
    (documents/pdf_views.py adoption_progress); only what is valid as it stands."""
    entered: dict[str, Any] = {}
    try:
        entered["decided_on"] = date.fromisoformat(request.GET.get("decided_on", ""))
    except ValueError:
        pass
    if reference := request.GET.get("reference", "").strip():
        entered["reference"] = reference[:100]
    meeting = request.GET.get("meeting", "")
    if meeting in {str(m.pk) for m in meetings} | {workflow.NEW_MEETING}:
        entered["meeting"] = meeting
    return entered


@edit_view
@login_required
def plan_decide(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """Record the board's adoption: date, meeting and dnr; then the plan is frozen."""
    access, plan = load_plan(request, slug, year, action=EDIT)
    if refused := frozen_response(request, access.federation, plan.year):
        return refused
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    meetings = list(plan.meetings.filter(kind=MeetingKind.BOARD).order_by("date"))
    planned = workflow.planned_adoption_meetings(plan)
    default = next((m for m in planned if m.date == plan.decision_meeting_on), None)
    if default is None and planned:
        default = planned[-1]
    # The planned day, unless it is the day an earlier revision was adopted.
    planned_on = plan.decision_meeting_on
    if planned_on in {s.decided_on for s in snapshots_without_files(plan)}:
        planned_on = None
    initial = {
        "decided_on": default.date if default else planned_on,
        "meeting": str(default.pk) if default else workflow.NEW_MEETING,
        "reference": plan.reference,
    }
    initial.update(_entered_before(request, meetings))
    refusals = adoption.decision_refusals(plan)
    form = DecideForm(request.POST or None, initial=initial, meetings=meetings)
    # "Kontrollera" runs the checks for the date in the form and saves nothing.
    checking = request.method == "POST" and "kontrollera" in request.POST
    if request.method == "POST" and not checking and not refusals and form.is_valid():
        errors = adoption.decision_errors(plan, **form.cleaned_data)
        if errors:
            errors_to_form(form, ValidationError(errors))
        elif request.POST.get("confirmed") != "1":
            # First the confirmation: what should stop her, and what is registered.
            # Nothing is saved until she confirms.
            return _decide_confirmation(request, access, plan, form)
        else:
            # The snapshot's PDF is made in the worker, under the plan's lock: the
            # progress page follows it (documents/pdf_tasks.py adopt_plan).
            job = queue_adoption(plan=plan, by=request.user, **form.cleaned_data)
            return redirect("plan_adoption_progress", slug, year, job.id)
    # The checks are for the date being entered, never an earlier one.
    if form.is_bound:
        form.is_valid()
        decided_on = form.cleaned_data.get("decided_on")
        if checking:
            # Only the date is checked; the dnr may still be empty.
            for name in [n for n in form.errors if n != "decided_on"]:
                del form.errors[name]
    else:
        decided_on = initial["decided_on"]
    warnings = adoption.decision_warnings(plan, decided_on) if decided_on else []
    return plan_page(
        request,
        access,
        plan,
        "plans/action_form.html",
        form=form,
        title=_("Fastställ verksamhetsplanen %(year)s") % {"year": plan.year},
        lead=_(
            "Registrera styrelsens beslut. Planen, budgeten, insatserna och årshjulet sparas "
            "då som den fastställda versionen (planpaket och PDF) och kan inte längre ändras."
        ),
        refusals=refusals,
        refusals_heading=_("Beslutet kan inte registreras ännu"),
        warnings=warnings,
        warnings_heading=(
            _("Kontrollera innan du registrerar beslutet den %(date)s")
            % {"date": swedish_date(decided_on)}
            if decided_on
            else _("Kontrollera innan du registrerar beslutet")
        ),
        checked_on=swedish_date(decided_on) if checking and decided_on else "",
        submit_label=_("Registrera beslutet"),
        check_label=_("Kontrollera datumet"),
        status=200 if not form.is_bound or (checking and decided_on) else 400,
    )


def _decide_confirmation(
    request: HttpRequest, access: Any, plan: Plan, form: DecideForm
) -> HttpResponse:
    """The step before the decision is registered: each stopper that applies
    (documents/adoption.py decision_stoppers), what will be registered, and the
    form's fields carried on, to confirm, to change or to cancel."""
    data = form.cleaned_data
    decided_on = data["decided_on"]
    meeting = data["meeting"]
    entered = {
        "decided_on": decided_on.isoformat(),
        "meeting": form.data.get("meeting", ""),
        "reference": data["reference"].strip(),
    }
    return plan_page(
        request,
        access,
        plan,
        "plans/confirm.html",
        title=_("Bekräfta beslutet om verksamhetsplanen %(year)s") % {"year": plan.year},
        lead=_(
            "Inget är registrerat ännu. Se över listan och bekräfta: planen, budgeten, "
            "insatserna och årshjulet sparas då som den fastställda versionen och kan inte "
            "längre ändras."
        ),
        stoppers=adoption.plan_decision_stoppers(plan, decided_on),
        stoppers_heading=_("Det här bör du se över innan beslutet registreras"),
        all_clear=_(
            "Inget att anmärka på: inga öppna kommentarer, budgeten håller kontrollerna, "
            "beslutet är i tid efter ett medlemssamråd och inget avsnitt är tomt."
        ),
        summary=[
            (_("Beslutsdatum"), swedish_date(decided_on)),
            (
                _("Styrelsemöte"),
                _("Ett styrelsemöte på beslutsdagen")
                if meeting is None
                else f"{swedish_date(meeting.date)} – {meeting.display_title}"
                if meeting.date == decided_on
                else _("%(meeting)s – %(title)s, flyttas till beslutsdagen")
                % {"meeting": swedish_date(meeting.date), "title": meeting.display_title},
            ),
            (_("Diarienummer"), entered["reference"]),
        ],
        form=form,
        confirm_label=_("Bekräfta och fastställ"),
        back_url=reverse("plan_decide", args=[plan.federation.slug, plan.year])
        + "?"
        + urlencode(entered),
    )


@edit_view
@login_required
def plan_roll_forward(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """ "Skapa nästa års plan" from this adopted plan."""
    access, plan = load_plan(request, slug, year, action=EDIT)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        try:
            new = rollforward.plan_roll_forward(plan=plan, by=request.user)
        except ValidationError as exc:
            message_errors(request, exc)
            return redirect(plan.get_absolute_url())
        messages.success(
            request,
            _("Utkastet till verksamhetsplan %(year)s är skapat. Gå igenom listan nedan.")
            % {"year": new.year},
        )
        return redirect(new.get_absolute_url())
    return plan_page(
        request,
        access,
        plan,
        "plans/action_form.html",
        form=Form(),
        title=_("Skapa verksamhetsplan %(year)s") % {"year": plan.year + 1},
        lead=_(
            "Ett utkast för %(year)s skapas från den fastställda planen %(old)s: avsnitt, mål "
            "och årshjul kopieras (datumen ett år framåt), pågående insatser fortsätter och "
            "budgeten flyttas ett år: budget %(old)s blir prognos, plan %(year)s blir budget. "
            "Du får en lista över vad som behöver ses över."
        )
        % {"year": plan.year + 1, "old": plan.year},
        submit_label=_("Skapa nästa års plan"),
    )


@login_required
def plan_changes(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """ "Ändringar sedan utskicket": every change since the plan was sent to review."""
    access, plan = load_plan(request, slug, year)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return plan_page(
        request, access, plan, "plans/changes.html", changes=changes_since_review(plan)
    )


@comment_view
@login_required
def comment_add(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """A new comment; ?avsnitt=ID, ?insats=ID or ?budget chooses what it is about."""
    access, plan = load_plan(request, slug, year, action=COMMENT)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if plan.is_decided:
        return refusal_response(
            request,
            access.federation,
            plan.year,
            _("Planen är fastställd; den tar inte emot fler kommentarer."),
        )
    sections = list(plan.sections.order_by("position", "id"))
    interventions = _plan_interventions(plan)
    initial = {}
    if is_whole_number(section_id := request.GET.get("avsnitt", "")):
        initial["about"] = f"avsnitt-{section_id}"
    elif "insats" in request.GET and interventions:
        intervention_id = request.GET["insats"]
        initial["about"] = (
            f"insats-{intervention_id if is_whole_number(intervention_id) else interventions[0].pk}"
        )
    elif "budget" in request.GET:
        initial["about"] = "budget"
    form = CommentForm(
        request.POST or None,
        initial=initial,
        sections=sections,
        interventions=interventions,
        year=plan.year,
    )
    if request.method == "POST" and form.is_valid():
        try:
            comment = comments.comment_add(
                plan=plan,
                by=request.user,
                role=access.role,
                body=form.cleaned_data["body"],
                quote=form.cleaned_data["quote"],
                **form.target(),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Din kommentar är sparad."))
            anchor = f"#kapitel-{comment.section_id}" if comment.section_id else "#kommentarer"
            return redirect(plan.get_absolute_url() + anchor)
    chosen = form["about"].value() or ""
    section = next((s for key, s in form.sections.items() if key == chosen), None)
    return plan_page(
        request,
        access,
        plan,
        "plans/comment_form.html",
        form=form,
        section=section,
        section_body=render_markdown(section.body) if section else "",
        status=400 if form.is_bound else 200,
    )


def _plan_interventions(plan: Plan) -> list[Any]:
    return [chapter.intervention for chapter in intervention_chapters(plan.federation, plan.year)]
