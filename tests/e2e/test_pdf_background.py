"""The PDF made in the background, in Chromium (issue 13, item 5): the director clicks
"Ladda ner PDF", sees "PDF:en förbereds …", and the PDF downloads by itself once the
database worker has made it; after an edit the new PDF comes with the new text; an
adoption shows its progress until the plan is fastställd."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from documents import adoption
from plans.models import PlanStatus
from tests.e2e.conftest import field, log_in
from tests.e2e.test_two_factor import axe
from tests.plans.conftest import PLAN_YEAR, make_plan
from tests.plans.test_pdf_tasks import DATABASE

pytestmark = pytest.mark.e2e

NEW_TEXT = "Förbundet prövar en ny modell för uppföljning 2021."


@contextmanager
def db_worker() -> Iterator[None]:
    """django-tasks-db's worker (what `manage.py db_worker` runs), in a thread."""
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="e2e-worker",
        excluded_queue_names=[],
    )

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        worker.running = False
        thread.join(timeout=180)
        # A worker left running would hold the test database after the test.
        assert not thread.is_alive(), "the worker did not stop"


def pdf_text(path: str) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def test_the_pdf_is_prepared_then_downloads_and_adoption_shows_progress(
    page: Page, director, federation, password, settings, monkeypatch
) -> None:
    settings.TASKS = DATABASE
    settings.PDF_QUEUE_AFTER_SAVE = True
    plan = make_plan(federation)
    page.context.set_default_timeout(60_000)
    log_in(page, director.username, password)
    page.goto(plan.get_absolute_url())

    page.get_by_role("link", name="Ladda ner PDF").click()
    expect(page.get_by_role("heading", name="PDF:en förbereds …")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("står på tur att skapas")
    violations: list[str] = []
    axe(page, "PDF:en förbereds", violations)
    with db_worker():
        with page.expect_download() as first:
            pass  # the page asks again by itself, then the PDF comes
        assert (
            first.value.suggested_filename == f"verksamhetsplan-{federation.slug}-{PLAN_YEAR}.pdf"
        )
        expect(page.get_by_role("heading", name="PDF:en är klar")).to_be_visible()
        assert NEW_TEXT not in pdf_text(first.value.path())

        page.goto(plan.get_absolute_url())
        page.get_by_role("link", name=re.compile("^Redigera Inledning")).click()
        field(page, "Text").fill(NEW_TEXT)
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_role("status").first).to_contain_text("sparat")
        with page.expect_download() as second:  # queued by the save: ready, or soon
            page.get_by_role("link", name="Ladda ner PDF").click()
        assert NEW_TEXT in pdf_text(second.value.path())

    # The adoption's own PDF by a stand-in: the page and its progress are what is
    # tested here, and the renders above were WeasyPrint's.
    monkeypatch.setattr("documents.pdf.html_to_pdf", lambda html, **kw: b"%PDF-1.7\n% e2e\n")
    adoption.plan_send_to_review(plan=plan, by=director)
    page.goto(plan.get_absolute_url() + "faststall/")
    field(page, "Beslutsdatum").fill(date(PLAN_YEAR - 1, 11, 19).isoformat())
    field(page, "Diarienummer").fill("dnr 2020:7")
    page.get_by_role("button", name="Registrera beslutet").click()
    axe(page, "Bekräfta beslutet", violations)
    page.get_by_role("button", name="Bekräfta och fastställ").click()
    expect(page.get_by_role("heading", name="Planen fastställs …")).to_be_visible()
    expect(page.locator("[aria-current=step]")).to_contain_text("står på tur")
    axe(page, "Planen fastställs", violations)
    assert not violations, violations
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW
    with db_worker():
        expect(page.get_by_role("status").first).to_contain_text(
            "Planen är fastställd och sparad som fastställd version (revision 1).", timeout=120_000
        )
    expect(page).to_have_url(re.compile(re.escape(plan.get_absolute_url()) + "$"))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DECIDED
