"""The förbund page's overview and the start page's list."""

from __future__ import annotations

from decimal import Decimal

from budgets.models import Budget
from documents.selectors import federation_overview
from finsam.models import BoardSeat, Role
from finsam.rules import BOARD_SEATS, FEDERATION_MEMBERS
from finsam.selectors import federations_with_role
from plans.models import Plan
from tests.factories import BoardSeatFactory, MemberFactory, MembershipFactory


def test_overview_of_a_complete_federation(federation, django_assert_num_queries):
    with django_assert_num_queries(4):  # members, seats, budget years, plans
        overview = federation_overview(federation)
    assert [row.member.key for row in overview.members] == [
        "fk",
        "af",
        "region",
        "kommun-a",
        "kommun-b",
    ]
    assert all((row.ledamot_count, row.ersattare_count) == (1, 1) for row in overview.members)
    assert overview.findings == ()
    assert overview.plan_years == ()
    assert overview.municipal_population == 40000
    shares = {row.member.key: row.population_share for row in overview.members}
    assert shares == {
        "fk": None,
        "af": None,
        "region": None,
        "kommun-a": Decimal("75.00"),
        "kommun-b": Decimal("25.00"),
    }


def test_query_count_stays_flat(federation, django_assert_num_queries):
    for n in range(6):
        member = MemberFactory(federation=federation, population=100 + n)
        BoardSeatFactory.create_batch(3, member=member)
        Budget.objects.create(federation=federation, year=2030 + n)
    with django_assert_num_queries(4):
        federation_overview(federation)


def test_plan_years_are_the_sorted_union_of_budget_and_plan_years(federation, other_federation):
    Budget.objects.create(federation=federation, year=2026)
    Budget.objects.create(federation=federation, year=2024)
    Plan.objects.create(federation=federation, year=2026, title="VP 2026", status="decided")
    Plan.objects.create(federation=federation, year=2027, title="VP 2027")
    Budget.objects.create(federation=other_federation, year=2019)
    overview = federation_overview(federation)
    assert overview.plan_years == (2024, 2026, 2027)
    assert [(y.year, y.has_budget, y.plan_title, y.plan_status_label) for y in overview.years] == [
        (2024, True, None, None),
        (2026, True, "VP 2026", "Fastställd"),
        (2027, False, "VP 2027", "Utkast"),
    ]


def test_setup_findings_come_from_the_members_and_seats(federation):
    federation.members.get(key="af").delete()
    BoardSeat.objects.filter(member__key="kommun-a", role="ledamot").delete()
    overview = federation_overview(federation)
    assert [(f.rule, f.member) for f in overview.errors] == [(FEDERATION_MEMBERS, None)]
    assert [(f.rule, f.member) for f in overview.warnings] == [(BOARD_SEATS, "kommun-a")]


def test_seats_list_ledamot_before_ersattare_and_the_chair_first(federation):
    region = federation.members.get(key="region")
    BoardSeatFactory(member=region, role="ledamot", person="Ordföranden", position="chair")
    overview = federation_overview(federation)
    row = next(r for r in overview.members if r.member == region)
    assert [(s.role, s.position) for s in row.seats] == [
        ("ledamot", "chair"),
        ("ledamot", ""),
        ("ersattare", ""),
    ]


def test_federations_with_role(federation, other_federation, reviewer, django_assert_num_queries):
    MembershipFactory(federation=federation, role=Role.DIRECTOR)  # someone else's role
    with django_assert_num_queries(1):
        entries = federations_with_role(reviewer)
    assert [(e.federation.slug, e.role_label) for e in entries] == [("alfa", "Beredningsgrupp")]
