"""Pages of the plan's workflow: taking it back to draft, a new revision,
publication; comments; version history; the adopted versions; and the public copy
of an adopted plan. Sending to review, adoption, next year's plan, "Ändringar
sedan utskicket" and a new comment draw on the budget and the interventions too,
so they are in documents/views.py.

As everywhere: access first (another förbund's plan answers 404 whatever the
method; a role without the right answers 403), then the method, then form →
service → redirect with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from finsam.access import Access, comment_view, edit_view, get_federation_for_user
from finsam.audit import record
from finsam.money import swedish_date
from finsam.roles import COMMENT, EDIT, VIEW
from plans import comments, workflow
from plans.diff import word_diff
from plans.forms import CommentChangeForm, ReplyForm, RevisionForm
from plans.freeze import PlanFrozen, frozen_response
from plans.history import get_version, version_of
from plans.history import section_versions as versions_of_section
from plans.markdown import render_markdown
from plans.models import Comment, Plan, Section, Snapshot
from plans.rules import publish_stoppers
from plans.selectors import (
    COMMENT_FILTERS,
    comment_threads,
    get_plan,
    open_comment_links,
    published_plan,
    snapshots_without_files,
    transitions,
)
from plans.views import snapshot_pdf_response


def load_plan(
    request: HttpRequest, slug: str, year: int, *, action: str = VIEW
) -> tuple[Access, Plan]:
    access = get_federation_for_user(request.user, slug, action=action)
    return access, get_plan(access, year)


def errors_to_form(form: Form, exc: ValidationError) -> None:
    if isinstance(exc, PlanFrozen):
        raise exc  # the 409 page (plans/middleware.py), not a form error
    for field, errors in exc.update_error_dict({}).items():
        form.add_error(field if field in form.fields else None, errors)


def plan_page(
    request: HttpRequest,
    access: Access,
    plan: Plan,
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        template,
        {"access": access, "federation": access.federation, "plan": plan, **context},
        status=status,
    )


def message_errors(request: HttpRequest, exc: ValidationError) -> None:
    if isinstance(exc, PlanFrozen):
        raise exc  # the 409 page (plans/middleware.py), not a form error
    for message in exc.messages:
        messages.error(request, message)


# --- the workflow ----------------------------------------------------------------------


@edit_view
@login_required
def plan_return_to_draft(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=EDIT)
    if refused := frozen_response(request, access.federation, plan.year):
        return refused
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        workflow.plan_return_to_draft(plan=plan, by=request.user)
    except ValidationError as exc:
        message_errors(request, exc)
    else:
        messages.success(request, _("Planen är ett utkast igen."))
    return redirect(plan.get_absolute_url())


@edit_view
@login_required
def plan_new_revision(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=EDIT)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = RevisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.plan_new_revision(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Revision %(revision)s är påbörjad som utkast. Den fastställda versionen finns kvar."
                )
                % {"revision": plan.revision + 1},
            )
            return redirect(plan.get_absolute_url())
    return plan_page(
        request,
        access,
        plan,
        "plans/action_form.html",
        form=form,
        title=_("Ny revision av verksamhetsplanen %(year)s") % {"year": plan.year},
        lead=_(
            "Planen blir ett utkast igen som ska beredas och fastställas på nytt. Den "
            "fastställda versionen ändras inte och finns kvar att ladda ner."
        ),
        submit_label=_("Starta ny revision"),
    )


@edit_view
@login_required
def plan_publish(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=EDIT)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.POST.get("confirmed") != "1":
        # First the confirmation; nothing is published until she confirms.
        confirmation = _publish_confirmation(request, access, plan)
        if confirmation is not None:
            return confirmation
    try:
        workflow.plan_publish(plan=plan, by=request.user)
    except ValidationError as exc:
        message_errors(request, exc)
    else:
        messages.success(
            request,
            _("Planen är publicerad på %(url)s.")
            % {"url": request.build_absolute_uri(plan.get_public_url())},
        )
    return redirect(plan.get_absolute_url())


def _publish_confirmation(request: HttpRequest, access: Access, plan: Plan) -> HttpResponse | None:
    """The step before publishing: what should stop her (plans/rules.py
    publish_stoppers) and which adopted version is published. None when there is
    no adopted version (plan_publish says why)."""
    snapshot = (
        Snapshot.objects.filter(plan=plan)
        .defer("pdf", "bundle", "html", "report")
        .order_by("-revision")
        .first()
    )
    if snapshot is None:
        return None
    stoppers = publish_stoppers(
        open_comments=open_comment_links(plan),
        comments_url=reverse("plan_comments", args=[plan.federation.slug, plan.year]),
        adopted_revision=snapshot.revision,
        adopted_on=snapshot.decided_on,
        current_revision=plan.revision,
        decided=plan.is_decided,
    )
    return plan_page(
        request,
        access,
        plan,
        "plans/confirm.html",
        title=_("Bekräfta publiceringen av verksamhetsplanen %(year)s") % {"year": plan.year},
        lead=_(
            "Inget är publicerat ännu. Publicerad kan vem som helst läsa den fastställda "
            "versionen, webbsidan och PDF:en, utan inloggning."
        ),
        stoppers=stoppers,
        stoppers_heading=_("Det här bör du se över innan planen publiceras"),
        all_clear=_(
            "Inget att anmärka på: inga öppna kommentarer, och det som publiceras är den "
            "fastställda versionen."
        ),
        summary=[
            (
                _("Publiceras"),
                _("Den fastställda versionen, revision %(revision)s")
                % {"revision": snapshot.revision},
            ),
            (_("Beslutsdatum"), swedish_date(snapshot.decided_on)),
            (_("Diarienummer"), snapshot.reference or "–"),
            (_("PDF:ens SHA-256"), snapshot.pdf_sha256),
            (_("Adress"), request.build_absolute_uri(plan.get_public_url())),
        ],
        confirm_label=_("Bekräfta och publicera"),
    )


@edit_view
@login_required
def plan_unpublish(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=EDIT)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    workflow.plan_unpublish(plan=plan, by=request.user)
    messages.success(request, _("Planen är inte längre publicerad."))
    return redirect(plan.get_absolute_url())


# --- history -----------------------------------------------------------------------------


@login_required
def plan_history(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The plan's workflow steps, its adopted versions and its sections' histories."""
    access, plan = load_plan(request, slug, year)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return plan_page(
        request,
        access,
        plan,
        "plans/history.html",
        transitions=transitions(plan),
        snapshots=snapshots_without_files(plan),
        sections=list(plan.sections.order_by("position", "id")),
    )


def _section(plan: Plan, section_id: int) -> tuple[int, str]:
    """A section of the plan, or one that was (its history stays): (id, heading)."""
    section = Section.objects.filter(plan=plan, pk=section_id).first()
    if section is not None:
        return section.pk, section.heading
    row = Section.history.filter(plan=plan, id=section_id).order_by("-history_date").first()
    if row is None:
        raise Http404("Avsnittet finns inte.")
    return row.id, row.heading


@login_required
def section_versions(request: HttpRequest, slug: str, year: int, section_id: int) -> HttpResponse:
    """A section's saved versions, and a word-level diff of any two (?fran=&till=)."""
    access, plan = load_plan(request, slug, year)
    pk, heading = _section(plan, section_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    versions = versions_of_section(pk)
    older = version_of(versions, request.GET.get("fran"))
    newer = version_of(versions, request.GET.get("till"))
    if newer is None and versions:
        newer = versions[0]
    if older is None and len(versions) > 1:
        older = next((v for v in versions if v.number == newer.number - 1), None) if newer else None
    diff = None
    if older is not None and newer is not None:
        if older.number > newer.number:
            older, newer = newer, older
        diff = {
            "heading": word_diff(older.heading, newer.heading),
            "body": word_diff(older.body, newer.body),
        }
    return plan_page(
        request,
        access,
        plan,
        "plans/section_versions.html",
        section_id=pk,
        heading=heading,
        versions=versions,
        older=older,
        newer=newer,
        diff=diff,
    )


@login_required
def section_version(
    request: HttpRequest, slug: str, year: int, section_id: int, version_id: int
) -> HttpResponse:
    """One saved version of a section, as the plan showed it."""
    access, plan = load_plan(request, slug, year)
    pk, heading = _section(plan, section_id)
    version = get_version(versions_of_section(pk), version_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return plan_page(
        request,
        access,
        plan,
        "plans/section_version.html",
        section_id=pk,
        heading=heading,
        version=version,
        body=render_markdown(version.body),
    )


# --- the adopted versions ------------------------------------------------------------------


def _snapshot(plan: Plan, snapshot_id: int) -> Snapshot:
    return get_object_or_404(
        Snapshot.objects.select_related("plan__federation"), plan=plan, pk=snapshot_id
    )


@login_required
def snapshot_detail(request: HttpRequest, slug: str, year: int, snapshot_id: int) -> HttpResponse:
    """An adopted version as it was adopted (also after a new revision)."""
    access, plan = load_plan(request, slug, year)
    snapshot = _snapshot(plan, snapshot_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return plan_page(request, access, plan, "plans/snapshot_detail.html", snapshot=snapshot)


@login_required
def snapshot_pdf(request: HttpRequest, slug: str, year: int, snapshot_id: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year)
    snapshot = _snapshot(plan, snapshot_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if request.method == "GET":
        record(
            action="laddade ned den fastställda PDF:en",
            by=request.user,
            obj=plan,
            changes={"year": plan.year, "revision": snapshot.revision},
        )
    return snapshot_pdf_response(snapshot)


@login_required
def snapshot_bundle(request: HttpRequest, slug: str, year: int, snapshot_id: int) -> HttpResponse:
    """The adopted plan bundle (finsam-bundle/1), byte for byte as stored."""
    access, plan = load_plan(request, slug, year)
    snapshot = _snapshot(plan, snapshot_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if request.method == "GET":
        record(
            action="laddade ned det fastställda planpaketet",
            by=request.user,
            obj=plan,
            changes={"year": plan.year, "revision": snapshot.revision},
        )
    response = HttpResponse(
        snapshot.bundle.encode("utf-8"), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{snapshot.bundle_filename()}"'
    response["X-Content-SHA256"] = snapshot.bundle_sha256
    return response


# --- comments ----------------------------------------------------------------------------


def _comment(plan: Plan, comment_id: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("plan__federation", "section", "intervention", "parent"),
        plan=plan,
        pk=comment_id,
    )


def _thread_url(comment: Comment) -> str:
    thread = comment.parent or comment
    return (
        reverse("comment_thread", args=[thread.plan.federation.slug, thread.plan.year, thread.pk])
        + f"#{comment.anchor}"
    )


@login_required
def plan_comments(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    show = request.GET.get("visa", "oppna")
    if show not in COMMENT_FILTERS:
        show = "oppna"
    return plan_page(
        request,
        access,
        plan,
        "plans/comments.html",
        threads=comment_threads(plan, show=COMMENT_FILTERS[show]),
        show=show,
        may_comment=access.may_comment and not plan.is_decided,
    )


@login_required
def comment_thread(request: HttpRequest, slug: str, year: int, comment_id: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year)
    comment = _comment(plan, comment_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if comment.parent_id:
        return redirect(_thread_url(comment))
    return plan_page(
        request,
        access,
        plan,
        "plans/comment_thread.html",
        thread=comment,
        replies=list(comment.replies.order_by("created_at", "id")),
        reply_form=ReplyForm(),
        change_form=CommentChangeForm(initial={"body": comment.body}),
        may_comment=access.may_comment and not plan.is_decided,
    )


@comment_view
@login_required
def comment_reply(request: HttpRequest, slug: str, year: int, comment_id: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=COMMENT)
    comment = _comment(plan, comment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = comments.comment_reply(
                comment=comment, by=request.user, role=access.role, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            message_errors(request, exc)
        else:
            messages.success(request, _("Ditt svar är sparat."))
            return redirect(_thread_url(reply))
    else:
        messages.error(request, _("Skriv ett svar."))
    return redirect(_thread_url(comment))


@comment_view
@login_required
def comment_amend(request: HttpRequest, slug: str, year: int, comment_id: int) -> HttpResponse:
    """The author corrects a comment that nobody has replied to yet."""
    access, plan = load_plan(request, slug, year, action=COMMENT)
    comment = _comment(plan, comment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CommentChangeForm(request.POST)
    if form.is_valid():
        try:
            comments.comment_change(
                comment=comment, by=request.user, body=form.cleaned_data["body"]
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            message_errors(request, exc)
        else:
            messages.success(request, _("Kommentaren är ändrad."))
    else:
        messages.error(request, _("Skriv en kommentar."))
    return redirect(_thread_url(comment))


@comment_view
@login_required
def comment_withdraw(request: HttpRequest, slug: str, year: int, comment_id: int) -> HttpResponse:
    """The author withdraws a comment; it stays, marked återtagen."""
    access, plan = load_plan(request, slug, year, action=COMMENT)
    comment = _comment(plan, comment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    comments.comment_withdraw(comment=comment, by=request.user)
    messages.success(
        request, _("Kommentaren är återtagen. Den finns kvar, markerad som återtagen.")
    )
    return redirect(_thread_url(comment))


@edit_view
@login_required
def comment_resolve(request: HttpRequest, slug: str, year: int, comment_id: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=EDIT)
    comment = _comment(plan, comment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        comments.comment_resolve(comment=comment, by=request.user)
    except ValidationError as exc:
        message_errors(request, exc)
    else:
        messages.success(request, _("Kommentaren är markerad som löst."))
    return redirect(request.POST.get("next") if _safe_next(request) else _thread_url(comment))


@edit_view
@login_required
def comment_reopen(request: HttpRequest, slug: str, year: int, comment_id: int) -> HttpResponse:
    access, plan = load_plan(request, slug, year, action=EDIT)
    comment = _comment(plan, comment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    comments.comment_reopen(comment=comment, by=request.user)
    messages.success(request, _("Kommentaren är öppen igen."))
    return redirect(_thread_url(comment))


def _safe_next(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


# --- the public copy ---------------------------------------------------------------------


def _published(slug: str, year: int) -> tuple[Plan, Snapshot]:
    found = published_plan(slug, year)
    if found is None:
        raise Http404("Planen är inte publicerad.")
    return found


def plan_public(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The adopted plan as a public document: no login, read only, from its snapshot
    (a draft, or a new revision being prepared, is never shown here)."""
    plan, snapshot = _published(slug, year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = render(
        request,
        "plans/public_plan.html",
        {"plan": plan, "federation": plan.federation, "snapshot": snapshot, "public": True},
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


def plan_public_pdf(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    plan, snapshot = _published(slug, year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return snapshot_pdf_response(snapshot, private=False)
