"""Reads that compute: the förbund's members with their board seats, and the
start page's list of förbund (the förbund page's plan years are added by
documents/selectors.py).

Each selector runs a fixed number of queries, however many members and seats a
förbund has.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, Prefetch

from finsam.access import federations_for_user
from finsam.findings import ERROR, WARNING, Finding, by_severity
from finsam.models import BoardSeat, Federation, Member, MemberKind, Role, SeatPosition, SeatRole
from finsam.money import percent
from finsam.rules import MemberFacts, federation_setup_findings
from finsam.text import swedish_sort_key


@dataclass(frozen=True)
class MemberOverview:
    member: Member
    seats: tuple[BoardSeat, ...]
    # A municipality's share of the municipalities' total population (percent),
    # the usual basis of the municipal split; None when not known.
    population_share: Decimal | None

    @property
    def ledamot_count(self) -> int:
        return sum(1 for seat in self.seats if seat.role == SeatRole.MEMBER)

    @property
    def ersattare_count(self) -> int:
        return sum(1 for seat in self.seats if seat.role == SeatRole.DEPUTY)

    def facts(self) -> MemberFacts:
        return MemberFacts(
            key=self.member.key,
            name=self.member.name,
            kind=self.member.kind,
            ledamot_count=self.ledamot_count,
            ersattare_count=self.ersattare_count,
        )


@dataclass(frozen=True)
class MembersOverview:
    """The förbund's members with their board seats, and the setup findings (the
    förbund page adds its plan years: documents/selectors.py)."""

    members: tuple[MemberOverview, ...]
    findings: tuple[Finding, ...]
    municipal_population: int | None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARNING)

    @property
    def seats(self) -> tuple[tuple[MemberOverview, BoardSeat], ...]:
        """Every board seat with its member, in member order."""
        return tuple((row, seat) for row in self.members for seat in row.seats)


_ROLE_ORDER: dict[str, int] = {SeatRole.MEMBER: 0, SeatRole.DEPUTY: 1}
_POSITION_ORDER: dict[str, int] = {SeatPosition.CHAIR: 0, SeatPosition.VICE_CHAIR: 1}


def _seat_order(seat: BoardSeat) -> tuple[int, int, int]:
    """Ledamöter before ersättare, the chair and vice chair first."""
    return (_ROLE_ORDER.get(seat.role, 2), _POSITION_ORDER.get(seat.position, 2), seat.pk)


def members_overview(federation: Federation) -> MembersOverview:
    """Members with their board seats and the setup findings. Two queries: members,
    seats (the förbund page adds its plan years: documents/selectors.py)."""
    # In the förbund's own order (Member.position, which the member form says
    # decides it); members with the same position by name in Swedish order.
    members = sorted(
        Member.objects.filter(federation=federation).prefetch_related(
            Prefetch("board_seats", queryset=BoardSeat.objects.order_by("id"))
        ),
        key=lambda m: (m.position, swedish_sort_key(m.name), m.pk),
    )
    municipal_population = (
        sum(m.population or 0 for m in members if m.kind == MemberKind.MUNICIPALITY) or None
    )
    rows = tuple(
        MemberOverview(
            member=m,
            seats=tuple(sorted(m.board_seats.all(), key=_seat_order)),
            population_share=(
                percent(Decimal(m.population), Decimal(municipal_population))
                if m.kind == MemberKind.MUNICIPALITY
                and m.population is not None
                and municipal_population
                else None
            ),
        )
        for m in members
    )
    findings = by_severity(federation_setup_findings([row.facts() for row in rows]))

    return MembersOverview(
        members=rows, findings=tuple(findings), municipal_population=municipal_population
    )


@dataclass(frozen=True)
class FederationEntry:
    federation: Federation
    role: str

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def federations_with_role(user: User | AnonymousUser) -> list[FederationEntry]:
    """The start page: the user's förbund with the user's role in each, by name in
    Swedish order (… Z, Å, Ä, Ö); one query."""
    # filter() before annotate() on the same relation reuses its join, so `role`
    # is this user's role, not any member's.
    federations = federations_for_user(user).annotate(user_role=F("memberships__role"))
    entries = [FederationEntry(federation=f, role=f.user_role) for f in federations]
    return sorted(entries, key=lambda e: swedish_sort_key(e.federation.name))
