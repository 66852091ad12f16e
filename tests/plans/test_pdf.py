"""The PDF: built from the page's data and partials, fetching nothing but our own
static files, tagged, cached per plan version. Renders PDFs in a handful of tests
only (a render takes a second or three)."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string as django_render
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.models import Budget
from budgets.selectors import budget_summary
from documents import pdf as plan_pdf_module
from documents.document import plan_document
from documents.pdf import StaticFilesFetcher, html_to_pdf, plan_html, plan_pdf
from finsam.models import Role
from finsam.money import format_kr
from plans import services
from tests.factories import MembershipFactory, UserFactory
from tests.plans.conftest import grow_plan, import_demo

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes, *, layout: bool = False) -> list[str]:
    """pdftotext, one string per page (with `layout`, lines as they stand on the page)."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8").split("\f")


def flat(text: str) -> str:
    """Whitespace (also no-break spaces) as single spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def pdf_objects(content: bytes) -> bytes:
    """The PDF with its Flate streams inflated, to look for catalog entries."""
    parts = [content]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts)


class Listener:
    """A loopback TCP listener that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


# --- the demo documents -----------------------------------------------------------------


@pytest.mark.parametrize(
    "demo",
    ["sundbyberg-2020", "sodra-vatterbygden-2020", "burlov-kavlinge-staffanstorp-vellinge-2024"],
)
def test_demo_pdf_holds_the_plan_and_the_budget_figures(demo):
    budget, bundle = import_demo(demo)
    plan = budget.federation.plans.get(year=budget.year)
    content = plan_pdf(plan).content
    assert content.startswith(b"%PDF-")
    pages = pdf_text(content)
    text = flat("\n".join(pages))

    for section in bundle["plan"]["sections"]:
        assert flat(section["heading"]) in text, section["heading"]
    for intervention in bundle["interventions"]:
        assert flat(intervention["name"]) in text, intervention["name"]
    for entry in plan_document(plan).intervention_entries:
        assert flat(entry.name) in text
    # The result and closing equity of every planning year, as the budget page shows them.
    summary = budget_summary(Budget.objects.get(pk=budget.pk))
    for view in summary.views:
        for column in view.evaluation.planning:
            assert flat(format_kr(column.result)) in text
            assert flat(format_kr(column.closing_equity)) in text
    # Line notes are printed as footnotes under the budget table, marked a), b), …
    notes = [line["note"] for line in bundle["budget"]["lines"] if line.get("note")]
    assert notes and "Fotnoter" in text
    for index, note in enumerate(sorted(notes, key=lambda n: text.index(flat(n)))):
        assert flat(f"{'abcdefghij'[index]}) {note}") in text
    # The running header and the page numbers "sida 3 av 14".
    assert f"sida 3 av {len(pages) - 1}" in flat(pages[2])
    assert bundle["federation"]["name"] in pages[3]
    # The draft watermark only on plans that are not decided: drawn as the pages'
    # background, so its letters are in no text (tests/plans/test_pdf_ua.py).
    draft = bundle["plan"]["status"] != "decided"
    assert ("print-draft.css" in plan_html(plan_document(plan))) == draft
    assert "U T K" not in text and "UTKAST" not in text

    # The table of contents: each entry's page holds that heading. Its dots are a
    # background, so the text has only the title and, to its right, the number.
    toc_page = next(i for i, page in enumerate(pages) if "Innehåll" in page)
    toc = pdf_text(content, layout=True)[toc_page].split("Innehåll", 1)[1]
    toc = toc.split("Budgeten i korthet", 1)[0]
    assert "....." not in toc
    entries = re.findall(r"^\s*(\S.*?)\s{3,}(\d+)\s*$", toc, re.M)
    assert len(entries) >= len(bundle["plan"]["sections"])
    for heading, number in entries:
        assert flat(heading) in flat(pages[int(number) - 1]), (heading, number)

    # Tagged PDF/UA with the document's language.
    objects = pdf_objects(content)
    assert b"/StructTreeRoot" in objects
    assert re.search(rb"/Lang\s*\(sv\)", objects)


# --- nothing leaves the process ------------------------------------------------------------


def test_a_hostile_section_is_harmless_text_and_nothing_is_fetched(plan, listener, monkeypatch):
    fetched: list[str] = []
    original = StaticFilesFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFilesFetcher, "fetch", recording_fetch)
    services.section_create(
        plan=plan,
        by=None,
        heading="Fientligt avsnitt",
        body=(
            "Före <script>alert('x')</script> efter\n\n"
            '<img src="file:///etc/passwd">\n\n'
            "![x](http://example.com/a.png)\n\n"
            f"![lokal](http://127.0.0.1:{listener.port}/a.png)\n\n"
            f'<link rel="stylesheet" href="http://127.0.0.1:{listener.port}/a.css">'
        ),
    )
    document = plan_document(plan)
    html = plan_html(document)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html
    content = plan_pdf(plan).content
    text = flat("\n".join(pdf_text(content)))
    assert "<script>alert('x')</script>" in text
    assert '<img src="file:///etc/passwd">' in text
    assert "root:x:0:0" not in text
    time.sleep(0.3)
    assert listener.connections == 0
    # The stylesheet, and the draft's watermark: our own static files, nothing else.
    assert fetched == [
        "file:///static/css/print.css",
        "file:///static/css/print-draft.css",
        "file:///static/img/utkast.svg",
    ]


def test_the_fetcher_serves_static_files_and_refuses_the_rest(listener):
    fetcher = StaticFilesFetcher()
    css = fetcher.fetch("file:///static/css/print.css")
    assert css.content_type == "text/css" and b"@page" in css.read()
    refused = [
        "file:///etc/passwd",
        "file:///static/../../etc/passwd",
        "file:///static/%2e%2e/finsam/settings.py",
        "file:///static/css/nothing-here.css",
        f"http://127.0.0.1:{listener.port}/a.png",
        "https://example.com/a.png",
        "ftp://example.com/a.png",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused == refused
    assert fetcher.fetch("data:text/plain;base64,aGVq").read() == b"hej"
    assert listener.connections == 0


def test_weasyprint_renders_hostile_html_without_a_fetch(listener):
    port = listener.port
    fetcher = StaticFilesFetcher()
    html = f"""<!doctype html><html lang="sv"><head><title>Test</title>
      <link rel="stylesheet" href="/static/css/print.css">
      <link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">
      <style>@import url(http://127.0.0.1:{port}/b.css);
        body {{ background: url(file:///etc/hostname); }}</style></head>
      <body><p>Text</p><img src="http://127.0.0.1:{port}/c.png" alt="c">
      <img src="file:///etc/passwd" alt="d"><object data="http://127.0.0.1:{port}/d"></object>
      <iframe src="http://127.0.0.1:{port}/e"></iframe></body></html>"""
    content = html_to_pdf(html, fetcher=fetcher)
    assert content.startswith(b"%PDF-")
    time.sleep(0.3)
    assert listener.connections == 0
    assert {
        f"http://127.0.0.1:{port}/a.css",
        f"http://127.0.0.1:{port}/c.png",
        "file:///etc/passwd",
    } <= set(fetcher.refused)


# --- the cache and the query counts --------------------------------------------------------


def test_second_download_of_an_unchanged_plan_comes_from_the_cache(client, director, plan):
    client.force_login(director)
    pdf_url = reverse("plan_pdf", args=[plan.federation.slug, plan.year])
    first = client.get(pdf_url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first["X-Plan-Pdf-Cache"] == "miss"
    assert "attachment" in first["Content-Disposition"] and ".pdf" in first["Content-Disposition"]
    started = time.perf_counter()
    second = client.get(pdf_url)
    elapsed = time.perf_counter() - started
    assert second["X-Plan-Pdf-Cache"] == "hit" and second.content == first.content
    assert elapsed < 0.5


def test_the_cache_key_follows_every_change(plan, monkeypatch):
    renders: list[int] = []
    monkeypatch.setattr(
        plan_pdf_module, "html_to_pdf", lambda html, **kw: renders.append(1) or b"%PDF-fake"
    )

    def downloaded_from_cache() -> bool:
        return plan_pdf(plan).from_cache

    assert not downloaded_from_cache() and downloaded_from_cache()
    section = plan.sections.first()
    services.section_update(
        section=section, by=None, heading=section.heading, kind=section.kind, body="Ny text"
    )
    assert not downloaded_from_cache() and downloaded_from_cache()
    Budget.objects.filter(federation=plan.federation, year=plan.year).update(version=99)
    assert not downloaded_from_cache()
    intervention = plan.federation.interventions.first()
    intervention.name = "Enter 2.0"
    intervention.save()
    assert not downloaded_from_cache()
    member = plan.federation.members.first()
    member.name = "Nytt namn"
    member.save()
    assert not downloaded_from_cache()
    # Fields the key once left out: the chapter shows them too.
    intervention.description = "En ny beskrivning"
    intervention.save()
    assert not downloaded_from_cache() and downloaded_from_cache()
    intervention.steering_members.add(member)
    assert not downloaded_from_cache() and downloaded_from_cache()
    plan.federation.address = "Storgatan 1, 551 11 Jönköping"
    plan.federation.save()
    assert not downloaded_from_cache()
    assert len(renders) == 8


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pdf_view_runs_a_fixed_number_of_queries(client, director, plan, monkeypatch):
    monkeypatch.setattr(plan_pdf_module, "html_to_pdf", lambda html, **kw: b"%PDF-fake")
    client.force_login(director)
    pdf_url = reverse("plan_pdf", args=[plan.federation.slug, plan.year])
    client.get(reverse("plan_detail", args=[plan.federation.slug, plan.year]))
    rendered_small, cached_small = _queries(client, pdf_url), _queries(client, pdf_url)
    grow_plan(plan, sections=12, interventions=6, lines=40, meetings=10)
    rendered_large, cached_large = _queries(client, pdf_url), _queries(client, pdf_url)
    assert rendered_small == rendered_large, (rendered_small, rendered_large)
    assert cached_small == cached_large < rendered_small


def test_render_plan_writes_what_the_browser_downloads(
    client, director, plan, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(
        plan_pdf_module, "html_to_pdf", lambda html, **kw: b"%PDF-" + html.encode()[:2000]
    )
    client.force_login(director)
    downloaded = client.get(reverse("plan_pdf", args=[plan.federation.slug, plan.year])).content
    pdf_file, html_file = tmp_path / "plan.pdf", tmp_path / "plan.html"
    call_command(
        "render_plan", plan.federation.slug, str(plan.year), pdf=str(pdf_file), html=str(html_file)
    )
    assert pdf_file.read_bytes() == downloaded
    html = html_file.read_text(encoding="utf-8")
    assert html == plan_html(plan_document(plan))
    assert '<html lang="sv">' in html and "/static/css/print.css" in html


# --- the checks as the board reads them (issue 17, point 4) --------------------------------


@pytest.mark.parametrize("demo", ["sodra-vatterbygden-2020", "sundbyberg-2020"])
def test_the_boards_document_lists_its_checks_once_without_codes_or_advice(demo):
    """The PDF (and the adopted version and public page, made from the same HTML): the
    checks are listed once, under "Budgeten i korthet", in plain Swedish: no rule code,
    no instruction to the author, and a deficit the board has given its reasons for is
    "Styrelsens motivering", not a warning. The plan page keeps the author's advice."""
    budget, bundle = import_demo(demo)
    plan = budget.federation.plans.get(year=budget.year)
    document = plan_document(plan)
    html = plan_html(document)
    summary = budget_summary(Budget.objects.get(pk=budget.pk))
    findings = summary.base.findings
    rules = {f.rule for v in summary.views for f in v.evaluation.findings}
    assert rules
    for rule in rules:
        assert rule not in html
    text = flat("\n".join(pdf_text(html_to_pdf(html))))
    assert text.count("Kontroller:") == 1
    assert "Kontrollerna av budgeten står under Budgeten i korthet." in text
    advice = [f for f in findings if f.advice]
    assert advice, "the demo should have a finding with advice"
    for finding in advice:
        assert flat(finding.advice) not in text
        assert flat(finding.board_message) in text
    reason = (summary.facts.deficit_reason or "").strip()
    motivated = [f for f in findings if f.rule == "budget-balance" and f.severity == "warning"]
    assert bool(motivated) == bool(reason)
    if reason:
        assert "Styrelsens motivering" in text
        assert "Budgeten visar underskott 2020 (−648 800 kr)" in text
        for finding in motivated:
            assert flat(finding.message) not in text
        assert text.count("Varning") == len(summary.base.board_checks.findings)
    # The plan page, the author's, still says what to do.
    assert flat(advice[0].advice) in flat(
        django_render("plans/partials/summary.html", {"document": document})
    )


def test_live_figures_are_the_budgets_in_the_pdf_and_a_stale_amount_is_flagged_not_printed():
    """Issue 17, point 5: Burlöv's text says 6 082 393 kr of the equity at the end of
    2026, and its own lines give 6 082 434 kr: flagged for the plan page, never in the
    board's PDF; a placeholder prints the budget's figure."""
    budget, _bundle = import_demo("burlov-kavlinge-staffanstorp-vellinge-2024")
    plan = budget.federation.plans.get(year=budget.year)
    document = plan_document(plan)
    warnings = [w for chapter in document.chapters for w in chapter.warnings]
    assert warnings == [
        "Avsnittet Budget 2024 inklusive treårsplan nämner 6\u00a0082\u00a0393\u00a0kr; "
        "budgetens eget kapital vid utgången av 2026 är 6\u00a0082\u00a0434\u00a0kr. Skriv "
        "{{ UB 2026 }} så följer texten budgeten."
    ]
    section = next(c.section for c in document.chapters if c.warnings)
    section.body = section.body.replace("6 082 393 kr", "{{ UB 2026 }}")
    section.save()
    document = plan_document(plan)
    assert [w for chapter in document.chapters for w in chapter.warnings] == []
    html = plan_html(document)
    assert "Stämmer inte med budgeten" not in html
    text = flat("\n".join(pdf_text(html_to_pdf(html))))
    assert "2026 uppgå till 6 082 434 kr" in text
    assert "{{" not in text


def test_the_editors_preview_shows_the_live_figure_not_its_code(client):
    """The preview beside the section editor fills in {{ UB 2026 }} as the plan page
    and the PDF do; a figure the budget does not have stays as written."""
    budget, _bundle = import_demo("burlov-kavlinge-staffanstorp-vellinge-2024")
    plan = budget.federation.plans.get(year=budget.year)
    director = UserFactory()
    MembershipFactory(user=director, federation=plan.federation, role=Role.DIRECTOR)
    client.force_login(director)
    preview_url = reverse("section_preview", args=[plan.federation.slug, plan.year])
    body = "Eget kapital {{ UB 2026 }}, resultat {{ resultat 2024 }} och {{ UB 2031 }}."
    html = client.post(preview_url, {"body": body}, HTTP_HX_REQUEST="true").content.decode()
    html = html.replace("&nbsp;", " ").replace("\u00a0", " ")
    assert "Eget kapital 6 082 434 kr, resultat 536 153 kr" in html
    assert "{{ UB 2031 }}" in html
    section = plan.sections.first()
    page = client.get(reverse("section_edit", args=[plan.federation.slug, plan.year, section.pk]))
    assert page.status_code == 200
