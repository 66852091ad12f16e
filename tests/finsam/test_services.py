"""Writes to the core go through finsam/services.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budgets.models import Budget, Category, Line
from finsam import services
from finsam.models import BoardSeat, Member, MemberKind, SeatPosition, SeatRole


def test_federation_update(federation, director):
    services.federation_update(
        federation=federation,
        by=director,
        name="Samordningsförbundet Alfa-Omega",
        org_number="222000-1234",
        equity_cap_percent=Decimal("15"),
        equity_floor=Decimal("180000"),
        municipal_split="equal",
    )
    federation.refresh_from_db()
    assert federation.name == "Samordningsförbundet Alfa-Omega"
    assert federation.equity_cap_percent == Decimal("15")
    assert federation.equity_floor == Decimal("180000")
    assert federation.municipal_split == "equal"
    assert federation.slug == "alfa"


def test_federation_update_validates(federation, director):
    with pytest.raises(ValidationError) as excinfo:
        services.federation_update(
            federation=federation,
            by=director,
            name="",
            equity_cap_percent=Decimal("120"),
            municipal_split="population",
        )
    assert {"name", "equity_cap_percent"} <= excinfo.value.message_dict.keys()


def test_member_create_goes_last(federation, director):
    member = services.member_create(
        federation=federation,
        by=director,
        key="c-kommun",
        name="C kommun",
        kind=MemberKind.MUNICIPALITY,
        population=5000,
        population_date=date(2025, 7, 1),
    )
    assert member.pk
    assert member.position == 6  # complete_federation's members are 1..5
    assert list(federation.members.all())[-1] == member


def test_member_create_refuses_a_taken_key(federation, other_federation, director):
    with pytest.raises(ValidationError) as excinfo:
        services.member_create(
            federation=federation,
            by=director,
            key="fk",
            name="Försäkringskassan igen",
            kind=MemberKind.SOCIAL_INSURANCE,
        )
    assert "används redan" in excinfo.value.message_dict["key"][0]
    # The same key in another förbund is no conflict: keys are per förbund.
    assert Member.objects.filter(key="fk").count() == 2


def test_member_create_refuses_population_for_a_region(federation, director):
    with pytest.raises(ValidationError):
        services.member_create(
            federation=federation,
            by=director,
            key="region-2",
            name="Region Två",
            kind=MemberKind.REGION,
            population=100000,
        )
    assert not Member.objects.filter(key="region-2").exists()


def test_member_update(federation, director):
    member = federation.members.get(key="kommun-a")
    services.member_update(
        member=member,
        by=director,
        key="kommun-a",
        name="A stad",
        kind=MemberKind.MUNICIPALITY,
        population=31000,
        position=None,
    )
    member.refresh_from_db()
    assert (member.name, member.population, member.position) == ("A stad", 31000, 4)


def test_member_update_keeps_keys_unique(federation, director):
    member = federation.members.get(key="kommun-a")
    with pytest.raises(ValidationError) as excinfo:
        services.member_update(
            member=member,
            by=director,
            key="kommun-b",
            name="A kommun",
            kind=MemberKind.MUNICIPALITY,
        )
    assert "key" in excinfo.value.message_dict


def test_member_delete_removes_its_seats(federation, director):
    member = federation.members.get(key="kommun-b")
    services.member_delete(member=member, by=director)
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not BoardSeat.objects.filter(member_id=member.pk).exists()


def test_member_delete_refuses_a_member_with_budget_lines(federation, director):
    member = federation.members.get(key="kommun-a")
    for year in (2026, 2025):
        budget = Budget.objects.create(federation=federation, year=year)
        Line.objects.create(
            budget=budget,
            key="kommun-a",
            category=Category.CONTRIBUTION,
            label="A kommun",
            member=member,
        )
    with pytest.raises(ValidationError) as excinfo:
        services.member_delete(member=member, by=director)
    message = excinfo.value.messages[0]
    assert "A kommun kan inte tas bort" in message
    assert "2025, 2026" in message
    assert Member.objects.filter(pk=member.pk).exists()


def test_seat_create_update_delete(federation, director):
    member = federation.members.get(key="region")
    seat = services.seat_create(
        member=member,
        by=director,
        person="Anna Andersson",
        role=SeatRole.MEMBER,
        position=SeatPosition.CHAIR,
        term_end=date(2026, 12, 31),
    )
    assert seat.member == member

    other_member = federation.members.get(key="kommun-a")
    services.seat_update(
        seat=seat,
        by=director,
        member=other_member,
        person="Anna Andersson",
        role=SeatRole.DEPUTY,
        position="",
        term_end=None,
    )
    seat.refresh_from_db()
    assert (seat.member, seat.role, seat.position, seat.term_end) == (
        other_member,
        "ersattare",
        "",
        None,
    )

    services.seat_delete(seat=seat, by=director)
    assert not BoardSeat.objects.filter(pk=seat.pk).exists()


def test_seat_create_validates(federation, director):
    member = federation.members.get(key="region")
    with pytest.raises(ValidationError) as excinfo:
        services.seat_create(member=member, by=director, person="", role="ordforande")
    assert {"person", "role"} <= excinfo.value.message_dict.keys()


def test_seat_update_refuses_a_member_of_another_federation(federation, other_federation, director):
    seat = BoardSeat.objects.filter(member__federation=federation).first()
    foreign = other_federation.members.first()
    with pytest.raises(ValidationError) as excinfo:
        services.seat_update(
            seat=seat,
            by=director,
            member=foreign,
            person=seat.person,
            role=seat.role,
        )
    assert "member" in excinfo.value.message_dict
    seat.refresh_from_db()
    assert seat.member.federation == federation
