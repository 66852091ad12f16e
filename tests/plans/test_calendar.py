"""The årshjul feed (plans/calendar.py): stable UIDs, revocable links, the link on
every plan page, and stored dates that cannot break it."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from icalendar import Calendar

from budgets.bundle import BundleError
from documents import rollforward
from documents.bundle.export import export_bundle
from documents.bundle.importer import bundle_import
from finsam.models import AuditEntry, Membership
from plans import services
from plans.calendar import membership_token
from plans.models import Meeting, MeetingKind, Plan
from tests.plans.conftest import PLAN_YEAR, decide

pytestmark = pytest.mark.django_db


def _feed_url(user, federation) -> str:
    membership = Membership.objects.get(user=user, federation=federation)
    return reverse("plan_calendar_feed", args=[federation.slug, membership_token(membership)])


def _uids(client, url: str) -> dict[str, str]:
    """SUMMARY → UID of every event in the feed."""
    response = client.get(url)
    assert response.status_code == 200
    return {
        str(event["SUMMARY"]): str(event["UID"])
        for event in Calendar.from_ical(response.content).walk("VEVENT")
    }


def _raw_meeting_date(meeting: Meeting, day: str) -> None:
    """A date written past every check, as data from before the rule may be."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE plans_meeting SET date = %s WHERE id = %s", [day, meeting.pk])


# --- Calendar UIDs -------------------------------------------------------------------


def test_each_meeting_has_a_stable_uid_in_the_feed(client, director, plan, federation):
    url = _feed_url(director, federation)
    before = _uids(client, url)
    board = Meeting.objects.get(plan=plan, title="Styrelsemöte")
    assert before["Styrelsemöte"] == f"mote-{board.uid}@{federation.slug}.finsam-planering"
    assert len(set(before.values())) == len(before) == plan.meetings.count()
    services.meeting_update(
        meeting=board,
        by=director,
        kind=board.kind,
        date=date(PLAN_YEAR, 3, 7),
        title="Styrelsemöte",
        place="Stadshuset",
    )
    assert _uids(client, url) == before


def test_uids_survive_bundle_export_and_import(client, director, plan, federation):
    url = _feed_url(director, federation)
    before = _uids(client, url)
    data = export_bundle(federation, PLAN_YEAR)
    assert all("uid" in meeting for meeting in data["plan"]["meetings"])
    bundle_import(data=json.loads(json.dumps(data)))
    assert _uids(client, url) == before
    # A bundle without UIDs is still valid: meetings that are the same (kind, date
    # and title) keep theirs, so re-importing an old file changes nothing either.
    for meeting in data["plan"]["meetings"]:
        del meeting["uid"]
    bundle_import(data=data)
    assert _uids(client, url) == before


def test_a_new_meeting_in_an_imported_bundle_gets_a_new_uid(director, plan, federation):
    data = export_bundle(federation, PLAN_YEAR)
    added = copy.deepcopy(data["plan"]["meetings"][0])
    del added["uid"]
    added["title"] = "Extra styrelsemöte"
    data["plan"]["meetings"].append(added)
    bundle_import(data=data)
    uids = list(Meeting.objects.filter(plan__federation=federation).values_list("uid", flat=True))
    assert len(uids) == len(set(uids)) == len(data["plan"]["meetings"])


def test_a_bundle_uid_must_be_a_uid_and_unique(director, plan, federation):
    data = export_bundle(federation, PLAN_YEAR)
    data["plan"]["meetings"][1]["uid"] = "inte-ett-uid"
    with pytest.raises(BundleError) as error:
        bundle_import(data=copy.deepcopy(data))
    assert "plan.meetings[1].uid" in str(error.value)
    data["plan"]["meetings"][1]["uid"] = data["plan"]["meetings"][0]["uid"]
    with pytest.raises(BundleError) as error:
        bundle_import(data=data)
    assert "plan.meetings[1].uid" in str(error.value)


def test_a_bundle_imported_into_another_federation_gets_its_own_uids(director, plan, federation):
    data = export_bundle(federation, PLAN_YEAR)
    data["federation"]["slug"] = "annat-forbund"
    bundle_import(data=data)
    ours = set(Meeting.objects.filter(plan=plan).values_list("uid", flat=True))
    theirs = set(
        Meeting.objects.filter(plan__federation__slug="annat-forbund").values_list("uid", flat=True)
    )
    assert len(theirs) == len(ours) and not ours & theirs


def test_roll_forward_gives_the_new_meetings_new_uids(director, plan, fake_pdf):
    decide(plan, director)
    new = rollforward.plan_roll_forward(plan=plan, by=director)
    old = set(plan.meetings.values_list("uid", flat=True))
    moved = set(new.meetings.values_list("uid", flat=True))
    assert len(moved) == new.meetings.count() and not old & moved


# --- Calendar link and tokens ----------------------------------------------------------


def test_the_link_is_on_the_draft_and_the_decided_plan_page(client, director, plan, fake_pdf):
    client.force_login(director)
    feed = _feed_url(director, plan.federation)
    assert feed in client.get(plan.get_absolute_url()).text
    decide(plan, director)
    page = client.get(plan.get_absolute_url()).text
    assert "Fastställd" in page
    assert feed in page and "Byt länk" in page


def test_byt_lank_stops_the_old_link_and_shows_a_new_one(client, viewer, plan, federation):
    old = _feed_url(viewer, federation)
    assert client.get(old).status_code == 200
    client.force_login(viewer)
    renew = reverse("plan_calendar_renew", args=[federation.slug])
    assert client.get(renew).status_code == 405
    response = client.post(renew, {"ar": plan.year})
    assert response.status_code == 302 and response.url == plan.get_absolute_url() + "#kalender"
    new = _feed_url(viewer, federation)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    page = client.get(plan.get_absolute_url()).text
    assert new in page and old not in page
    entry = AuditEntry.objects.get(action="bytte kalenderlänken")
    assert entry.actor == viewer and entry.federation == federation


def test_byt_lank_checks_access(client, outsider, plan, federation):
    client.force_login(outsider)
    assert client.post(reverse("plan_calendar_renew", args=[federation.slug])).status_code == 404


def test_a_deactivated_users_link_stops_working(client, director, plan, federation):
    url = _feed_url(director, federation)
    assert client.get(url).status_code == 200
    director.is_active = False
    director.save()
    assert client.get(url).status_code == 404


def test_a_removed_members_link_stops_working(client, reviewer, plan, federation):
    url = _feed_url(reviewer, federation)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=reviewer).delete()
    assert client.get(url).status_code == 404


# --- Meeting dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (date(PLAN_YEAR - 2, 12, 31), False),
        (date(PLAN_YEAR - 1, 1, 1), True),
        (date(PLAN_YEAR + 1, 12, 31), True),
        (date(PLAN_YEAR + 2, 1, 1), False),
        (date(9999, 12, 31), False),
    ],
)
def test_a_meeting_lies_within_the_plan_year_and_the_years_around_it(director, plan, day, allowed):
    if allowed:
        services.meeting_create(plan=plan, by=director, kind=MeetingKind.BOARD, date=day)
        return
    with pytest.raises(ValidationError) as error:
        services.meeting_create(plan=plan, by=director, kind=MeetingKind.BOARD, date=day)
    assert "Mötets datum ska ligga mellan 1 januari 2020 och 31 december 2022" in str(error.value)


def test_the_meeting_form_says_why_a_date_is_refused(client, director, plan):
    client.force_login(director)
    response = client.post(
        reverse("meeting_create", args=[plan.federation.slug, plan.year]),
        {"kind": MeetingKind.BOARD, "date": "9999-12-31"},
    )
    assert response.status_code in (200, 400)
    assert "Mötets datum ska ligga mellan" in response.text
    assert not plan.meetings.filter(date=date(9999, 12, 31)).exists()


def test_a_bundle_meeting_outside_the_window_is_refused(director, plan, federation):
    data = export_bundle(federation, PLAN_YEAR)
    data["plan"]["meetings"][2]["date"] = "9999-12-31"
    with pytest.raises(BundleError) as error:
        bundle_import(data=data)
    assert str(error.value).startswith("plan.meetings[2].date: Mötets datum ska ligga mellan")


@pytest.mark.parametrize("with_time", [False, True])
def test_a_stored_9999_meeting_does_not_break_the_feed(
    client, director, plan, federation, with_time
):
    meeting = Meeting.objects.get(plan=plan, title="Styrelsemöte")
    if with_time:
        Meeting.objects.filter(pk=meeting.pk).update(time="23:30")
    _raw_meeting_date(meeting, "9999-12-31")
    uids = _uids(client, _feed_url(director, federation))
    assert "Styrelsemöte" not in uids
    assert len(uids) == plan.meetings.count() - 1
    client.force_login(director)
    assert client.get(reverse("plan_calendar", args=[federation.slug])).status_code == 200


def test_a_stored_9999_meeting_does_not_break_roll_forward(client, director, plan, fake_pdf):
    decide(plan, director)
    meeting = Meeting.objects.get(plan=plan, date=date(PLAN_YEAR, 3, 6))
    _raw_meeting_date(meeting, "9999-12-31")
    client.force_login(director)
    response = client.post(reverse("plan_roll_forward", args=[plan.federation.slug, plan.year]))
    new = Plan.objects.get(federation=plan.federation, year=plan.year + 1)
    assert response.status_code == 302 and response.url == new.get_absolute_url()
    assert not new.meetings.filter(place="Kommunhuset").exists()
    assert new.meetings.count() == plan.meetings.count() - 1
    assert any("Styrelsemöte (9999-12-31)" in item for item in new.review_items)
