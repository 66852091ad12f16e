"""Registering the board's decision: the form's pre-check is for the date being
entered and says plainly why it refuses; the decision moves the planned adoption
meeting of the årshjul instead of adding a second one."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from documents import adoption, rollforward
from plans import services, workflow
from plans.models import Meeting, MeetingKind, PlanStatus
from tests.plans.conftest import PLAN_YEAR, decide

pytestmark = pytest.mark.django_db

LATE = "efter den 30 november 2020"


def url(name: str, plan) -> str:
    return reverse(name, args=[plan.federation.slug, plan.year])


def _in_review(plan, director, *, planned: date | None = None):
    if planned is not None:
        services.plan_update(plan=plan, by=director, title=plan.title, decision_meeting_on=planned)
    adoption.plan_send_to_review(plan=plan, by=director)
    plan.refresh_from_db()
    return plan


def _board_meetings(plan) -> list[tuple[date, str]]:
    return list(
        plan.meetings.filter(kind=MeetingKind.BOARD).order_by("date").values_list("date", "note")
    )


# --- the pre-check ---------------------------------------------------------------------


def test_the_precheck_is_for_the_date_in_the_form(client, director, plan, fake_pdf):
    _in_review(plan, director, planned=date(PLAN_YEAR - 1, 11, 19))
    client.force_login(director)
    page = client.get(url("plan_decide", plan))
    assert page.status_code == 200 and LATE not in page.text  # 19 November is in time

    checked = client.post(
        url("plan_decide", plan),
        {
            "decided_on": "2020-12-02",
            "meeting": workflow.NEW_MEETING,
            "reference": "dnr 2020:9",
            "kontrollera": "1",
        },
    )
    assert checked.status_code == 200
    assert LATE in checked.text
    assert "Kontrollera innan du registrerar beslutet den 2 december 2020" in checked.text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW  # checking saves nothing

    # A form the service refuses (no dnr) still checks the date that was entered.
    refused = client.post(
        url("plan_decide", plan),
        {
            "decided_on": "2020-12-02",
            "meeting": workflow.NEW_MEETING,
            "reference": "",
        },
    )
    assert refused.status_code == 400 and LATE in refused.text


def test_a_date_in_time_checks_clean(client, director, plan, fake_pdf):
    Meeting.objects.create(plan=plan, kind=MeetingKind.MEMBERS, date=date(PLAN_YEAR - 1, 10, 15))
    _in_review(plan, director)
    client.force_login(director)
    checked = client.post(
        url("plan_decide", plan),
        {
            "decided_on": "2020-11-19",
            "meeting": workflow.NEW_MEETING,
            "reference": "dnr 2020:9",
            "kontrollera": "1",
        },
    )
    assert "Kontrollera innan du registrerar beslutet den 19 november 2020" in checked.text
    # In time and after a medlemssamråd: only the budget's own errors are left.
    assert LATE not in checked.text and "Inget medlemssamråd" not in checked.text
    assert "Budgetens kontroller hittar" in checked.text


def test_a_new_revision_is_not_checked_for_the_earlier_decision_date(
    client, director, plan, fake_pdf
):
    decide(plan, director, on=date(PLAN_YEAR - 1, 12, 2))  # late, as revision 1 was
    workflow.plan_new_revision(plan=plan, by=director, reason="Ny budget")
    _in_review(plan, director)
    client.force_login(director)
    page = client.get(url("plan_decide", plan))
    assert page.status_code == 200
    assert LATE not in page.text and 'value="2020-12-02"' not in page.text
    checked = client.post(
        url("plan_decide", plan),
        {
            "decided_on": "2021-02-01",
            "meeting": workflow.NEW_MEETING,
            "reference": "dnr 2021:2",
            "kontrollera": "1",
        },
    )
    assert "den 1 februari 2021" in checked.text and LATE in checked.text


def test_the_form_says_plainly_why_it_refuses_a_draft(client, director, plan):
    client.force_login(director)
    page = client.get(url("plan_decide", plan))
    assert "Planen måste vara på beredning innan styrelsen fastställer den" in page.text
    response = client.post(
        url("plan_decide", plan),
        {
            "decided_on": "2020-11-19",
            "meeting": workflow.NEW_MEETING,
            "reference": "dnr 2020:9",
        },
    )
    assert response.status_code == 400
    assert "Planen måste vara på beredning innan styrelsen fastställer den" in response.text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_the_form_says_plainly_when_there_is_no_budget(client, director, plan):
    _in_review(plan, director)
    plan.federation.budgets.filter(year=plan.year).delete()
    client.force_login(director)
    page = client.get(url("plan_decide", plan))
    assert "Det finns ingen budget för 2021 att fastställa med planen." in page.text


def test_a_decision_date_outside_the_window_is_refused(director, plan):
    _in_review(plan, director)
    with pytest.raises(Exception) as error:
        adoption.plan_decide(plan=plan, by=director, decided_on=date(2001, 1, 1), reference="dnr 1")
    assert "Mötets datum ska ligga mellan" in str(error.value)


# --- the adoption meeting ----------------------------------------------------------------


def test_the_planned_adoption_meeting_is_moved_not_doubled(director, plan, fake_pdf):
    planned = Meeting.objects.create(
        plan=plan,
        kind=MeetingKind.BOARD,
        date=date(PLAN_YEAR - 1, 11, 17),
        title="Styrelsemöte",
        note=f"Verksamhetsplan {PLAN_YEAR} fastställs",
    )
    before = len(_board_meetings(plan))
    decide(plan, director, on=date(PLAN_YEAR - 1, 11, 24))
    planned.refresh_from_db()
    assert planned.date == date(PLAN_YEAR - 1, 11, 24)
    assert plan.decision_meeting == planned
    assert len(_board_meetings(plan)) == before

    new = rollforward.plan_roll_forward(plan=plan, by=director)
    adopting = [note for _, note in _board_meetings(new) if "fastställ" in note]
    assert adopting == [f"Verksamhetsplan {PLAN_YEAR + 1} fastställs"]


def test_the_meeting_on_the_planned_day_is_moved(director, plan, fake_pdf):
    planned_on = date(PLAN_YEAR - 1, 11, 17)
    meeting = Meeting.objects.create(plan=plan, kind=MeetingKind.BOARD, date=planned_on)
    _in_review(plan, director, planned=planned_on)
    before = len(_board_meetings(plan))
    adoption.plan_decide(
        plan=plan,
        by=director,
        decided_on=date(PLAN_YEAR - 1, 11, 24),
        reference="dnr 2020:9",
        meeting=meeting,
    )
    meeting.refresh_from_db()
    assert meeting.date == date(PLAN_YEAR - 1, 11, 24)
    assert len(_board_meetings(plan)) == before


def test_a_meeting_for_another_years_plan_is_not_moved(director, plan, fake_pdf):
    other = Meeting.objects.create(
        plan=plan,
        kind=MeetingKind.BOARD,
        date=date(PLAN_YEAR, 11, 20),
        note=f"Verksamhetsplan {PLAN_YEAR + 1} fastställs",
    )
    decide(plan, director, on=date(PLAN_YEAR - 1, 11, 24))
    other.refresh_from_db()
    assert other.date == date(PLAN_YEAR, 11, 20)
    assert plan.decision_meeting.date == date(PLAN_YEAR - 1, 11, 24)


def test_an_earlier_revisions_meeting_stays_where_it_was_held(director, plan, fake_pdf):
    decide(plan, director, on=date(PLAN_YEAR - 1, 11, 19))
    first = plan.decision_meeting
    workflow.plan_new_revision(plan=plan, by=director, reason="Ny budget")
    plan.refresh_from_db()
    decide(plan, director, on=date(PLAN_YEAR, 2, 1))
    first.refresh_from_db()
    assert first.date == date(PLAN_YEAR - 1, 11, 19)
    assert plan.decision_meeting != first and plan.decision_meeting.date == date(PLAN_YEAR, 2, 1)
