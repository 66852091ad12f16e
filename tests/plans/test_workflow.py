"""The plan's workflow: utkast → på beredning → fastställd, each step recorded; the
adoption's warnings; the adopted snapshot (bundle and PDF with their SHA-256,
served byte for byte, re-importable); a new revision; the public copy; the
reviewers' start page."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.models import Budget
from budgets.rules import evaluate
from budgets.selectors import budget_facts, budget_report
from documents import adoption
from documents.bundle.importer import bundle_import
from plans import services, workflow
from plans.models import FrozenRecord, MeetingKind, PlanStatus, PlanTransition, Snapshot
from plans.rules import adoption_warnings
from tests.plans.conftest import decide, import_demo

pytestmark = pytest.mark.django_db


def url(name, plan, *args):
    return reverse(name, args=[plan.federation.slug, plan.year, *args])


# --- the rules (no database) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("decided_on", "late"),
    [
        (date(2020, 11, 30), False),  # the last day is in time
        (date(2020, 12, 1), True),
        (date(2021, 1, 15), True),
    ],
)
def test_adoption_after_30_november_warns(decided_on, late):
    warnings = adoption_warnings(
        year=2021, decided_on=decided_on, members_meetings=[date(2020, 10, 15)]
    )
    assert bool([w for w in warnings if "30 november 2020" in w]) is late
    assert not [w for w in warnings if "medlemssamråd" in w.lower()]


@pytest.mark.parametrize(
    ("meetings", "warns"),
    [
        ([], True),
        ([date(2020, 11, 19)], False),  # the same day, before the board meets
        ([date(2020, 11, 20)], True),  # after the decision
        ([date(2019, 12, 31)], True),  # a year too early
        ([date(2020, 1, 1), date(2021, 3, 1)], False),
    ],
)
def test_adoption_without_a_members_meeting_before_it_warns(meetings, warns):
    warnings = adoption_warnings(
        year=2021, decided_on=date(2020, 11, 19), members_meetings=meetings
    )
    assert bool([w for w in warnings if "Inget medlemssamråd" in w]) is warns


# --- the workflow ----------------------------------------------------------------------


def test_every_step_is_recorded_with_who_and_when(plan, director, fake_pdf):
    with time_machine.travel("2020-09-01 10:00 +02:00", tick=False):
        adoption.plan_send_to_review(plan=plan, by=director, note="Synpunkter senast 1 oktober")
    with time_machine.travel("2020-09-10 10:00 +02:00", tick=False):
        workflow.plan_return_to_draft(plan=plan, by=director)
    with time_machine.travel("2020-09-15 10:00 +02:00", tick=False):
        adoption.plan_send_to_review(plan=plan, by=director)
    with time_machine.travel("2020-11-20 10:00 +01:00", tick=False):
        decision = adoption.plan_decide(
            plan=plan, by=director, decided_on=date(2020, 11, 19), reference="dnr 2020:7"
        )
    steps = list(PlanTransition.objects.filter(plan=plan).values_list("from_status", "to_status"))
    assert steps == [
        ("draft", "review"),
        ("review", "draft"),
        ("draft", "review"),
        ("review", "decided"),
    ]
    first = PlanTransition.objects.filter(plan=plan).first()
    assert first.by == director and first.by_name and first.note == "Synpunkter senast 1 oktober"
    assert first.at.date() == date(2020, 9, 1)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DECIDED and plan.decided_on == date(2020, 11, 19)
    assert plan.reference == "dnr 2020:7"
    # No board meeting on that day in the årshjul: the adoption adds it.
    assert plan.decision_meeting.kind == MeetingKind.BOARD
    assert plan.decision_meeting.date == date(2020, 11, 19)
    assert decision.transition.details["meeting"] == plan.decision_meeting.pk
    assert decision.snapshot.revision == 1


def test_the_workflow_refuses_steps_out_of_order(plan, director, fake_pdf):
    with pytest.raises(ValidationError):
        adoption.plan_decide(plan=plan, by=director, decided_on=date(2020, 11, 19), reference="x")
    with pytest.raises(ValidationError):
        workflow.plan_return_to_draft(plan=plan, by=director)
    with pytest.raises(ValidationError):
        workflow.plan_new_revision(plan=plan, by=director, reason="x")
    adoption.plan_send_to_review(plan=plan, by=director)
    with pytest.raises(ValidationError):
        adoption.plan_send_to_review(plan=plan, by=director)
    assert PlanTransition.objects.filter(plan=plan).count() == 1


def test_adoption_records_date_meeting_and_dnr_and_checks_them(plan, director, fake_pdf):
    adoption.plan_send_to_review(plan=plan, by=director)
    board = plan.meetings.get(kind=MeetingKind.BOARD)  # 6 March 2021 in make_plan
    with pytest.raises(ValidationError) as error:
        adoption.plan_decide(
            plan=plan, by=director, decided_on=date(2020, 11, 19), reference="", meeting=board
        )
    assert {"reference", "meeting"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        adoption.plan_decide(plan=plan, by=director, decided_on=date(2999, 1, 1), reference="dnr 1")
    assert "decided_on" in error.value.message_dict
    decision = adoption.plan_decide(
        plan=plan, by=director, decided_on=date(2021, 3, 6), reference="dnr 2021:3", meeting=board
    )
    plan.refresh_from_db()
    assert plan.decision_meeting == board and plan.decided_on == date(2021, 3, 6)
    # After 30 November 2020, and no medlemssamråd in the årshjul before it.
    assert any("30 november 2020" in w for w in decision.warnings)
    assert any("medlemssamråd" in w for w in decision.warnings)
    assert decision.transition.details["warnings"] == list(decision.warnings)


def test_the_decide_page_shows_the_warnings_first(client, director, plan, fake_pdf):
    services.plan_update(
        plan=plan, by=director, title=plan.title, decision_meeting_on=date(2020, 11, 19)
    )
    adoption.plan_send_to_review(plan=plan, by=director)
    client.force_login(director)
    page = client.get(url("plan_decide", plan))
    assert page.status_code == 200
    assert "Inget medlemssamråd" in page.text
    response = client.post(
        url("plan_decide", plan),
        {
            "decided_on": "2020-12-02",
            "meeting": workflow.NEW_MEETING,
            "reference": "dnr 2020:9",
            "confirmed": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Planen är fastställd" in response.text
    assert "efter den 30 november 2020" in response.text  # the warning, as a message
    plan.refresh_from_db()
    assert plan.is_decided


# --- the snapshot -----------------------------------------------------------------------


def test_adoption_stores_the_plan_its_budget_and_the_real_pdf(client, board_member, director, plan):
    """The one test here that renders the real PDF."""
    decision = decide(plan, director)
    snapshot = decision.snapshot
    pdf = bytes(snapshot.pdf)
    assert pdf.startswith(b"%PDF") and snapshot.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert snapshot.bundle_sha256 == hashlib.sha256(snapshot.bundle.encode()).hexdigest()
    bundle = json.loads(snapshot.bundle)
    assert bundle["format"] == "finsam-bundle/1"
    assert bundle["plan"]["status"] == "decided" and bundle["plan"]["decided_on"] == "2020-11-19"
    assert bundle["budget"]["columns"] == ["2020:forecast", "2021:budget", "2022:plan", "2023:plan"]
    assert [i["key"] for i in bundle["interventions"]] == ["enter"]
    report = json.loads(snapshot.report)
    assert report["format"] == "finsam-report/1" and report["findings"]
    assert "Enter" in snapshot.html

    # The board member downloads the decided PDF: byte for byte the snapshot's,
    # whose SHA-256 the plan page shows.
    client.force_login(board_member)
    page = client.get(url("plan_detail", plan))
    assert snapshot.pdf_sha256 in page.text and snapshot.bundle_sha256 in page.text
    response = client.get(url("plan_pdf", plan))
    assert response.status_code == 200 and response["X-Plan-Pdf-Cache"] == "snapshot"
    assert response.content == pdf
    assert hashlib.sha256(response.content).hexdigest() == snapshot.pdf_sha256
    again = client.get(url("snapshot_pdf", plan, snapshot.pk))
    assert again.content == pdf
    bundle_response = client.get(url("snapshot_bundle", plan, snapshot.pk))
    assert hashlib.sha256(bundle_response.content).hexdigest() == snapshot.bundle_sha256


def test_a_snapshot_is_never_changed_or_deleted(decided_plan):
    snapshot = Snapshot.objects.get(plan=decided_plan)
    snapshot.reference = "annat"
    with pytest.raises(FrozenRecord):
        snapshot.save()
    with pytest.raises(FrozenRecord):
        snapshot.delete()
    assert Snapshot.objects.get(plan=decided_plan).reference == "dnr 2020:7"


def test_the_snapshots_bundle_reimports_to_the_same_figures(decided_plan, director):
    snapshot = Snapshot.objects.get(plan=decided_plan)
    stored = json.loads(snapshot.report)
    # The plan changes in a new revision...
    workflow.plan_new_revision(plan=decided_plan, by=director, reason="Ändrad budget")
    budget = Budget.objects.get(federation=decided_plan.federation, year=decided_plan.year)
    budget.lines.filter(key="kansli").first().amounts.update(amount=1)
    assert (
        budget_report(budget_facts(budget), evaluate(budget_facts(budget)))["years"]
        != stored["years"]
    )
    # ... and the adopted bundle, read in again (here as a copy of the förbund), gives
    # the adopted figures.
    data = json.loads(snapshot.bundle)
    data["federation"]["slug"] = "kopia"
    copy = bundle_import(data=data)
    facts = budget_facts(copy)
    again = budget_report(facts, evaluate(facts))
    assert again["years"] == stored["years"]
    assert again["findings"] == stored["findings"]


# --- a new revision ---------------------------------------------------------------------


def test_a_new_revision_starts_a_draft_and_keeps_the_adopted_version(
    client, director, decided_plan
):
    with pytest.raises(ValidationError):
        workflow.plan_new_revision(plan=decided_plan, by=director, reason=" ")
    workflow.plan_new_revision(plan=decided_plan, by=director, reason="Styrelsen ändrade budgeten")
    decided_plan.refresh_from_db()
    assert decided_plan.status == PlanStatus.DRAFT and decided_plan.revision == 2
    assert decided_plan.decided_on is None
    snapshot = Snapshot.objects.get(plan=decided_plan)
    # The draft can be changed again; the adopted version stays available as it was.
    section = decided_plan.sections.first()
    services.section_update(
        section=section, by=director, heading=section.heading, kind=section.kind, body="Ny text"
    )
    client.force_login(director)
    page = client.get(url("plan_detail", decided_plan))
    assert "finns kvar som den var" in page.text
    assert client.get(url("snapshot_pdf", decided_plan, snapshot.pk)).content == bytes(snapshot.pdf)
    assert client.get(url("snapshot_detail", decided_plan, snapshot.pk)).status_code == 200
    # Adopted again: revision 2 gets its own snapshot.
    decide(decided_plan, director, on=date(2021, 3, 20), reference="dnr 2021:4")
    assert list(decided_plan.snapshots.values_list("revision", flat=True)) == [2, 1]


def test_the_revision_page(client, director, decided_plan):
    client.force_login(director)
    assert client.get(url("plan_new_revision", decided_plan)).status_code == 200
    response = client.post(url("plan_new_revision", decided_plan), {"reason": "Ny insats"})
    assert response.status_code == 302
    decided_plan.refresh_from_db()
    assert decided_plan.status == PlanStatus.DRAFT
    assert decided_plan.transitions.last().note == "Ny insats"


# --- publication ------------------------------------------------------------------------


def test_an_adopted_plan_is_published_and_a_draft_never_is(client, director, plan, fake_pdf):
    public = url("plan_public", plan)
    with pytest.raises(ValidationError):
        workflow.plan_publish(plan=plan, by=director)
    assert client.get(public).status_code == 404
    decide(plan, director)
    assert client.get(public).status_code == 404  # adopted but not published
    client.force_login(director)
    assert client.post(url("plan_publish", plan), {"confirmed": "1"}).status_code == 302
    client.logout()
    page = client.get(public)
    snapshot = plan.snapshots.get()
    assert page.status_code == 200 and snapshot.pdf_sha256 in page.text
    assert "Ladda ner" in page.text and "Redigera" not in page.text
    pdf = client.get(url("plan_public_pdf", plan))
    assert pdf.content == bytes(snapshot.pdf)
    assert client.post(public).status_code == 405
    # A new revision is a draft: the public page still shows the adopted version only.
    workflow.plan_new_revision(plan=plan, by=director, reason="Ändring")
    section = plan.sections.first()
    services.section_update(
        section=section, by=director, heading="HEMLIGT UTKAST", kind=section.kind, body=""
    )
    page = client.get(public)
    assert page.status_code == 200 and "HEMLIGT UTKAST" not in page.text
    client.force_login(director)
    client.post(url("plan_unpublish", plan))
    client.logout()
    assert client.get(public).status_code == 404


# --- the reviewers' start page and mail ------------------------------------------------


def test_reviewers_see_the_plans_awaiting_their_comments(
    client, director, reviewer, board_member, plan
):
    client.force_login(reviewer)
    assert "väntar på dina synpunkter" not in client.get("/").text
    adoption.plan_send_to_review(plan=plan, by=director, note="Senast 1 oktober")
    page = client.get("/")
    assert "Planer som väntar på dina synpunkter" in page.text
    assert plan.get_absolute_url() in page.text and "Senast 1 oktober" in page.text
    assert url("plan_changes", plan) in page.text
    client.force_login(board_member)
    assert "väntar på dina synpunkter" not in client.get("/").text
    client.force_login(director)
    assert "väntar på dina synpunkter" not in client.get("/").text


def test_mail_to_reviewers_only_when_the_setting_is_on(
    settings, director, reviewer, plan, django_capture_on_commit_callbacks
):
    reviewer.email = "beredning@example.se"
    reviewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        adoption.plan_send_to_review(plan=plan, by=director)
    assert mail.outbox == []
    workflow.plan_return_to_draft(plan=plan, by=director)
    settings.PLAN_REVIEW_MAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        adoption.plan_send_to_review(plan=plan, by=director)
    assert [m.to for m in mail.outbox] == [["beredning@example.se"]]
    assert "på beredning" in mail.outbox[0].subject


# --- pages ------------------------------------------------------------------------------


def test_it_works(client, director, plan, fake_pdf):
    client.force_login(director)
    assert client.get(url("plan_send_to_review", plan)).status_code == 200
    response = client.post(url("plan_send_to_review", plan), {"note": "Tack!"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW
    page = client.get(url("plan_detail", plan))
    assert "Registrera styrelsens beslut" in page.text and "Ändringar sedan utskicket" in page.text
    assert client.get(url("plan_history", plan)).status_code == 200
    assert client.post(url("plan_return_to_draft", plan)).status_code == 302
    assert client.get(url("plan_return_to_draft", plan)).status_code == 405


def test_it_checks_access(
    client, reviewer, board_member, viewer, outsider, plan, director, fake_pdf
):
    for user in (reviewer, board_member, viewer):
        client.force_login(user)
        for name in ("plan_send_to_review", "plan_decide", "plan_roll_forward", "plan_publish"):
            assert client.post(url(name, plan)).status_code == 403
    client.force_login(outsider)
    for name in ("plan_send_to_review", "plan_decide", "plan_history", "plan_changes"):
        assert client.get(url(name, plan)).status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_import_demo_of_a_decided_plan_shows_it_live_without_a_snapshot(client, director):
    """A bundle imported as fastställd (outside load_demo) has no snapshot: the
    page shows the plan itself, still frozen."""
    budget, _data = import_demo("sodra-vatterbygden-2020")
    from finsam.models import Membership

    Membership.objects.create(user=director, federation=budget.federation, role="director")
    client.force_login(director)
    page = client.get(reverse("plan_detail", args=[budget.federation.slug, 2020]))
    assert page.status_code == 200 and "Fastställd" in page.text
    edit = client.get(reverse("plan_edit", args=[budget.federation.slug, 2020]))
    assert edit.status_code == 409
