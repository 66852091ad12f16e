"""A förbund whose every free-text field holds the injection payloads: shared by
the server-side test (tests/security/test_injection.py) and the browser test
(tests/e2e/test_injection.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from budgets.editing import BudgetDraft, DraftLine
from budgets.models import Budget, Column, Scenario
from budgets.services import budget_save, scenario_create
from finsam import services
from finsam.models import BoardSeat, Federation, Member

PAYLOADS = [
    "<script>alert(1)</script>",
    '" onerror="alert(1)',
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    "file:///etc/passwd",
    "http://127.0.0.1:1/x",
    "@import url(http://127.0.0.1:1/x.css);",
    "rel=attachment",
]
# Every payload in one text (186 characters: fits a 200-character name). It starts
# with "=" so that Excel would take it for a formula if it were written as one.
TEXT = "=1+1 " + " ".join(PAYLOADS)
# Long text fields get more: breaking out of a textarea, and single quotes.
LONG_TEXT = TEXT + " </textarea><script>alert(2)</script> ' onmouseover='alert(3)"
YEAR = 2026


@dataclass(frozen=True)
class PayloadWorld:
    federation: Federation
    member: Member
    seat: BoardSeat
    budget: Budget
    scenario: Scenario

    def pages(self) -> list[str]:
        """Every page that shows one of the fields."""
        slug, year = self.federation.slug, self.budget.year
        scenario = self.scenario.pk
        return [
            "/",
            reverse("federation_detail", args=[slug]),
            reverse("federation_edit", args=[slug]),
            reverse("member_edit", args=[slug, self.member.pk]),
            reverse("member_delete", args=[slug, self.member.pk]),
            reverse("seat_create", args=[slug]),
            reverse("seat_edit", args=[slug, self.seat.pk]),
            reverse("seat_delete", args=[slug, self.seat.pk]),
            reverse("budget_detail", args=[slug, year]),
            reverse("budget_grid", args=[slug, year]),
            reverse("budget_grid", args=[slug, year])
            + "?"
            + urlencode({"scenario": self.scenario.name}),
            reverse("scenario_compare", args=[slug, year]),
            reverse("scenario_delete", args=[slug, year, scenario]),
            reverse("budget_planner", args=[slug, year]),
            reverse("budget_excel_import", args=[slug, year]),
        ]


def build_payload_world(federation: Federation, by) -> PayloadWorld:
    """Store the payloads through the services, as the pages would."""
    services.federation_update(
        federation=federation,
        by=by,
        name=TEXT,
        address=LONG_TEXT,
        contact=LONG_TEXT,
        equity_cap_percent=Decimal(20),
        municipal_split="population",
    )
    member = services.member_create(
        federation=federation,
        by=by,
        key="payload",
        name=TEXT,
        kind="municipality",
        population=5000,
    )
    seat = services.seat_create(member=member, by=by, person=TEXT, role="ledamot")
    budget = Budget.objects.create(federation=federation, year=YEAR)
    for position, (year, kind) in enumerate(((YEAR, "budget"), (YEAR + 1, "plan"))):
        Column.objects.create(budget=budget, year=year, kind=kind, position=position)
    scenario = scenario_create(budget=budget, name=TEXT, by=by)
    budget.refresh_from_db()
    draft = BudgetDraft(
        columns=[f"{YEAR}:budget", f"{YEAR + 1}:plan"],
        lines=[
            DraftLine(
                key="bidrag",
                category="contribution",
                label=TEXT,
                member="payload",
                amounts={f"{YEAR}:budget": Decimal(100)},
            ),
            DraftLine(
                key="kansli",
                category="administration",
                label=TEXT,
                amounts={f"{YEAR}:budget": Decimal(500), f"{YEAR + 1}:plan": Decimal(1)},
            ),
        ],
        deficit_reason=LONG_TEXT,
    )
    budget_save(budget=budget, draft=draft, expected_version=budget.version, by=by)
    scenario_draft = BudgetDraft(
        columns=draft.columns,
        lines=[
            *draft.lines,
            DraftLine(
                key="extra",
                category="other_cost",
                label=TEXT,
                amounts={f"{YEAR}:budget": Decimal(7)},
            ),
        ],
        scenario=scenario.name,
    )
    budget.refresh_from_db()
    budget_save(budget=budget, draft=scenario_draft, expected_version=budget.version, by=by)
    budget.refresh_from_db()
    federation.refresh_from_db()
    return PayloadWorld(
        federation=federation, member=member, seat=seat, budget=budget, scenario=scenario
    )
