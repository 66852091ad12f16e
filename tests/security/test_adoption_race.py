"""Saves that race the board's adoption of the plan (plans/freeze.py).

Adoption (documents.adoption.plan_decide) holds the plan's row lock for its whole
transaction, the snapshot included; every write to the plan year takes the same
lock first (ensure_plan_not_frozen). So a budget or section save sent during an
adoption either commits before it, and is in the adopted snapshot, or waits for
it and is refused with the Swedish 409 page. It never lands after the snapshot,
and never gives a 500.

Real threads, each with its own database connection: SQLite in IMMEDIATE mode
with a file database, or PostgreSQL when DATABASE_URL points there.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from budgets import views as budget_views
from budgets.grid import stored_draft
from budgets.models import Amount, Budget
from budgets.selectors import budget_facts
from budgets.services import budget_save
from documents import adoption
from documents.bundle.export import export_bundle
from plans import services, workflow
from plans.freeze import PlanFrozen
from plans.models import Plan, Section, Snapshot
from tests.budgets.test_grid import grid_post
from tests.plans.conftest import make_plan
from tests.security.test_concurrency import JOIN_SECONDS, _in_threads

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 50 if connection.vendor == "postgresql" else 20
DECIDED_ON = date(2020, 11, 19)
FROZEN = "är fastställd och kan inte ändras"
SECTION = "Risker"  # a chapter of the standard outline


def _stand_in_pdf(html: str, *, fetcher: object = None, archive: object = None) -> bytes:
    """Adoption renders the plan's PDF while it holds the lock. The real renderer
    takes seconds; this stand-in takes a moment, so the race window stays open."""
    time.sleep(0.02)
    return b"%PDF-1.7\n% stand-in\n" + str(len(html)).encode()


def _plan_on_review(federation, director) -> Plan:
    plan = make_plan(federation)
    adoption.plan_send_to_review(plan=plan, by=director)
    plan.refresh_from_db()
    return plan


def _kansli(budget: Budget) -> Decimal:
    """The stored amount the saves change, read from the rows themselves."""
    return Amount.objects.get(
        line__budget=budget,
        line__scenario=None,
        line__key="kansli",
        column__year=2021,
        column__kind="budget",
    ).amount


def _adopted(plan: Plan) -> dict:
    return json.loads(Snapshot.objects.get(plan=plan, revision=plan.revision).bundle)


def _adopted_line(bundle: dict, key: str) -> dict:
    return next(line for line in bundle["budget"]["lines"] if line["key"] == key)


def _adopted_section(bundle: dict) -> dict:
    return next(s for s in bundle["plan"]["sections"] if s["heading"] == SECTION)


def _adopt(plan: Plan, director, reference: str):
    own = Plan.objects.get(pk=plan.pk)  # this thread's connection
    return adoption.plan_decide(plan=own, decided_on=DECIDED_ON, reference=reference, by=director)


# --- the trial's repro: a save posted while the adoption is under way -------------------


@pytest.mark.parametrize("what", ["budget", "section"])
def test_a_save_posted_during_adoption_answers_409_in_swedish(
    what, federation, director, monkeypatch
):
    """The trial: on SQLite a save during adoption gave a 500 (PlanFrozen uncaught);
    on PostgreSQL a budget save landed after the snapshot. Here the adoption is
    held inside its transaction (in the PDF step) while the save is posted."""
    plan = _plan_on_review(federation, director)
    budget = Budget.objects.get(federation=federation, year=plan.year)
    section = plan.sections.get(heading=SECTION)
    before_amount, before_body = _kansli(budget), section.body

    adopting, release, saving = threading.Event(), threading.Event(), threading.Event()

    def held_pdf(html: str, *, seconds: float, niceness: int = 0, archive: object = None) -> bytes:
        adopting.set()  # the adoption holds the plan's lock now
        release.wait(JOIN_SECONDS)
        return _stand_in_pdf(html)

    # In the adoption's process (the renderer's child process would not see the events).
    monkeypatch.setattr("documents.pdf_render.render_html_in_child", held_pdf)
    # Note when the view, past its own pre-check, calls the service.
    if what == "budget":
        real_budget_save = budget_views.budget_save

        def noted_budget_save(**kwargs):
            saving.set()
            return real_budget_save(**kwargs)

        monkeypatch.setattr(budget_views, "budget_save", noted_budget_save)
        url = reverse("budget_grid_save", args=[federation.slug, plan.year])
        post = grid_post(budget, line_5_amount_1="777 777")
    else:
        real_section_update = services.section_update

        def noted_section_update(**kwargs):
            saving.set()
            return real_section_update(**kwargs)

        monkeypatch.setattr(services, "section_update", noted_section_update)
        url = reverse("section_edit", args=[federation.slug, plan.year, section.pk])
        post = {
            "heading": SECTION,
            "kind": "text",
            "body": "Skrivet under beslutet.",
            "version": section.version,
        }
    client = Client()
    client.force_login(director)

    results: dict[str, object] = {}

    def run(name: str, work) -> None:
        try:
            results[name] = work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[name] = exc
        finally:
            connections.close_all()

    adopter = threading.Thread(
        target=run, args=("adopt", lambda: _adopt(plan, director, "dnr 2020:7"))
    )
    adopter.start()
    try:
        assert adopting.wait(JOIN_SECONDS), "the adoption did not reach its PDF"
        save = threading.Thread(target=run, args=("save", lambda: client.post(url, post)))
        save.start()
        assert saving.wait(JOIN_SECONDS), f"the save did not reach the service: {results}"
        # Let the save get to the lock and wait there (if it is not there yet when
        # the adoption commits, it is refused just the same).
        time.sleep(0.3)
    finally:
        release.set()
        adopter.join(JOIN_SECONDS)
    save.join(JOIN_SECONDS)
    assert not adopter.is_alive() and not save.is_alive()

    assert isinstance(results["adopt"], adoption.Decision), results["adopt"]
    response = results["save"]
    assert not isinstance(response, BaseException), repr(response)
    assert response.status_code == 409, response.status_code
    page = response.content.decode()
    assert FROZEN in page and "Planen är fastställd" in page
    # Nothing landed after the snapshot: the live data is what was adopted.
    plan.refresh_from_db()
    adopted = _adopted(plan)
    assert (
        _kansli(budget)
        == before_amount
        == Decimal(_adopted_line(adopted, "kansli")["amounts"]["2021:budget"])
    )
    assert (
        Section.objects.get(pk=section.pk).body == before_body == _adopted_section(adopted)["body"]
    )


# --- the acceptance test: 50 rounds of saves racing an adoption --------------------------


def test_saves_racing_an_adoption_are_in_its_snapshot_or_refused(federation, director, monkeypatch):
    monkeypatch.setattr("documents.pdf.html_to_pdf", _stand_in_pdf)
    plan = _plan_on_review(federation, director)
    budget = Budget.objects.get(federation=federation, year=plan.year)
    section = plan.sections.get(heading=SECTION)
    outcomes: Counter[str] = Counter()
    for n in range(ROUNDS):
        budget.refresh_from_db()
        section.refresh_from_db()
        stored = stored_draft(budget_facts(budget), budget, None)
        draft = copy.deepcopy(stored)
        kansli = next(line for line in draft.lines if line.key == "kansli")
        kansli.amounts["2021:budget"] = Decimal(700_000 + n)
        body = f"Runda {n}: risker skrivna medan styrelsen beslutar."

        def save_budget(version: int = budget.version, draft=draft):
            own = Budget.objects.get(pk=budget.pk)
            budget_save(budget=own, draft=draft, expected_version=version, by=director)
            return "budget saved"

        def save_section(version: int = section.version, body: str = body) -> str:
            own = Section.objects.select_related("plan").get(pk=section.pk)
            services.section_update(
                section=own,
                by=director,
                heading=SECTION,
                kind="text",
                body=body,
                expected_version=version,
            )
            return "section saved"

        results = _in_threads(
            lambda n=n: _adopt(plan, director, f"dnr 2020:{n}"), save_budget, save_section
        )
        decision, *saves = results
        assert isinstance(decision, adoption.Decision), f"round {n}: {decision!r}"
        unexpected = [
            r for r in saves if isinstance(r, BaseException) and not isinstance(r, PlanFrozen)
        ]
        assert not unexpected, f"round {n}: {unexpected!r}"
        outcomes.update("refused" if isinstance(r, PlanFrozen) else r for r in saves)

        # What the decided year shows is what was adopted: the bundle exported from
        # the live rows, and the rows themselves.
        plan.refresh_from_db()
        assert plan.is_decided
        adopted = _adopted(plan)
        live = export_bundle(federation, plan.year)
        assert adopted["budget"] == live["budget"], f"round {n}: the budget changed after adoption"
        assert adopted["plan"]["sections"] == live["plan"]["sections"], f"round {n}: sections"
        assert Decimal(_adopted_line(adopted, "kansli")["amounts"]["2021:budget"]) == _kansli(
            budget
        )
        assert _adopted_section(adopted)["body"] == Section.objects.get(pk=section.pk).body
        saved_budget = "budget saved" in saves
        assert (_kansli(budget) == Decimal(700_000 + n)) == saved_budget, f"round {n}"

        # The next round races the adoption of a new revision.
        workflow.plan_new_revision(plan=plan, by=director, reason=f"Runda {n + 1}")
        adoption.plan_send_to_review(plan=plan, by=director)
        plan.refresh_from_db()
    print(f"\n{ROUNDS} rounds on {connection.vendor}: {dict(outcomes)}")
    assert sum(outcomes.values()) == 2 * ROUNDS
