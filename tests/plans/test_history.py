"""Version history: every save of a section, goal, meeting, intervention and
budget line is kept with author and time; a section's versions and a word-level
diff of any two; "changes since the draft was sent to review"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.editing import BudgetDraft, DraftLine
from budgets.models import Budget, Line
from budgets.services import budget_save, contributions_fill
from documents import adoption
from documents.history import changes_since_review
from interventions import services as intervention_services
from interventions.models import Intervention
from plans import services
from plans.diff import word_diff
from plans.history import section_versions
from plans.models import Goal, Meeting, Section

# --- the diff (no database) --------------------------------------------------------------


def test_a_word_diff_marks_whole_words():
    diff = word_diff(
        "Budgeten följs upp varje kvartal.", "Budgeten följs upp vid varje styrelsemöte."
    )
    assert str(diff.html) == (
        "Budgeten följs upp <ins>vid</ins> varje <del>kvartal</del><ins>styrelsemöte</ins>."
    )
    assert (diff.inserted, diff.deleted) == (2, 1)


def test_a_word_diff_escapes_the_text_and_keeps_line_breaks():
    diff = word_diff("<b>Ett</b>\r\n\r\nTvå", "<b>Ett</b>\n\nTre & fyra")
    assert "<b>" not in str(diff.html) and "&lt;b&gt;Ett&lt;/b&gt;" in str(diff.html)
    assert "\n\n" in str(diff.html) and "\r" not in str(diff.html)
    assert "<del>Två</del><ins>Tre &amp; fyra</ins>" in str(diff.html)


def test_an_unchanged_text_has_no_marks():
    diff = word_diff("Samma text.", "Samma text.")
    assert not diff.changed and "<ins>" not in str(diff.html)


# --- what is kept ------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_save_is_kept_with_author_and_time(plan, director, federation):
    section = plan.sections.get(heading="Risker")
    services.section_update(section=section, by=director, heading="Risker", kind="text", body="Ett")
    services.section_update(section=section, by=director, heading="Risker", kind="text", body="Två")
    versions = section_versions(section.pk)
    assert [v.body for v in versions] == ["Två", "Ett", ""]
    assert versions[0].by and versions[0].number == 3 and versions[-1].kind_label == "skapad"
    assert Section.history.filter(id=section.pk).first().history_user == director

    goal = services.goal_create(plan=plan, by=director, level="overall", text="Mål")
    services.goal_update(goal=goal, by=director, level="overall", text="Mål, ändrat")
    assert Goal.history.filter(id=goal.pk).count() == 2
    meeting = services.meeting_create(plan=plan, by=director, kind="board", date=date(2021, 5, 5))
    meeting_id = meeting.pk
    services.meeting_delete(meeting=meeting, by=director)
    kept = Meeting.history.filter(id=meeting_id).order_by("history_date")
    assert [h.history_type for h in kept] == ["+", "-"]
    assert all(h.history_user == director for h in kept)

    enter = Intervention.objects.get(federation=federation, key="enter")
    intervention_services.intervention_update(intervention=enter, by=director, name="Enter nu")
    assert Intervention.history.filter(id=enter.pk).first().name == "Enter nu"


@pytest.mark.django_db
def test_budget_lines_keep_their_versions_by_budget_and_key(plan, director):
    budget = Budget.objects.get(federation=plan.federation, year=plan.year)
    columns = [c.code for c in budget.columns.all()]

    def save(kansli: int) -> None:
        budget.refresh_from_db()
        lines = [
            DraftLine(
                key=line.key,
                category=line.category,
                label=line.label,
                member=line.member.key if line.member else None,
                intervention=line.intervention.key if line.intervention else None,
                amounts={a.column.code: a.amount for a in line.amounts.all()},
            )
            for line in budget.lines.filter(scenario=None).select_related("member", "intervention")
        ]
        for line in lines:
            if line.key == "kansli":
                line.amounts["2021:budget"] = Decimal(kansli)
        budget_save(
            budget=budget,
            draft=BudgetDraft(
                columns=columns,
                lines=lines,
                opening_equity=budget.opening_equity,
                version=budget.version,
            ),
            expected_version=budget.version,
            by=director,
        )

    save(900_000)
    save(880_000)
    history = Line.history.filter(budget=budget, key="kansli", history_type="+").order_by(
        "history_date"
    )
    assert [h.amounts["2021:budget"] for h in history] == ["900000.00", "880000.00"]
    assert all(h.history_user == director for h in history)
    contributions_fill(
        budget=budget, column="2021:budget", amounts={"fk": Decimal(1_300_000)}, by=director
    )
    latest = Line.history.filter(budget=budget, key="fk").first()
    assert latest.history_type == "~" and latest.amounts["2021:budget"] == "1300000.00"


# --- changes since review ----------------------------------------------------------------


@pytest.mark.django_db
def test_changes_since_the_draft_was_sent_to_review(plan, director):
    risks = plan.sections.get(heading="Risker")
    services.section_update(
        section=risks,
        by=director,
        heading="Risker",
        kind="text",
        body="Om ESF inte beviljas minskar teamet.",
    )
    assert changes_since_review(plan) is None
    adoption.plan_send_to_review(plan=plan, by=director)
    assert changes_since_review(plan).count == 0
    services.section_update(
        section=risks,
        by=director,
        heading="Risker",
        kind="text",
        body="Om ESF inte beviljas minskar teamet med två personer.",
    )
    services.section_create(plan=plan, by=director, heading="Bilaga", body="Ny")
    services.section_delete(section=plan.sections.get(heading="Kommunikation"), by=director)
    services.goal_create(plan=plan, by=director, level="board", text="Styrelsen utbildas")
    changes = changes_since_review(plan)
    by_heading = {c.heading: c for c in changes.sections}
    assert by_heading["Risker"].status == "ändrat"
    assert "<ins>med två personer</ins>" in str(by_heading["Risker"].body_diff.html)
    assert by_heading["Bilaga"].status == "nytt"
    assert by_heading["Kommunikation"].status == "borttaget"
    assert [(i.what, i.status) for i in changes.items] == [("Mål", "nytt")]


@pytest.mark.django_db
def test_a_bundle_imported_plan_gets_its_starting_point_when_sent_to_review(director):
    from tests.plans.conftest import import_demo

    budget, _data = import_demo("sundbyberg-2020")
    plan = budget.federation.plans.get(year=2020)
    plan.status = "draft"
    plan.save()
    assert not Section.history.filter(plan=plan).exists()  # bulk-created by the import
    adoption.plan_send_to_review(plan=plan, by=director)
    assert changes_since_review(plan).count == 0  # not "everything is new"
    section = plan.sections.first()
    assert len(section_versions(section.pk)) == 1


# --- pages ------------------------------------------------------------------------------


def url(name, plan, *args):
    return reverse(name, args=[plan.federation.slug, plan.year, *args])


@pytest.mark.django_db
def test_it_works(client, plan, director, reviewer):
    risks = plan.sections.get(heading="Risker")
    adoption.plan_send_to_review(plan=plan, by=director)
    services.section_update(
        section=risks, by=director, heading="Risker", kind="text", body="Ett två"
    )
    services.section_update(
        section=risks, by=director, heading="Risker", kind="text", body="Ett tre"
    )
    client.force_login(reviewer)
    changes = client.get(url("plan_changes", plan))
    assert changes.status_code == 200 and "<ins>Ett tre</ins>" in changes.text
    versions = section_versions(risks.pk)
    page = client.get(url("section_versions", plan, risks.pk))
    assert page.status_code == 200 and "Från version 2 till version 3" in page.text
    assert "<del>två</del><ins>tre</ins>" in page.text
    oldest, newest = versions[-1], versions[0]
    page = client.get(
        url("section_versions", plan, risks.pk) + f"?fran={newest.id}&till={oldest.id}"
    )
    assert "Från version 1 till version 3" in page.text  # any two, in order
    one = client.get(url("section_version", plan, risks.pk, versions[1].id))
    assert one.status_code == 200 and "Ett två" in one.text
    # A deleted section's versions stay readable.
    risks_id = risks.pk
    services.section_delete(section=risks, by=director)
    assert client.get(url("section_versions", plan, risks_id)).status_code == 200


@pytest.mark.django_db
def test_it_checks_access(client, plan, other_plan, outsider, viewer):
    section = plan.sections.first()
    version = section_versions(section.pk)[0]
    client.force_login(outsider)
    for address in (
        url("section_versions", plan, section.pk),
        url("section_version", plan, section.pk, version.id),
        url("plan_changes", plan),
        url("plan_history", plan),
    ):
        assert client.get(address).status_code == 404
    client.force_login(viewer)
    # Another plan's section or version through this plan's address: 404.
    theirs = other_plan.sections.first()
    assert client.get(url("section_versions", plan, theirs.pk)).status_code == 404
    assert (
        client.get(
            url("section_version", plan, section.pk, section_versions(theirs.pk)[0].id)
        ).status_code
        == 404
    )
    assert client.get(url("section_versions", plan, section.pk)).status_code == 200
