"""The pages around the background PDF (documents/pdf_tasks.py): the download of a
draft's PDF, "PDF:en förbereds" while the worker makes it, and the progress of an
adoption.

Both waiting pages ask again by themselves (static/js/waiting.js: a HEAD request
every few seconds; the page is loaded again only when the answer is no longer 202,
so nothing moves under the reader, WCAG 2.2.1), and "Fråga igen nu" asks at once
without script. The PDF page asks `?vantar=1`, which, once the PDF is ready,
answers the same page saying "klar", which goes on to the PDF itself: a download
leaves the page it came from on the screen, and that page should then say that it
is done, not that it is still being prepared.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from documents.pdf import pdf_filename
from documents.pdf_render import RenderLimits
from documents.pdf_tasks import REFRESH_SECONDS, adoption_job, pdf_state
from finsam.access import Access, edit_view, get_federation_for_user
from finsam.audit import record
from finsam.roles import EDIT
from plans.selectors import get_plan

WAITING = "vantar"


def draft_pdf_response(request: HttpRequest, access: Access, plan) -> HttpResponse:
    """The current version's PDF when it is ready; else the page that waits for it
    (202) or says why it cannot be made (422). Renders nothing itself."""
    state = pdf_state(plan)
    pdf_url = reverse("plan_pdf", args=[access.federation.slug, plan.year])
    if state.ready and request.GET.get(WAITING):
        # "Klar", and on to the PDF (a download leaves this page on the screen).
        return render(
            request,
            "plans/pdf_preparing.html",
            _context(access, plan, state=state, pdf_url=pdf_url),
        )
    if state.ready:
        assert state.content is not None
        if request.method == "GET":
            record(
                action="laddade ned planen som PDF",
                by=request.user,
                obj=plan,
                changes={"year": plan.year, "adopted": False},
            )
        response = HttpResponse(state.content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf_filename(plan)}"'
        response["Content-Length"] = str(len(state.content))
        response["Cache-Control"] = "private, no-cache"
        response["X-Plan-Pdf-Cache"] = "miss" if state.rendered_now else "hit"
        return response
    response = render(
        request,
        "plans/pdf_preparing.html",
        _context(
            access,
            plan,
            state=state,
            pdf_url=pdf_url,
            refresh_url=f"{pdf_url}?{WAITING}=1",
            refresh_seconds=REFRESH_SECONDS,
            time_limit=f"{RenderLimits.from_settings().seconds:g}",
        ),
        status=422 if state.state == "failed" else 202,
    )
    if state.state != "failed":
        response["Retry-After"] = str(REFRESH_SECONDS)
    response["X-Plan-Pdf-State"] = state.state
    return response


def _context(access: Access, plan, **extra):
    return {"access": access, "federation": access.federation, "plan": plan, **extra}


@edit_view
@login_required
def adoption_progress(request: HttpRequest, slug: str, year: int, job_id: str) -> HttpResponse:
    """How the adoption queued from the form goes: queued, running (the PDF is being
    made), then the plan page with the result, or why the plan was not adopted."""
    access = get_federation_for_user(request.user, slug, action=EDIT)
    plan = get_plan(access, year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    job = adoption_job(job_id)
    if job is None or job.plan_id != plan.pk:
        raise Http404
    if job.state == "done" and request.method == "HEAD":
        # The waiting page's script asking (static/js/waiting.js): the messages are
        # for the GET that follows.
        return redirect(plan.get_absolute_url())
    if job.state == "done":
        messages.success(
            request,
            _("Planen är fastställd och sparad som fastställd version (revision %(revision)s).")
            % {"revision": job.revision},
        )
        for warning in job.warnings:
            messages.warning(request, warning)
        return redirect(plan.get_absolute_url())
    started = job.started_at or job.queued_at
    retry_url = reverse("plan_decide", args=[slug, year])
    if job.entered:
        retry_url += "?" + urlencode(job.entered)
    response = render(
        request,
        "plans/adoption_progress.html",
        _context(
            access,
            plan,
            job=job,
            refresh_seconds=REFRESH_SECONDS,
            elapsed=max(0, round(time.time() - started)),
            time_limit=f"{RenderLimits.from_settings().seconds:g}",
            retry_url=retry_url,
        ),
        status=422 if job.state == "failed" else 202,
    )
    if not job.finished:
        response["Retry-After"] = str(REFRESH_SECONDS)
    return response
