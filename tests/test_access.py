"""Access, for every URL the project has, found by walking the URL resolver.

1. Every URL that takes arguments is built from ANOTHER förbund's real objects and
   requested by each role of the first förbund, with GET and POST: every answer is
   404, so nobody can even learn that the object exists.
2. Every view marked as an edit view (`@edit_view`) answers 403 to the roles that
   may only read, on their own förbund's objects; and every URL whose name says it
   changes something (create, edit, delete, ...) must be so marked.

A new URL is covered as soon as it exists. If it takes an argument this file does
not know, the tests fail until the argument is added to `KWARG_REGISTRY`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from budgets.models import Budget, Category, FollowUp, Line, Scenario
from finsam.models import BoardSeat, Federation, Invitation, Member, Membership, Role
from finsam.roles import EDIT
from interventions.models import Intervention, InterventionGoal, InterventionOutcome
from plans.calendar import calendar_token
from plans.models import Comment, Goal, GoalLevel, Meeting, MeetingKind, Plan, Section, Snapshot

# URL prefixes outside the förbund's pages: Django's admin has its own staff checks.
SKIPPED_PREFIXES = ("admin/", "static/", "media/")
# A URL name with one of these words changes something and must be an edit view.
WRITE_WORDS = ("create", "edit", "delete", "update", "import", "save")
READ_ONLY_ROLES = ("reviewer", "board_member", "viewer")
ALL_ROLES = ("director", *READ_ONLY_ROLES)
PLAN_YEAR = 2026


@dataclass(frozen=True)
class World:
    """One förbund with one real object of every kind a URL can point at."""

    federation: Federation
    member: Member
    seat: BoardSeat
    budget: Budget
    plan: Plan
    line: Line
    scenario: Scenario
    intervention: Intervention
    section: Section
    goal: Goal
    meeting: Meeting
    membership: Membership
    invitation: Invitation


# URL argument → how to get its value from a förbund's objects. Add a line here
# when a URL takes a new argument (and the object to World / build_world).
KWARG_REGISTRY: dict[str, Callable[[World], object]] = {
    "slug": lambda w: w.federation.slug,
    # A year for which the förbund has both a Budget and a Plan.
    "year": lambda w: w.budget.year,
    "member_id": lambda w: w.member.pk,
    "seat_id": lambda w: w.seat.pk,
    "line_id": lambda w: w.line.pk,
    "scenario_id": lambda w: w.scenario.pk,
    "intervention_id": lambda w: w.intervention.pk,
    "outcome_id": lambda w: _outcome(w).pk,
    "plan_id": lambda w: w.plan.pk,
    "section_id": lambda w: w.section.pk,
    "goal_id": lambda w: w.goal.pk,
    "meeting_id": lambda w: w.meeting.pk,
    "plan_goal_id": lambda w: w.goal.pk,
    # The årshjul feed's token (plans/calendar.py): genuine for the förbund, but for
    # no member of it, so the feed must answer 404.
    "token": lambda w: calendar_token(0, w.federation),
    # The plan's workflow (plans/workflow_views.py): a comment, a saved version of the
    # section, and an adopted version of the plan (made when first asked for).
    "comment_id": lambda w: _comment(w).pk,
    "version_id": lambda w: Section.history.filter(id=w.section.pk).first().history_id,
    "snapshot_id": lambda w: _snapshot(w).pk,
    # An adoption queued for the world's plan (documents/pdf_tasks.py), as its progress page's.
    "job_id": lambda w: _adoption_job(w),
    # People (finsam/people/): someone's role in the förbund, an open invitation, and
    # for "Glömt lösenordet?" the account of that role (its token is the calendar one,
    # no reset token: the link must answer 404).
    "membership_id": lambda w: w.membership.pk,
    "invitation_id": lambda w: w.invitation.pk,
    "uidb64": lambda w: urlsafe_base64_encode(force_bytes(w.membership.user_id)),
    # The follow-up per 30 June of the world's budget year (budgets/followup_data.py).
    "month": lambda w: _follow_up(w).month,
}


def _follow_up(w: World) -> FollowUp:
    return FollowUp.objects.get_or_create(federation=w.federation, year=w.budget.year, month=6)[0]


def _adoption_job(w: World) -> str:
    from documents.pdf_tasks import AdoptionJob

    job = AdoptionJob(id=f"jobb-{w.plan.pk}", plan_id=w.plan.pk, by_id=None)
    job.save()
    return job.id


def _comment(w: World) -> Comment:
    return Comment.objects.get_or_create(
        plan=w.plan, section=w.section, defaults={"body": "Förtydliga visionen."}
    )[0]


def _snapshot(w: World) -> Snapshot:
    found = Snapshot.objects.filter(plan=w.plan).first()
    return found or Snapshot.objects.create(
        plan=w.plan,
        revision=1,
        decided_on=date(PLAN_YEAR - 1, 11, 19),
        bundle="{}",
        bundle_sha256="0" * 64,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
    )


def _outcome(w: World) -> InterventionOutcome:
    """A goal of the world's intervention with an outcome (made when first asked for)."""
    goal, _ = InterventionGoal.objects.get_or_create(intervention=w.intervention, text="Mål")
    return InterventionOutcome.objects.get_or_create(goal=goal, year=PLAN_YEAR, value=38)[0]


def build_world(federation: Federation) -> World:
    member = federation.members.order_by("position").last()
    assert member is not None
    seat = BoardSeat.objects.filter(member=member).first()
    assert seat is not None
    budget = Budget.objects.create(federation=federation, year=PLAN_YEAR)
    plan = Plan.objects.create(
        federation=federation, year=PLAN_YEAR, title=f"Verksamhetsplan {PLAN_YEAR}"
    )
    intervention = Intervention.objects.create(federation=federation, key="insats", name="Insatsen")
    person = get_user_model().objects.create_user(f"person-{federation.slug}")
    return World(
        federation=federation,
        member=member,
        seat=seat,
        budget=budget,
        plan=plan,
        line=Line.objects.create(
            budget=budget,
            key=member.key,
            label=member.name,
            category=Category.CONTRIBUTION,
            member=member,
        ),
        scenario=Scenario.objects.create(budget=budget, name="Om projektet beviljas"),
        intervention=intervention,
        section=Section.objects.create(plan=plan, heading="Vision"),
        goal=Goal.objects.create(plan=plan, level=GoalLevel.OVERALL, text="Fler i arbete"),
        meeting=Meeting.objects.create(
            plan=plan, kind=MeetingKind.BOARD, date=date(PLAN_YEAR, 3, 6), title="Styrelsemöte"
        ),
        membership=Membership.objects.create(user=person, federation=federation, role=Role.VIEWER),
        invitation=Invitation.objects.create(
            federation=federation,
            email=f"inbjuden@{federation.slug}.se",
            role=Role.BOARD,
            send_count=1,
        ),
    )


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    callback: Callable[..., object]

    @property
    def kwargs(self) -> tuple[str, ...]:
        return tuple(re.findall(r"<(?:\w+:)?(\w+)>", self.route))

    @property
    def label(self) -> str:
        return f"{self.name or '(utan namn)'} /{self.route}"

    def url(self, world: World) -> str:
        missing = [k for k in self.kwargs if k not in KWARG_REGISTRY]
        if missing:
            pytest.fail(
                f"{self.label} takes {', '.join(missing)}, which KWARG_REGISTRY in "
                f"tests/test_access.py does not know. Add it, built from the förbund's "
                f"real objects, so that the access tests cover this URL."
            )
        return "/" + re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: str(KWARG_REGISTRY[m.group(1)](world)), self.route
        )


def walk(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    """Every URL pattern, through every include, except the skipped prefixes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, route, inner)
        else:
            assert isinstance(entry, URLPattern)
            if route.startswith("^") or "(?P<" in route:
                raise AssertionError(
                    f"/{route} is a regular expression; use path() so the access tests "
                    f"can build it."
                )
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(route=route, name=name, callback=entry.callback)


ROUTES = list(walk())
ROUTES_WITH_KWARGS = [r for r in ROUTES if r.kwargs]
EDIT_ROUTES = [r for r in ROUTES if getattr(r.callback, "finsam_action", None) == EDIT]


@pytest.fixture
def other_world(other_federation) -> World:
    return build_world(other_federation)


@pytest.fixture
def own_world(federation) -> World:
    return build_world(federation)


def test_the_walk_finds_the_federation_pages():
    names = {r.name for r in ROUTES}
    assert {
        "home",
        "federation_detail",
        "federation_edit",
        "member_edit",
        "seat_delete",
        "budget_detail",
    } <= names
    assert not any(r.route.startswith("admin/") for r in ROUTES)
    assert EDIT_ROUTES


@pytest.mark.parametrize("route", ROUTES_WITH_KWARGS, ids=lambda r: r.label)
def test_another_federations_objects_answer_404(
    route, client, other_world, director, reviewer, board_member, viewer
):
    users = {
        "director": director,
        "reviewer": reviewer,
        "board_member": board_member,
        "viewer": viewer,
    }
    url = route.url(other_world)
    for role in ALL_ROLES:
        client.force_login(users[role])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (
                f"{method.upper()} {url} as {role} of another förbund answered "
                f"{response.status_code}, not 404"
            )


@pytest.mark.parametrize("route", EDIT_ROUTES, ids=lambda r: r.label)
def test_edit_views_answer_403_to_read_only_roles(
    route, client, own_world, reviewer, board_member, viewer
):
    users = {"reviewer": reviewer, "board_member": board_member, "viewer": viewer}
    url = route.url(own_world)
    for role in READ_ONLY_ROLES:
        client.force_login(users[role])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 403, (
                f"{method.upper()} {url} as {role} answered {response.status_code}, not 403"
            )
    # Nothing was deleted on the way.
    assert Member.objects.filter(pk=own_world.member.pk).exists()
    assert BoardSeat.objects.filter(pk=own_world.seat.pk).exists()
    assert Membership.objects.filter(pk=own_world.membership.pk).exists()
    assert Invitation.objects.open().filter(pk=own_world.invitation.pk).exists()


def test_every_write_url_is_an_edit_view():
    unmarked = [
        r.label
        for r in ROUTES
        if r.name
        and any(word in r.name.split(":")[-1] for word in WRITE_WORDS)
        and getattr(r.callback, "finsam_action", None) != EDIT
    ]
    assert not unmarked, (
        "These URLs change something but their views are not decorated with "
        f"@edit_view from finsam/access.py: {unmarked}"
    )


@pytest.mark.parametrize("role", ALL_ROLES)
def test_start_page_lists_no_other_federation(role, client, request, federation, other_federation):
    client.force_login(request.getfixturevalue(role))
    page = client.get("/")
    assert page.status_code == 200
    assert federation.name in page.text
    assert other_federation.name not in page.text
    assert f"/f/{other_federation.slug}/" not in page.text
