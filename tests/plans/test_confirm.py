"""Issue 19, point 4: "Confirm before deciding". Registering the board's decision
and publishing each show a confirmation first, listing what should stop her (open
comments, the budget's findings, a late decision, no medlemssamråd, empty
sections); nothing is registered or published until she confirms."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from documents import adoption
from finsam.findings import ERROR, WARNING, Finding
from plans import comments, workflow
from plans.models import Meeting, MeetingKind, PlanStatus, PlanTransition, Section, Snapshot
from plans.rules import publish_stoppers
from tests.plans.conftest import PLAN_YEAR, decide

pytestmark = pytest.mark.django_db

ENTERED = {"decided_on": "2020-11-19", "meeting": workflow.NEW_MEETING, "reference": "dnr 2020:9"}


def url(name: str, plan) -> str:
    return reverse(name, args=[plan.federation.slug, plan.year])


# --- the stoppers, as plain values -----------------------------------------------------


def test_decision_stoppers_list_each_thing_that_should_stop_her():
    findings = [
        Finding(rule="equity-cap", severity=ERROR, year=2021, message="Eget kapital är för högt."),
        Finding(rule="shares", severity=WARNING, year=None, message="Kansliet är dyrt."),
    ]
    stoppers = adoption.decision_stoppers(
        year=2021,
        decided_on=date(2020, 12, 10),
        open_comments=[("Mål: Räcker det?", "/t/1"), ("Budget: Varför?", "/t/2"), ("X", "/t/3")],
        comments_url="/kommentarer/",
        budget_findings=findings,
        budget_url="/budget/",
        members_meetings=[date(2019, 10, 1), date(2020, 12, 11)],  # too early, too late
        meetings_url="/moten/nytt/",
        empty_sections=[("Uppföljning", "/avsnitt/4/")],
    )
    assert [s.rule for s in stoppers] == [
        "open-comments",
        "equity-cap",
        "shares",
        "decision-deadline",
        "members-meeting",
        "empty-section",
    ]
    comments_, cap, shares, late, members, empty = stoppers
    assert comments_.message == "3 kommentarer är inte lösta."
    assert comments_.items[0] == ("Mål: Räcker det?", "/t/1") and comments_.url == "/kommentarer/"
    assert cap.message == "2021: Eget kapital är för högt." and cap.is_error
    assert cap.severity_label == "Fel" and cap.url == "/budget/"
    assert shares.message == "Kansliet är dyrt." and not shares.is_error
    assert late.message == "Beslutsdatumet 10 december 2020 är efter den 30 november 2020."
    assert members.message.startswith("Inget medlemssamråd finns i årshjulet före beslutet")
    assert members.url == "/moten/nytt/"
    assert empty.message == "Avsnittet ”Uppföljning” är tomt." and empty.url == "/avsnitt/4/"


def test_nothing_stops_a_decision_in_time_after_a_members_meeting():
    stoppers = adoption.decision_stoppers(
        year=2021, decided_on=date(2020, 11, 30), members_meetings=[date(2020, 10, 15)]
    )
    assert stoppers == []
    one = adoption.decision_stoppers(
        year=2021,
        decided_on=date(2020, 11, 19),
        members_meetings=[date(2020, 10, 15)],
        open_comments=[("Mål: Räcker det?", "/t/1")],
    )
    assert [s.message for s in one] == ["1 kommentar är inte löst."]


def test_publish_stoppers():
    adopted = {"adopted_revision": 1, "adopted_on": date(2020, 11, 19)}
    assert publish_stoppers(open_comments=[], current_revision=1, decided=True, **adopted) == []
    stoppers = publish_stoppers(
        open_comments=[("Mål: Räcker det?", "/t/1")], current_revision=2, decided=False, **adopted
    )
    assert [s.rule for s in stoppers] == ["open-comments", "not-the-adopted-revision"]
    assert "den fastställda revisionen 1 från 19 november 2020" in stoppers[1].message


# --- the decision --------------------------------------------------------------------


@pytest.fixture
def in_review(plan, director, reviewer):
    adoption.plan_send_to_review(plan=plan, by=director)
    section = plan.sections.get(heading="Uppföljning")
    comments.comment_add(
        plan=plan, by=reviewer, role="reviewer", section=section, body="Räcker det med en rad?"
    )
    plan.refresh_from_db()
    return plan


def test_adoption_with_an_open_comment_shows_the_confirmation_and_changes_nothing(
    client, director, in_review
):
    plan = in_review
    transitions = PlanTransition.objects.filter(plan=plan).count()
    meetings = plan.meetings.count()
    client.force_login(director)
    page = client.post(url("plan_decide", plan), ENTERED)
    assert page.status_code == 200
    text = page.text
    assert "Bekräfta beslutet om verksamhetsplanen 2021" in text
    assert "1 kommentar är inte löst." in text
    assert "Uppföljning: Räcker det med en rad?" in text
    thread = plan.comments.get()
    assert reverse("comment_thread", args=[plan.federation.slug, plan.year, thread.pk]) in text
    assert "Inget medlemssamråd finns i årshjulet före beslutet" in text
    # The summary, and the fields carried on to the confirmation.
    assert "19 november 2020" in text and "dnr 2020:9" in text
    assert '<input type="hidden" name="reference" value="dnr 2020:9"' in text
    assert '<input type="hidden" name="decided_on" value="2020-11-19"' in text
    assert 'name="confirmed" value="1"' in text and "Bekräfta och fastställ" in text
    assert "Tillbaka och ändra" in text and f'href="{plan.get_absolute_url()}"' in text
    # Nothing registered.
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW and plan.decided_on is None and plan.reference == ""
    assert PlanTransition.objects.filter(plan=plan).count() == transitions
    assert not Snapshot.objects.filter(plan=plan).exists()
    assert plan.meetings.count() == meetings


def test_tillbaka_och_andra_fills_in_the_form(client, director, in_review):
    plan = in_review
    client.force_login(director)
    page = client.post(url("plan_decide", plan), ENTERED)
    back = (
        url("plan_decide", plan)
        + "?decided_on=2020-11-19&amp;meeting=ny&amp;reference=dnr+2020%3A9"
    )
    assert f'href="{back}"' in page.text
    form = client.get(back.replace("&amp;", "&"))
    assert form.status_code == 200
    assert 'value="dnr 2020:9"' in form.text and 'value="2020-11-19"' in form.text


def test_an_invalid_form_shows_its_errors_not_the_confirmation(client, director, in_review):
    client.force_login(director)
    page = client.post(url("plan_decide", in_review), {**ENTERED, "reference": ""})
    assert page.status_code == 400 and "Bekräfta och fastställ" not in page.text


def test_the_confirmed_post_adopts(client, director, in_review, fake_pdf):
    plan = in_review
    client.force_login(director)
    done = client.post(url("plan_decide", plan), {**ENTERED, "confirmed": "1"}, follow=True)
    assert done.status_code == 200 and "Planen är fastställd" in done.text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DECIDED and plan.reference == "dnr 2020:9"
    assert Snapshot.objects.filter(plan=plan).count() == 1


def test_the_confirmation_names_empty_sections_and_the_budgets_findings(
    client, director, in_review
):
    plan = in_review
    Meeting.objects.create(plan=plan, kind=MeetingKind.MEMBERS, date=date(PLAN_YEAR - 1, 10, 15))
    empty = Section.objects.create(plan=plan, heading="Tomt avsnitt", body="  \n", position=99)
    client.force_login(director)
    page = client.post(url("plan_decide", plan), {**ENTERED, "decided_on": "2020-12-02"})
    assert "Avsnittet ”Tomt avsnitt” är tomt." in page.text
    assert reverse("section_edit", args=[plan.federation.slug, plan.year, empty.pk]) in page.text
    assert "Beslutsdatumet 2 december 2020 är efter den 30 november 2020." in page.text
    assert "Inget medlemssamråd" not in page.text
    # The budget's findings, as the plan page shows them (make_budget's has some).
    assert "Budgetens kontroller hittar" not in page.text
    from documents.document import plan_document

    for finding in plan_document(plan).findings:
        assert finding.message in page.text


# --- publishing ----------------------------------------------------------------------


def test_publishing_shows_the_confirmation_first(client, director, reviewer, plan, fake_pdf):
    adoption.plan_send_to_review(plan=plan, by=director)
    comments.comment_add(
        plan=plan, by=reviewer, role="reviewer", target="budget", body="Ett öppet svar?"
    )
    plan.refresh_from_db()
    decide(plan, director)
    snapshot = plan.snapshots.get()
    client.force_login(director)
    page = client.post(url("plan_publish", plan))
    assert page.status_code == 200
    assert "Bekräfta publiceringen av verksamhetsplanen 2021" in page.text
    assert "1 kommentar är inte löst." in page.text
    assert snapshot.pdf_sha256 in page.text and "revision 1" in page.text
    assert "Bekräfta och publicera" in page.text
    plan.refresh_from_db()
    assert plan.published_at is None  # nothing published
    assert client.post(url("plan_publish", plan), {"confirmed": "1"}).status_code == 302
    plan.refresh_from_db()
    assert plan.published_at is not None


def test_publishing_a_plan_never_adopted_still_says_why(client, director, plan):
    client.force_login(director)
    response = client.post(url("plan_publish", plan), follow=True)
    assert "Bara en fastställd plan kan publiceras." in response.text
