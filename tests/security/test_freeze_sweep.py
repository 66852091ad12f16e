"""The freeze sweep: with the plan year fastställd, every write is refused.

Like the tenant sweep (tests/test_access.py), it walks the URL resolver and the
project's management commands:

1. Every URL pattern that takes a POST is in WRITES (posted as the director with
   the plan decided: 409, the Swedish message, and not one row changed) or in
   NOT_PLAN_YEAR_WRITES with the reason it writes nothing of a plan year. Every
   other URL must answer a POST with 405. So a new write URL without a case here
   fails `test_every_url_that_takes_a_post_has_a_case`.
2. Each write is posted twice: as it is, and with the views' own pre-checks
   (`frozen_response`) switched off, as when the plan was decided between the
   pre-check and the save. Then the services' guard (plans/freeze.py) alone
   refuses, and the middleware (plans/middleware.py) gives the same 409 page.
3. Every management command of the project's apps is in COMMAND_WRITES (run
   against the decided year: exit status 1 or CommandError, nothing changed) or
   COMMAND_READS with its reason.
4. The admin shows a decided plan and an adopted year's intervention read only.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.urls import reverse

from budgets.excel import export_xlsx
from budgets.models import Amount, Budget, Column, Line, Scenario
from documents.bundle.export import export_bundle
from interventions.models import Intervention, InterventionGoal
from plans.models import Comment, Goal, Meeting, Plan, PlanStatus, PlanTransition, Section, Snapshot
from tests.budgets.test_grid import grid_post
from tests.factories import UserFactory
from tests.test_access import PLAN_YEAR, ROUTES, World, _comment, build_world

pytestmark = pytest.mark.django_db

FROZEN = "är fastställd och kan inte ändras"
FROZEN_COMMENTS = "Planen är fastställd; den tar inte emot fler kommentarer"
FROZEN_INTERVENTION = f"fastställda verksamhetsplanen {PLAN_YEAR}"
PROJECT_APPS = ("finsam", "plans", "interventions", "budgets", "documents")
# The modules whose views refuse a frozen year before calling a service.
PRE_CHECKING_VIEWS = (
    "plans.views",
    "plans.workflow_views",
    "budgets.views",
    "budgets.scenario_views",
    "budgets.excel_views",
    "budgets.create_views",
    "documents.views",
)


@dataclass(frozen=True)
class Write:
    """How to post to a write URL: the form data (from the world), the Swedish
    message of the refusal, and whether the data reaches the service when the
    view's pre-check is off (False: the view needs more than a form can hold)."""

    data: Callable[[World], dict[str, Any]] = lambda w: {}
    message: str = FROZEN
    reaches_service: bool = True
    htmx: bool = False


def _excel_upload(w: World) -> dict[str, Any]:
    upload = io.BytesIO(export_xlsx(Budget.objects.get(pk=w.budget.pk)))
    upload.name = "budget.xlsx"
    return {"file": upload}


def _intervention_form(w: World) -> dict[str, Any]:
    """An intervention of the decided year only (so of an adopted plan only)."""
    member = w.member.pk
    return {
        "name": "Kurs under året",
        "short_name": "",
        "key": "",
        "status": "ongoing",
        "individual_share_percent": "100",
        "category_label": "",
        "target_group": "",
        "age_min": "",
        "age_max": "",
        "purpose": "",
        "description": "",
        "owner": "",
        "owner_unit": "",
        "members": [member],
        "steering_members": [],
        "steering_group": "",
        "start": f"{PLAN_YEAR}-02-01",
        "end": f"{PLAN_YEAR}-06-30",
        "interim_report_on": "",
        "annual_report_on": "",
        "goals-TOTAL_FORMS": "0",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "1000",
    }


# URL name → how to post to it. Every URL that writes a plan year's data.
WRITES: dict[str, Write] = {
    # the plan, its sections, goals and årshjul
    "plan_edit": Write(
        lambda w: {
            "title": "Ändrad titel",
            "reference": "",
            "vision": "",
            "decision_meeting_on": "",
        }
    ),
    "section_create": Write(lambda w: {"heading": "Nytt", "kind": "text", "body": "Text"}),
    "section_edit": Write(
        lambda w: {
            "heading": "Ändrad",
            "kind": "text",
            "body": "Ny text",
            "version": w.section.version,
        }
    ),
    "section_move": Write(lambda w: {"riktning": "ned"}),
    "section_delete": Write(),
    "plan_goal_create": Write(lambda w: {"level": "overall", "text": "Nytt mål", "measures": ""}),
    "plan_goal_edit": Write(lambda w: {"level": "overall", "text": "Ändrat mål", "measures": ""}),
    "plan_goal_delete": Write(),
    "meeting_create": Write(
        lambda w: {"kind": "board", "date": f"{PLAN_YEAR}-05-05", "title": "Nytt möte"}
    ),
    "meeting_edit": Write(
        lambda w: {"kind": "board", "date": f"{PLAN_YEAR}-05-06", "title": "Flyttat möte"}
    ),
    "meeting_delete": Write(),
    # the workflow: a decided plan is not sent to review, taken back or decided again
    "plan_send_to_review": Write(lambda w: {"note": ""}),
    "plan_return_to_draft": Write(),
    "plan_decide": Write(
        lambda w: {"decided_on": f"{PLAN_YEAR - 1}-11-20", "reference": "dnr 2", "meeting": "ny"},
        reaches_service=False,
    ),
    # the budget
    "budget_grid_save": Write(lambda w: grid_post(w.budget, opening_equity="777 777")),
    "budget_grid_recompute": Write(lambda w: grid_post(w.budget), reaches_service=False, htmx=True),
    "budget_excel_import": Write(_excel_upload),
    "scenario_create": Write(lambda w: {"name": "Nytt scenario"}),
    "scenario_rename": Write(lambda w: {"name": "Nytt namn"}),
    "scenario_delete": Write(),
    # the planner's fill needs the signature of a computed outcome (its service,
    # contributions_fill, refuses in tests/plans/test_workflow_frozen.py)
    "budget_planner": Write(lambda w: {"fill": "1"}, reaches_service=False),
    # "Skapa budget" and the paste box: the decided year has its budget, so without the
    # pre-check "Skapa budget" goes to it; the services' guard refuses a new budget and a
    # pasted table saved after the plan was decided (tests/budgets/test_create.py).
    "budget_create": Write(lambda w: {"start": "empty"}, reaches_service=False),
    "budget_table_import": Write(
        lambda w: {"text": f"Post\tBudget {PLAN_YEAR}\nKansli\t1 000\n", "action": "save"},
        reaches_service=False,
    ),
    # the comments: none added, answered, changed, withdrawn, resolved or reopened
    "comment_add": Write(
        lambda w: {"about": f"avsnitt-{w.section.pk}", "body": "Ny", "quote": ""},
        message=FROZEN_COMMENTS,
    ),
    "comment_reply": Write(lambda w: {"body": "Svar"}, message=FROZEN_COMMENTS),
    "comment_amend": Write(lambda w: {"body": "Ändrad"}, message=FROZEN_COMMENTS),
    "comment_withdraw": Write(message=FROZEN_COMMENTS),
    "comment_resolve": Write(message=FROZEN_COMMENTS),
    "comment_reopen": Write(message=FROZEN_COMMENTS),
    # an intervention of the adopted year only
    "intervention_create": Write(_intervention_form, message=FROZEN_INTERVENTION),
    "intervention_edit": Write(_intervention_form, message=FROZEN_INTERVENTION),
    "intervention_delete": Write(message=FROZEN_INTERVENTION),
}

# URLs that take a POST but write nothing of a plan year, and why.
NOT_PLAN_YEAR_WRITES: dict[str, str] = {
    "login": "logs in",
    "logout": "logs out",
    "twofactor_overview": "the user's own two-factor settings",
    "twofactor_verify": "the user's own two-factor login",
    "twofactor_setup": "the user's own two-factor settings",
    "twofactor_backup_codes": "the user's own backup codes",
    "twofactor_backup_codes_new": "the user's own backup codes",
    "twofactor_disable": "the user's own two-factor settings",
    "session_status": "the session's status for the editors (JSON), writes nothing of a plan",
    "home": "a read page, which answers any method with the page",
    "follow_up": "the year's follow-up (method, forecasts, comments) beside the adopted plan",
    "follow_up_import": "the bookkeeping's actuals, stored beside the adopted plan and budget",
    "follow_up_mapping": "the förbund's own mapping of accounts to budget lines",
    "intervention_period_edit": "an intervention's participant counts and goal outcomes to date",
    "follow_up_send": (
        "freezes the follow-up report; next year's prognos column only if that year is "
        "not adopted (forecast_into_next_year)"
    ),
    "federation_detail": "a read page, which answers any method with the page",
    "federation_edit": "the förbund's own facts; a decided year's figures come from its snapshot",
    "member_create": "a member of the förbund; a decided year's figures come from its snapshot",
    "member_edit": "a member of the förbund; a decided year's figures come from its snapshot",
    "member_delete": "refused while a budget line uses the member (PROTECT)",
    "seat_create": "the board's seats belong to the förbund, not to a plan year",
    "seat_edit": "the board's seats belong to the förbund, not to a plan year",
    "seat_delete": "the board's seats belong to the förbund, not to a plan year",
    "plan_create": "creates the plan of a year that has none; a decided year has its plan",
    "plan_new_revision": "the one way to change a decided plan: a new draft revision, the "
    "adopted version stays in its snapshot",
    "plan_roll_forward": "writes next year's plan from the adopted one",
    "plan_publish": "publishes the adopted version (its snapshot) as it is",
    "plan_unpublish": "takes the adopted version off the public page",
    "plan_calendar_renew": "the user's own calendar link (a new token), not the plan",
    "section_preview": "renders the editor's Markdown preview, saves nothing",
    "intervention_outcomes_edit": "utfall: the follow-up of the year, recorded after the plan "
    "was adopted",
    "outcome_delete": "utfall: the follow-up of the year, recorded after the plan was adopted",
    # People (finsam/people/, finsam/staff/): who may use the förbund, not a plan year.
    "people": "invites a person to the förbund",
    "person_role": "a person's role in the förbund",
    "person_remove": "a person's role in the förbund",
    "invitation_resend": "an invitation's mail",
    "invitation_withdraw": "an invitation",
    "invitation_accept": "the invitee's account and role",
    "password_reset": "a mail with a link for a new password",
    "password_reset_confirm": "the user's own password",
    "staff_federation_new": "a new förbund, with no plan year yet",
    "staff_federation": "invites a person to the förbund",
    "staff_invitation_resend": "an invitation's mail",
    "staff_invitation_withdraw": "an invitation",
}

# Management commands of the project's apps that write a plan year, and those that
# do not (with why).
COMMAND_WRITES = ("import_bundle", "load_demo", "import_budget_table")
COMMAND_READS: dict[str, str] = {
    "export_bundle": "writes the bundle to a file or stdout",
    "validate_budget": "reads the budget and reports",
    "render_plan": "writes the plan's PDF or HTML to a file",
    "backup_db": "copies the database to a file",
    "import_sie": "adds the year's actuals from the bookkeeping as a new import beside the "
    "adopted plan (the follow-up happens after the decision); it changes no plan, budget or "
    "snapshot (tests/budgets/test_import_sie.py)",
    "restore_db": "an operator's restore of a whole backup, which puts every plan back as it "
    "was backed up (adopted ones with their snapshots)",
}


def decided_world(federation) -> World:
    world = build_world(federation)
    Plan.objects.filter(pk=world.plan.pk).update(
        status=PlanStatus.DECIDED, decided_on=date(PLAN_YEAR - 1, 11, 19), reference="dnr 1"
    )
    world.plan.refresh_from_db()
    # The intervention runs in the adopted year only, so belongs to that plan only.
    Intervention.objects.filter(pk=world.intervention.pk).update(
        start=date(PLAN_YEAR, 1, 1), end=date(PLAN_YEAR, 12, 31)
    )
    world.intervention.refresh_from_db()
    # A budget column with an amount, so that the grid and the Excel file have figures.
    column = Column.objects.create(budget=world.budget, year=PLAN_YEAR, kind="budget", position=0)
    Amount.objects.create(line=world.line, column=column, amount=Decimal(8_000))
    return world


def rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of a plan year's data, as stored (the audit log aside)."""
    models = (
        Plan,
        Section,
        Goal,
        Meeting,
        Comment,
        Snapshot,
        PlanTransition,
        Budget,
        Column,
        Scenario,
        Line,
        Amount,
        Intervention,
        InterventionGoal,
        Intervention.members.through,
    )
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


def _route(name: str):
    return next(r for r in ROUTES if r.name == name)


def test_the_tables_name_real_urls_and_commands():
    names = {r.name for r in ROUTES}
    assert set(WRITES) <= names, set(WRITES) - names
    assert set(NOT_PLAN_YEAR_WRITES) <= names, set(NOT_PLAN_YEAR_WRITES) - names
    assert not set(WRITES) & set(NOT_PLAN_YEAR_WRITES)
    commands = {n for n, app in get_commands().items() if app in PROJECT_APPS}
    assert set(COMMAND_WRITES) | set(COMMAND_READS) <= commands


def test_every_url_that_takes_a_post_has_a_case(client, director, federation):
    world = decided_world(federation)
    client.force_login(director)
    missing = []
    for route in ROUTES:
        if route.name in WRITES or route.name in NOT_PLAN_YEAR_WRITES:
            continue
        url = route.url(world)
        response = client.post(url)
        if response.status_code == 405:
            continue
        if response.status_code == 404 and client.get(url).status_code == 404:
            continue  # nothing there for this user (a public page of an unpublished plan)
        missing.append(f"{route.label} answered POST with {response.status_code}")
    assert not missing, (
        "These URLs take a POST but the freeze sweep has no case for them. Add each to "
        "WRITES (if it writes a plan year's data) or to NOT_PLAN_YEAR_WRITES with the reason "
        "in tests/security/test_freeze_sweep.py:\n" + "\n".join(missing)
    )


@pytest.fixture
def no_pre_checks(monkeypatch):
    """The views' own frozen checks off: the guard in the services must refuse."""
    for module in PRE_CHECKING_VIEWS:
        monkeypatch.setattr(f"{module}.frozen_response", lambda *args, **kwargs: None)


@pytest.mark.parametrize("pre_check", ["with the view's pre-check", "the guard alone"])
@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_to_a_decided_year_is_refused(
    name, pre_check, client, director, federation, request
):
    write = WRITES[name]
    if pre_check == "the guard alone":
        if not write.reaches_service:
            pytest.skip("the form cannot reach the service without its pre-check")
        request.getfixturevalue("no_pre_checks")
    world = decided_world(federation)
    comment = _comment(world)
    Comment.objects.filter(pk=comment.pk).update(author=director)
    if name == "comment_reopen":
        Comment.objects.filter(pk=comment.pk).update(resolved_at=world.plan.updated_at)
    client.force_login(director)
    url = _route(name).url(world)
    data = write.data(world)
    before = rows()
    headers = {"HTTP_HX_REQUEST": "true"} if write.htmx else {}
    response = client.post(url, data, **headers)
    assert response.status_code == 409, f"POST {url}: {response.status_code}"
    assert write.message in response.text, response.text[:2000]
    assert rows() == before, f"POST {url} changed data of the decided year"
    if write.htmx:
        # The fragment an htmx page can show, and the event with the message.
        assert "<html" not in response.text and "data-plan-frozen" in response.text
        event = json.loads(response["HX-Trigger"])["finsam:plan-frozen"]
        assert FROZEN in event["message"] and event["year"] == PLAN_YEAR


# --- management commands ------------------------------------------------------------------


def test_every_command_of_the_project_has_a_case():
    commands = {n for n, app in get_commands().items() if app in PROJECT_APPS}
    missing = commands - set(COMMAND_WRITES) - set(COMMAND_READS)
    assert not missing, (
        f"Management commands without a case in the freeze sweep: {sorted(missing)}. Add each "
        "to COMMAND_WRITES or COMMAND_READS (with the reason) in tests/security/test_freeze_sweep.py."
    )


def _changed_bundle(world: World, tmp_path) -> str:
    bundle = export_bundle(world.federation, PLAN_YEAR)
    bundle["plan"]["title"] = "Ändrad efter beslutet"
    bundle["plan"]["sections"][0]["body"] = "Ny text efter beslutet."
    path = tmp_path / "alfa.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return str(path)


COMMAND_ARGS: dict[str, Callable[[str], list[str]]] = {
    "import_bundle": lambda path: [path],
    "load_demo": lambda path: ["--replace", "--dir", str(__import__("pathlib").Path(path).parent)],
    "import_budget_table": lambda path: ["alfa", str(PLAN_YEAR), _budget_table(path)],
}


def _budget_table(path: str) -> str:
    """A pasted budget table for the decided year, beside the bundle."""
    table = __import__("pathlib").Path(path).with_name("tabell.txt")
    table.write_text(f"\tBudget {PLAN_YEAR}\nKansli\t900 000\n", encoding="utf-8")
    return str(table)


@pytest.mark.parametrize("name", COMMAND_WRITES)
def test_every_command_that_writes_refuses_a_decided_year(name, federation, tmp_path):
    world = decided_world(federation)
    path = _changed_bundle(world, tmp_path)
    before = rows()
    with pytest.raises((SystemExit, CommandError)) as refused:
        call_command(name, *COMMAND_ARGS[name](path), stdout=io.StringIO(), stderr=io.StringIO())
    if isinstance(refused.value, SystemExit):
        assert refused.value.code == 1
    assert rows() == before


# --- the admin ----------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def test_the_admin_shows_a_decided_year_read_only(client, staff, federation):
    world = decided_world(federation)
    client.force_login(staff)
    before = rows()
    plan_url = reverse("admin:plans_plan_change", args=[world.plan.pk])
    page = client.get(plan_url)
    assert page.status_code == 200
    assert 'name="title"' not in page.text and world.plan.title in page.text
    assert 'name="sections-0-heading"' not in page.text
    refused = [
        client.post(plan_url, {"title": "Ändrad", "federation": federation.pk, "year": PLAN_YEAR}),
        client.post(reverse("admin:plans_plan_delete", args=[world.plan.pk]), {"post": "yes"}),
        client.post(
            reverse("admin:interventions_intervention_change", args=[world.intervention.pk]),
            {"name": "Ändrad", "federation": federation.pk},
        ),
        client.post(
            reverse("admin:interventions_intervention_delete", args=[world.intervention.pk]),
            {"post": "yes"},
        ),
        client.post(
            reverse("admin:finsam_federation_delete", args=[federation.pk]), {"post": "yes"}
        ),
        client.post(
            reverse("admin:plans_plan_changelist"),
            {"action": "delete_selected", "_selected_action": [world.plan.pk], "post": "yes"},
        ),
    ]
    assert [r.status_code for r in refused[:5]] == [403] * 5
    assert Plan.objects.filter(pk=world.plan.pk).exists()
    assert rows() == before


def test_the_admin_saves_through_the_guard(client, staff, federation, monkeypatch):
    """A draft plan is edited in the admin as before; the save takes the guard."""
    world = build_world(federation)
    client.force_login(staff)
    guarded = []
    from plans import admin as plans_admin

    real = plans_admin.ensure_plan_not_frozen
    monkeypatch.setattr(
        plans_admin, "ensure_plan_not_frozen", lambda *a, **k: (guarded.append(a), real(*a, **k))[1]
    )
    response = client.post(
        reverse("admin:plans_plan_change", args=[world.plan.pk]),
        {
            "federation": federation.pk,
            "year": PLAN_YEAR,
            "title": "Ändrad i admin",
            "reference": "",
            "vision": "",
            "decision_meeting_on": "",
            "review_items": "[]",
            "carried_from": "",
            **{
                f"{prefix}-{key}": value
                for prefix in ("sections", "goals", "meetings")
                for key, value in (
                    ("TOTAL_FORMS", "0"),
                    ("INITIAL_FORMS", "0"),
                    ("MIN_NUM_FORMS", "0"),
                    ("MAX_NUM_FORMS", "1000"),
                )
            },
        },
    )
    assert response.status_code == 302, response.text[:3000]
    assert Plan.objects.get(pk=world.plan.pk).title == "Ändrad i admin"
    assert (federation.pk, PLAN_YEAR) in guarded
