"""Two users save the same budget, or the same section of the plan, from the same
version at the same moment.

The second gets a conflict and keeps what they typed; the stored budget is the
first save exactly. Repeated 100 times with real threads, each with its own
database connection (SQLite in IMMEDIATE mode with a file database, or
PostgreSQL when DATABASE_URL points there): 0 lost updates, and no "database
is locked".
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from budgets.editing import BudgetDraft
from budgets.grid import stored_draft
from budgets.models import Budget
from budgets.selectors import budget_facts
from budgets.services import BudgetConflict, budget_save
from finsam.models import Role
from tests.budgets.test_grid import grid_post
from tests.budgets.test_views import make_budget
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 100
VIEW_ROUNDS = 10
JOIN_SECONDS = 60


def _file_or_server_database() -> bool:
    name = str(connection.settings_dict["NAME"])
    return connection.vendor != "sqlite" or not (name == ":memory:" or "mode=memory" in name)


@pytest.fixture(autouse=True)
def _needs_shared_database():
    if not _file_or_server_database():
        pytest.fail("Threads need a file or server database (finsam/settings.py sets TEST NAME).")


def _in_threads(*work: Callable[[], object]) -> list[object]:
    """Run each function in its own thread, started together; return each result
    or the exception it raised. Every thread closes its database connection."""
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(index: int, function: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            results[index] = function()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive(), "a save did not finish in time"
    return results


def _clients(*users) -> list[Client]:
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def _post_together(
    clients: list[Client], url: str, posts: list[dict], n: int
) -> tuple[int, int, str]:
    """Both clients post at once: one is saved (302), the other gets the conflict (409).
    Returns the winner's and loser's index and the loser's page."""
    results = _in_threads(
        *((lambda c=c, p=p: c.post(url, p)) for c, p in zip(clients, posts, strict=True))
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    codes = [r.status_code for r in results]
    assert sorted(codes) == [302, 409], f"round {n}: {codes}"
    winner, loser = codes.index(302), codes.index(409)
    return winner, loser, results[loser].content.decode()


def _amounts(lines) -> dict[str, dict[str, Decimal]]:
    return {line.key: {c: a for c, a in line.amounts.items() if a} for line in lines}


def _changed(draft: BudgetDraft, value: int, reason: str) -> BudgetDraft:
    draft = copy.deepcopy(draft)
    kansli = next(line for line in draft.lines if line.key == "kansli")
    kansli.amounts["2021:budget"] = Decimal(value)
    draft.deficit_reason = reason
    return draft


@pytest.fixture
def second_director(federation):
    user = UserFactory(username="director2")
    MembershipFactory(user=user, federation=federation, role=Role.DIRECTOR)
    return user


def test_simultaneous_saves_lose_no_update(federation, director, second_director):
    budget = make_budget(federation)
    for n in range(ROUNDS):
        budget.refresh_from_db()
        version = budget.version
        stored = stored_draft(budget_facts(budget), budget, None)
        drafts = [_changed(stored, 1_000_000 + n * 10 + i, f"runda {n}, {i}") for i in (1, 2)]
        typed = copy.deepcopy(drafts)

        def save(draft: BudgetDraft, user, version: int = version) -> str:
            own = Budget.objects.get(pk=budget.pk)  # this thread's connection
            budget_save(budget=own, draft=draft, expected_version=version, by=user)
            return "saved"

        first, second = drafts
        results = _in_threads(
            lambda d=first: save(d, director), lambda d=second: save(d, second_director)
        )
        errors = [
            r for r in results if isinstance(r, Exception) and not isinstance(r, BudgetConflict)
        ]
        assert not errors, f"round {n}: {errors!r}"
        assert sorted(type(r).__name__ if isinstance(r, Exception) else r for r in results) == [
            "BudgetConflict",
            "saved",
        ], f"round {n}: {results!r}"
        winner = results.index("saved")
        loser = 1 - winner
        conflict = results[loser]
        assert isinstance(conflict, BudgetConflict) and conflict.budget.version == version + 1

        budget.refresh_from_db()
        assert budget.version == version + 1
        assert budget.updated_by == (director, second_director)[winner]
        assert budget.deficit_reason == drafts[winner].deficit_reason
        facts = budget_facts(budget)
        assert _amounts(facts.lines) == _amounts(drafts[winner].lines), f"round {n}"
        # The one who lost still has every figure they typed.
        assert drafts[loser] == typed[loser]
    assert Budget.objects.get(pk=budget.pk).version == 1 + ROUNDS


def test_simultaneous_saves_through_the_editor(federation, director, second_director):
    budget = make_budget(federation)
    url = reverse("budget_grid_save", args=[federation.slug, budget.year])
    clients = _clients(director, second_director)
    for n in range(VIEW_ROUNDS):
        budget.refresh_from_db()
        posts = [
            grid_post(budget, line_5_amount_1=f"{2_000_000 + n * 10 + i:,}".replace(",", " "))
            for i in (1, 2)
        ]
        winner, loser, html = _post_together(clients, url, posts, n)
        assert "Någon annan har sparat budgeten" in html
        assert f'value="{posts[loser]["line-5-amount-1"]}"' in html  # their input is kept
        stored = budget_facts(Budget.objects.get(pk=budget.pk))
        kansli = next(line for line in stored.lines if line.key == "kansli")
        assert kansli.amounts["2021:budget"] == Decimal(
            posts[winner]["line-5-amount-1"].replace(" ", "")
        )


# --- a section of the plan ------------------------------------------------------------


def _section(federation):
    from plans.models import Plan, Section

    plan = Plan.objects.create(federation=federation, year=2026, title="Verksamhetsplan 2026")
    return Section.objects.create(plan=plan, heading="Risker", body="Första texten.")


def test_simultaneous_section_saves_lose_no_update(federation, director, second_director):
    from plans.models import Section
    from plans.services import SectionConflict, section_update

    section = _section(federation)
    for n in range(ROUNDS):
        section.refresh_from_db()
        version = section.version
        bodies = [f"Runda {n}: text från {who}." for who in ("första", "andra")]

        def save(body: str, user, version: int = version) -> str:
            own = Section.objects.select_related("plan").get(
                pk=section.pk
            )  # this thread's connection
            section_update(
                section=own,
                by=user,
                heading="Risker",
                kind="text",
                body=body,
                expected_version=version,
            )
            return "saved"

        results = _in_threads(
            lambda b=bodies[0]: save(b, director), lambda b=bodies[1]: save(b, second_director)
        )
        errors = [
            r for r in results if isinstance(r, Exception) and not isinstance(r, SectionConflict)
        ]
        assert not errors, f"round {n}: {errors!r}"
        assert sorted(type(r).__name__ if isinstance(r, Exception) else r for r in results) == [
            "SectionConflict",
            "saved",
        ], f"round {n}: {results!r}"
        winner = results.index("saved")
        conflict = results[1 - winner]
        assert isinstance(conflict, SectionConflict) and conflict.section.version == version + 1
        section.refresh_from_db()
        assert section.version == version + 1 and section.body == bodies[winner], f"round {n}"
        latest = section.history.first()
        assert latest.history_user == (director, second_director)[winner]
    assert section.history.count() == 1 + ROUNDS


def test_simultaneous_section_saves_through_the_editor(federation, director, second_director):
    section = _section(federation)
    plan = section.plan
    url = reverse("section_edit", args=[federation.slug, plan.year, section.pk])
    clients = _clients(director, second_director)
    for n in range(VIEW_ROUNDS):
        section.refresh_from_db()
        posts = [
            {
                "heading": "Risker",
                "kind": "text",
                "body": f"Runda {n}, skribent {i}.",
                "version": section.version,
            }
            for i in (1, 2)
        ]
        winner, loser, html = _post_together(clients, url, posts, n)
        assert "Någon annan har sparat avsnittet medan du skrev" in html
        assert posts[loser]["body"] in html  # their text is kept in the form
        # The form now carries the stored version: saving again replaces on purpose.
        assert f'name="version" value="{section.version + 1}"' in html
        section.refresh_from_db()
        assert section.body == posts[winner]["body"]
