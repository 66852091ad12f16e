"""What the budgets give the interventions: the register's money per year, the
intervention page's budget lines and findings, and the plan's intervention chapter
with its funding. Here, in budgets, since an intervention's money is the amounts
of the budget lines linked to it (interventions sit below budgets; their own
pages and writes are in interventions/).

Every selector runs a fixed number of queries, however many interventions, goals
and outcomes the förbund has: the register and the chapter load each kind of row
once; the detail page also evaluates each budget that finances the intervention
(through `budgets.selectors.budget_facts`, the same figures and findings as the
budget report), so its count grows with those budget years only.

Money is never typed twice: an intervention's money is the amounts of the budget
lines linked to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from budgets.models import Amount, Budget, Column
from budgets.rules import (
    PARTY_NAMES,
    BudgetFacts,
    InterventionFacts,
    column_label,
    evaluate,
    intervention_own_findings,
    intervention_period_text,
    parse_column_code,
    parties,
    planning_columns,
)
from budgets.rules import MemberFacts as RuleMember
from budgets.selectors import budgets_facts, intervention_amounts
from finsam.findings import Finding, by_severity
from finsam.models import Federation, Member
from interventions.models import (
    Intervention,
    InterventionGoal,
    InterventionOutcome,
    InterventionStatus,
)
from interventions.rules import (
    GoalStatus,
    PlanYearFacts,
    funded_columns,
    goal_status,
    in_plan_year,
    period_overlaps,
    too_few_parties,
)
from plans.rules import is_planning_column

ZERO = Decimal(0)

KIND_INDIVIDUAL = "individual"
KIND_STRUCTURAL = "structural"
KIND_MIXED = "mixed"
KIND_CHOICES = (
    (KIND_INDIVIDUAL, "Individinriktad (100 %)"),
    (KIND_MIXED, "Blandad"),
    (KIND_STRUCTURAL, "Strukturell (0 %)"),
)
# How many years the detail page offers for recording outcomes, and shows without
# outcomes.
REPORT_YEARS = 5
SHOWN_YEARS = 3


PARTY_SHORT_NAMES = {
    "social_insurance": "FK",
    "employment_service": "AF",
    "region": "Region",
    "municipality": "Kommun",
}


def _parties_of(members: Iterable[Member], *, short: bool = False) -> tuple[str, ...]:
    """The law's parties among the members, in the law's order (several
    municipalities, or regions, are one party)."""
    facts = [RuleMember(key=m.key, name=m.name, kind=m.kind) for m in members]
    found = parties((m.key for m in facts), facts)
    names = PARTY_SHORT_NAMES if short else PARTY_NAMES
    return tuple(names[p] for p in PARTY_NAMES if p in found)


# --- money per intervention and year -------------------------------------------------


@dataclass(frozen=True)
class PlannedMoney:
    """Each intervention's money per year, by the latest word: a year's amount
    comes from the newest budget that has a planning column for that year (its
    budget column, or a later budget's plan column), base budget only. A year that
    newest budget gives the intervention nothing is 0, whatever older budgets said."""

    by_intervention: dict[int, dict[int, Decimal]]
    years: tuple[int, ...]  # every year some budget plans for
    latest_budget_year: int | None

    def of(self, intervention_id: int, year: int) -> Decimal:
        return self.by_intervention.get(intervention_id, {}).get(year, ZERO)

    def years_with_money(self, intervention_id: int) -> tuple[int, ...]:
        cells = self.by_intervention.get(intervention_id, {})
        return tuple(sorted(year for year, amount in cells.items() if amount))


def planned_money(federation: Federation) -> PlannedMoney:
    """Two queries: the budgets' columns, and the amounts of linked lines."""
    deciding: dict[int, int] = {}  # year → the newest budget year planning it
    latest = None
    for budget_year, year, kind in Column.objects.filter(budget__federation=federation).values_list(
        "budget__year", "year", "kind"
    ):
        latest = budget_year if latest is None else max(latest, budget_year)
        if is_planning_column(budget_year, year, kind) and budget_year >= deciding.get(year, 0):
            deciding[year] = budget_year
    money: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = Amount.objects.filter(
        line__budget__federation=federation,
        line__scenario__isnull=True,
        line__intervention__isnull=False,
    ).values_list(
        "line__intervention_id", "line__budget__year", "column__year", "column__kind", "amount"
    )
    for intervention_id, budget_year, year, kind, amount in rows:
        if is_planning_column(budget_year, year, kind) and deciding.get(year) == budget_year:
            money[intervention_id][year] += amount
    return PlannedMoney(
        by_intervention={k: dict(v) for k, v in money.items()},
        years=tuple(sorted(deciding)),
        latest_budget_year=latest,
    )


# --- the register --------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilters:
    status: str = ""
    kind: str = ""
    year: int | None = None
    member: int | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.kind or self.year or self.member or self.text)


@dataclass(frozen=True)
class RegisterRow:
    intervention: Intervention
    member_names: tuple[str, ...]
    parties: tuple[str, ...]
    goal_count: int
    goals_without_target: int
    amounts: tuple[Decimal, ...]  # one per RegisterView.years

    @property
    def too_few_parties(self) -> bool:
        """Fewer than two of the law's parties, for an intervention that is not over."""
        finished = self.intervention.status == InterventionStatus.FINISHED
        return too_few_parties(len(self.parties)) and not finished

    @property
    def lacks_goals(self) -> bool:
        """No goal to follow up, for one that is more than an idea and not over."""
        status = self.intervention.status
        return not self.goal_count and status not in (
            InterventionStatus.FINISHED,
            InterventionStatus.IDEA,
        )

    @property
    def period(self) -> str:
        """ "2018–2022", "från 2019", "till 2022" or ""."""
        start, end = self.intervention.start, self.intervention.end
        if start and end:
            return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
        if start:
            return f"från {start.year}"
        if end:
            return f"till {end.year}"
        return ""


@dataclass(frozen=True)
class InterventionRegister:
    rows: tuple[RegisterRow, ...]
    total_count: int  # before the filters
    years: tuple[int, ...]  # the money columns
    totals: tuple[Decimal, ...]  # the rows' sum per money column
    year_choices: tuple[int, ...]
    members: tuple[Member, ...]
    filters: RegisterFilters
    status_choices: tuple[tuple[str, str], ...] = tuple(InterventionStatus.choices)
    kind_choices: tuple[tuple[str, str], ...] = KIND_CHOICES


def _matches_text(intervention: Intervention, text: str) -> bool:
    # In Python, not SQL: SQLite's LIKE ignores case for ASCII letters only (å, ä, ö).
    needle = text.casefold()
    haystack = (
        intervention.name,
        intervention.short_name,
        intervention.key,
        intervention.category_label,
        intervention.target_group,
        intervention.purpose,
        intervention.description,
        intervention.owner_unit,
        intervention.owner.name if intervention.owner else "",
    )
    return any(needle in value.casefold() for value in haystack)


def intervention_register(federation: Federation, filters: RegisterFilters) -> InterventionRegister:
    """The förbund's interventions, filtered, with their money per year."""
    money = planned_money(federation)
    queryset: QuerySet[Intervention] = (
        Intervention.objects.filter(federation=federation)
        .select_related("owner")
        .annotate(
            goal_count=Count("goals"),
            goals_without_target=Count("goals", filter=Q(goals__target__isnull=True)),
        )
        .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("position", "id")))
        .order_by("position", "id")
    )
    interventions = list(queryset)
    total_count = len(interventions)
    if filters.status:
        interventions = [i for i in interventions if i.status == filters.status]
    if filters.kind == KIND_INDIVIDUAL:
        interventions = [i for i in interventions if i.individual_share_percent >= 100]
    elif filters.kind == KIND_STRUCTURAL:
        interventions = [i for i in interventions if i.individual_share_percent <= 0]
    elif filters.kind == KIND_MIXED:
        interventions = [i for i in interventions if 0 < i.individual_share_percent < 100]
    if filters.member:
        involved = set(
            Intervention.objects.filter(federation=federation)
            .filter(
                Q(members=filters.member)
                | Q(owner=filters.member)
                | Q(steering_members=filters.member)
            )
            .values_list("pk", flat=True)
        )
        interventions = [i for i in interventions if i.pk in involved]
    if filters.year:
        year = filters.year
        interventions = [
            i
            for i in interventions
            if money.of(i.pk, year)
            or ((i.start or i.end) and period_overlaps(i.start, i.end, year))
        ]
    if filters.text.strip():
        interventions = [i for i in interventions if _matches_text(i, filters.text.strip())]

    latest_years: tuple[int, ...] = ()
    if money.latest_budget_year is not None:
        latest_years = tuple(y for y in money.years if y >= money.latest_budget_year)
    years = latest_years
    if filters.year and filters.year not in latest_years:
        years = (filters.year,)
    rows = tuple(
        RegisterRow(
            intervention=i,
            member_names=tuple(m.name for m in i.members.all()),
            parties=_parties_of(i.members.all(), short=True),
            goal_count=i.goal_count,
            goals_without_target=i.goals_without_target,
            amounts=tuple(money.of(i.pk, y) for y in years),
        )
        for i in interventions
    )
    totals = tuple(sum((row.amounts[n] for row in rows), ZERO) for n in range(len(years)))
    return InterventionRegister(
        rows=rows,
        total_count=total_count,
        years=years,
        totals=totals,
        year_choices=money.years,
        members=tuple(federation.members.order_by("position", "id")),
        filters=filters,
    )


# --- the detail page -----------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeCell:
    year: int
    outcome: InterventionOutcome | None
    status: GoalStatus


@dataclass(frozen=True)
class GoalRow:
    goal: InterventionGoal
    cells: tuple[OutcomeCell, ...]


@dataclass(frozen=True)
class BudgetLineRow:
    key: str
    label: str
    scenario: str | None  # None: the base budget
    amounts: tuple[Decimal | None, ...]  # one per column; None: no amount given


@dataclass(frozen=True)
class BudgetColumn:
    code: str
    label: str
    is_planning: bool


@dataclass(frozen=True)
class ScenarioFinding:
    scenario: str
    finding: Finding


@dataclass(frozen=True)
class BudgetBlock:
    """One budget year's lines for the intervention, and that budget's findings
    about it (the same as the budget report's)."""

    year: int
    columns: tuple[BudgetColumn, ...]
    rows: tuple[BudgetLineRow, ...]
    totals: tuple[Decimal, ...]  # the base lines' sum per column
    findings: tuple[Finding, ...]
    scenario_findings: tuple[ScenarioFinding, ...]


@dataclass(frozen=True)
class InterventionDetail:
    intervention: Intervention
    members: tuple[Member, ...]
    steering_members: tuple[Member, ...]
    parties: tuple[str, ...]
    goals: tuple[GoalRow, ...]
    years: tuple[int, ...]  # the outcome columns
    report_years: tuple[int, ...]  # the years offered for recording outcomes
    budgets: tuple[BudgetBlock, ...]
    # The rules about the intervention itself when no budget finances it.
    own_findings: tuple[Finding, ...] = field(default=())
    # The förbund's budget years, newest first (where a line can be linked).
    budget_years: tuple[int, ...] = ()
    # Does a budget give it money in a planning column (and so check it)?
    financed: bool = False

    @property
    def too_few_parties(self) -> bool:
        return too_few_parties(len(self.parties))

    @property
    def period(self) -> str:
        return intervention_period_text(self.intervention.start, self.intervention.end)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, errors first: of every budget year, and the own ones."""
        found = list(self.own_findings)
        for block in self.budgets:
            found += block.findings
            found += [sf.finding for sf in block.scenario_findings]
        return by_severity(found)

    @property
    def goals_without_target(self) -> int:
        return sum(1 for row in self.goals if row.goal.target is None)


def _facts_of(
    intervention: Intervention, goals: Sequence[InterventionGoal], members: Sequence[Member]
) -> InterventionFacts:
    return InterventionFacts(
        key=intervention.key,
        name=intervention.name,
        individual_share_percent=intervention.individual_share_percent,
        member_keys=tuple(m.key for m in members),
        start=intervention.start,
        end=intervention.end,
        goals_without_target=sum(1 for goal in goals if goal.target is None),
    )


def _budget_block(facts: BudgetFacts, key: str) -> BudgetBlock:
    planning = set(planning_columns(facts.year, facts.columns))
    columns = tuple(
        BudgetColumn(code=code, label=column_label(code), is_planning=code in planning)
        for code in facts.columns
    )
    rows = [
        BudgetLineRow(
            key=line.key,
            label=line.label,
            scenario=None,
            amounts=tuple(line.amounts.get(c.code) for c in columns),
        )
        for line in facts.lines
        if line.intervention == key
    ]
    totals = tuple(sum((row.amounts[n] or ZERO for row in rows), ZERO) for n in range(len(columns)))
    for scenario in facts.scenarios:
        rows += [
            BudgetLineRow(
                key=line.key,
                label=line.label,
                scenario=scenario.name,
                amounts=tuple(line.amounts.get(c.code) for c in columns),
            )
            for line in scenario.lines
            if line.intervention == key
        ]
    base = [f for f in evaluate(facts).findings if f.intervention == key]
    seen = {(f.rule, f.year, f.message) for f in base}
    in_scenarios = []
    for scenario in facts.scenarios:
        for finding in evaluate(facts, scenario).findings:
            if (
                finding.intervention == key
                and (finding.rule, finding.year, finding.message) not in seen
            ):
                in_scenarios.append(ScenarioFinding(scenario=scenario.name, finding=finding))
    return BudgetBlock(
        year=facts.year,
        columns=columns,
        rows=tuple(rows),
        totals=totals,
        findings=tuple(by_severity(base)),
        scenario_findings=tuple(in_scenarios),
    )


def intervention_detail(
    intervention: Intervention, *, today: date | None = None
) -> InterventionDetail:
    """The intervention with its goals and outcomes, its budget lines in every
    budget year, and the findings each of those budgets has about it."""
    today = today or timezone.localdate()
    members = tuple(intervention.members.order_by("position", "id"))
    steering = tuple(intervention.steering_members.order_by("position", "id"))
    goals = list(intervention.goals.order_by("position", "id"))
    outcomes = {
        (o.goal_id, o.year): o
        for o in InterventionOutcome.objects.filter(goal__intervention=intervention).select_related(
            "updated_by"
        )
    }
    budgets = list(
        Budget.objects.filter(
            federation_id=intervention.federation_id, lines__intervention=intervention
        )
        .select_related("federation")
        .distinct()
        .order_by("-year")
    )
    blocks = tuple(_budget_block(facts, intervention.key) for facts in budgets_facts(budgets))

    money_years = {
        parse_column_code(column.code)[0]
        for block in blocks
        for n, column in enumerate(block.columns)
        if column.is_planning and block.totals[n]
    }
    budget_years = tuple(
        Budget.objects.filter(federation_id=intervention.federation_id)
        .order_by("-year")
        .values_list("year", flat=True)
    )
    candidates = set(money_years) | {year for _, year in outcomes}
    if intervention.start:
        # An open-ended intervention runs as far as the förbund plans.
        open_end = max([*budget_years[:1], *money_years]) if budget_years else today.year
        last = min(intervention.end.year if intervention.end else open_end, today.year)
        candidates |= set(range(intervention.start.year, last + 1))
    # Recent years first: an open-ended intervention started long ago offers its
    # last few years, and shows the years that have outcomes.
    report_years = tuple(sorted(y for y in candidates if y <= today.year))[-REPORT_YEARS:]
    report_years = report_years or (today.year,)
    years = tuple(sorted(set(report_years[-SHOWN_YEARS:]) | {year for _, year in outcomes}))

    goal_rows = tuple(
        GoalRow(
            goal=goal,
            cells=tuple(
                OutcomeCell(
                    year=year,
                    outcome=outcomes.get((goal.pk, year)),
                    status=goal_status(
                        goal.target,
                        goal.comparison,
                        outcomes[(goal.pk, year)].value if (goal.pk, year) in outcomes else None,
                    ),
                )
                for year in years
            ),
        )
        for goal in goals
    )
    # A budget that gives it money in a planning column checks it (the findings
    # above); otherwise the rules about the intervention itself run here.
    own: tuple[Finding, ...] = ()
    if not money_years:
        own = tuple(intervention_own_findings(_facts_of(intervention, goals, members)))
        said = {(f.rule, f.message) for f in own}
        blocks = tuple(
            replace(
                block,
                scenario_findings=tuple(
                    sf
                    for sf in block.scenario_findings
                    if (sf.finding.rule, sf.finding.message) not in said
                ),
            )
            for block in blocks
        )
    return InterventionDetail(
        intervention=intervention,
        members=members,
        steering_members=steering,
        parties=_parties_of(members),
        goals=goal_rows,
        years=years,
        report_years=report_years,
        budgets=blocks,
        own_findings=own,
        budget_years=budget_years,
        financed=bool(money_years),
    )


# --- the plan's chapter ----------------------------------------------------------------


@dataclass(frozen=True)
class ChapterGoal:
    text: str
    target: str  # "minst 40 %", or "" without a target


@dataclass(frozen=True)
class ChapterFunding:
    year: int
    label: str  # "Budget 2020", "Plan 2021"
    amount: Decimal


@dataclass(frozen=True)
class InterventionChapter:
    """One intervention as the plan document prints it (the seeds' shape:
    Målgrupp, Syfte, Mål, Projektägare, Styrgrupp, Finansiering per år)."""

    intervention: Intervention
    anchor: str
    name: str
    short_name: str
    status: str
    kind: str
    category_label: str
    period: str
    target_group: str
    age_range: str
    purpose: str
    description: str
    goals: tuple[ChapterGoal, ...]
    owner: str
    steering: str
    members: str
    reports_participants: bool
    funding: tuple[ChapterFunding, ...]
    funding_total: Decimal


def _owner_text(intervention: Intervention) -> str:
    owner = intervention.owner.name if intervention.owner else ""
    return ", ".join(part for part in (owner, intervention.owner_unit) if part)


def _steering_text(intervention: Intervention) -> str:
    names = ", ".join(m.name for m in intervention.steering_members.all())
    other = intervention.steering_group.strip()
    if names and other:
        return f"{names}; {other}"
    return names or other


def intervention_chapters(federation: Federation, year: int) -> list[InterventionChapter]:
    """The interventions of the plan year, in the förbund's order, each with its
    money per planning year of that year's budget. Seven queries, however many
    interventions and goals.

    Which interventions are in the plan year is `interventions.rules.in_plan_year`,
    from every budget's money for them: the one definition the freeze of an
    adopted year uses too."""
    budget = Budget.objects.filter(federation=federation, year=year).first()
    planning: list[tuple[int, str]] = []
    if budget is not None:
        codes = [f"{y}:{k}" for y, k in budget.columns.values_list("year", "kind")]
        planning = [parse_column_code(code) for code in planning_columns(year, codes)]
    money: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    amounts = intervention_amounts(federation)
    for intervention_id, rows in amounts.items():
        for budget_year, column_year, kind, amount in rows:
            if budget_year == year:
                money[intervention_id][f"{column_year}:{kind}"] += amount
    interventions = (
        Intervention.objects.filter(federation=federation)
        .select_related("owner")
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("position", "id")),
            Prefetch("steering_members", queryset=Member.objects.order_by("position", "id")),
            Prefetch("goals", queryset=InterventionGoal.objects.order_by("position", "id")),
        )
        .order_by("position", "id")
    )
    chapters = []
    for intervention in interventions:
        cells = money.get(intervention.pk, {})
        funding = tuple(
            ChapterFunding(
                year=y,
                label=column_label(f"{y}:{k}"),
                amount=cells.get(f"{y}:{k}", ZERO),
            )
            for y, k in planning
        )
        has_money = any(f.amount for f in funding)
        facts = PlanYearFacts(
            start=intervention.start,
            end=intervention.end,
            status=intervention.status,
            funded=funded_columns(amounts.get(intervention.pk, ())),
        )
        if not in_plan_year(facts, year):
            continue
        chapters.append(
            InterventionChapter(
                intervention=intervention,
                anchor=f"insats-{intervention.pk}",
                name=intervention.name,
                short_name=intervention.short_name,
                status=intervention.status_label,
                kind=intervention.kind_label,
                category_label=intervention.category_label,
                period=intervention_period_text(intervention.start, intervention.end),
                target_group=intervention.target_group,
                age_range=intervention.age_range,
                purpose=intervention.purpose,
                description=intervention.description,
                goals=tuple(
                    ChapterGoal(text=goal.text, target=goal.target_text)
                    for goal in intervention.goals.all()
                ),
                owner=_owner_text(intervention),
                steering=_steering_text(intervention),
                members=", ".join(m.name for m in intervention.members.all()),
                reports_participants=intervention.reports_participants,
                funding=funding if has_money else (),
                funding_total=sum((f.amount for f in funding), ZERO),
            )
        )
    return chapters
