"""The contribution planner: pure functions, no ORM.

5 § lag (2003:1210) fixes the split: the state (Försäkringskassan, for
Arbetsförmedlingen too) pays one half, the regions one quarter and the
municipalities one quarter. So the member that offers least, relative to its
share, decides the size of the whole budget (Södra Vätterbygden 2020, where some
members accepted +20 % and others only +10 %).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from budgets.rules import GROUP_OF_KIND, GROUP_SHARES
from finsam.money import ORE, round_ore

ZERO = Decimal(0)


@dataclass(frozen=True)
class PlannerMember:
    key: str
    name: str
    kind: str
    # The member's weight within its funding group: population, 1 for equal
    # shares, a fixed percentage, or last year's contribution. Försäkringskassan
    # carries the state's whole half, so Arbetsförmedlingen's weight is 0.
    weight: Decimal
    offer: Decimal | None = None


@dataclass(frozen=True)
class Limit:
    member: str
    name: str
    offer: Decimal
    budget: Decimal  # the largest whole budget this member's offer allows


@dataclass(frozen=True)
class PlannerResult:
    budget: Decimal
    deciders: tuple[str, ...]  # member keys whose offer sets the budget
    limits: tuple[Limit, ...]
    amounts: Mapping[str, Decimal]


class PlannerError(ValueError):
    pass


def group_of(member: PlannerMember) -> str:
    return GROUP_OF_KIND[member.kind]


def member_fraction(member: PlannerMember, members: Sequence[PlannerMember]) -> Decimal:
    """The member's share of the whole budget: its group's share times its weight
    within the group."""
    group = group_of(member)
    total = sum((m.weight for m in members if group_of(m) == group), ZERO)
    if total <= 0 or member.weight <= 0:
        return ZERO
    return GROUP_SHARES[group] * member.weight / total


def split_budget(total: Decimal, members: Sequence[PlannerMember]) -> dict[str, Decimal]:
    """Split `total` 50/25/25, then within each group by weight. Rounding öre go to
    the group's largest member, so every group, and the whole, sums exactly."""
    state = round_ore(total * GROUP_SHARES["state"])
    region = round_ore(total * GROUP_SHARES["region"])
    group_totals = {"state": state, "region": region, "municipalities": total - state - region}
    amounts: dict[str, Decimal] = {}
    for group, group_total in group_totals.items():
        own = [m for m in members if group_of(m) == group]
        weight = sum((m.weight for m in own), ZERO)
        if not own or weight <= 0:
            if group_total != 0:
                raise PlannerError(f"Ingen medlem kan bära gruppens del ({group}).")
            continue
        for m in own:
            amounts[m.key] = round_ore(group_total * m.weight / weight)
        largest = max(own, key=lambda m: (m.weight, m.key))
        amounts[largest.key] += group_total - sum(amounts[m.key] for m in own)
    return amounts


def largest_budget(
    members: Sequence[PlannerMember], group_offers: Mapping[str, Decimal] | None = None
) -> PlannerResult:
    """The largest budget that keeps 50/25/25 without anyone paying more than offered.

    `members[].offer` is a member's own offer; `group_offers` an offer for a whole
    funding group ("state", "region", "municipalities"), e.g. the region's.
    """
    limits: list[Limit] = []
    for member in members:
        if member.offer is None or member_fraction(member, members) == 0:
            continue
        # offer / (share × weight / group weight), divided last so that an exact
        # limit (a 10 % increase on a key of whole kronor) stays exact.
        group_weight = sum((m.weight for m in members if group_of(m) == group_of(member)), ZERO)
        limit = member.offer * group_weight / (GROUP_SHARES[group_of(member)] * member.weight)
        limits.append(Limit(member.key, member.name, member.offer, limit))
    for group, offer in (group_offers or {}).items():
        limits.append(Limit(group, group, offer, offer / GROUP_SHARES[group]))
    if not limits:
        raise PlannerError("Ange minst ett bud.")
    budget = min(limit.budget for limit in limits).quantize(ORE, rounding=ROUND_DOWN)
    # Rounding öre to the largest member could lift it an öre over its offer:
    # step down until nobody pays more than offered.
    for _ in range(100):
        amounts = split_budget(budget, members)
        if not _over_offer(amounts, members, group_offers or {}):
            break
        budget -= ORE
    deciders = tuple(
        limit.member
        for limit in limits
        if limit.budget.quantize(ORE, rounding=ROUND_DOWN) == min(
            lim.budget for lim in limits
        ).quantize(ORE, rounding=ROUND_DOWN)
    )
    return PlannerResult(budget=budget, deciders=deciders, limits=tuple(limits), amounts=amounts)


def _over_offer(
    amounts: Mapping[str, Decimal],
    members: Sequence[PlannerMember],
    group_offers: Mapping[str, Decimal],
) -> bool:
    for m in members:
        if m.offer is not None and amounts.get(m.key, ZERO) > m.offer:
            return True
    for group, offer in group_offers.items():
        paid = sum((amounts.get(m.key, ZERO) for m in members if group_of(m) == group), ZERO)
        if paid > offer:
            return True
    return False
