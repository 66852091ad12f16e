"""Pages of the verksamhetsplan: the editors and the årshjul feed (the plan as a
document and its PDF are in documents/views.py).

Thin views: access first (another förbund's plan answers 404 on every method,
a role that may only read answers 403 on every edit view), then the method,
then form → service → redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from finsam.access import Access, edit_view, get_federation_for_user, get_in_federation
from finsam.audit import record
from finsam.models import Federation, Membership
from finsam.money import swedish_date
from finsam.roles import EDIT, VIEW
from finsam.text import is_whole_number
from plans import services
from plans.calendar import federation_calendar, member_for_token, membership_token
from plans.diff import word_diff
from plans.forms import GoalForm, MeetingForm, PlanCreateForm, PlanForm, SectionForm
from plans.freeze import PlanFrozen, frozen_response
from plans.models import Goal, Meeting, Plan, Section, Snapshot
from plans.section_text import section_preview_html
from plans.selectors import get_plan


def _load(request: HttpRequest, slug: str, year: int, *, action: str = VIEW) -> tuple[Access, Plan]:
    access = get_federation_for_user(request.user, slug, action=action)
    return access, get_plan(access, year)


def _load_for_edit(
    request: HttpRequest, slug: str, year: int
) -> tuple[Access, Plan, HttpResponse | None]:
    """An edit view's access (403/404 first), then the plan, and the refusal page
    when the plan is fastställd (the services refuse in any case)."""
    access, plan = _load(request, slug, year, action=EDIT)
    return access, plan, frozen_response(request, access.federation, plan.year)


def _add_service_errors(form: Form, exc: ValidationError) -> None:
    if isinstance(exc, PlanFrozen):
        raise exc  # the 409 page (plans/middleware.py), not a form error
    for field, errors in exc.update_error_dict({}).items():
        form.add_error(field if field in form.fields else None, errors)


def _to_plan(plan: Plan, anchor: str = "") -> HttpResponseRedirect:
    return redirect(plan.get_absolute_url() + anchor)


def _form_page(
    request: HttpRequest,
    access: Access,
    plan: Plan | None,
    form: Form,
    *,
    title: str,
    submit_label: str,
    cancel_url: str,
    template: str = "plans/form.html",
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "access": access,
            "federation": access.federation,
            "plan": plan,
            "form": form,
            "title": title,
            "submit_label": submit_label,
            "cancel_url": cancel_url,
            **extra,
        },
    )


def _confirm_delete(
    request: HttpRequest, access: Access, *, title: str, question: str, cancel_url: str
) -> HttpResponse:
    return render(
        request,
        "finsam/confirm_delete.html",
        {
            "access": access,
            "federation": access.federation,
            "title": title,
            "question": question,
            "consequences": "",
            "error": "",
            "cancel_url": cancel_url,
        },
    )


# --- the plan --------------------------------------------------------------------------


def _membership(request: HttpRequest, access: Access) -> Membership:
    return Membership.objects.select_related("federation").get(
        user=request.user, federation=access.federation
    )


def calendar_feed_url(request: HttpRequest, access: Access) -> str:
    """The user's personal address of the förbund's årshjul feed."""
    token = membership_token(_membership(request, access))
    return request.build_absolute_uri(
        reverse("plan_calendar_feed", args=[access.federation.slug, token])
    )


def snapshot_pdf_response(snapshot: Snapshot, *, private: bool = True) -> HttpResponse:
    """The adopted PDF exactly as stored, with its SHA-256 in a header."""
    response = HttpResponse(bytes(snapshot.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{snapshot.pdf_filename()}"'
    response["Content-Length"] = str(len(snapshot.pdf))
    response["Cache-Control"] = "private, no-cache" if private else "public, max-age=3600"
    response["X-Plan-Pdf-Cache"] = "snapshot"
    response["X-Content-SHA256"] = snapshot.pdf_sha256
    return response


@edit_view
@login_required
def plan_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    initial = {}
    if is_whole_number(year := request.GET.get("ar", "")):
        initial["year"] = int(year)
    form = PlanCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                federation=access.federation, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Verksamhetsplanen för %(year)s är skapad med standardavsnitten och lagens hålltider."
                )
                % {"year": plan.year},
            )
            return _to_plan(plan)
    return _form_page(
        request,
        access,
        None,
        form,
        title=_("Ny verksamhetsplan"),
        submit_label=_("Skapa planen"),
        cancel_url=access.federation.get_absolute_url(),
        lead=_(
            "Planen börjar med standardavsnitten (Inledning, Vision och uppdrag, Målgrupper, "
            "Mål, Insatser, Uppföljning, Kommunikation, Risker, Årshjul, Budget) och lagens "
            "hålltider i årshjulet."
        ),
    )


@edit_view
@login_required
def plan_edit(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    initial = {name: getattr(plan, name) for name in PlanForm.base_fields}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            plan.refresh_from_db()
        else:
            messages.success(request, _("Planens uppgifter är sparade."))
            return _to_plan(plan)
    return _form_page(
        request,
        access,
        plan,
        form,
        title=_("Planens uppgifter"),
        submit_label=_("Spara"),
        cancel_url=plan.get_absolute_url(),
    )


# --- sections --------------------------------------------------------------------------


def _section_page(
    request: HttpRequest,
    access: Access,
    plan: Plan,
    form: SectionForm,
    section: Section | None,
    **extra: Any,
) -> HttpResponse:
    body = form["body"].value() or ""
    return _form_page(
        request,
        access,
        plan,
        form,
        title=_("Redigera %(heading)s") % {"heading": section.heading}
        if section
        else _("Nytt avsnitt"),
        submit_label=_("Spara") if section else _("Lägg till avsnittet"),
        cancel_url=plan.get_absolute_url() + (f"#kapitel-{section.pk}" if section else ""),
        template="plans/section_form.html",
        section=section,
        preview=section_preview_html(plan, body),
        **extra,
    )


def _preview_url(plan: Plan) -> str:
    return reverse("section_preview", args=[plan.federation.slug, plan.year])


@edit_view
@login_required
def section_create(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    initial = {}
    if kind := request.GET.get("slag"):
        initial["kind"] = kind
    form = SectionForm(request.POST or None, initial=initial, preview_url=_preview_url(plan))
    if request.method == "POST" and form.is_valid():
        try:
            section = services.section_create(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Avsnittet %(heading)s är tillagt.") % {"heading": section.heading}
            )
            return _to_plan(plan, f"#kapitel-{section.pk}")
    return _section_page(request, access, plan, form, None)


def _get_section(access: Access, plan: Plan, section_id: int) -> Section:
    section = get_in_federation(
        Section.objects.select_related("plan"),
        access,
        path="plan__federation",
        plan=plan,
        pk=section_id,
    )
    assert isinstance(section, Section)
    return section


@edit_view
@login_required
def section_edit(request: HttpRequest, slug: str, year: int, section_id: int) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    section = _get_section(access, plan, section_id)
    initial = {
        "heading": section.heading,
        "kind": section.kind,
        "body": section.body,
        "version": section.version,
    }
    form = SectionForm(
        request.POST or None, initial=initial, preview_url=_preview_url(plan), versioned=True
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("version")
        try:
            services.section_update(
                section=section, by=request.user, expected_version=expected, **data
            )
        except services.SectionConflict as conflict:
            return _section_conflict(request, access, plan, conflict.section, conflict.kept)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            section.refresh_from_db()
        else:
            messages.success(
                request, _("Avsnittet %(heading)s är sparat.") % {"heading": section.heading}
            )
            return _to_plan(plan, f"#kapitel-{section.pk}")
    return _section_page(request, access, plan, form, section)


def _section_conflict(
    request: HttpRequest,
    access: Access,
    plan: Plan,
    stored: Section,
    kept: dict[str, str] | None = None,
) -> HttpResponse:
    """Someone else saved first: keep what this user typed, show what is stored and
    how it differs, and let a second save (now from the stored version) replace it.
    A field only the other changed (`kept`) shows their value, so a second save
    does not revert it."""
    data = request.POST.copy()
    data["version"] = str(stored.version)
    for name, value in (kept or {}).items():
        data[name] = value
    form = SectionForm(data, preview_url=_preview_url(plan), versioned=True)
    latest = stored.history.select_related("history_user").first()
    by = latest.history_user if latest else None
    conflict = {
        "by": (by.get_full_name() or by.get_username()) if by else "",
        "at": latest.history_date if latest else None,
        "heading": stored.heading,
        "diff": word_diff(stored.body, data.get("body", "")),
    }
    response = _section_page(request, access, plan, form, stored, conflict=conflict)
    response.status_code = 409
    return response


@edit_view
@login_required
def section_delete(request: HttpRequest, slug: str, year: int, section_id: int) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    section = _get_section(access, plan, section_id)
    if request.method == "POST":
        services.section_delete(section=section, by=request.user)
        messages.success(
            request, _("Avsnittet %(heading)s är borttaget.") % {"heading": section.heading}
        )
        return _to_plan(plan)
    return _confirm_delete(
        request,
        access,
        title=_("Ta bort avsnittet %(heading)s") % {"heading": section.heading},
        question=_("Vill du ta bort avsnittet %(heading)s ur verksamhetsplanen %(year)s?")
        % {"heading": section.heading, "year": plan.year},
        cancel_url=plan.get_absolute_url() + f"#kapitel-{section.pk}",
    )


@edit_view
@login_required
def section_move(request: HttpRequest, slug: str, year: int, section_id: int) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    section = _get_section(access, plan, section_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    offsets = {"upp": -1, "ned": 1}
    direction = request.POST.get("riktning", "")
    if direction not in offsets:
        return HttpResponse(_("Ange riktning upp eller ned."), status=400)
    services.section_move(section=section, by=request.user, offset=offsets[direction])
    return _to_plan(plan, f"#kapitel-{section.pk}")


@edit_view
@login_required
def section_preview(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """htmx: the Markdown beside the editor, rendered as the plan will show it."""
    _access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    html = section_preview_html(plan, request.POST.get("body", ""))
    return render(request, "plans/partials/markdown_preview.html", {"html": html})


# --- goals and meetings: the same create, edit and delete pages ---------------------------


@dataclass(frozen=True)
class PlanPart:
    """A kind of row of the plan with its own form, services and Swedish texts."""

    model: type[Goal] | type[Meeting]
    form: type[GoalForm] | type[MeetingForm]
    name: str  # the services' keyword for the row: goal=, meeting=
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    chapter_kind: str  # the chapter the plan page scrolls back to
    initial: Callable[[Any], dict[str, Any]]
    added: Promise
    saved: Promise
    deleted: Promise
    new_title: Promise
    new_submit: Promise
    edit_title: Promise
    delete_title: Promise
    question: Callable[[Any], str]


GOAL = PlanPart(
    model=Goal,
    form=GoalForm,
    name="goal",
    create=services.goal_create,
    update=services.goal_update,
    delete=services.goal_delete,
    chapter_kind="goals",
    initial=GoalForm.initial_for,
    added=_lazy("Målet är tillagt."),
    saved=_lazy("Målet är sparat."),
    deleted=_lazy("Målet är borttaget."),
    new_title=_lazy("Nytt mål"),
    new_submit=_lazy("Lägg till målet"),
    edit_title=_lazy("Redigera mål"),
    delete_title=_lazy("Ta bort målet"),
    question=lambda goal: _("Vill du ta bort målet ”%(text)s”?") % {"text": goal.text[:120]},
)
MEETING = PlanPart(
    model=Meeting,
    form=MeetingForm,
    name="meeting",
    create=services.meeting_create,
    update=services.meeting_update,
    delete=services.meeting_delete,
    chapter_kind="annual_cycle",
    initial=lambda meeting: {name: getattr(meeting, name) for name in MeetingForm.base_fields},
    added=_lazy("Mötet är tillagt i årshjulet."),
    saved=_lazy("Mötet är sparat."),
    deleted=_lazy("Mötet är borttaget ur årshjulet."),
    new_title=_lazy("Nytt möte eller hålltid"),
    new_submit=_lazy("Lägg till"),
    edit_title=_lazy("Redigera möte"),
    delete_title=_lazy("Ta bort mötet"),
    question=lambda meeting: (
        _("Vill du ta bort %(title)s den %(date)s ur årshjulet?")
        % {"title": meeting.display_title, "date": swedish_date(meeting.date)}
    ),
)


def _part_anchor(plan: Plan, part: PlanPart) -> str:
    section = plan.sections.filter(kind=part.chapter_kind).first()
    return f"#kapitel-{section.pk}" if section else ""


def _get_part(access: Access, plan: Plan, part: PlanPart, pk: int) -> Any:
    return get_in_federation(
        part.model.objects.select_related("plan"), access, path="plan__federation", plan=plan, pk=pk
    )


def _part_create(request: HttpRequest, slug: str, year: int, part: PlanPart) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    form = part.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            part.create(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, part.added)
            return _to_plan(plan, _part_anchor(plan, part))
    return _form_page(
        request,
        access,
        plan,
        form,
        title=part.new_title,
        submit_label=part.new_submit,
        cancel_url=plan.get_absolute_url() + _part_anchor(plan, part),
    )


def _part_edit(request: HttpRequest, slug: str, year: int, pk: int, part: PlanPart) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    obj = _get_part(access, plan, part, pk)
    form = part.form(request.POST or None, initial=part.initial(obj))
    if request.method == "POST" and form.is_valid():
        try:
            part.update(by=request.user, **{part.name: obj}, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            obj.refresh_from_db()
        else:
            messages.success(request, part.saved)
            return _to_plan(plan, _part_anchor(plan, part))
    return _form_page(
        request,
        access,
        plan,
        form,
        title=part.edit_title,
        submit_label=_("Spara"),
        cancel_url=plan.get_absolute_url() + _part_anchor(plan, part),
    )


def _part_delete(
    request: HttpRequest, slug: str, year: int, pk: int, part: PlanPart
) -> HttpResponse:
    access, plan, refused = _load_for_edit(request, slug, year)
    if refused:
        return refused
    obj = _get_part(access, plan, part, pk)
    if request.method == "POST":
        part.delete(by=request.user, **{part.name: obj})
        messages.success(request, part.deleted)
        return _to_plan(plan, _part_anchor(plan, part))
    return _confirm_delete(
        request,
        access,
        title=part.delete_title,
        question=part.question(obj),
        cancel_url=plan.get_absolute_url() + _part_anchor(plan, part),
    )


@edit_view
@login_required
def goal_create(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    return _part_create(request, slug, year, GOAL)


@edit_view
@login_required
def goal_edit(request: HttpRequest, slug: str, year: int, plan_goal_id: int) -> HttpResponse:
    return _part_edit(request, slug, year, plan_goal_id, GOAL)


@edit_view
@login_required
def goal_delete(request: HttpRequest, slug: str, year: int, plan_goal_id: int) -> HttpResponse:
    return _part_delete(request, slug, year, plan_goal_id, GOAL)


@edit_view
@login_required
def meeting_create(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    return _part_create(request, slug, year, MEETING)


@edit_view
@login_required
def meeting_edit(request: HttpRequest, slug: str, year: int, meeting_id: int) -> HttpResponse:
    return _part_edit(request, slug, year, meeting_id, MEETING)


@edit_view
@login_required
def meeting_delete(request: HttpRequest, slug: str, year: int, meeting_id: int) -> HttpResponse:
    return _part_delete(request, slug, year, meeting_id, MEETING)


# --- the iCalendar feed ----------------------------------------------------------------


def _calendar_response(federation: Federation) -> HttpResponse:
    response = HttpResponse(
        federation_calendar(federation), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="arshjul-{federation.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def plan_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """The förbund's årshjul as .ics, for a logged-in user."""
    access = get_federation_for_user(request.user, slug)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if request.method == "GET":
        record(
            action="laddade ned årshjulet som kalender (.ics)",
            by=request.user,
            obj=access.federation,
            changes={"via": "inloggning"},
        )
    return _calendar_response(access.federation)


@login_required
def plan_calendar_renew(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Byt länk": the user's subscription link stops working and a new one is
    shown (any role: it is the user's own link, not the plan's data)."""
    access = get_federation_for_user(request.user, slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.calendar_link_renew(membership=_membership(request, access), by=request.user)
    messages.success(
        request,
        _(
            "Kalenderlänken är bytt. Den gamla adressen fungerar inte längre; prenumerera "
            "på nytt med den nya."
        ),
    )
    year = request.POST.get("ar", "")
    plan = (
        Plan.objects.filter(federation=access.federation, year=int(year)).first()
        if is_whole_number(year) and len(year) == 4
        else None
    )
    if plan is None:
        return redirect(access.federation.get_absolute_url())
    return redirect(plan.get_absolute_url() + "#kalender")


def plan_calendar_feed(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The same feed for a calendar program: the token in the URL is the access."""
    federation = Federation.objects.filter(slug=slug).first()
    membership = None if federation is None else member_for_token(token, federation)
    if federation is None or membership is None:
        raise Http404("Kalendern finns inte.")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if request.method == "GET":
        # No one is logged in: the token is its user's, so the download is theirs.
        record(
            action="laddade ned årshjulet som kalender (.ics)",
            by=membership.user,
            obj=federation,
            changes={"via": "kalenderlänk"},
        )
    return _calendar_response(federation)
