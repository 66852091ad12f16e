"""The PDF's limits (documents/pdf_render.py): sizes on both sides of each limit, and the
child process stopped by its processor time, by the clock, or failing, with the
parent never rendering itself. No database, no WeasyPrint."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from documents import pdf_render
from documents.pdf_render import (
    PdfRefused,
    RenderCrashed,
    RenderLimits,
    RenderStalled,
    RenderTimeout,
)

LIMITS = RenderLimits(seconds=0.5, section_bytes=1000, document_bytes=5000)


def document(*bodies: str):
    return SimpleNamespace(
        chapters=[
            SimpleNamespace(heading=f"Avsnitt {i + 1}", body=body) for i, body in enumerate(bodies)
        ]
    )


@pytest.mark.parametrize(
    ("section", "total", "refused"),
    [
        (1000, 5000, None),
        (1001, 5000, "section_too_large"),
        (1000, 5001, "document_too_large"),
    ],
)
def test_the_size_limits_on_both_sides(section, total, refused):
    doc = document("x" * section, "y" * 10)
    html = "z" * total
    if refused is None:
        pdf_render.check_size(doc, html, LIMITS)
        return
    with pytest.raises(PdfRefused) as caught:
        pdf_render.check_size(doc, html, LIMITS)
    assert caught.value.code == refused and caught.value.section == "Avsnitt 1"
    assert "”Avsnitt 1”" in caught.value.messages[0]


def _burn(html: str, **kwargs: object) -> bytes:
    while True:
        pass


def _hang(html: str, **kwargs: object) -> bytes:
    time.sleep(60)
    return b"%PDF-"


def test_the_child_is_stopped_by_its_processor_time(monkeypatch):
    """The clock's backstop far away: only the processor-time limit can stop it soon."""
    monkeypatch.setattr("documents.pdf.html_to_pdf", _burn)
    monkeypatch.setattr(pdf_render, "WALL_CLOCK_FACTOR", 1000)
    started = time.monotonic()
    with pytest.raises(RenderTimeout) as caught:
        pdf_render.render_html_in_child("<p>x</p>", seconds=0.3)
    assert not isinstance(caught.value, RenderStalled)
    assert time.monotonic() - started < 30  # 0.3 s of processor time, on a busy machine


def test_a_child_that_hangs_is_stopped_by_the_clock(monkeypatch):
    monkeypatch.setattr("documents.pdf.html_to_pdf", _hang)
    started = time.monotonic()
    with pytest.raises(RenderStalled):
        pdf_render.render_html_in_child("<p>x</p>", seconds=0.5)
    elapsed = time.monotonic() - started
    assert (
        0.5 * pdf_render.WALL_CLOCK_FACTOR - 0.1 < elapsed < 0.5 * pdf_render.WALL_CLOCK_FACTOR + 2
    )


def test_a_failing_render_says_so_and_a_good_one_comes_back_whole(monkeypatch):
    def fail(html: str, **kwargs: object) -> bytes:
        raise ValueError("trasig CSS")

    monkeypatch.setattr("documents.pdf.html_to_pdf", fail)
    with pytest.raises(RenderCrashed, match="ValueError: trasig CSS"):
        pdf_render.render_html_in_child("<p>x</p>", seconds=5)
    big = b"%PDF-" + bytes(range(256)) * 40_000  # 10 MB: more than a pipe holds
    monkeypatch.setattr("documents.pdf.html_to_pdf", lambda html, **kw: big)
    assert pdf_render.render_html_in_child("<p>x</p>", seconds=5) == big


def refusal_when(monkeypatch, raised: Exception, *bodies: str) -> PdfRefused:
    """What render_document_pdf refuses with when the child raises `raised`."""

    def child(html: str, **kwargs: object) -> bytes:
        raise raised

    monkeypatch.setattr(pdf_render, "render_html_in_child", child)
    limits = RenderLimits(seconds=0.5, section_bytes=10**6, document_bytes=10**7)
    with pytest.raises(PdfRefused) as caught:
        pdf_render.render_document_pdf(document(*bodies), html="z" * 1000, limits=limits)
    return caught.value


def test_a_timeout_names_the_section_only_when_one_is_most_of_the_document(monkeypatch):
    named = refusal_when(monkeypatch, RenderTimeout(0.5), "x" * 400, "y" * 10)
    assert named.section == "Avsnitt 1" and "”Avsnitt 1”" in named.messages[0]
    unnamed = refusal_when(monkeypatch, RenderTimeout(0.5), "x" * 200, "y" * 10)
    assert unnamed.section == "" and "”" not in unnamed.messages[0]
    assert unnamed.code == "render_timeout" and unnamed.code in pdf_render.LASTING_REFUSALS


def test_a_stalled_render_is_the_machines_failure_and_is_not_kept_long(monkeypatch):
    stalled = refusal_when(monkeypatch, RenderStalled(0.5), "x" * 400)
    assert stalled.code == "render_stalled" and stalled.code not in pdf_render.LASTING_REFUSALS
    assert "hårt belastad" in stalled.messages[0]
    crashed = refusal_when(monkeypatch, RenderCrashed("exit status 9"), "x" * 400)
    assert crashed.code == "render_failed" and crashed.code not in pdf_render.LASTING_REFUSALS
