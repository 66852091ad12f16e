"""The plan's PDF and its adoption as background tasks (django-tasks).

The web request never renders. A download of the plan's current version gets the
cached PDF when it is there (documents/pdf.py, keyed by `pdf_cache_key`), else a page
"PDF:en förbereds" (202) while `render_plan_pdf` makes it in the worker. Every save
that passes the plan-year guard queues the render after its commit
(`plans.freeze.plan_year_written`), so the PDF is usually ready before anyone asks.

What the worker does is kept in the cache, beside the PDFs, so that every web
process sees it, whatever the task backend:

- `pending`, per plan: a render is queued and not started. Saves and downloads
  queue one only when none is pending, so a burst of saves makes one render.
- `running`, per plan version: a worker renders that version now.
- `failed`, per plan version: why that version cannot be made (PdfRefused), shown
  on the "förbereds" page and, by `latest_failure`, on the plan page; kept for an
  hour when it is the plan's (too large, too slow), two minutes when it was the
  machine's (too busy); a change to the plan gives a new version anyway.

Adoption (`adopt_plan`) calls documents.adoption.plan_decide in the worker: the plan's
row lock is held from the bundle to the stored PDF, so nothing changes the plan in
between, and a PDF over the limits rolls the adoption back. Its progress is kept
per adoption job and shown by a page that polls it (documents/pdf_views.py).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, default_task_backend, task
from django_tasks.base import Task

from documents import adoption, pdf
from documents.pdf_render import (
    LASTING_REFUSALS,
    PdfRefused,
    RenderLimits,
    render_document_pdf,
)
from finsam.text import is_whole_number
from plans.freeze import plan_year_written
from plans.models import Meeting, Plan, PlanStatus
from plans.workflow import NEW_MEETING

logger = logging.getLogger(__name__)

# A queued render that never started (its task lost) is queued again after this.
PENDING_TIMEOUT = 10 * 60
# A worker that died mid-render leaves its mark this long past the time limit.
RUNNING_MARGIN = 60
FAILURE_TIMEOUT = 60 * 60
# A failure of the machine's (busy, or the renderer died), not of the plan: a new
# download tries again after this.
PASSING_FAILURE_TIMEOUT = 2 * 60
JOB_TIMEOUT = 24 * 60 * 60
# How often the waiting pages ask again (seconds).
REFRESH_SECONDS = 2


def _cache():
    return caches[pdf.CACHE_ALIAS]


def _pending_key(plan_id: int) -> str:
    return f"plans:pdf-pending:{plan_id}"


def _running_key(version_key: str) -> str:
    return version_key.replace("plans:pdf:", "plans:pdf-running:", 1)


def _failed_key(version_key: str) -> str:
    return version_key.replace("plans:pdf:", "plans:pdf-failed:", 1)


def _latest_failure_key(plan_id: int) -> str:
    return f"plans:pdf-latest-failure:{plan_id}"


def _on_queue(task_: Task) -> Task:
    """The task on the PDF queue (settings.PDF_TASK_QUEUE, by default the default)."""
    return task_.using(queue_name=settings.PDF_TASK_QUEUE)


def _running_timeout() -> int:
    return int(RenderLimits.from_settings().seconds) + RUNNING_MARGIN


# --- the plan's PDF ----------------------------------------------------------------------


@dataclass(frozen=True)
class PdfState:
    """Where the current version's PDF is: `ready` (with its bytes), `running`,
    `queued` or `failed` (with the Swedish reason)."""

    state: str
    cache_key: str
    content: bytes | None = None
    message: str = ""
    rendered_now: bool = False

    @property
    def ready(self) -> bool:
        return self.content is not None


def pdf_state(plan: Plan, *, queue: bool = True) -> PdfState:
    """The current version's PDF, or what the worker does about it; queues a render
    when none is queued, running or known to fail. The fast path is the version's
    digest (a fixed number of small queries) and one cache read."""
    key = pdf.pdf_cache_key(plan)
    cache = _cache()
    content = cache.get(key)
    if content is not None:
        return PdfState("ready", key, content=content)
    failure = cache.get(_failed_key(key))
    if failure is not None:
        return PdfState("failed", key, message=failure)
    if cache.get(_running_key(key)) is not None:
        return PdfState("running", key)
    if queue:
        queue_plan_pdf(plan.pk)
        # A backend that runs tasks at once (the tests') has made it by now.
        content = cache.get(key)
        if content is not None:
            return PdfState("ready", key, content=content, rendered_now=True)
        failure = cache.get(_failed_key(key))
        if failure is not None:
            return PdfState("failed", key, message=failure)
    return PdfState("queued", key)


def queue_plan_pdf(plan_id: int) -> bool:
    """Queue a render of the plan's current version, unless one is queued already.
    True when this call queued it."""
    if not _cache().add(_pending_key(plan_id), time.time(), PENDING_TIMEOUT):
        return False
    try:
        _on_queue(render_plan_pdf).enqueue(plan_id)
    except Exception:
        _cache().delete(_pending_key(plan_id))
        raise
    return True


def latest_failure(plan: Plan) -> str:
    """Why the plan's latest render failed, for the plan page; empty when it did not."""
    return _cache().get(_latest_failure_key(plan.pk)) or ""


@receiver(plan_year_written)
def queue_after_write(sender: Any, *, federation_id: int, year: int | None, **kwargs: Any) -> None:
    """After a save to a plan year's data (and its commit): queue that plan's PDF,
    or every draft plan's of the förbund when `year` is None. An adopted plan's PDF
    is its snapshot's."""
    if not settings.PDF_QUEUE_AFTER_SAVE:
        return
    plans = Plan.objects.filter(federation_id=federation_id).exclude(status=PlanStatus.DECIDED)
    if year is not None:
        plans = plans.filter(year=year)
    for plan_id in plans.values_list("pk", flat=True):
        queue_plan_pdf(plan_id)


@task()
def render_plan_pdf(plan_id: int) -> dict[str, Any]:
    """In the worker: the plan's current version as PDF, into the cache. Does
    nothing when that version is cached, failed or being made by another worker."""
    cache = _cache()
    # From here on, a save queues a new render: this one may start before it commits.
    cache.delete(_pending_key(plan_id))
    plan = Plan.objects.select_related("federation").filter(pk=plan_id).first()
    if plan is None:
        return {"state": "gone"}
    if plan.is_decided:
        return {"state": "adopted"}  # downloads come from the snapshot
    for _attempt in range(3):
        key = pdf.pdf_cache_key(plan)
        if cache.get(key) is not None:
            return {"state": "ready", "key": key}
        if cache.get(_failed_key(key)) is not None:
            return {"state": "failed", "key": key}
        if not cache.add(_running_key(key), time.time(), _running_timeout()):
            return {"state": "running elsewhere", "key": key}
        try:
            document = pdf.plan_document(plan)
            html = pdf.plan_html(document)
            if pdf.pdf_cache_key(plan) != key:
                continue  # changed while it was read: read it again
            started = time.monotonic()
            try:
                content = render_document_pdf(document, html=html)
            except PdfRefused as exc:
                message = exc.messages[0]
                kept = FAILURE_TIMEOUT if exc.code in LASTING_REFUSALS else PASSING_FAILURE_TIMEOUT
                cache.set(_failed_key(key), message, kept)
                cache.set(_latest_failure_key(plan_id), message, kept)
                logger.warning("PDF: plan %s kunde inte skapas: %s", plan_id, exc.code)
                raise
            cache.set(key, content, pdf.CACHE_TIMEOUT)
            cache.delete(_latest_failure_key(plan_id))
            return {
                "state": "ready",
                "key": key,
                "bytes": len(content),
                "seconds": round(time.monotonic() - started, 2),
            }
        finally:
            cache.delete(_running_key(key))
    return {"state": "changing"}


# --- adoption ------------------------------------------------------------------------------


@dataclass
class AdoptionJob:
    """An adoption queued from the form, as the progress page shows it."""

    id: str
    plan_id: int
    by_id: int | None
    state: str = "queued"  # queued, running, done, failed
    queued_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    revision: int | None = None
    # What was entered, so that a failed adoption's form can be filled in again.
    entered: dict[str, str] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def save(self) -> None:
        _cache().set(_job_key(self.id), self.__dict__, JOB_TIMEOUT)


def _job_key(job_id: str) -> str:
    return f"plans:adoption:{job_id}"


def _adopting_key(plan_id: int) -> str:
    return f"plans:adopting:{plan_id}"


def _task_key(job_id: str) -> str:
    return f"plans:adoption-task:{job_id}"


def adoption_job(job_id: str) -> AdoptionJob | None:
    """The job as the worker left it. A task the backend reports failed while the job
    says it runs (the worker died) is a failed job."""
    data = _cache().get(_job_key(job_id))
    if data is None:
        return None
    job = AdoptionJob(**data)
    task_id = _cache().get(_task_key(job_id))
    if not job.finished and task_id and default_task_backend.supports_get_result:
        try:
            result = default_task_backend.get_result(task_id)
        except Exception:  # noqa: BLE001 (the cache's word stands)
            return job
        if result.status == TaskResultStatus.FAILED:
            job.state = "failed"
            job.message = _("Fastställandet avbröts oväntat. Planen är inte fastställd.")
    return job


def queue_adoption(
    *, plan: Plan, decided_on: date, reference: str, meeting: Meeting | None, by: Any
) -> AdoptionJob:
    """Queue the adoption as entered (already checked by decision_errors). One at a
    time per plan: while one is queued or running, asking again returns it."""
    cache = _cache()
    job = AdoptionJob(
        id=secrets.token_urlsafe(12),
        plan_id=plan.pk,
        by_id=by.pk if getattr(by, "is_authenticated", False) else None,
        entered={
            "decided_on": decided_on.isoformat(),
            "reference": reference,
            "meeting": str(meeting.pk) if meeting is not None else NEW_MEETING,
        },
    )
    while not cache.add(_adopting_key(plan.pk), job.id, JOB_TIMEOUT):
        existing = adoption_job(cache.get(_adopting_key(plan.pk)) or "")
        if existing is not None and not existing.finished:
            return existing
        cache.delete(_adopting_key(plan.pk))
    job.save()
    result = _on_queue(adopt_plan).enqueue(job.id)
    # Beside the job, not in it: the worker may be writing the job already.
    cache.set(_task_key(job.id), result.id, JOB_TIMEOUT)
    return adoption_job(job.id) or job


def _finish(job: AdoptionJob, state: str, message: str = "") -> None:
    job.state = state
    job.message = message
    job.finished_at = time.time()
    job.save()
    _cache().delete(_adopting_key(job.plan_id))


@task()
def adopt_plan(job_id: str) -> dict[str, Any]:
    """In the worker: documents.adoption.plan_decide as the form entered it, the PDF
    rendered within its limits under the plan's lock. A refusal leaves the plan as
    it was, and the job says why."""
    data = _cache().get(_job_key(job_id))
    if data is None:
        return {"state": "gone"}
    job = AdoptionJob(**data)
    job.state = "running"
    job.started_at = time.time()
    job.save()
    plan = Plan.objects.filter(pk=job.plan_id).first()
    by = get_user_model().objects.filter(pk=job.by_id).first() if job.by_id else None
    meeting_id = job.entered.get("meeting", "")
    meeting = (
        Meeting.objects.filter(pk=int(meeting_id)).first() if is_whole_number(meeting_id) else None
    )
    if plan is None:
        _finish(job, "failed", _("Planen finns inte längre."))
        return {"state": "failed"}
    try:
        decision = adoption.plan_decide(
            plan=plan,
            decided_on=date.fromisoformat(job.entered["decided_on"]),
            reference=job.entered.get("reference", ""),
            meeting=meeting,
            by=by,
        )
    except PdfRefused as exc:
        _finish(
            job, "failed", _("Planen är inte fastställd. %(reason)s") % {"reason": exc.messages[0]}
        )
        raise
    except ValidationError as exc:
        _finish(job, "failed", " ".join(exc.messages))
        return {"state": "failed"}
    except BaseException:
        _finish(job, "failed", _("Fastställandet avbröts oväntat. Planen är inte fastställd."))
        raise
    job.revision = decision.snapshot.revision
    job.warnings = list(decision.warnings)
    _finish(job, "done")
    return {"state": "done", "revision": job.revision}
