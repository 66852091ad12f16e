"""Fuzzed forms: thousands of generated submissions to every POST view of finsam
and budgets, each field filled with text and number junk (or left valid), as the
förbundschef on the förbund's own objects. Not one answer may be a server error.

The budget is the editor's test budget; the junk mixes random Unicode, numbers
of every shape (NaN, infinity, 10^40, Swedish and English separators), dates,
column codes, markup, NUL characters and the like.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.forms import PlannerForm, ScenarioForm
from budgets.models import Budget, Scenario
from budgets.selectors import budget_facts
from finsam.forms import BoardSeatForm, FederationForm, MemberForm
from finsam.models import BoardSeat, Federation, Invitation, Member, MemberKind, Membership, Role
from finsam.people.forms import InviteForm
from finsam.staff.forms import FederationCreateForm
from finsam.tokens import invitation_tokens, password_reset_tokens
from tests.budgets.test_grid import grid_post
from tests.budgets.test_views import make_budget
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SPECIAL = [
    "",
    " ",
    "0",
    "-0",
    "-1",
    "1",
    "00",
    "NaN",
    "-nan",
    "sNaN",
    "inf",
    "-Infinity",
    "1e999",
    "1E+5",
    "9" * 30,
    "9" * 400,
    "0,001",
    "1 296 000,50",
    "1\u00a0296\u00a0000",
    "−5",
    "+20 %",
    "20%",
    "½",
    "²",
    "٣",
    "2021:budget",
    "2099:plan",
    "0:budget",
    "2021:",
    ":",
    "member:fk",
    "member:nope",
    "intervention:enter",
    "intervention:",
    "contribution",
    "other_cost",
    "municipality",
    "region",
    "population",
    "previous",
    "ledamot",
    "chair",
    "2026-02-30",
    "2026-12-31",
    "31/12/2026",
    "0000-00-00",
    "9999-12-31",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e",
    "../../etc/passwd",
    "%00",
    "\x00",
    "a\x00b",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "Grundbudget",
    "grundbudget",
    "Om ESF-projektet beviljas",
    "fk",
    "kommun-a",
    "save",
    "add-line-other_cost",
    "delete-line-0",
    "delete-line-99999",
    "move-up-1",
    "move-down-0",
    "add-column",
    "delete-column-0",
    "delete-column-²",
    "move-up-٣",
    "x" * 5000,
]
junk = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(alphabet="0123456789 ,.-+e\u00a0\u202f", max_size=25),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
)


@dataclass
class Target:
    """One POST view: its URL, the fields a valid post has, and a valid post."""

    url: Callable[[], str]
    valid: Callable[[], dict[str, str]]
    # Who posts, when not the world's förbundschef (the staff, or nobody logged in).
    client: Callable[[], Client] | None = None


@dataclass
class World:
    federation: Federation
    budget: Budget
    client: Client


def _budget_post(w: World) -> Callable[[], dict[str, str]]:
    """The grid's post as first loaded (the same fields every time, for hypothesis),
    with the budget's current version, so that a save is not always a conflict."""
    post = grid_post(w.budget)

    def current() -> dict[str, str]:
        return post | {"version": str(Budget.objects.get(pk=w.budget.pk).version)}

    return current


def _fresh_member(w: World) -> Member:
    return Member.objects.create(
        federation=w.federation,
        key=f"tmp-{time.monotonic_ns()}",
        name="Tillfällig",
        kind=MemberKind.MUNICIPALITY,
        position=50,
    )


def _fresh_invitation(w: World) -> Invitation:
    return Invitation.objects.create(
        federation=w.federation,
        role=Role.BOARD,
        send_count=1,
        email=f"tmp-{time.monotonic_ns()}@alfa.se",
    )


def _fresh_membership(w: World) -> Membership:
    user = UserFactory(username=f"tmp-{time.monotonic_ns()}")
    return Membership.objects.create(user=user, federation=w.federation, role=Role.VIEWER)


def _staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username=f"staff-{time.monotonic_ns()}", is_staff=True))
    return client


def _new_federation_post() -> dict[str, str]:
    rows = [
        ("Försäkringskassan", "social_insurance", ""),
        ("Kramfors kommun", "municipality", "18 210"),
    ]
    post = {name: "" for name in FederationCreateForm.base_fields} | {
        "name": "Samordningsförbundet Kramfors",
        "slug": f"k-{time.monotonic_ns()}",
        "municipal_split": "population",
        "equity_cap_percent": "20",
        "medlemmar-TOTAL_FORMS": str(len(rows)),
        "medlemmar-INITIAL_FORMS": "0",
    }
    for index, (name, kind, population) in enumerate(rows):
        post |= {
            f"medlemmar-{index}-name": name,
            f"medlemmar-{index}-kind": kind,
            f"medlemmar-{index}-population": population,
            f"medlemmar-{index}-fixed_share_percent": "",
        }
    return post


def _link_client(path: str) -> tuple[Client, str]:
    """Nobody logged in, who has opened a one-time link: the token is in her session;
    returns the page it sent her on to."""
    client = Client()
    response = client.get(path)
    assert response.status_code == 302, (path, response.status_code)
    return client, response.url


def _fresh_plan_year(w: World) -> int:
    """A plan year without a budget, new for every post ("Skapa budget")."""
    from plans.models import Plan

    year = 2030 + Plan.objects.filter(federation=w.federation).count()
    Plan.objects.create(federation=w.federation, year=year, title=f"Plan {year}")
    return year


PASTE_YEAR = 2022
PASTED = (
    f"Post\tBudget {PASTE_YEAR}\tPlan {PASTE_YEAR + 1}\tUtfall {PASTE_YEAR - 2}\n"
    "Intäkter\n"
    "Försäkringskassan\t1 000 000\t1 000 000\t980 000\n"
    "Region Test\t500 000\t500 000\t490 000\n"
    "A kommun\t375 000\t375 000\t\n"
    "B kommun\t125 000\t125 000\t\n"
    "Summa intäkter\t2 000 000\t2 000 000\t1 470 000\n"
    "Kostnader\n"
    "Enter\t1 200 000\t1 200 000\t1 000 000\n"
    "Kansli\t800 000\t800 000\t700 000\n"
    "Resultat\t0\t0\t-230 000\n"
)


def _paste_post(w: World) -> Callable[[], dict[str, str]]:
    """The preview's post as "Spara budgeten" sends it, over the plan year 2022."""
    from budgets.create_views import text_digest
    from plans.models import Plan

    Plan.objects.get_or_create(
        federation=w.federation, year=PASTE_YEAR, defaults={"title": "Plan 2022"}
    )
    post = {
        "text": PASTED,
        "action": "save",
        "previewed": text_digest(PASTED),
        "line-3-category": "contribution",
        "line-3-link": "member:fk",
        "line-9-category": "intervention",
        "line-9-link": "intervention:enter",
        "line-10-category": "administration",
        "line-10-link": "",
    }
    return lambda: dict(post)


def _targets(w: World) -> dict[str, Target]:
    slug, year = w.federation.slug, w.budget.year
    member = w.federation.members.get(key="kommun-b")
    seat = BoardSeat.objects.filter(member=member).first()
    assert seat is not None
    scenario = w.budget.scenarios.first()
    assert scenario is not None
    facts = budget_facts(w.budget)
    planner_fields = list(
        PlannerForm(
            facts=facts, federation=w.federation, members=list(w.federation.members.all())
        ).fields
    )

    def fields(form_class, **valid: str) -> Callable[[], dict[str, str]]:
        return lambda: {name: valid.get(name, "") for name in form_class.base_fields} | valid

    def budget_url(name: str, *extra: int) -> Callable[[], str]:
        return lambda: reverse(name, args=[slug, year, *extra])

    return {
        "federation_edit": Target(
            lambda: reverse("federation_edit", args=[slug]),
            fields(
                FederationForm, name="Alfa", equity_cap_percent="20", municipal_split="population"
            ),
        ),
        "member_create": Target(
            lambda: reverse("member_create", args=[slug]),
            fields(MemberForm, key="ny", name="Ny kommun", kind="municipality", population="100"),
        ),
        "member_edit": Target(
            lambda: reverse("member_edit", args=[slug, member.pk]),
            fields(MemberForm, key="kommun-b", name="B kommun", kind="municipality"),
        ),
        "member_delete": Target(
            lambda: reverse("member_delete", args=[slug, _fresh_member(w).pk]),
            lambda: {"confirm": "1"},
        ),
        "seat_create": Target(
            lambda: reverse("seat_create", args=[slug]),
            fields(BoardSeatForm, member=str(member.pk), person="Anna", role="ledamot"),
        ),
        "seat_edit": Target(
            lambda: reverse("seat_edit", args=[slug, seat.pk]),
            fields(BoardSeatForm, member=str(member.pk), person="Anna", role="ledamot"),
        ),
        "seat_delete": Target(
            lambda: reverse(
                "seat_delete",
                args=[
                    slug,
                    BoardSeat.objects.create(
                        member=member, person="Tillfällig", role="ersattare"
                    ).pk,
                ],
            ),
            lambda: {},
        ),
        "budget_grid_recompute": Target(
            budget_url("budget_grid_recompute"),
            _budget_post(w),
        ),
        "budget_grid_save": Target(
            budget_url("budget_grid_save"),
            _budget_post(w),
        ),
        "scenario_create": Target(
            budget_url("scenario_create"),
            fields(ScenarioForm, name="Nytt"),
        ),
        "scenario_rename": Target(
            budget_url("scenario_rename", scenario.pk),
            lambda: {"name": "Nytt namn"},
        ),
        "scenario_delete": Target(
            lambda: reverse(
                "scenario_delete",
                args=[
                    slug,
                    year,
                    Scenario.objects.create(
                        budget=w.budget, name=f"tmp-{time.monotonic_ns()}", position=9
                    ).pk,
                ],
            ),
            lambda: {},
        ),
        "budget_create": Target(
            lambda: reverse("budget_create", args=[slug, _fresh_plan_year(w)]),
            lambda: {"start": "empty", "empty-total": "4 000 000"},
        ),
        "budget_table_import": Target(
            lambda: reverse("budget_table_import", args=[slug, PASTE_YEAR]),
            _paste_post(w),
        ),
        "budget_planner": Target(
            budget_url("budget_planner"),
            lambda: (
                {name: "" for name in planner_fields}
                | {
                    "column": f"{year}:budget",
                    "key": "population",
                    "key_column": f"{year - 1}:forecast",
                    "offer_fk": "+10 %",
                    "compute": "1",
                }
            ),
        ),
        "login": Target(
            lambda: reverse("login"), lambda: {"username": "director", "password": "x", "next": "/"}
        ),
        "twofactor_verify": Target(
            lambda: reverse("twofactor_verify"), lambda: {"code": "123456", "next": "/"}
        ),
        "twofactor_setup": Target(
            lambda: reverse("twofactor_setup"), lambda: {"code": "123456", "next": "/"}
        ),
        "twofactor_backup_codes_new": Target(
            lambda: reverse("twofactor_backup_codes_new"), lambda: {}
        ),
        "twofactor_disable": Target(lambda: reverse("twofactor_disable"), lambda: {}),
        "session_status": Target(lambda: reverse("session_status"), lambda: {}),
        # People (finsam/people/, finsam/staff/).
        "people": Target(
            lambda: reverse("people", args=[slug]),
            lambda: fields(
                InviteForm, email=f"ny-{time.monotonic_ns()}@alfa.se", role="reviewer"
            )(),
        ),
        "person_role": Target(
            lambda: reverse("person_role", args=[slug, _fresh_membership(w).pk]),
            lambda: {"role": "board"},
        ),
        "person_remove": Target(
            lambda: reverse("person_remove", args=[slug, _fresh_membership(w).pk]),
            lambda: {},
        ),
        "invitation_resend": Target(
            lambda: reverse("invitation_resend", args=[slug, _fresh_invitation(w).pk]),
            lambda: {},
        ),
        "invitation_withdraw": Target(
            lambda: reverse("invitation_withdraw", args=[slug, _fresh_invitation(w).pk]),
            lambda: {},
        ),
        "staff_federation_new": Target(
            lambda: reverse("staff_federation_new"),
            _new_federation_post,
            _staff_client,
        ),
        "staff_federation": Target(
            lambda: reverse("staff_federation", args=[slug]),
            lambda: fields(
                InviteForm, email=f"chef-{time.monotonic_ns()}@alfa.se", role="director"
            )(),
            _staff_client,
        ),
        "staff_invitation_resend": Target(
            lambda: reverse("staff_invitation_resend", args=[slug, _fresh_invitation(w).pk]),
            lambda: {},
            _staff_client,
        ),
        "staff_invitation_withdraw": Target(
            lambda: reverse("staff_invitation_withdraw", args=[slug, _fresh_invitation(w).pk]),
            lambda: {},
            _staff_client,
        ),
        "password_reset": Target(
            lambda: reverse("password_reset"),
            lambda: {"email": "director@alfa.se"},
            Client,
        ),
        "password_reset_confirm": _link_target(w, "password_reset_confirm"),
        "invitation_accept": _link_target(w, "invitation_accept"),
    }


def _link_target(w: World, name: str) -> Target:
    """The page behind a one-time link (a new password; an invitation's new account),
    posted to by someone who opened the link."""
    opened: dict[str, str] = {}

    def client() -> Client:
        if name == "password_reset_confirm":
            user = UserFactory(username=f"eva-{time.monotonic_ns()}", email="eva@alfa.se")
            path = reverse(
                "password_reset_confirm",
                args=[
                    urlsafe_base64_encode(force_bytes(user.pk)),
                    password_reset_tokens.make_token(user),
                ],
            )
        else:
            invitation = _fresh_invitation(w)
            path = reverse(
                "invitation_open", args=[invitation.pk, invitation_tokens.make_token(invitation)]
            )
        link_client, opened["url"] = _link_client(path)
        return link_client

    password = "Ett-långt-lösenord-för-fuzz-1"
    valid = (
        {"new_password1": password, "new_password2": password}
        if name == "password_reset_confirm"
        else {
            "first_name": "Eva",
            "last_name": "Ek",
            "new_password1": password,
            "new_password2": password,
        }
    )
    return Target(lambda: opened["url"], lambda: dict(valid), client)


def _mutated(valid: dict[str, str], data: st.DataObject) -> dict[str, str]:
    post = dict(valid)
    names = sorted(post)
    if names:
        for name in data.draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True)):
            post[name] = data.draw(junk)
    # Now and then a field nobody asked for, or an indexed one out of range.
    extra = data.draw(
        st.dictionaries(
            st.one_of(
                st.text(max_size=12),
                st.sampled_from(
                    [
                        "action",
                        "fill",
                        "computed",
                        "version",
                        "scenario",
                        "line-7-label",
                        "line-0-delete",
                        "column-9",
                        "line-1000000000-label",
                        "line-²-label",
                        "new_column",
                        "link",
                    ]
                ),
            ),
            junk,
            max_size=3,
        )
    )
    return post | extra


@pytest.fixture
def world(client, director, federation) -> World:
    client.force_login(director)
    return World(federation=federation, budget=make_budget(federation), client=client)


# Submissions per view at FUZZ_SCALE=1: about 1 900 in all with the Excel uploads, more
# where a request is cheap. `make test` runs 0.6 of them (the whole suite must stay under
# 10 minutes on PostgreSQL too); FUZZ_SCALE=1 or 10 in the environment for a longer run.
EXAMPLES = {
    "federation_edit": 180,
    "member_create": 180,
    "member_edit": 170,
    "member_delete": 80,
    "seat_create": 150,
    "seat_edit": 130,
    "seat_delete": 80,
    "budget_grid_recompute": 120,
    "budget_grid_save": 130,
    "scenario_create": 80,
    "scenario_rename": 150,
    "scenario_delete": 80,
    "budget_planner": 120,
    "budget_create": 60,
    "budget_table_import": 120,
    "login": 150,
    "twofactor_verify": 60,
    "twofactor_setup": 60,
    "twofactor_backup_codes_new": 20,
    "twofactor_disable": 20,
    "session_status": 30,
    "people": 100,
    "person_role": 60,
    "person_remove": 40,
    "invitation_resend": 40,
    "invitation_withdraw": 40,
    "staff_federation_new": 120,
    "staff_federation": 60,
    "staff_invitation_resend": 20,
    "staff_invitation_withdraw": 20,
    "password_reset": 60,
    "password_reset_confirm": 60,
    "invitation_accept": 60,
}
SCALE = float(os.environ.get("FUZZ_SCALE") or 0.6)
TARGET_NAMES = list(EXAMPLES)


def test_every_post_view_of_finsam_and_budgets_is_fuzzed():
    from tests.test_access import ROUTES

    posting = {
        r.name
        for r in ROUTES
        if r.name and r.callback.__module__.split(".")[0] in ("finsam", "budgets")
    } - {
        "home",
        "federation_detail",
        "budget_detail",
        "budget_report_json",
        "budget_grid",
        "scenario_compare",
        "budget_excel_export",
        "budget_excel_import",
        "logout",  # these two: the tests at the end of this file
        "twofactor_overview",
        "twofactor_backup_codes",  # pages that only show
        "staff_federations",
        "password_reset_done",
        "invitation_open",  # a mail's link: answers any method alike (tested in tests/finsam)
        "intervention_list",
        "intervention_detail",
        # The follow-up (an SIE upload, a mapping, forecasts): its bad input is tested in
        # tests/budgets/test_followup_views.py; not yet fuzzed here.
        "follow_up",
        "follow_up_import",
        "follow_up_mapping",
    }  # (budgets/intervention_views.py)
    assert posting <= set(TARGET_NAMES), posting - set(TARGET_NAMES)


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_fuzzed_posts_never_give_a_server_error(name, world):
    target = _targets(world)[name]
    # The login form is for those not logged in (others are sent on).
    client = Client() if name == "login" else target.client() if target.client else world.client
    statuses: dict[int, int] = {}

    @given(data=st.data())
    @settings(
        max_examples=int(EXAMPLES[name] * SCALE),
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    def post(data: st.DataObject) -> None:
        response = client.post(target.url(), _mutated(target.valid(), data))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500

    post()
    # Not everything was refused at the door: the views' own code ran.
    assert min(statuses) < 400, statuses


UPLOADS = st.one_of(
    st.binary(max_size=2000),
    st.just(b"PK\x03\x04" + b"\x00" * 100),
    st.builds(
        lambda names, body: _zip({n: body for n in names}),
        st.lists(
            st.sampled_from(
                [
                    "[Content_Types].xml",
                    "xl/workbook.xml",
                    "xl/worksheets/sheet1.xml",
                    "docProps/core.xml",
                    "../evil.txt",
                ]
            ),
            min_size=1,
            max_size=4,
            unique=True,
        ),
        st.binary(max_size=300),
    ),
)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_fuzzed_excel_uploads_never_give_a_server_error(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("budget_excel_import", args=[world.federation.slug, world.budget.year])

    @given(
        body=UPLOADS,
        name=st.sampled_from(["budget.xlsx", "budget.xls", "x", "a.xlsx\x00.exe"]),
        extra=st.dictionaries(st.sampled_from(["file", "name", "version"]), junk, max_size=2),
    )
    @settings(
        max_examples=int(120 * SCALE),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def upload(body: bytes, name: str, extra: dict[str, str]) -> None:
        data = {**extra, "file": SimpleUploadedFile(name, body)}
        response = world.client.post(url, data)
        assert response.status_code < 500

    upload()


def test_logout_with_junk(world):
    response = world.client.post(reverse("logout"), {"next": "javascript:alert(1)"})
    assert response.status_code == 302
    assert not response["Location"].startswith("javascript:")
