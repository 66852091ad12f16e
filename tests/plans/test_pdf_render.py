"""The PDF's limits (documents/pdf_render.py): sizes on both sides of each limit, and the
child process stopped by its processor time, by the clock, or failing, with the
parent never rendering itself. No database, no WeasyPrint."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from documents import pdf_render
from documents.pdf_render import PdfRefused, RenderCrashed, RenderLimits, RenderTimeout

LIMITS = RenderLimits(seconds=0.5, section_bytes=1000, document_bytes=5000)


def document(*bodies: str):  # type: ignore[no-untyped-def]
    return SimpleNamespace(chapters=[
        SimpleNamespace(heading=f"Avsnitt {i + 1}", body=body) for i, body in enumerate(bodies)
    ])


@pytest.mark.parametrize(("section", "total", "refused"), [
    (1000, 5000, None),
    (1001, 5000, "section_too_large"),
    (1000, 5001, "document_too_large"),
])
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
    with pytest.raises(RenderTimeout):
        pdf_render.render_html_in_child("<p>x</p>", seconds=0.3)
    assert time.monotonic() - started < 30  # 0.3 s of processor time, on a busy machine


def test_a_child_that_hangs_is_stopped_by_the_clock(monkeypatch):
    monkeypatch.setattr("documents.pdf.html_to_pdf", _hang)
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        pdf_render.render_html_in_child("<p>x</p>", seconds=0.5)
    elapsed = time.monotonic() - started
    assert 0.5 * pdf_render.WALL_CLOCK_FACTOR - 0.1 < elapsed < 0.5 * pdf_render.WALL_CLOCK_FACTOR + 2


def test_a_failing_render_says_so_and_a_good_one_comes_back_whole(monkeypatch):
    def fail(html: str, **kwargs: object) -> bytes:
        raise ValueError("trasig CSS")

    monkeypatch.setattr("documents.pdf.html_to_pdf", fail)
    with pytest.raises(RenderCrashed, match="ValueError: trasig CSS"):
        pdf_render.render_html_in_child("<p>x</p>", seconds=5)
    big = b"%PDF-" + bytes(range(256)) * 40_000  # 10 MB: more than a pipe holds
    monkeypatch.setattr("documents.pdf.html_to_pdf", lambda html, **kw: big)
    assert pdf_render.render_html_in_child("<p>x</p>", seconds=5) == big


def test_a_timeout_names_the_section_only_when_one_is_most_of_the_document(monkeypatch):
    def timeout(html: str, **kwargs: object) -> bytes:
        raise RenderTimeout(0.5)

    monkeypatch.setattr(pdf_render, "render_html_in_child", timeout)
    limits = RenderLimits(seconds=0.5, section_bytes=10**6, document_bytes=10**7)
    with pytest.raises(PdfRefused) as named:
        pdf_render.render_document_pdf(document("x" * 400, "y" * 10), html="z" * 1000, limits=limits)
    assert named.value.section == "Avsnitt 1" and "”Avsnitt 1”" in named.value.messages[0]
    with pytest.raises(PdfRefused) as unnamed:
        pdf_render.render_document_pdf(document("x" * 200, "y" * 10), html="z" * 1000, limits=limits)
    assert unnamed.value.section == "" and "”" not in unnamed.value.messages[0]
    assert unnamed.value.code == "render_timeout"
