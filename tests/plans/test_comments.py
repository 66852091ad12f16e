"""Comments on a plan: on a section (quoting its text), an intervention or the
budget; replies; resolved and reopened by the director; withdrawn, never deleted;
not changed after a reply. Reviewers comment but cannot edit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from interventions.models import Intervention
from plans import comments, services
from plans.freeze import PlanFrozen
from plans.models import Comment
from plans.selectors import comment_threads, open_comment_counts

pytestmark = pytest.mark.django_db


def url(name, plan, *args):
    return reverse(name, args=[plan.federation.slug, plan.year, *args])


@pytest.fixture
def section(plan, director):
    section = plan.sections.get(heading="Uppföljning")
    return services.section_update(
        section=section,
        by=director,
        heading=section.heading,
        kind=section.kind,
        body="Insatserna följs upp i **SUS**. Budgeten följs upp vid varje styrelsemöte.",
    )


def test_a_comment_may_quote_a_passage_of_the_section(plan, section, reviewer):
    comment = comments.comment_add(
        plan=plan,
        by=reviewer,
        role="reviewer",
        section=section,
        quote="Insatserna  följs upp i SUS.",  # as the reader sees it: no Markdown, any spacing
        body="Hur ofta?",
    )
    assert comment.quote == "Insatserna följs upp i SUS." and comment.target_label == "Uppföljning"
    assert comment.author == reviewer and comment.author_role == "reviewer"
    with pytest.raises(ValidationError) as error:
        comments.comment_add(
            plan=plan,
            by=reviewer,
            role="reviewer",
            section=section,
            quote="Något som inte står där.",
            body="?",
        )
    assert "quote" in error.value.message_dict
    with pytest.raises(ValidationError):
        comments.comment_add(plan=plan, by=reviewer, role="reviewer", section=section, body="  ")


def test_comments_on_an_intervention_and_the_budget(plan, reviewer, board_member, other_plan):
    enter = Intervention.objects.get(federation=plan.federation, key="enter")
    on_enter = comments.comment_add(
        plan=plan,
        by=board_member,
        role="board",
        target="intervention",
        intervention=enter,
        body="Målet är för lågt.",
    )
    on_budget = comments.comment_add(
        plan=plan,
        by=reviewer,
        role="reviewer",
        target="budget",
        body="Underskottet behöver motiveras.",
    )
    assert on_enter.target_label == "Enter" and on_budget.target_label == "Budget 2021"
    counts = open_comment_counts(plan)
    assert counts["intervention"] == {enter.pk: 1} and counts["budget"] == {0: 1}
    theirs = Intervention.objects.get(federation=other_plan.federation, key="enter")
    with pytest.raises(ValidationError):
        comments.comment_add(
            plan=plan,
            by=reviewer,
            role="reviewer",
            target="intervention",
            intervention=theirs,
            body="x",
        )
    with pytest.raises(ValidationError):
        comments.comment_add(
            plan=plan, by=reviewer, role="reviewer", section=other_plan.sections.first(), body="x"
        )


def test_replies_lock_the_comment_and_withdrawing_keeps_it(
    plan, section, reviewer, director, board_member
):
    comment = comments.comment_add(
        plan=plan, by=reviewer, role="reviewer", section=section, body="Första"
    )
    comments.comment_change(comment=comment, by=reviewer, body="Första, rättad")
    with pytest.raises(PermissionDenied):
        comments.comment_change(comment=comment, by=director, body="Chefens ord")
    reply = comments.comment_reply(
        comment=comment, by=director, role="director", body="Tack, åtgärdat."
    )
    # A reply to a reply answers the thread.
    again = comments.comment_reply(comment=reply, by=board_member, role="board", body="Bra.")
    assert again.parent == comment and comment.replies.count() == 2
    with pytest.raises(ValidationError):
        comments.comment_change(comment=comment, by=reviewer, body="Ändrad efter svar")
    with pytest.raises(PermissionDenied):
        comments.comment_withdraw(comment=comment, by=director)
    comments.comment_withdraw(comment=comment, by=reviewer)
    comment.refresh_from_db()
    assert comment.is_withdrawn and comment.body == "Första, rättad"
    assert Comment.objects.filter(plan=plan).count() == 3  # nothing deleted
    assert not comment_threads(plan)  # not open
    assert [t.pk for t in comment_threads(plan, show="all")] == [comment.pk]


def test_the_director_resolves_and_reopens(plan, section, reviewer, director):
    comment = comments.comment_add(
        plan=plan, by=reviewer, role="reviewer", section=section, body="?"
    )
    assert open_comment_counts(plan)["section"] == {section.pk: 1}
    comments.comment_resolve(comment=comment, by=director)
    comment.refresh_from_db()
    assert comment.is_resolved and comment.resolved_by == director
    assert open_comment_counts(plan)["section"] == {}
    comments.comment_reopen(comment=comment, by=director)
    comment.refresh_from_db()
    assert comment.is_open


def test_an_adopted_plan_takes_no_more_comments(decided_plan, reviewer):
    with pytest.raises(PlanFrozen):
        comments.comment_add(
            plan=decided_plan, by=reviewer, role="reviewer", target="budget", body="x"
        )


def test_it_works(client, plan, section, reviewer, director):
    """The reviewer comments on a section quoting it; the plan page counts it; the
    director resolves it."""
    client.force_login(reviewer)
    form = client.get(url("comment_add", plan) + f"?avsnitt={section.pk}")
    assert (
        form.status_code == 200
        and 'id="avsnittstext"' in form.text
        and "plans/quote.js" in form.text
    )
    response = client.post(
        url("comment_add", plan),
        {
            "about": f"avsnitt-{section.pk}",
            "quote": "Budgeten följs upp vid varje styrelsemöte.",
            "body": "Räcker det?",
        },
    )
    assert response.status_code == 302 and response.url.endswith(f"#kapitel-{section.pk}")
    comment = Comment.objects.get(plan=plan)
    page = client.get(url("plan_detail", plan))
    assert "1 öppen kommentar" in page.text and "Räcker det?" in page.text
    assert "Budgeten följs upp vid varje styrelsemöte." in page.text
    assert "Markera som löst" not in page.text  # the director's
    thread = client.get(url("comment_thread", plan, comment.pk))
    assert thread.status_code == 200 and "Ta tillbaka kommentaren" in thread.text
    assert (
        client.post(url("comment_reply", plan, comment.pk), {"body": "Och mer."}).status_code == 302
    )
    assert client.get(url("plan_comments", plan) + "?visa=alla").status_code == 200

    client.force_login(director)
    assert "Markera som löst" in client.get(url("plan_detail", plan)).text
    assert client.post(url("comment_resolve", plan, comment.pk)).status_code == 302
    comment.refresh_from_db()
    assert comment.is_resolved
    assert "Inga öppna kommentarer" in client.get(url("plan_detail", plan)).text
    assert client.post(url("comment_reopen", plan, comment.pk)).status_code == 302


def test_it_checks_access(
    client, plan, section, reviewer, board_member, viewer, outsider, director
):
    comment = comments.comment_add(
        plan=plan, by=reviewer, role="reviewer", section=section, body="?"
    )
    # A reviewer comments but cannot edit the plan, nor resolve.
    client.force_login(reviewer)
    assert client.get(url("section_edit", plan, section.pk)).status_code == 403
    assert (
        client.post(
            url("section_edit", plan, section.pk), {"heading": "X", "kind": "text"}
        ).status_code
        == 403
    )
    assert client.post(url("comment_resolve", plan, comment.pk)).status_code == 403
    # Another's comment: neither changed nor withdrawn by someone else.
    client.force_login(board_member)
    assert client.post(url("comment_amend", plan, comment.pk), {"body": "Mitt"}).status_code == 403
    assert client.post(url("comment_withdraw", plan, comment.pk)).status_code == 403
    # A viewer reads, but does not comment.
    client.force_login(viewer)
    assert client.get(url("comment_thread", plan, comment.pk)).status_code == 200
    assert (
        client.post(url("comment_add", plan), {"about": "budget", "body": "x"}).status_code == 403
    )
    client.force_login(outsider)
    assert client.get(url("comment_thread", plan, comment.pk)).status_code == 404
    assert client.post(url("comment_reply", plan, comment.pk), {"body": "x"}).status_code == 404
    comment.refresh_from_db()
    assert comment.body == "?" and comment.is_open and not comment.replies.exists()
