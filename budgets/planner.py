"""The contribution planner: pure functions, no ORM, no request.

5 § lag (2003:1210) fixes the split: the state (Försäkringskassan, for
Arbetsförmedlingen too) pays one half, the regions one quarter and the
municipalities one quarter. So the member that offers least, relative to its
share, decides the size of the whole budget (Södra Vätterbygden 2020, where some
members accepted +20 % and others only +10 %).

`plan_contributions()` is the whole computation behind the planner page: from the
members, the key, the comparison column's contributions and the offers as typed
(kronor or an `Increase` such as +20 %) to the largest budget, who decides it and
every member's amount, or the problems that stop it. `budgets/forms.py` only
parses what the director typed into `PlannerInputs` and shows the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from budgets.rules import (
    CONTRIBUTION,
    GROUP_OF_KIND,
    GROUP_SHARES,
    LineFacts,
    MemberFacts,
    column_label,
    planning_columns,
)
from finsam.money import HUNDRED, ORE, floor_ore, format_kr, percent, round_ore
from finsam.text import and_list

ZERO = Decimal(0)

SOCIAL_INSURANCE = "social_insurance"
EMPLOYMENT_SERVICE = "employment_service"
REGION = "region"
MUNICIPALITY = "municipality"
# The page lists the members in the law's order, then by their own order.
KIND_ORDER = {SOCIAL_INSURANCE: 0, EMPLOYMENT_SERVICE: 1, REGION: 2, MUNICIPALITY: 3}

# The keys for the municipalities' quarter: the förbundsordning's three
# (finsam.models.MunicipalSplit) and last year's contributions.
KEY_PREVIOUS = "previous"
KEY_POPULATION = "population"
KEY_EQUAL = "equal"
KEY_FIXED = "fixed"

GROUPS = ("state", "region", "municipalities")
GROUP_PERCENT = {group: GROUP_SHARES[group] * HUNDRED for group in GROUPS}  # 50, 25, 25
# In a sentence, after the first word.
GROUP_IN_SENTENCE = {"state": "staten", "region": "regionen", "municipalities": "kommunerna"}

# The inputs a problem can be about (the planner form's field names).
KEY = "key"
KEY_COLUMN = "key_column"
ROUNDED = "rounded"
GROUP_FIELD = {group: f"group_{group}" for group in GROUPS}


def offer_field(member_key: str) -> str:
    return f"offer_{member_key}"


# --- the pure split -------------------------------------------------------------------


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
    member: str  # a member's key, or a group's ("state", "region", "municipalities")
    name: str
    offer: Decimal
    budget: Decimal  # the largest whole budget this offer allows
    group: bool = False  # an offer for a whole funding group


@dataclass(frozen=True)
class PlannerResult:
    budget: Decimal
    limits: tuple[Limit, ...]
    amounts: Mapping[str, Decimal]

    def decides(self, limit: Limit) -> bool:
        """Whether this limit, to the öre, is the smallest."""
        return floor_ore(limit.budget) == min(floor_ore(lim.budget) for lim in self.limits)

    @property
    def deciders(self) -> tuple[str, ...]:
        """The member (or group) keys whose offer sets the budget."""
        return tuple(limit.member for limit in self.limits if self.decides(limit))

    def member_limit(self, key: str) -> Limit | None:
        return next((lim for lim in self.limits if not lim.group and lim.member == key), None)

    def group_limit(self, group: str) -> Limit | None:
        return next((lim for lim in self.limits if lim.group and lim.member == group), None)


class PlannerError(ValueError):
    pass


def group_of(member: PlannerMember) -> str:
    return GROUP_OF_KIND[member.kind]


def group_weight(group: str, members: Sequence[PlannerMember]) -> Decimal:
    return sum((m.weight for m in members if group_of(m) == group), ZERO)


def member_fraction(member: PlannerMember, members: Sequence[PlannerMember]) -> Decimal:
    """The member's share of the whole budget: its group's share times its weight
    within the group."""
    group = group_of(member)
    total = group_weight(group, members)
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
        weight = group_weight(group_of(member), members)
        limit = member.offer * weight / (GROUP_SHARES[group_of(member)] * member.weight)
        limits.append(Limit(member.key, member.name, member.offer, limit))
    for group, offer in (group_offers or {}).items():
        limits.append(Limit(group, group, offer, offer / GROUP_SHARES[group], group=True))
    if not limits:
        raise PlannerError("Ange minst ett bud.")
    budget = floor_ore(min(limit.budget for limit in limits))
    # Rounding öre to the largest member could lift it an öre over its offer:
    # step down until nobody pays more than offered.
    for _step in range(100):
        amounts = split_budget(budget, members)
        if not over_offers(amounts, members, group_offers or {}):
            break
        budget -= ORE
    return PlannerResult(budget=budget, limits=tuple(limits), amounts=amounts)


@dataclass(frozen=True)
class OverOffer:
    """Someone who would pay more than offered: a member, or a whole group."""

    key: str
    name: str  # the member's name; a group's key
    amount: Decimal
    offer: Decimal
    group: bool = False


def over_offers(
    amounts: Mapping[str, Decimal],
    members: Sequence[PlannerMember],
    group_offers: Mapping[str, Decimal],
) -> list[OverOffer]:
    over = [
        OverOffer(m.key, m.name, amounts.get(m.key, ZERO), m.offer)
        for m in members
        if m.offer is not None and amounts.get(m.key, ZERO) > m.offer
    ]
    for group, offer in group_offers.items():
        paid = sum((amounts.get(m.key, ZERO) for m in members if group_of(m) == group), ZERO)
        if paid > offer:
            over.append(OverOffer(group, group, paid, offer, group=True))
    return over


# --- the planner page's computation ----------------------------------------------------


@dataclass(frozen=True)
class Increase:
    """An offer typed as a change, e.g. "+20 %": that much over a basis amount."""

    percent: Decimal

    def of(self, basis: Decimal) -> Decimal:
        return round_ore(basis * (HUNDRED + self.percent) / HUNDRED)

    def __str__(self) -> str:
        number = format(self.percent.copy_abs().normalize(), "f").replace(".", ",")
        sign = "\u2212" if self.percent < 0 else "+"
        return f"{sign}{number}\u00a0%"


Offer = Decimal | Increase


@dataclass(frozen=True)
class Problem:
    """Why the planner cannot (fully) answer, and which input it is about (None:
    the inputs together)."""

    field: str | None
    message: str
    code: str | None = None


@dataclass(frozen=True)
class PlannerInputs:
    column: str  # the planning column to fill in
    key: str  # KEY_PREVIOUS, KEY_POPULATION, KEY_EQUAL or KEY_FIXED
    key_column: str | None  # the comparison column
    contributors: tuple[MemberFacts, ...]  # in the page's order
    lines: tuple[LineFacts, ...]  # the base budget's lines, or a scenario's
    offers: Mapping[str, Offer | None]  # member key → its offer as typed
    group_offers: Mapping[str, Offer | None]  # group → its offer as typed
    scenario: str | None = None
    rounded: Decimal | None = None  # the even total to fill in instead of the largest


@dataclass(frozen=True)
class PlannerRow:
    """One member in the planner's outcome."""

    key: str
    name: str
    group: str
    basis: Decimal  # its contribution in the comparison column
    group_share: Decimal | None  # its share of its funding group, in percent
    offer: Decimal | None
    limit: Decimal | None  # the largest whole budget its offer allows
    amount: Decimal
    decides: bool

    @property
    def change(self) -> Decimal | None:
        """The amount against the comparison column, in percent (+10,00 %)."""
        if not self.basis:
            return None
        return percent(self.amount - self.basis, self.basis)

    @property
    def headroom(self) -> Decimal | None:
        return None if self.offer is None else self.offer - self.amount


@dataclass(frozen=True)
class GroupRow:
    group: str
    name: str
    share: Decimal  # of the whole budget, in percent: 50, 25, 25
    basis: Decimal
    offer: Decimal | None
    limit: Decimal | None
    amount: Decimal
    decides: bool


@dataclass(frozen=True)
class PlannerOutcome:
    column: str
    scenario: str | None
    key_column: str | None
    largest: Decimal  # the largest budget the offers allow
    total: Decimal  # the budget to fill in: the largest, or the rounded total
    decider_names: tuple[str, ...]
    rows: tuple[PlannerRow, ...]
    groups: tuple[GroupRow, ...]
    notes: tuple[str, ...]

    @property
    def amounts(self) -> dict[str, Decimal]:
        """Member key → amount, for `contributions_fill`."""
        return {row.key: row.amount for row in self.rows}

    @property
    def amounts_total(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def basis_total(self) -> Decimal:
        return sum((row.basis for row in self.rows), ZERO)

    @property
    def rounded(self) -> bool:
        return self.total != self.largest

    @property
    def signature(self) -> str:
        """What would be filled in; the page posts it back with "Fyll i", so that
        offers changed after "Beräkna" are not filled in unseen."""
        amounts = ";".join(f"{row.key}={row.amount}" for row in self.rows)
        return f"{self.column}|{self.scenario or ''}|{amounts}"

    @property
    def deciders_text(self) -> str:
        """ "Jönköpings kommun och Mullsjö kommun avgör budgetens storlek." """
        text = and_list(self.decider_names)
        return _("%(names)s avgör budgetens storlek.") % {"names": text[:1].upper() + text[1:]}


@dataclass(frozen=True)
class PlannerAnswer:
    """The outcome, or None when a problem stops the computation. A rounded total
    larger than the offers allow is a problem that still has an outcome (with the
    largest budget), so the page shows who decides; nothing can be filled in."""

    outcome: PlannerOutcome | None
    problems: tuple[Problem, ...] = ()


def offering(contributors: Sequence[MemberFacts]) -> list[MemberFacts]:
    """Members that offer: Arbetsförmedlingen pays through Försäkringskassan."""
    return [c for c in contributors if c.kind != EMPLOYMENT_SERVICE]


def group_labels(contributors: Sequence[MemberFacts]) -> dict[str, str]:
    regions = [c for c in contributors if c.kind == REGION]
    return {
        "state": _("Staten (Försäkringskassan)"),
        "region": _("Regionerna tillsammans") if len(regions) > 1 else _("Regionen"),
        "municipalities": _("Kommunerna tillsammans"),
    }


def contributions_by_member(lines: Sequence[LineFacts], column: str | None) -> dict[str, Decimal]:
    """Each member's contribution in one column (a member may have several lines)."""
    amounts: dict[str, Decimal] = {}
    if column is None:
        return amounts
    for line in lines:
        if line.category == CONTRIBUTION and line.member:
            amounts[line.member] = amounts.get(line.member, ZERO) + line.amount(column)
    return amounts


def contributions_by_group(
    basis: Mapping[str, Decimal], contributors: Sequence[MemberFacts]
) -> dict[str, Decimal]:
    """Each funding group's contribution, from each member's."""
    kinds = {c.key: c.kind for c in contributors}
    return {
        group: sum(
            (a for k, a in basis.items() if GROUP_OF_KIND.get(kinds.get(k, "")) == group), ZERO
        )
        for group in GROUPS
    }


def default_key_column(year: int, columns: Sequence[str]) -> str | None:
    """Last year's contributions: the year before's budget, forecast or actual column,
    else the latest column before the planning columns."""
    planning = set(planning_columns(year, columns))
    earlier = [c for c in columns if c not in planning]
    preference = {"budget": 0, "forecast": 1, "actual": 2, "plan": 3}

    def rank(code: str) -> tuple[int, int]:
        col_year, _sep, kind = code.partition(":")
        return (-int(col_year), preference.get(kind, 9))

    last_year = [c for c in earlier if c.startswith(f"{year - 1}:")]
    if last_year:
        return min(last_year, key=rank)
    if earlier:
        return min(earlier, key=rank)
    return None


def default_key(
    split: str, contributors: Sequence[MemberFacts], *, has_key_column: bool
) -> tuple[str, str]:
    """The förbundsordning's key, unless the data for it are missing: (key, a note
    saying what is missing, or "")."""
    municipalities = [c for c in contributors if c.kind == MUNICIPALITY]
    if split == KEY_POPULATION:
        missing = [c.name for c in municipalities if not c.population]
    elif split == KEY_FIXED:
        missing = [c.name for c in municipalities if c.fixed_share_percent is None]
    else:
        return split, ""
    if not missing:
        return split, ""
    what = _("folkmängd") if split == KEY_POPULATION else _("fast procentsats")
    note = _(
        "Förbundsordningen fördelar kommunernas del efter %(what)s, men den saknas för "
        "%(names)s. Ange den under förbundets medlemmar, eller räkna med en annan nyckel."
    ) % {"what": what, "names": and_list(missing)}
    return (KEY_PREVIOUS if has_key_column else KEY_EQUAL), note


def member_weights(
    key: str,
    key_column: str | None,
    basis: Mapping[str, Decimal],
    contributors: Sequence[MemberFacts],
) -> dict[str, Decimal] | Problem:
    """Each member's weight within its funding group, or why there is none."""
    weights: dict[str, Decimal] = {}
    regions = [c for c in contributors if c.kind == REGION]
    municipalities = [c for c in contributors if c.kind == MUNICIPALITY]
    for member in contributors:
        if member.kind == SOCIAL_INSURANCE:
            # Försäkringskassan pays the state's whole half (5 § lag (2003:1210)).
            weights[member.key] = Decimal(1)
        elif member.kind == EMPLOYMENT_SERVICE:
            weights[member.key] = ZERO
    region_basis = sum((basis.get(c.key, ZERO) for c in regions), ZERO)
    for member in regions:
        by_basis = key == KEY_PREVIOUS and region_basis > 0
        weights[member.key] = basis.get(member.key, ZERO) if by_basis else Decimal(1)

    missing: list[str] = []
    for member in municipalities:
        if key == KEY_PREVIOUS:
            weight: Decimal | None = basis.get(member.key, ZERO)
        elif key == KEY_POPULATION:
            weight = Decimal(member.population) if member.population else None
        elif key == KEY_FIXED:
            weight = member.fixed_share_percent
        else:
            weight = Decimal(1)
        if weight is None:
            missing.append(member.name)
        else:
            weights[member.key] = weight
    if key == KEY_PREVIOUS and not key_column:
        return Problem(KEY_COLUMN, _("Välj den kolumn vars bidrag är nyckeln."))
    if missing:
        what = _("Folkmängd") if key == KEY_POPULATION else _("Fast procentsats")
        return Problem(
            KEY,
            _("%(what)s saknas för %(names)s. Ange den under förbundets medlemmar.")
            % {"what": what, "names": and_list(missing)},
        )
    for group, name in (
        ("state", _("Försäkringskassan")),
        ("region", _("någon region")),
        ("municipalities", _("någon kommun")),
    ):
        own = [c for c in contributors if GROUP_OF_KIND.get(c.kind) == group]
        if sum((weights[c.key] for c in own), ZERO) <= 0:
            if group == "municipalities" and own and key == KEY_PREVIOUS:
                return Problem(
                    KEY_COLUMN,
                    _("Kommunerna har inga bidrag i kolumn %(column)s att fördela efter.")
                    % {"column": column_label(key_column or "")},
                )
            return Problem(
                None, _("Förbundet saknar %(who)s som kan betala gruppens del.") % {"who": name}
            )
    return weights


def resolve_offer(
    field: str, offer: Offer | None, basis: Decimal, key_column: str | None
) -> Decimal | None | Problem:
    """An offer in kronor: as typed, or an increase on the comparison column's amount."""
    if not isinstance(offer, Increase):
        return offer
    if not key_column or basis <= 0:
        return Problem(
            field,
            _(
                "%(change)s av vad? Det finns inget bidrag i jämförelsekolumnen att räkna "
                "på. Skriv budet i kronor."
            )
            % {"change": str(offer)},
        )
    return offer.of(basis)


def plan_contributions(inputs: PlannerInputs) -> PlannerAnswer:
    """The largest budget the offers allow, who decides it, and every member's
    amount of it (or of the rounded total)."""
    contributors = inputs.contributors
    basis = contributions_by_member(inputs.lines, inputs.key_column)
    weights = member_weights(inputs.key, inputs.key_column, basis, contributors)
    if isinstance(weights, Problem):
        return PlannerAnswer(None, (weights,))

    problems: list[Problem] = []
    offers: dict[str, Decimal] = {}
    for member in offering(contributors):
        field = offer_field(member.key)
        offer = resolve_offer(
            field, inputs.offers.get(member.key), basis.get(member.key, ZERO), inputs.key_column
        )
        if isinstance(offer, Problem):
            problems.append(offer)
        elif offer is not None:
            offers[member.key] = offer
    group_offers: dict[str, Decimal] = {}
    group_basis = contributions_by_group(basis, contributors)
    for group in GROUPS:
        field = GROUP_FIELD[group]
        offer = resolve_offer(
            field, inputs.group_offers.get(group), group_basis[group], inputs.key_column
        )
        if isinstance(offer, Problem):
            problems.append(offer)
        elif offer is not None:
            group_offers[group] = offer
    if problems:
        return PlannerAnswer(None, tuple(problems))
    if not offers and not group_offers:
        return PlannerAnswer(
            None,
            (
                Problem(
                    None,
                    _(
                        "Ange minst ett bud: ett belopp eller en ökning som +20 % för en "
                        "medlem eller för staten, regionen eller kommunerna."
                    ),
                    code="no_offer",
                ),
            ),
        )

    members = [
        PlannerMember(c.key, c.name, c.kind, weights[c.key], offers.get(c.key))
        for c in contributors
    ]
    labels = group_labels(contributors)
    try:
        result = largest_budget(members, group_offers)
        total = inputs.rounded
        if total is None:
            total = result.budget
        elif total > result.budget:
            over = over_offers(split_budget(total, members), members, group_offers)
            problems.append(Problem(ROUNDED, _too_large(total, result.budget, over, labels)))
            # The outcome still shows the largest budget and who decides it; with
            # the problem nothing can be filled in.
            total = result.budget
        amounts = split_budget(total, members)
    except PlannerError as exc:
        return PlannerAnswer(None, (Problem(None, str(exc), code="planner"),))

    outcome = _outcome(inputs, basis, members, group_offers, result, total, amounts, labels)
    return PlannerAnswer(outcome, tuple(problems))


def _too_large(
    total: Decimal, largest: Decimal, over: Sequence[OverOffer], labels: Mapping[str, str]
) -> str:
    texts = [
        (
            _("%(name)s skulle betala %(amount)s, över budet %(offer)s")
            if who.group
            else _("%(name)s skulle betala %(amount)s, över sitt bud %(offer)s")
        )
        % {
            "name": labels[who.key] if who.group else who.name,
            "amount": format_kr(who.amount),
            "offer": format_kr(who.offer),
        }
        for who in over
    ]
    return _("%(total)s är mer än den största möjliga budgeten %(largest)s. %(over)s.") % {
        "total": format_kr(total),
        "largest": format_kr(largest),
        "over": and_list(texts),
    }


def _outcome(
    inputs: PlannerInputs,
    basis: Mapping[str, Decimal],
    members: Sequence[PlannerMember],
    group_offers: Mapping[str, Decimal],
    result: PlannerResult,
    total: Decimal,
    amounts: Mapping[str, Decimal],
    labels: Mapping[str, str],
) -> PlannerOutcome:
    rows = []
    for member in members:
        group = group_of(member)
        limit = result.member_limit(member.key)
        rows.append(
            PlannerRow(
                key=member.key,
                name=member.name,
                group=group,
                basis=basis.get(member.key, ZERO),
                group_share=percent(member.weight, group_weight(group, members)),
                offer=member.offer,
                limit=round_ore(limit.budget) if limit else None,
                amount=amounts.get(member.key, ZERO),
                decides=limit is not None and result.decides(limit),
            )
        )
    groups = []
    for group in GROUPS:
        limit = result.group_limit(group)
        groups.append(
            GroupRow(
                group=group,
                name=labels[group],
                share=GROUP_PERCENT[group],
                basis=sum((r.basis for r in rows if r.group == group), ZERO),
                offer=group_offers.get(group),
                limit=round_ore(limit.budget) if limit else None,
                amount=sum((r.amount for r in rows if r.group == group), ZERO),
                decides=limit is not None and result.decides(limit),
            )
        )
    deciders = tuple(r.name for r in rows if r.decides) + tuple(
        GROUP_IN_SENTENCE[g.group] for g in groups if g.decides
    )
    notes = []
    for member in members:
        if (
            member.offer is not None
            and member_fraction(member, members) == 0
            and member.kind != EMPLOYMENT_SERVICE
        ):
            notes.append(
                _("%(name)s har vikten 0 med den här nyckeln, så budet påverkar inte budgeten.")
                % {"name": member.name}
            )
        elif member.kind == MUNICIPALITY and member.weight == 0:
            notes.append(
                _("%(name)s har vikten 0 med den här nyckeln och betalar därför inget.")
                % {"name": member.name}
            )
    return PlannerOutcome(
        column=inputs.column,
        scenario=inputs.scenario,
        key_column=inputs.key_column,
        largest=result.budget,
        total=total,
        decider_names=deciders,
        rows=tuple(rows),
        groups=tuple(groups),
        notes=tuple(notes),
    )


# --- a new budget's contributions ------------------------------------------------------


@dataclass(frozen=True)
class TotalSplit:
    """A whole budget's contributions, member by member; or why there are none."""

    amounts: Mapping[str, Decimal]  # member key → kronor
    key: str  # the key the municipalities' quarter was split by
    note: str = ""  # why that is not the förbundsordning's key
    problem: str = ""


def split_total(total: Decimal, contributors: Sequence[MemberFacts], split: str) -> TotalSplit:
    """`total` split as the planner splits a budget: 50/25/25 (5 § lag (2003:1210)),
    the regions equally, the municipalities by the förbundsordning's key `split`
    (`finsam.models.MunicipalSplit`). A new budget has no earlier contributions to
    weigh by, so a key whose data are missing falls back to equal shares, and says so."""
    key, note = default_key(split, contributors, has_key_column=False)
    if note:
        note = f"{note} " + _("Kommunernas del är fördelad i lika delar tills vidare.")
    weights = member_weights(key, None, {}, contributors)
    if isinstance(weights, Problem):
        return TotalSplit({}, key, note, weights.message)
    members = [PlannerMember(c.key, c.name, c.kind, weights[c.key]) for c in contributors]
    try:
        amounts = split_budget(total, members)
    except PlannerError as exc:
        return TotalSplit({}, key, note, str(exc))
    return TotalSplit({c.key: amounts.get(c.key, ZERO) for c in contributors}, key, note)
