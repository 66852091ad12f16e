"""A plan's PDF within limits: never in a web request, never without an end.

WeasyPrint's time grows with the pages one table spans: a 10 000-row Markdown table
takes over half a minute and gigabytes, and a web worker that renders it is killed
by gunicorn. So the PDF is made by a background task (documents/pdf_tasks.py) and,
there, within three limits (finsam/settings.py):

- `PDF_MAX_SECTION_BYTES`: a section's text as HTML; the section is named.
- `PDF_MAX_DOCUMENT_BYTES`: the whole document as HTML; the largest section is named.
- `PDF_RENDER_TIME_LIMIT`: WeasyPrint runs in a child process (forked, so it starts
  with the templates, fonts and settings loaded, and at a lower priority than the
  web server), which ends when it has used that much processor time (or five
  times as long on the clock). The worker itself goes on to its next task. The message names the section that most likely took the time, when one
  section is a large part of the document.

Every refusal is a `PdfRefused`, a ValidationError with a Swedish message for the
förbundschef, so adoption (documents.adoption.snapshot_create) rolls back with it and
the plan stays undecided.
"""

from __future__ import annotations

import os
import select
import signal
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from documents import pdf
from documents.document import PlanDocument

# A section this large a part of the document is taken to be what made it slow.
DOMINANT_SHARE = 0.3
# The time limit is the render's processor time; on the clock it may take this many
# times as long (a machine busy with other work) before it is stopped all the same.
WALL_CLOCK_FACTOR = 5
# A refusal that says something about the plan, not about the machine: the same
# version would fail again (documents/pdf_tasks.py keeps it longer).
LASTING_REFUSALS = frozenset({"section_too_large", "document_too_large", "render_timeout"})


@dataclass(frozen=True)
class RenderLimits:
    seconds: float
    section_bytes: int
    document_bytes: int
    niceness: int = 0

    @classmethod
    def from_settings(cls) -> RenderLimits:
        return cls(
            seconds=float(settings.PDF_RENDER_TIME_LIMIT),
            section_bytes=int(settings.PDF_MAX_SECTION_BYTES),
            document_bytes=int(settings.PDF_MAX_DOCUMENT_BYTES),
            niceness=int(getattr(settings, "PDF_RENDER_NICENESS", 0)),
        )


class PdfRefused(ValidationError):
    """The PDF was not made: too large, too slow, or the renderer failed. The message
    says why in Swedish and, when it can be known, which section is responsible."""

    def __init__(self, message: str, *, code: str, section: str = "") -> None:
        super().__init__(message, code=code)
        self.section = section


@dataclass(frozen=True)
class SectionSize:
    heading: str
    bytes: int


def _kb(size: int) -> str:
    return f"{max(1, round(size / 1000))}\u00a0kB"


def section_sizes(document: PlanDocument) -> list[SectionSize]:
    """The plan's sections by the size of their text as HTML, largest first."""
    sizes = [
        SectionSize(heading=chapter.heading, bytes=len(str(chapter.body).encode()))
        for chapter in document.chapters
    ]
    return sorted(sizes, key=lambda size: -size.bytes)


def check_size(document: PlanDocument, html: str, limits: RenderLimits) -> None:
    """Refuse, before any rendering, a section or a document over its size limit."""
    sizes = section_sizes(document)
    if sizes and sizes[0].bytes > limits.section_bytes:
        largest = sizes[0]
        raise PdfRefused(
            _(
                "Avsnittet ”%(section)s” är för stort för PDF:en: %(size)s, men högst "
                "%(limit)s går. Korta det eller dela upp det i flera avsnitt (en lång "
                "tabell kan till exempel bli en bilaga)."
            )
            % {
                "section": largest.heading,
                "size": _kb(largest.bytes),
                "limit": _kb(limits.section_bytes),
            },
            code="section_too_large",
            section=largest.heading,
        )
    total = len(html.encode())
    if total > limits.document_bytes:
        message = _("Planen är för stor för PDF:en: %(size)s, men högst %(limit)s går.") % {
            "size": _kb(total),
            "limit": _kb(limits.document_bytes),
        }
        section = sizes[0].heading if sizes else ""
        if section:
            message += " " + _("Störst är avsnittet ”%(section)s” (%(size)s).") % {
                "section": section,
                "size": _kb(sizes[0].bytes),
            }
        raise PdfRefused(message, code="document_too_large", section=section)


def _likely_cause(document: PlanDocument, html: str) -> SectionSize | None:
    """The section that most likely made the rendering slow: the largest, when it is a
    large part of the whole document; else none can be named."""
    sizes = section_sizes(document)
    if sizes and sizes[0].bytes >= DOMINANT_SHARE * len(html.encode()):
        return sizes[0]
    return None


# --- the child process -------------------------------------------------------------------


class RenderTimeout(Exception):
    """Over the processor-time limit: the document is too heavy."""


class RenderStalled(RenderTimeout):
    """Over the limit on the clock only: the machine was too busy, or the child hung."""


class RenderCrashed(Exception):
    pass


def _render_child(
    write_fd: int, html: str, seconds: float, niceness: int, archive: pdf.Archive | None
) -> None:
    """In the forked child: render, write the PDF (or what went wrong) to the pipe,
    and exit at once: no cleanup that could wait on a lock another thread of the
    parent held at the fork, nothing of the parent's (database connections) closed.
    After `seconds` of processor time SIGPROF ends it (its default action)."""
    status = 1
    try:
        if niceness:
            os.nice(niceness)
        signal.setitimer(signal.ITIMER_PROF, seconds)
        try:
            message = b"P" + pdf.html_to_pdf(html, archive=archive)
        except Exception as exc:  # noqa: BLE001 (sent to the parent, which raises it)
            message = b"E" + f"{exc.__class__.__name__}: {exc}".encode()[:2000]
        with os.fdopen(write_fd, "wb") as out:
            out.write(message)
        status = 0
    finally:
        os._exit(status)


def render_html_in_child(
    html: str, *, seconds: float, niceness: int = 0, archive: pdf.Archive | None = None
) -> bytes:
    """WeasyPrint in a forked child process: the PDF, or RenderTimeout after
    `seconds` of the child's processor time (so that a busy machine does not fail a
    plan that renders in time on its own) or WALL_CLOCK_FACTOR times that on the
    clock (a child that hangs), or RenderCrashed when it failed or died."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child; it never returns)
        os.close(read_fd)
        _render_child(write_fd, html, seconds, niceness, archive)
    os.close(write_fd)
    deadline = time.monotonic() + seconds * WALL_CLOCK_FACTOR
    chunks: list[bytes] = []
    finished = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read_fd], [], [], remaining)[0]:
                raise RenderStalled(seconds)
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        finished = True
    finally:
        os.close(read_fd)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    message = b"".join(chunks)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGPROF:
        raise RenderTimeout(seconds)
    if os.waitstatus_to_exitcode(status) != 0 or message[:1] != b"P":
        reason = message[1:].decode(errors="replace") if message[:1] == b"E" else ""
        raise RenderCrashed(reason or f"exit status {os.waitstatus_to_exitcode(status)}")
    return message[1:]


def render_document_pdf(
    document: PlanDocument,
    *,
    html: str | None = None,
    limits: RenderLimits | None = None,
    archive: pdf.Archive | None = None,
) -> bytes:
    """The document's PDF within the limits, or PdfRefused saying why in Swedish."""
    limits = limits or RenderLimits.from_settings()
    html = pdf.plan_html(document) if html is None else html
    check_size(document, html, limits)
    started = time.monotonic()
    try:
        return render_html_in_child(
            html, seconds=limits.seconds, niceness=limits.niceness, archive=archive
        )
    except RenderStalled:
        raise PdfRefused(
            _(
                "PDF:en blev inte klar på %(seconds)s sekunder, eftersom servern var hårt "
                "belastad, och avbröts. Den görs på nytt om en liten stund när du frågar "
                "efter den igen."
            )
            % {"seconds": f"{limits.seconds * WALL_CLOCK_FACTOR:g}"},
            code="render_stalled",
        ) from None
    except RenderTimeout:
        message = _("Att skapa PDF:en tog mer än %(seconds)s sekunder, och den avbröts.") % {
            "seconds": f"{limits.seconds:g}"
        }
        cause = _likely_cause(document, html)
        if cause is not None:
            message += " " + _(
                "Det beror troligen på avsnittet ”%(section)s” (%(size)s): korta det eller "
                "dela upp det i flera avsnitt."
            ) % {"section": cause.heading, "size": _kb(cause.bytes)}
        raise PdfRefused(
            message, code="render_timeout", section=cause.heading if cause else ""
        ) from None
    except RenderCrashed as exc:
        pdf.logger.error(
            "PDF: renderingen misslyckades efter %.1f s: %s", time.monotonic() - started, exc
        )
        raise PdfRefused(
            _("PDF:en kunde inte skapas: renderingen avbröts oväntat."), code="render_failed"
        ) from exc
