"""The plan's PDF in the background (documents/pdf_tasks.py): the download waits on a
"förbereds" page while the worker renders, one render per version however many ask,
a save queues the next; the real database worker and RQ on Redis run the same task;
adoption runs in the worker and its page follows it."""

from __future__ import annotations

import os
import signal
import uuid
from contextlib import contextmanager
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks import TaskResultStatus, default_task_backend

from documents import adoption, pdf_tasks
from plans import services, workflow
from plans.models import PlanStatus, Snapshot
from tests.plans.conftest import PLAN_YEAR

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
REDIS_URL = "redis://127.0.0.1:6379/0"


def pdf_url(plan) -> str:
    return reverse("plan_pdf", args=[plan.federation.slug, plan.year])


def queued(plan_id: int) -> list:
    return [r for r in default_task_backend.results if r.args == [plan_id]]


@contextmanager
def signals_kept():
    """The workers install their own SIGINT/SIGTERM handlers; the test run keeps its own."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)


def run_db_worker() -> None:
    """`manage.py db_worker --batch`: every queued task, then it exits."""
    with signals_kept():
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )


def test_it_works_a_download_waits_for_the_worker_then_gets_the_pdf(
    client, director, plan, settings, fake_pdf
):
    settings.TASKS = DUMMY
    client.force_login(director)
    waiting = client.get(pdf_url(plan))
    assert waiting.status_code == 202
    assert waiting["Retry-After"] == "2" and waiting["X-Plan-Pdf-State"] == "queued"
    page = waiting.content.decode()
    assert "PDF:en förbereds" in page
    # It asks again by itself (static/js/waiting.js), with no timed refresh (WCAG 2.2.1).
    assert f'data-wait-url="{pdf_url(plan)}?vantar=1" data-wait-seconds="2"' in page
    assert "http-equiv" not in page
    # The script's question: a HEAD answered 202 while the worker works.
    assert client.head(pdf_url(plan) + "?vantar=1").status_code == 202
    # Asking again queues nothing more: one render per version.
    for _ in range(5):
        assert client.get(pdf_url(plan) + "?vantar=1").status_code == 202
    [result] = queued(plan.pk)
    result.task.call(*result.args)  # the worker's turn
    ready = client.get(pdf_url(plan) + "?vantar=1")
    assert ready.status_code == 200 and "PDF:en är klar" in ready.content.decode()
    assert f'<meta http-equiv="refresh" content="0;url={pdf_url(plan)}">' in ready.content.decode()
    download = client.get(pdf_url(plan))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["X-Plan-Pdf-Cache"] == "hit" and download.content.startswith(b"%PDF-")
    assert len(queued(plan.pk)) == 1


def test_it_checks_access(client, outsider, board_member, plan, settings):
    settings.TASKS = DUMMY
    client.force_login(outsider)
    assert client.get(pdf_url(plan)).status_code == 404
    assert queued(plan.pk) == []
    client.force_login(board_member)
    assert client.get(pdf_url(plan)).status_code == 202  # every role may read the PDF
    job = pdf_tasks.AdoptionJob(id="jobbet", plan_id=plan.pk, by_id=None)
    job.save()
    progress = reverse("plan_adoption_progress", args=[plan.federation.slug, plan.year, job.id])
    assert client.get(progress).status_code == 403
    client.force_login(outsider)
    assert client.get(progress).status_code == 404


def test_a_save_queues_one_render_of_the_new_version(
    plan, director, settings, fake_pdf, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    settings.PDF_QUEUE_AFTER_SAVE = True
    section = plan.sections.first()
    for text in ("Första ändringen", "Andra ändringen"):
        with django_capture_on_commit_callbacks(execute=True):
            section = services.section_update(
                section=section,
                by=director,
                heading=section.heading,
                kind=section.kind,
                body=text,
                expected_version=section.version,
            )
    # The second save found the first's render still queued.
    [result] = queued(plan.pk)
    result.task.call(*result.args)
    assert pdf_tasks.pdf_state(plan, queue=False).ready
    # A budget's change (its version is a plain UPDATE: no model signal) queues it too.
    from budgets.services import scenario_create

    with django_capture_on_commit_callbacks(execute=True):
        scenario_create(
            budget=plan.federation.budgets.get(year=plan.year), name="Om ESF", by=director
        )
    assert len(queued(plan.pk)) == 2
    assert not pdf_tasks.pdf_state(plan, queue=False).ready


def test_without_the_setting_a_save_queues_nothing(
    plan, director, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY
    settings.PDF_QUEUE_AFTER_SAVE = False
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_update(plan=plan, by=director, title="Ny titel")
    assert queued(plan.pk) == []


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_renders_what_the_download_queued(client, director, plan, settings):
    """The real path: the task row in the database, `manage.py db_worker`, WeasyPrint
    in its child process, the PDF in the cache, the download."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE
    client.force_login(director)
    assert client.get(pdf_url(plan)).status_code == 202
    assert client.get(pdf_url(plan)).status_code == 202
    [row] = DBTaskResult.objects.all()
    assert row.task_path == "documents.pdf_tasks.render_plan_pdf" and row.status == "READY"
    run_db_worker()
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL", row.traceback
    download = client.get(pdf_url(plan))
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert download["X-Plan-Pdf-Cache"] == "hit"


@pytest.fixture
def rq_queue(settings):
    """A queue of its own on the machine's Redis (others' test runs use the same
    server). Without Redis the test is skipped, but never in CI."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis svarar inte på 127.0.0.1:6379")
    name = f"finsam-test-{uuid.uuid4().hex[:12]}"
    # django-tasks-rq looks results up through the "default" queue's connection.
    settings.RQ_QUEUES = {
        queue: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for queue in (name, "default")
    }
    settings.PDF_TASK_QUEUE = name
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    import django_rq

    queue = django_rq.get_queue(name)
    yield name
    queue.empty()
    queue.delete(delete_jobs=True)


def test_the_rq_backend_renders_through_redis(client, director, plan, rq_queue, fake_pdf):
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    client.force_login(director)
    assert client.get(pdf_url(plan)).status_code == 202
    assert client.get(pdf_url(plan)).status_code == 202
    queue = django_rq.get_queue(rq_queue, job_class=Job)
    [job_id] = queue.job_ids
    worker = django_rq.get_worker(rq_queue, job_class=Job, worker_class=SimpleWorker)
    with signals_kept():
        assert worker.work(burst=True)
    assert default_task_backend.get_result(job_id).status == TaskResultStatus.SUCCESSFUL
    download = client.get(pdf_url(plan))
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")


# --- adoption ----------------------------------------------------------------------------


def _adopt(client, plan):
    return client.post(
        reverse("plan_decide", args=[plan.federation.slug, plan.year]),
        {
            "decided_on": date(PLAN_YEAR - 1, 11, 19).isoformat(),
            "meeting": workflow.NEW_MEETING,
            "reference": "dnr 2020:7",
            "confirmed": "1",
        },
    )


@pytest.mark.django_db(transaction=True)
def test_adoption_runs_in_the_worker_and_its_page_follows_it(
    client, director, plan, settings, fake_pdf
):
    settings.TASKS = DATABASE
    adoption.plan_send_to_review(plan=plan, by=director)
    client.force_login(director)
    queued_at = _adopt(client, plan)
    assert queued_at.status_code == 302
    progress = queued_at["Location"]
    assert _adopt(client, plan)["Location"] == progress  # one adoption at a time
    waiting = client.get(progress)
    assert waiting.status_code == 202 and "Planen fastställs" in waiting.content.decode()
    assert f'data-wait-url="{progress}"' in waiting.content.decode()
    assert "http-equiv" not in waiting.content.decode()
    assert client.head(progress).status_code == 202
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW  # nothing decided in the request
    run_db_worker()
    # The script's HEAD sees it is done; the messages wait for the GET that follows.
    asked = client.head(progress)
    assert asked.status_code == 302 and asked["Location"] == plan.get_absolute_url()
    done = client.get(progress, follow=True)
    assert done.redirect_chain[-1][0] == plan.get_absolute_url()
    assert (
        done.content.decode().count(
            "Planen är fastställd och sparad som fastställd version (revision 1)"
        )
        == 1
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DECIDED
    snapshot = Snapshot.objects.get(plan=plan)
    assert bytes(snapshot.pdf).startswith(b"%PDF-")


def test_a_refused_adoption_says_why_and_keeps_what_was_entered(
    client, director, plan, monkeypatch
):
    adoption.plan_send_to_review(plan=plan, by=director)
    client.force_login(director)

    def refuse(*args, **kwargs):
        from documents.pdf_render import PdfRefused

        raise PdfRefused("Avsnittet ”Mål” är för stort för PDF:en.", code="section_too_large")

    monkeypatch.setattr("documents.pdf_render.render_html_in_child", refuse)
    failed = client.get(_adopt(client, plan)["Location"])
    page = failed.content.decode()
    assert failed.status_code == 422
    assert "Planen fastställdes inte" in page
    assert "Planen är inte fastställd. Avsnittet ”Mål” är för stort för PDF:en." in page
    assert "refresh" not in page
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW and not Snapshot.objects.filter(plan=plan).exists()
    form = client.get(
        reverse("plan_decide", args=[plan.federation.slug, plan.year])
        + "?reference=dnr+2020%3A7&decided_on=2020-11-19"
    )
    assert 'value="dnr 2020:7"' in form.content.decode()
