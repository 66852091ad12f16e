"""Every budget figure and every budget rule, as pure functions over plain values.

No ORM and no request here: `budgets/selectors.py` turns stored data into these
facts, and every output (page, PDF, Excel, JSON report, CLI) reads the result of
`evaluate()`. The definitions follow `finsam-report/1` (shared/spec/bundle.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy

from finsam.findings import ERROR, WARNING, Finding
from finsam.money import (
    DEFAULT_EQUITY_CAP_PERCENT,
    HUNDRED,
    format_kr,
    format_percent,
    percent,
    round_ore,
    swedish_date,
)

# The budget's column codes and which of them plan a year are the plan year's (plans/rules.py).
from finsam.text import and_list
from interventions.rules import too_few_parties
from plans.rules import COLUMN_KINDS as COLUMN_KINDS
from plans.rules import column_code as column_code
from plans.rules import decision_deadline_findings
from plans.rules import parse_column_code as parse_column_code
from plans.rules import planning_columns as planning_columns

ZERO = Decimal(0)

CONTRIBUTION = "contribution"
OTHER_INCOME = "other_income"
INTERVENTION = "intervention"
ADMINISTRATION = "administration"
OTHER_COST = "other_cost"
CATEGORIES = (CONTRIBUTION, OTHER_INCOME, INTERVENTION, ADMINISTRATION, OTHER_COST)
COST_CATEGORIES = (INTERVENTION, ADMINISTRATION, OTHER_COST)

# The law's four parties (5 § lag (2003:1210)): Försäkringskassan, Arbetsförmedlingen,
# the regions together and the municipalities together.
PARTY_OF_KIND = {
    "social_insurance": "social_insurance",
    "employment_service": "employment_service",
    "region": "region",
    "municipality": "municipality",
}
PARTY_NAMES = {
    "social_insurance": "Försäkringskassan",
    "employment_service": "Arbetsförmedlingen",
    "region": "regionen",
    "municipality": "kommunerna",
}
# Funding groups: the state (Försäkringskassan pays the state's whole half,
# Arbetsförmedlingen's part included), the regions, the municipalities.
GROUP_OF_KIND = {
    "social_insurance": "state",
    "employment_service": "state",
    "region": "region",
    "municipality": "municipalities",
}
GROUP_SHARES = {
    "state": Decimal("0.50"),
    "region": Decimal("0.25"),
    "municipalities": Decimal("0.25"),
}
GROUP_NAMES = {"state": "Staten", "region": "Regionen", "municipalities": "Kommunerna"}
GROUP_PERCENT_TEXT = {
    "state": "hälften",
    "region": "en fjärdedel",
    "municipalities": "en fjärdedel",
}

SPLIT_TOLERANCE = Decimal(1)  # kronor
MUNICIPAL_SPLIT_TOLERANCE = Decimal(1)  # percentage points


# --- facts: the input -------------------------------------------------------------


# What a column's kind is called (budgets.models.ColumnKind's labels too).
COLUMN_KIND_LABELS = {
    "budget": gettext_lazy("Budget"),
    "plan": gettext_lazy("Plan"),
    "forecast": gettext_lazy("Prognos"),
    "actual": gettext_lazy("Utfall"),
}


def column_kind_label(kind: str) -> str:
    """ "forecast" → "Prognos" (an unknown kind as it is)."""
    return str(COLUMN_KIND_LABELS.get(kind, kind))


def column_label(code: str) -> str:
    """ "2020:budget" → "Budget 2020": the column's name on every page, in the grid,
    the Excel workbook, the forms and the selectors."""
    year, _sep, kind = code.partition(":")
    return f"{column_kind_label(kind)} {year}"


def parse_column_label(text: str) -> str | None:
    """ "Budget 2021" → "2021:budget" (any case, spaces around); None for anything else."""
    words = text.split()
    if len(words) != 2 or not (len(words[1]) == 4 and words[1].isascii() and words[1].isdigit()):
        return None
    kinds = {column_kind_label(kind).lower(): kind for kind in COLUMN_KIND_LABELS}
    kind = kinds.get(words[0].lower())
    return None if kind is None else column_code(int(words[1]), kind)


@dataclass(frozen=True)
class MemberFacts:
    key: str
    name: str
    kind: str
    population: int | None = None
    fixed_share_percent: Decimal | None = None  # of the municipalities' quarter


@dataclass(frozen=True)
class InterventionFacts:
    key: str
    name: str
    individual_share_percent: Decimal
    member_keys: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    goals_without_target: int = 0


@dataclass(frozen=True)
class LineFacts:
    key: str
    category: str
    label: str
    amounts: Mapping[str, Decimal] = field(default_factory=dict)
    member: str | None = None
    intervention: str | None = None
    note: str = ""  # a footnote to the line (shown under the budget table)

    def amount(self, column: str) -> Decimal:
        return self.amounts.get(column, ZERO)


@dataclass(frozen=True)
class ScenarioFacts:
    """Alternative lines: one with a base line's key replaces that line's amounts;
    one with a new key is added."""

    name: str
    lines: tuple[LineFacts, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class BudgetFacts:
    federation: str
    year: int
    columns: tuple[str, ...]
    opening_equity: Decimal
    lines: tuple[LineFacts, ...]
    members: tuple[MemberFacts, ...] = ()
    interventions: tuple[InterventionFacts, ...] = ()
    deficit_reason: str | None = None
    equity_cap_percent: Decimal = DEFAULT_EQUITY_CAP_PERCENT
    equity_floor: Decimal | None = None
    individual_share_target_percent: Decimal | None = None
    decided_on: date | None = None
    decision_meeting_on: date | None = None
    scenarios: tuple[ScenarioFacts, ...] = ()


# --- figures: the output ------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFigures:
    """The figures of one column. Equity is only carried through planning columns."""

    column: str
    year: int
    kind: str
    is_planning: bool
    contributions: Decimal
    state: Decimal
    region: Decimal
    municipalities: Decimal
    state_share: Decimal | None
    region_share: Decimal | None
    municipal_share: Decimal | None
    other_income: Decimal
    income: Decimal
    costs: Decimal
    intervention_costs: Decimal
    administration_costs: Decimal
    other_costs: Decimal
    result: Decimal
    intervention_share: Decimal | None
    administration_share: Decimal | None
    individual_share: Decimal | None
    structural_share: Decimal | None
    equity_cap: Decimal
    opening_equity: Decimal | None = None
    closing_equity: Decimal | None = None


@dataclass(frozen=True)
class Evaluation:
    scenario: str | None
    lines: tuple[LineFacts, ...]
    columns: tuple[ColumnFigures, ...]
    findings: tuple[Finding, ...]

    @property
    def planning(self) -> tuple[ColumnFigures, ...]:
        return tuple(c for c in self.columns if c.is_planning)

    def column(self, code: str) -> ColumnFigures:
        for figures in self.columns:
            if figures.column == code:
                return figures
        raise KeyError(code)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARNING)


# --- the computation ----------------------------------------------------------------


@dataclass(frozen=True)
class RolledColumns:
    """Next year's budget columns made from this year's ("Skapa nästa års plan").

    `columns` are the new columns in order, each with the column of this year's
    budget whose amounts it takes (None: it starts empty). This year's forecast
    column (or, without one, its budget column) becomes the forecast for this
    year, next year's plan column the budget, the later plan columns stay plans,
    and one more plan year is added. `copied_last` says the added year is a copy
    of this year's last planning column, since no column planned it."""

    columns: tuple[tuple[str, str | None], ...]
    copied_last: bool

    @property
    def forecast_source(self) -> str | None:
        return self.columns[0][1]


def rolled_columns(year: int, columns: Sequence[str], *, to: int | None = None) -> RolledColumns:
    """The columns of next year's budget (or of the budget for `to`, a later year:
    "Skapa budget" from an older year's) from those of the budget for `year`.

    Moved further than a year, the forecast for the year before `to` is the old
    budget's own forecast of it, else its plan for that year (else its last
    planning column, a copy)."""
    to = year + 1 if to is None else to
    planning = planning_columns(year, columns)
    later = {parse_column_code(c)[0]: c for c in planning}
    last_source = planning[-1] if planning else None
    forecast_code = f"{to - 1}:forecast"
    if to - 1 == year:
        budget_code = f"{year}:budget"
        forecast_from = (
            forecast_code
            if forecast_code in columns
            else (budget_code if budget_code in columns else None)
        )
    else:
        forecast_from = (
            forecast_code if forecast_code in columns else later.get(to - 1, last_source)
        )
    rolled: list[tuple[str, str | None]] = [(forecast_code, forecast_from)]
    span = max(len(planning), 1)
    for offset in range(span):
        column_year = to + offset
        kind = "budget" if offset == 0 else "plan"
        rolled.append((f"{column_year}:{kind}", later.get(column_year, last_source)))
    copied_last = (
        last_source is not None
        and rolled[-1][1] == last_source
        and later.get(to + span - 1) is None
    )
    return RolledColumns(columns=tuple(rolled), copied_last=copied_last)


def apply_scenario(
    lines: Sequence[LineFacts], scenario: ScenarioFacts | None
) -> tuple[LineFacts, ...]:
    if scenario is None:
        return tuple(lines)
    overrides = {line.key: line for line in scenario.lines}
    result = []
    for line in lines:
        override = overrides.pop(line.key, None)
        # An override replaces the line's whole amounts; what it leaves out is 0.
        # The base line's note stays unless the override has its own.
        result.append(
            line
            if override is None
            else replace(line, amounts=override.amounts, note=override.note or line.note)
        )
    result.extend(line for line in scenario.lines if line.key in overrides)
    return tuple(result)


def _sum(lines: Iterable[LineFacts], column: str) -> Decimal:
    return sum((line.amount(column) for line in lines), ZERO)


def column_figures(
    facts: BudgetFacts,
    lines: Sequence[LineFacts],
    code: str,
    *,
    is_planning: bool,
) -> ColumnFigures:
    year, kind = parse_column_code(code)
    kinds = {m.key: m.kind for m in facts.members}
    by_category: dict[str, list[LineFacts]] = {c: [] for c in CATEGORIES}
    for line in lines:
        by_category[line.category].append(line)

    contributions = _sum(by_category[CONTRIBUTION], code)
    groups = {"state": ZERO, "region": ZERO, "municipalities": ZERO}
    for line in by_category[CONTRIBUTION]:
        group = GROUP_OF_KIND.get(kinds.get(line.member or "", ""))
        if group is not None:
            groups[group] += line.amount(code)

    other_income = _sum(by_category[OTHER_INCOME], code)
    intervention_costs = _sum(by_category[INTERVENTION], code)
    administration_costs = _sum(by_category[ADMINISTRATION], code)
    other_costs = _sum(by_category[OTHER_COST], code)
    costs = intervention_costs + administration_costs + other_costs
    income = contributions + other_income

    # Individinriktad vs strukturell: only lines linked to an intervention, weighted
    # by its individual share; reserve lines ("Kvar att fördela") are left out.
    shares = {i.key: i.individual_share_percent for i in facts.interventions}
    linked_total = ZERO
    individual = ZERO
    for line in by_category[INTERVENTION]:
        if line.intervention is not None and line.intervention in shares:
            amount = line.amount(code)
            linked_total += amount
            individual += amount * shares[line.intervention] / HUNDRED
    structural = linked_total - individual

    return ColumnFigures(
        column=code,
        year=year,
        kind=kind,
        is_planning=is_planning,
        contributions=contributions,
        state=groups["state"],
        region=groups["region"],
        municipalities=groups["municipalities"],
        state_share=percent(groups["state"], contributions),
        region_share=percent(groups["region"], contributions),
        municipal_share=percent(groups["municipalities"], contributions),
        other_income=other_income,
        income=income,
        costs=costs,
        intervention_costs=intervention_costs,
        administration_costs=administration_costs,
        other_costs=other_costs,
        result=income - costs,
        intervention_share=percent(intervention_costs, contributions),
        administration_share=percent(administration_costs, contributions),
        individual_share=percent(individual, linked_total),
        structural_share=percent(structural, linked_total),
        equity_cap=round_ore(facts.equity_cap_percent * contributions / HUNDRED),
    )


def evaluate(facts: BudgetFacts, scenario: ScenarioFacts | None = None) -> Evaluation:
    """All figures and findings of the base budget, or of one scenario."""
    lines = apply_scenario(facts.lines, scenario)
    planning = set(planning_columns(facts.year, facts.columns))
    ordered = list(facts.columns)
    figures = {
        code: column_figures(facts, lines, code, is_planning=code in planning) for code in ordered
    }
    # Equity: each planning year opens with the previous one's closing equity.
    equity = facts.opening_equity
    for code in planning_columns(facts.year, facts.columns):
        col = figures[code]
        closing = equity + col.result
        figures[code] = replace(col, opening_equity=equity, closing_equity=closing)
        equity = closing

    columns = tuple(figures[c] for c in ordered)
    findings = tuple(_findings(facts, lines, [c for c in columns if c.is_planning]))
    return Evaluation(
        scenario=scenario.name if scenario else None,
        lines=lines,
        columns=columns,
        findings=findings,
    )


def find_scenario(facts: BudgetFacts, name: str) -> ScenarioFacts:
    for scenario in facts.scenarios:
        if scenario.name == name:
            return scenario
    raise KeyError(name)


# --- the rules ----------------------------------------------------------------------


def _findings(
    facts: BudgetFacts, lines: Sequence[LineFacts], planning: Sequence[ColumnFigures]
) -> Iterable[Finding]:
    member_keys = {m.key for m in facts.members}
    unlinked = [
        line for line in lines if line.category == CONTRIBUTION and line.member not in member_keys
    ]
    for col in planning:
        yield from funding_split(col, unlinked)
        yield from unlinked_contributions(col, unlinked)
        yield from negative_amounts(col, lines)
        yield from municipal_split(facts, lines, col)
        yield from equity_cap(col)
        yield from equity_floor(col, facts.equity_floor)
        yield from negative_equity(col)
        yield from budget_balance(col, facts.deficit_reason)
        yield from individual_share_target(col, facts.individual_share_target_percent)
    yield from intervention_members(facts, lines, planning)
    yield from intervention_rules(facts, lines, planning)
    yield from decision_deadline(facts)


def funding_split(col: ColumnFigures, unlinked: Sequence[LineFacts] = ()) -> Iterable[Finding]:
    """5 § lag (2003:1210): the state pays half, the regions a quarter, the
    municipalities a quarter. A difference of up to 1 kr is rounding. Contribution
    lines linked to no member count in the total but in no group: the message names
    them, so that "Regionen betalar 0 kr" is not all it says while a "Region …" line
    is on the screen."""
    actual = {"state": col.state, "region": col.region, "municipalities": col.municipalities}
    loose = [line for line in unlinked if line.amount(col.column)]
    for group, share in GROUP_SHARES.items():
        expected = col.contributions * share
        if abs(actual[group] - expected) > SPLIT_TOLERANCE:
            message = (
                f"{GROUP_NAMES[group]} betalar {format_kr(actual[group])} {col.year}, "
                f"men ska enligt lagen betala {GROUP_PERCENT_TEXT[group]} av "
                f"medlemsbidragen {format_kr(col.contributions)}, "
                f"det vill säga {format_kr(round_ore(expected))}."
            )
            if loose:
                named = and_list(
                    f"{line.label} ({format_kr(line.amount(col.column))})" for line in loose
                )
                message += (
                    f" Kopplade till ingen medlem, och därför inte räknade till någon "
                    f"part: {named}."
                )
            yield Finding(
                rule="funding-split",
                severity=ERROR,
                year=col.year,
                column=col.column,
                message=message,
            )


# What a finding tells the author to do (Finding.advice): the board's documents leave it out.
LINK_MEMBER = "Välj medlemmen under Koppling."
CHECK_SIGN = "En rättelse är tillåten men ovanlig; kontrollera tecknet."
SET_TARGET = "Ange ett målvärde som kan följas upp, till exempel 40 %."


def unlinked_contributions(col: ColumnFigures, unlinked: Sequence[LineFacts]) -> Iterable[Finding]:
    """A contribution comes from a member: a line linked to none is marked, so the
    user links it (its money counts toward no party's share)."""
    for line in unlinked:
        amount = line.amount(col.column)
        if amount:
            yield Finding(
                rule="contribution-member",
                severity=WARNING,
                year=col.year,
                column=col.column,
                line=line.key,
                message=(
                    f"Medlemsbidraget {line.label} ({format_kr(amount)} {col.year}) är inte "
                    f"kopplat till någon medlem. {LINK_MEMBER}"
                ),
                advice=LINK_MEMBER,
            )


def negative_amounts(col: ColumnFigures, lines: Sequence[LineFacts]) -> Iterable[Finding]:
    """A contribution or a cost is paid, so its amount is positive; a negative one is
    legal (a correction) but rare, and more often a sign copied from the accounts."""
    for line in lines:
        if line.category not in (CONTRIBUTION, *COST_CATEGORIES):
            continue
        amount = line.amount(col.column)
        if amount < 0:
            kind, negative = (
                ("Medlemsbidraget", "negativt")
                if line.category == CONTRIBUTION
                else ("Kostnaden", "negativ")
            )
            yield Finding(
                rule="negative-amount",
                severity=WARNING,
                year=col.year,
                column=col.column,
                line=line.key,
                member=line.member if line.category == CONTRIBUTION else None,
                message=(
                    f"{kind} {line.label} är {negative} {col.year} ({format_kr(amount)}). "
                    f"{CHECK_SIGN}"
                ),
                advice=CHECK_SIGN,
            )


def municipal_split(
    facts: BudgetFacts, lines: Sequence[LineFacts], col: ColumnFigures
) -> Iterable[Finding]:
    """The förbundsordning commonly splits the municipal quarter by population."""
    municipalities = [m for m in facts.members if m.kind == "municipality"]
    if not municipalities or any(not m.population for m in municipalities):
        return
    if col.municipalities <= 0:
        return
    total_population = Decimal(sum(m.population or 0 for m in municipalities))
    for member in municipalities:
        own_lines = [
            line for line in lines if line.category == CONTRIBUTION and line.member == member.key
        ]
        paid = _sum(own_lines, col.column)
        paid_share = paid * HUNDRED / col.municipalities
        population_share = Decimal(member.population or 0) * HUNDRED / total_population
        if abs(paid_share - population_share) > MUNICIPAL_SPLIT_TOLERANCE:
            yield Finding(
                rule="municipal-split",
                severity=WARNING,
                year=col.year,
                column=col.column,
                member=member.key,
                line=own_lines[0].key if own_lines else None,
                message=(
                    f"{member.name} betalar {format_kr(paid)} {col.year}, "
                    f"{format_percent(percent(paid, col.municipalities))} av kommunernas del, "
                    f"men har {format_percent(percent(Decimal(member.population or 0), total_population))} "
                    f"av kommunernas folkmängd."
                ),
            )


def equity_cap(col: ColumnFigures) -> Iterable[Finding]:
    """Nationella rådet: eget kapital should stay under a share (commonly 20 %) of
    the year's contributions."""
    if col.closing_equity is not None and col.closing_equity > col.equity_cap:
        yield Finding(
            rule="equity-cap",
            severity=WARNING,
            year=col.year,
            column=col.column,
            message=(
                f"Eget kapital vid utgången av {col.year} blir {format_kr(col.closing_equity)}, "
                f"över taket {format_kr(col.equity_cap)} av medlemsbidragen "
                f"{format_kr(col.contributions)}."
            ),
        )


def equity_floor(col: ColumnFigures, floor: Decimal | None) -> Iterable[Finding]:
    """Some förbund keep a floor for unforeseen costs and holiday pay."""
    if floor is not None and col.closing_equity is not None and col.closing_equity < floor:
        yield Finding(
            rule="equity-floor",
            severity=WARNING,
            year=col.year,
            column=col.column,
            message=(
                f"Eget kapital vid utgången av {col.year} blir {format_kr(col.closing_equity)}, "
                f"under förbundets golv {format_kr(floor)}."
            ),
        )


def negative_equity(col: ColumnFigures) -> Iterable[Finding]:
    """A förbund may not borrow, so its equity may not go below zero."""
    if col.closing_equity is not None and col.closing_equity < 0:
        yield Finding(
            rule="negative-equity",
            severity=ERROR,
            year=col.year,
            column=col.column,
            message=(
                f"Eget kapital blir negativt vid utgången av {col.year}: "
                f"{format_kr(col.closing_equity)}. Ett samordningsförbund får inte låna."
            ),
        )


def budget_balance(col: ColumnFigures, deficit_reason: str | None) -> Iterable[Finding]:
    """Income should cover costs; a deficit is allowed when the board states why."""
    if col.result >= 0:
        return
    reason = (deficit_reason or "").strip()
    if reason:
        yield Finding(
            rule="budget-balance",
            severity=WARNING,
            year=col.year,
            column=col.column,
            message=(
                f"Budgeten {col.year} är inte i balans ({format_kr(col.result)}). Skäl: {reason}"
            ),
        )
    else:
        yield Finding(
            rule="budget-balance",
            severity=ERROR,
            year=col.year,
            column=col.column,
            message=(
                f"Budgeten {col.year} är inte i balans ({format_kr(col.result)}): kostnaderna "
                f"{format_kr(col.costs)} överstiger intäkterna {format_kr(col.income)}, "
                f"och inget skäl till underskottet är angivet."
            ),
        )


def individual_share_target(col: ColumnFigures, target: Decimal | None) -> Iterable[Finding]:
    if target is None or col.individual_share is None:
        return
    if col.individual_share < target:
        yield Finding(
            rule="individual-share-target",
            severity=WARNING,
            year=col.year,
            column=col.column,
            message=(
                f"Den individinriktade andelen av insatsmedlen {col.year} är "
                f"{format_percent(col.individual_share)}, under förbundets mål "
                f"{format_percent(target)}."
            ),
        )


def parties(member_keys: Iterable[str], members: Sequence[MemberFacts]) -> set[str]:
    """The law's parties among these members: several municipalities (or regions)
    count as one party."""
    kinds = {m.key: m.kind for m in members}
    return {PARTY_OF_KIND[kinds[k]] for k in member_keys if k in kinds}


def intervention_members(
    facts: BudgetFacts, lines: Sequence[LineFacts], planning: Sequence[ColumnFigures]
) -> Iterable[Finding]:
    """2 § lag (2003:1210): insatser are joint, so at least two of the four parties
    take part."""
    for intervention in facts.interventions:
        own = [
            line
            for line in lines
            if line.category == INTERVENTION and line.intervention == intervention.key
        ]
        first_year = next(
            (col for col in planning if any(line.amount(col.column) != 0 for line in own)), None
        )
        if first_year is None:
            continue
        found = parties(intervention.member_keys, facts.members)
        if too_few_parties(len(found)):
            names = ", ".join(PARTY_NAMES[p] for p in sorted(found)) or "ingen part"
            yield Finding(
                rule="intervention-members",
                severity=ERROR,
                year=first_year.year,
                column=first_year.column,
                intervention=intervention.key,
                line=own[0].key,
                message=(
                    f"Insatsen {intervention.name} har medel {first_year.year} men bara "
                    f"{len(found)} av de fyra parterna ({names}). Minst två parter ska delta."
                ),
            )


def intervention_rules(
    facts: BudgetFacts, lines: Sequence[LineFacts], planning: Sequence[ColumnFigures]
) -> Iterable[Finding]:
    """The rules about an intervention the budget finances: its dates, its money
    outside its period, its goals. Like `intervention_members`, only interventions
    with money in a planning column are checked, and the finding's year is the
    first planning year with money."""
    own: dict[str, list[LineFacts]] = {}
    for line in lines:
        if line.category == INTERVENTION and line.intervention is not None:
            own.setdefault(line.intervention, []).append(line)
    for intervention in facts.interventions:
        funded = [
            (col, [line for line in own.get(intervention.key, ()) if line.amount(col.column) != 0])
            for col in planning
        ]
        funded = [(col, with_money) for col, with_money in funded if with_money]
        if not funded:
            continue
        first, first_lines = funded[0]
        year, first_line = first.year, first_lines[0].key
        yield from intervention_dates(intervention, column=first.column, year=year, line=first_line)
        for col, with_money in funded:
            yield from intervention_period(intervention, col, with_money)
        yield from intervention_goal_target(intervention, year=year, line=first_line)


def intervention_own_findings(intervention: InterventionFacts) -> list[Finding]:
    """The rules about an intervention itself, for one no budget finances yet
    (the intervention page): no year, no line."""
    return [*intervention_dates(intervention), *intervention_goal_target(intervention)]


def intervention_dates(
    intervention: InterventionFacts,
    *,
    year: int | None = None,
    column: str | None = None,
    line: str | None = None,
) -> Iterable[Finding]:
    """An intervention ends on or after the day it starts."""
    start, end = intervention.start, intervention.end
    if start is not None and end is not None and end < start:
        yield Finding(
            rule="intervention-dates",
            severity=ERROR,
            year=year,
            column=column,
            line=line,
            intervention=intervention.key,
            message=(
                f"Insatsen {intervention.name} slutar {swedish_date(end)}, "
                f"före sin start {swedish_date(start)}."
            ),
        )


def intervention_period_text(start: date | None, end: date | None) -> str:
    """ "1 januari 2018–31 december 2022", "från 1 september 2019", "till …" """
    if start and end:
        return f"{swedish_date(start)}–{swedish_date(end)}"
    if start:
        return f"från {swedish_date(start)}"
    if end:
        return f"till {swedish_date(end)}"
    return ""


def intervention_period(
    intervention: InterventionFacts, col: ColumnFigures, lines: Sequence[LineFacts]
) -> Iterable[Finding]:
    """Money in a planning year that lies wholly outside the intervention's
    period: the money or the dates are wrong. A year the period only touches
    (it starts in December) is inside."""
    start, end = intervention.start, intervention.end
    if (start is None or col.year >= start.year) and (end is None or col.year <= end.year):
        return
    amount = sum((line.amount(col.column) for line in lines), ZERO)
    yield Finding(
        rule="intervention-period",
        severity=WARNING,
        year=col.year,
        column=col.column,
        line=lines[0].key,
        intervention=intervention.key,
        message=(
            f"Insatsen {intervention.name} har {format_kr(amount)} i budgeten {col.year}, "
            f"men pågår {intervention_period_text(start, end)}."
        ),
    )


def intervention_goal_target(
    intervention: InterventionFacts, *, year: int | None = None, line: str | None = None
) -> Iterable[Finding]:
    """Every goal needs a measurable target (a number) that the yearly follow-up
    can be held against; the seeds' plans ask the same ("mätbara mål")."""
    count = intervention.goals_without_target
    if count > 0:
        yield Finding(
            rule="intervention-goal-target",
            severity=WARNING,
            year=year,
            line=line,
            intervention=intervention.key,
            message=(
                f"Insatsen {intervention.name} har {count} mål utan mätbart målvärde. {SET_TARGET}"
            ),
            advice=SET_TARGET,
        )


def decision_deadline(facts: BudgetFacts) -> Iterable[Finding]:
    """The plan and budget are adopted before 30 November of the year before
    (plans/rules.py, the same rule as the adoption's warning)."""
    yield from decision_deadline_findings(
        year=facts.year, decided_on=facts.decided_on, decision_meeting_on=facts.decision_meeting_on
    )
