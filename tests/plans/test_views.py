"""The plan page, the editors, the preview and the årshjul feed."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from finsam.models import Membership
from finsam.money import format_kr
from plans.calendar import calendar_token
from plans.models import Meeting, Section, SectionKind
from tests.plans.conftest import grow_plan

pytestmark = pytest.mark.django_db


def url(name, plan, *args):
    return reverse(name, args=[plan.federation.slug, plan.year, *args])


def test_it_works(client, director, plan):
    client.force_login(director)
    response = client.get(url("plan_detail", plan))
    assert response.status_code == 200
    html = response.content.decode()
    for section in plan.sections.all():
        assert section.heading in html
    assert "Enter" in html  # the intervention of the plan year
    assert "Fler i arbete eller studier" in html and "Mäts genom att" in html  # goals
    assert 'class="annual-cycle' in html and "Styrelsemöte" in html  # the wheel and the list
    assert "Kommunhuset" in html
    # The budget's figures, formatted as the budget page formats them.
    assert "budget-balance" in html and format_kr(-253000) in html and format_kr(295077) in html
    # The director's tools.
    assert url("section_edit", plan, plan.sections.first().pk) in html
    assert url("plan_pdf", plan) in html


def test_it_checks_access(client, plan, other_plan, outsider, reviewer, board_member, viewer):
    client.force_login(outsider)
    for name in ("plan_detail", "plan_pdf", "plan_edit", "section_create", "section_preview"):
        assert client.get(url(name, plan)).status_code == 404
        assert client.post(url(name, plan)).status_code == 404
    section = plan.sections.first()
    assert (
        client.post(url("section_move", plan, section.pk), {"riktning": "ned"}).status_code == 404
    )
    for user in (reviewer, board_member, viewer):
        client.force_login(user)
        page = client.get(url("plan_detail", plan))
        assert page.status_code == 200
        assert url("section_edit", plan, section.pk) not in page.content.decode()
        assert client.get(url("section_edit", plan, section.pk)).status_code == 403
        assert client.post(url("section_delete", plan, section.pk)).status_code == 403
        assert client.post(url("section_preview", plan), {"body": "x"}).status_code == 403
    # Another förbund's section through this förbund's plan: 404 for the director too.
    client.force_login(outsider)
    foreign = other_plan.sections.first()
    assert client.get(url("section_edit", other_plan, foreign.pk)).status_code == 200
    assert (
        client.get(
            reverse("section_edit", args=[other_plan.federation.slug, other_plan.year, section.pk])
        ).status_code
        == 404
    )
    assert Section.objects.filter(pk=section.pk).exists()


def test_read_views_refuse_other_methods(client, director, plan):
    client.force_login(director)
    assert client.post(url("plan_detail", plan)).status_code == 405
    assert client.post(url("plan_pdf", plan)).status_code == 405
    assert client.get(url("section_preview", plan)).status_code == 405
    assert client.get(url("section_move", plan, plan.sections.first().pk)).status_code == 405


def test_director_edits_a_section_with_preview(client, director, plan):
    client.force_login(director)
    section = plan.sections.get(heading="Risker")
    page = client.get(url("section_edit", plan, section.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'hx-post="{url("section_preview", plan)}"' in html and "Förhandsvisning" in html
    preview = client.post(
        url("section_preview", plan),
        {"body": "## Risk\n\n<script>x</script>"},
        HTTP_HX_REQUEST="true",
    )
    assert preview.status_code == 200
    assert "<h4>Risk</h4>" in preview.content.decode()
    assert "&lt;script&gt;" in preview.content.decode()
    response = client.post(
        url("section_edit", plan, section.pk),
        {
            "heading": "Risker och möjligheter",
            "kind": "text",
            "body": "Att **ESF** inte beviljas.",
            "version": section.version,
        },
    )
    assert response.status_code == 302 and response.url.endswith(f"#kapitel-{section.pk}")
    section.refresh_from_db()
    assert section.heading == "Risker och möjligheter"
    assert "<strong>ESF</strong>" in client.get(url("plan_detail", plan)).content.decode()


def test_director_adds_moves_and_deletes_sections(client, director, plan):
    client.force_login(director)
    response = client.post(
        url("section_create", plan), {"heading": "Bilaga", "kind": "text", "body": ""}
    )
    assert response.status_code == 302
    added = plan.sections.get(heading="Bilaga")
    assert client.post(url("section_move", plan, added.pk), {"riktning": "upp"}).status_code == 302
    assert [s.heading for s in plan.sections.order_by("position")][-2:] == ["Bilaga", "Budget"]
    assert (
        client.post(url("section_move", plan, added.pk), {"riktning": "sidled"}).status_code == 400
    )
    assert client.get(url("section_delete", plan, added.pk)).status_code == 200
    assert client.post(url("section_delete", plan, added.pk)).status_code == 302
    assert not plan.sections.filter(heading="Bilaga").exists()


def test_director_edits_goals_meetings_and_the_plan(client, director, plan):
    client.force_login(director)
    response = client.post(
        url("plan_goal_create", plan),
        {
            "level": "board",
            "text": "Styrelsen utbildas",
            "measures": "- Två utbildningsdagar\n\n- En studieresa",
        },
    )
    assert response.status_code == 302
    goal = plan.goals.get(text="Styrelsen utbildas")
    assert goal.measures == ["Två utbildningsdagar", "En studieresa"]
    assert client.get(url("plan_goal_edit", plan, goal.pk)).status_code == 200
    response = client.post(
        url("meeting_create", plan),
        {
            "kind": "members",
            "date": "2021-04-23",
            "time": "13:30",
            "place": "Stadshuset",
            "title": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    meeting = plan.meetings.get(date=date(2021, 4, 23))
    assert meeting.display_title == "Medlemssamråd" and meeting.time.hour == 13
    # The status is not a field here: the workflow's buttons change it.
    response = client.post(
        url("plan_edit", plan),
        {
            "title": plan.title,
            "reference": "dnr 2020:7",
            "status": "decided",
            "decided_on": "2020-11-19",
            "decision_meeting_on": "",
            "vision": "Arbete åt alla",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert not plan.is_decided and plan.vision == "Arbete åt alla"


def test_director_creates_a_plan_from_the_standard_outline(client, director, federation):
    client.force_login(director)
    assert (
        client.get(reverse("plan_create", args=[federation.slug]) + "?ar=2030").status_code == 200
    )
    response = client.post(
        reverse("plan_create", args=[federation.slug]), {"year": 2030, "title": ""}
    )
    assert response.status_code == 302
    plan = federation.plans.get(year=2030)
    assert response.url == plan.get_absolute_url()
    assert plan.sections.count() == 10 and plan.meetings.count() == 3
    again = client.post(reverse("plan_create", args=[federation.slug]), {"year": 2030, "title": ""})
    assert again.status_code == 200 and "finns redan" in again.content.decode()


def test_a_year_without_a_plan_offers_the_director_to_start_one(
    client, director, viewer, federation
):
    client.force_login(director)
    response = client.get(reverse("plan_detail", args=[federation.slug, 2031]))
    assert response.status_code == 302 and "?ar=2031" in response.url
    client.force_login(viewer)
    assert client.get(reverse("plan_detail", args=[federation.slug, 2031])).status_code == 404


def _page_queries(client, plan) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("plan_detail", plan)).status_code == 200
    return len(queries)


def test_the_plan_page_runs_a_fixed_number_of_queries(client, director, plan):
    client.force_login(director)
    client.get(url("plan_detail", plan))  # sessions and the like settle
    small = _page_queries(client, plan)
    grow_plan(plan, sections=12, interventions=6, lines=40, meetings=10)
    large = _page_queries(client, plan)
    assert small == large, (small, large)
    assert small <= 30


def test_the_calendar_feed_with_its_token(client, director, plan, federation, outsider):
    token = calendar_token(director.pk, federation)
    feed = reverse("plan_calendar_feed", args=[federation.slug, token])
    response = client.get(feed)  # no login: a calendar program cannot log in
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == Meeting.objects.filter(plan__federation=federation).count() == 4
    titles = {str(e["SUMMARY"]) for e in events}
    assert "Styrelsemöte" in titles and "Årsredovisning 2020 klar" in titles
    board = next(e for e in events if str(e["SUMMARY"]) == "Styrelsemöte")
    assert str(board["LOCATION"]) == "Kommunhuset"
    assert board.decoded("DTSTART") == date(2021, 3, 6)  # a day without a time: all day
    # Another förbund's token, a forged one, or a member who left: 404.
    assert (
        client.get(
            reverse(
                "plan_calendar_feed",
                args=[federation.slug, calendar_token(outsider.pk, federation)],
            )
        ).status_code
        == 404
    )
    forged = token[:-1] + ("1" if token[-1] == "0" else "0")
    assert (
        client.get(reverse("plan_calendar_feed", args=[federation.slug, forged])).status_code == 404
    )
    assert client.post(feed).status_code == 405
    Membership.objects.filter(user=director, federation=federation).delete()
    assert client.get(feed).status_code == 404


def test_the_calendar_download_needs_a_login(client, viewer, plan, federation):
    download = reverse("plan_calendar", args=[federation.slug])
    assert client.get(download).status_code == 302
    client.force_login(viewer)
    response = client.get(download)
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.content


def test_missing_generated_chapters_are_offered(client, director, plan):
    plan.sections.filter(kind=SectionKind.BUDGET).delete()
    client.force_login(director)
    html = client.get(url("plan_detail", plan)).content.decode()
    assert "?slag=budget" in html
