"""Reads that compute: stored budget → facts → figures, findings and the report.

`budget_summary()` is the one selector every output uses: the budget page, the
PDF, the Excel export, the JSON report and the CLI.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery

from budgets.bundle import bundle_facts, parse_bundle
from budgets.merge import AMOUNT, LABEL, Part
from budgets.models import Amount, Budget, Category, Column, Line, Scenario
from budgets.rules import (
    CATEGORIES,
    BudgetFacts,
    ColumnFigures,
    Evaluation,
    InterventionFacts,
    LineFacts,
    MemberFacts,
    ScenarioFacts,
    evaluate,
    find_scenario,
)
from finsam.findings import ERROR, Finding, by_severity
from finsam.models import Federation, Member
from finsam.money import amount_str, percent_str
from interventions.models import Intervention
from interventions.rules import PlanYearFacts, funded_columns, in_plan_year
from plans.models import Plan, PlanStatus, Snapshot

logger = logging.getLogger(__name__)

REPORT_FORMAT = "finsam-report/1"
CATEGORY_LABELS = dict(Category.choices)


def budget_queryset():
    return Budget.objects.select_related("federation", "updated_by")


def budget_facts(budget: Budget, *, lines: bool = True) -> BudgetFacts:
    """Everything the rules need, in a fixed number of queries. `lines=False` leaves
    out the stored lines (of the budget and its scenarios), for the editor's
    recompute of a draft that brings its own."""
    return budgets_facts([budget], lines=lines)[0]


def budgets_facts(budgets: list[Budget], *, lines: bool = True) -> list[BudgetFacts]:
    """`budget_facts` of several budgets (in their order), in as many queries as one:
    a page that shows an intervention in every budget year stays at a fixed count.

    A fastställd year (its plan decided, with the adopted version of its current
    revision stored) is read from that snapshot's bundle, not from the live rows:
    what the board adopted stays as adopted, whatever later happens to the
    förbund's members, interventions or settings. Every reader (the budget page,
    rapport.json, validate_budget, the Excel export, the plan) gets its figures
    here, so all of them show the adopted figures."""
    if not budgets:
        return []
    federation_ids = {b.federation_id for b in budgets}
    # Each plan with the SHA-256 of its current revision's snapshot, in the same query.
    adopted_sha = Snapshot.objects.filter(
        plan=OuterRef("pk"), revision=OuterRef("revision")
    ).values("bundle_sha256")[:1]
    plans = {
        (plan.federation_id, plan.year): plan
        for plan in Plan.objects.filter(
            federation_id__in=federation_ids, year__in={b.year for b in budgets}
        )
        .annotate(adopted_sha=Subquery(adopted_sha))
        .order_by("-pk")  # the first of a (förbund, year), as .first() on the year
    }
    adopted = _adopted_facts(plans.values())
    live = [b for b in budgets if (b.federation_id, b.year) not in adopted]
    facts = dict(zip((b.pk for b in live), _live_facts(live, plans, lines=lines), strict=True))
    return [
        adopted[(b.federation_id, b.year)] if b.pk not in facts else facts[b.pk] for b in budgets
    ]


# Parsed adopted bundles by their SHA-256: a snapshot never changes, so its facts
# are read once per process. None: the stored bundle could not be read.
_ADOPTED_CACHE: dict[str, BudgetFacts | None] = {}
_ADOPTED_CACHE_SIZE = 64


def _read_adopted(text: str, sha: str) -> BudgetFacts | None:
    try:
        return bundle_facts(parse_bundle(json.loads(text)))
    except (ValueError, RecursionError):  # BundleError and JSONDecodeError are ValueErrors
        logger.error("Den fastställda versionens planpaket %s går inte att läsa.", sha)
        return None


def _adopted_facts(plans: Iterable[Plan]) -> dict[tuple[int, int], BudgetFacts]:
    """(förbund id, year) → the facts of each decided plan's current snapshot.
    A snapshot whose bundle cannot be read (none is, unless made by hand) leaves
    its year to the stored rows."""
    decided = {
        plan.pk: plan
        for plan in plans
        if plan.status == PlanStatus.DECIDED and getattr(plan, "adopted_sha", None)
    }
    if not decided:
        return {}
    current = {plan_id: plan.adopted_sha for plan_id, plan in decided.items()}
    read = {sha: _ADOPTED_CACHE[sha] for sha in current.values() if sha in _ADOPTED_CACHE}
    missing = set(current.values()) - set(read)
    if missing:
        for sha, text in Snapshot.objects.filter(bundle_sha256__in=missing).values_list(
            "bundle_sha256", "bundle"
        ):
            read[sha] = _read_adopted(text, sha)
        if len(_ADOPTED_CACHE) + len(missing) > _ADOPTED_CACHE_SIZE:
            _ADOPTED_CACHE.clear()
        _ADOPTED_CACHE.update((sha, read.get(sha)) for sha in missing)
    found: dict[tuple[int, int], BudgetFacts] = {}
    for plan_id, sha in current.items():
        facts = read.get(sha)
        if facts is not None:
            plan = decided[plan_id]
            found[(plan.federation_id, plan.year)] = facts
    return found


def _live_facts(
    budgets: list[Budget], plans: dict[tuple[int, int], Plan], *, lines: bool = True
) -> list[BudgetFacts]:
    """The facts of budgets from their stored rows (without their lines: `lines`)."""
    if not budgets:
        return []
    ids = [b.pk for b in budgets]
    federation_ids = {b.federation_id for b in budgets}
    columns: dict[int, list[Column]] = defaultdict(list)
    for column in Column.objects.filter(budget_id__in=ids):
        columns[column.budget_id].append(column)
    codes = {c.pk: c.code for found in columns.values() for c in found}
    # Plain values, not model instances: a 300-line budget has 1 500 cells, and the
    # editor recomputes them as the user types.
    stored: dict[int, list[tuple]] = defaultdict(list)
    for budget_id, *line in (
        Line.objects.filter(budget_id__in=ids if lines else ())
        .order_by("position", "id")
        .values_list(
            "budget_id",
            "id",
            "scenario_id",
            "key",
            "category",
            "label",
            "member__key",
            "intervention__key",
            "note",
        )
    ):
        stored[budget_id].append(tuple(line))
    amounts: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for line_id, column_id, amount in Amount.objects.filter(
        line__budget_id__in=ids if lines else ()
    ).values_list("line_id", "column_id", "amount"):
        amounts[line_id][codes[column_id]] = amount
    members: dict[int, list[Member]] = defaultdict(list)
    for member in Member.objects.filter(federation_id__in=federation_ids):
        members[member.federation_id].append(member)
    interventions: dict[int, list[Intervention]] = defaultdict(list)
    for intervention in (
        Intervention.objects.filter(federation_id__in=federation_ids)
        .annotate(goals_without_target=Count("goals", filter=Q(goals__target__isnull=True)))
        .prefetch_related(Prefetch("members", queryset=Member.objects.only("key")))
    ):
        interventions[intervention.federation_id].append(intervention)
    scenarios: dict[int, list[Scenario]] = defaultdict(list)
    for scenario in Scenario.objects.filter(budget_id__in=ids):
        scenarios[scenario.budget_id].append(scenario)
    return [
        _facts(
            budget,
            columns[budget.pk],
            stored[budget.pk],
            amounts,
            members[budget.federation_id],
            interventions[budget.federation_id],
            scenarios[budget.pk],
            plans.get((budget.federation_id, budget.year)),
        )
        for budget in budgets
    ]


def member_facts(member: Member) -> MemberFacts:
    return MemberFacts(
        key=member.key,
        name=member.name,
        kind=member.kind,
        population=member.population,
        fixed_share_percent=member.fixed_share_percent,
    )


def _facts(budget, columns, lines, amounts, members, interventions, scenarios, plan) -> BudgetFacts:
    federation = budget.federation
    by_scenario: dict[int | None, list[LineFacts]] = defaultdict(list)
    for line_id, scenario_id, key, category, label, member, intervention, note in lines:
        by_scenario[scenario_id].append(
            LineFacts(
                key=key,
                category=category,
                label=label,
                amounts=amounts[line_id],
                member=member,
                intervention=intervention,
                note=note,
            )
        )

    decided_on = plan.decided_on if plan and plan.status == PlanStatus.DECIDED else None
    return BudgetFacts(
        federation=federation.slug,
        year=budget.year,
        columns=tuple(c.code for c in columns),
        opening_equity=budget.opening_equity,
        lines=tuple(by_scenario[None]),
        members=tuple(member_facts(m) for m in members),
        interventions=tuple(
            InterventionFacts(
                key=i.key,
                name=i.name,
                individual_share_percent=i.individual_share_percent,
                member_keys=tuple(m.key for m in i.members.all()),
                start=i.start,
                end=i.end,
                goals_without_target=i.goals_without_target,
            )
            for i in interventions
        ),
        deficit_reason=budget.deficit_reason or None,
        equity_cap_percent=federation.equity_cap_percent,
        equity_floor=federation.equity_floor,
        individual_share_target_percent=federation.individual_share_target_percent,
        decided_on=decided_on,
        decision_meeting_on=plan.decision_meeting_on if plan else None,
        scenarios=tuple(
            ScenarioFacts(name=s.name, lines=tuple(by_scenario[s.pk]), note=s.note)
            for s in scenarios
        ),
    )


# --- what the pages show ------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    column: str
    amount: Decimal
    severity: str | None = None  # set when a finding points at this cell


@dataclass(frozen=True)
class LineRow:
    line: LineFacts
    cells: tuple[Cell, ...]
    member_name: str | None
    intervention_name: str | None
    overridden: bool = False
    note_mark: str | None = None  # "a)", "b)", … when the line has a note


@dataclass(frozen=True)
class LineNote:
    """A line's note as a footnote under the budget table: "a) …" as the seeds print."""

    mark: str
    label: str
    text: str


def note_mark(index: int) -> str:
    """a), b), …, z), aa), ab), …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return f"{letters})"


@dataclass(frozen=True)
class CategoryBlock:
    category: str
    label: str
    rows: tuple[LineRow, ...]
    subtotals: tuple[FigureValue, ...]


@dataclass(frozen=True)
class BudgetView:
    """One scenario (or the base budget) as the grid shows it."""

    evaluation: Evaluation
    blocks: tuple[CategoryBlock, ...]
    flagged: Mapping[tuple[str, str], str]  # (figure, column) → severity of a finding there
    notes: tuple[LineNote, ...] = ()
    note: str = ""  # the scenario's own note
    deficit_reason: str = ""  # the board's reasons for a deficit (the budget's)

    @property
    def board_checks(self) -> BoardChecks:
        """The checks as the board reads them (its documents)."""
        return board_checks(self, self.deficit_reason)

    @property
    def name(self) -> str:
        return self.evaluation.scenario or "Grundbudget"

    @property
    def columns(self) -> tuple[ColumnFigures, ...]:
        return self.evaluation.columns

    @property
    def findings(self) -> list[Finding]:
        return by_severity(list(self.evaluation.findings))

    @property
    def figure_rows(self) -> tuple[FigureRow, ...]:
        rows = []
        for label, figure, unit, style in FIGURE_ROWS:
            values = tuple(
                FigureValue(
                    value=getattr(col, figure),
                    flagged=self.flagged.get((figure, col.column)),
                )
                for col in self.columns
            )
            rows.append(
                FigureRow(label=label, figure=figure, unit=unit, style=style, values=values)
            )
        return tuple(rows)


@dataclass(frozen=True)
class FigureValue:
    value: Decimal | None
    flagged: str | None  # the severity of a finding that points here
    invalid: bool = False  # a cell it adds up is not an amount (the grid says so)


@dataclass(frozen=True)
class FigureRow:
    label: str
    figure: str
    unit: str  # "kr" or "%"
    style: str  # "total", "subtotal", "share" or ""
    values: tuple[FigureValue, ...]


# The rows under the lines, in the order the seeds print them.
FIGURE_ROWS = (
    ("Summa intäkter", "income", "kr", "subtotal"),
    ("Summa kostnader", "costs", "kr", "subtotal"),
    ("Årets resultat", "result", "kr", "total"),
    ("Eget kapital vid årets början (IB)", "opening_equity", "kr", ""),
    ("Eget kapital vid årets slut (UB)", "closing_equity", "kr", "total"),
    ("Tak för eget kapital", "equity_cap", "kr", ""),
    ("Statens andel av bidragen", "state_share", "%", "share"),
    ("Regionens andel av bidragen", "region_share", "%", "share"),
    ("Kommunernas andel av bidragen", "municipal_share", "%", "share"),
    ("Insatser i % av bidragen", "intervention_share", "%", "share"),
    ("Administration i % av bidragen", "administration_share", "%", "share"),
    ("Individinriktad andel av insatsmedlen", "individual_share", "%", "share"),
    ("Strukturell andel av insatsmedlen", "structural_share", "%", "share"),
)


# The figure row a year-bound rule points at when it has no line.
RULE_FIGURE = {
    "funding-split": "contributions",
    "municipal-split": "contributions",
    "equity-cap": "closing_equity",
    "equity-floor": "closing_equity",
    "negative-equity": "closing_equity",
    "budget-balance": "result",
    "individual-share-target": "individual_share",
}


def budget_view(facts: BudgetFacts, evaluation: Evaluation) -> BudgetView:
    """One evaluation laid out as the grid shows it."""
    names = {
        "member": {m.key: m.name for m in facts.members},
        "intervention": {i.key: i.name for i in facts.interventions},
    }
    codes = [c.column for c in evaluation.columns]
    marks: dict[tuple[str, str], str] = {}
    flagged: dict[tuple[str, str], str] = {}
    for finding in evaluation.findings:
        if finding.line and finding.column:
            if marks.get((finding.line, finding.column)) != ERROR:
                marks[(finding.line, finding.column)] = finding.severity
        if finding.rule in RULE_FIGURE and finding.column:
            where = (RULE_FIGURE[finding.rule], finding.column)
            if flagged.get(where) != ERROR:
                flagged[where] = finding.severity
    base_keys = {line.key: line for line in facts.lines}
    scenario_keys: set[str] = set()
    if evaluation.scenario is not None:
        scenario_keys = {line.key for line in find_scenario(facts, evaluation.scenario).lines}

    blocks = []
    notes: list[LineNote] = []
    for category in CATEGORIES:
        category_rows = []
        for line in evaluation.lines:
            if line.category != category:
                continue
            mark = None
            if line.note.strip():
                mark = note_mark(len(notes))
                notes.append(LineNote(mark=mark, label=line.label, text=line.note.strip()))
            category_rows.append(
                LineRow(
                    line=line,
                    cells=tuple(
                        Cell(column=c, amount=line.amount(c), severity=marks.get((line.key, c)))
                        for c in codes
                    ),
                    member_name=names["member"].get(line.member or ""),
                    intervention_name=names["intervention"].get(line.intervention or ""),
                    overridden=line.key in scenario_keys and line.key in base_keys,
                    note_mark=mark,
                )
            )
        rows = tuple(category_rows)
        subtotals = tuple(
            FigureValue(
                value=sum((row.cells[i].amount for row in rows), Decimal(0)),
                flagged=flagged.get(("contributions", code))
                if category == "contribution"
                else None,
            )
            for i, code in enumerate(codes)
        )
        blocks.append(
            CategoryBlock(
                category=category, label=CATEGORY_LABELS[category], rows=rows, subtotals=subtotals
            )
        )
    scenario_note = ""
    if evaluation.scenario is not None:
        scenario_note = find_scenario(facts, evaluation.scenario).note
    return BudgetView(
        evaluation=evaluation,
        blocks=tuple(blocks),
        flagged=flagged,
        notes=tuple(notes),
        note=scenario_note,
        deficit_reason=facts.deficit_reason or "",
    )


@dataclass(frozen=True)
class BudgetSummary:
    budget: Budget
    facts: BudgetFacts
    base: BudgetView
    scenarios: tuple[BudgetView, ...]

    @property
    def title(self) -> str:
        """ "Budget 2020 och plan 2021–2022" """
        later = [c.year for c in self.base.evaluation.planning if c.year > self.facts.year]
        if not later:
            return f"Budget {self.facts.year}"
        span = str(later[0]) if len(later) == 1 else f"{later[0]}–{later[-1]}"
        return f"Budget {self.facts.year} och plan {span}"

    @property
    def views(self) -> tuple[BudgetView, ...]:
        return (self.base, *self.scenarios)

    def view(self, scenario: str | None) -> BudgetView:
        for view in self.views:
            if view.evaluation.scenario == scenario:
                return view
        raise KeyError(scenario)


@dataclass(frozen=True)
class BoardChecks:
    """The checks as the board's documents show them (the PDF, the adopted version,
    the public page): each finding without the author's advice, and a deficit the board
    has given its reasons for shown as its motivation, not as a warning."""

    findings: tuple[Finding, ...]
    deficits: tuple[ColumnFigures, ...]  # the planning years with a motivated deficit
    reason: str

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def board_checks(view: BudgetView, deficit_reason: str | None) -> BoardChecks:
    reason = (deficit_reason or "").strip()
    motivated = {
        f.column
        for f in view.evaluation.findings
        if f.rule == "budget-balance" and f.severity != ERROR and reason
    }
    return BoardChecks(
        findings=tuple(
            f for f in view.findings if not (f.rule == "budget-balance" and f.column in motivated)
        ),
        deficits=tuple(c for c in view.evaluation.planning if c.column in motivated),
        reason=reason,
    )


def budget_summary(budget: Budget) -> BudgetSummary:
    """The base budget and every scenario, computed once from one load."""
    facts = budget_facts(budget)
    base = budget_view(facts, evaluate(facts))
    scenarios = tuple(budget_view(facts, evaluate(facts, s)) for s in facts.scenarios)
    return BudgetSummary(budget=budget, facts=facts, base=base, scenarios=scenarios)


# --- the report ---------------------------------------------------------------------


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else amount_str(value)


def report_years(evaluation: Evaluation) -> dict[str, dict[str, str | None]]:
    years = {}
    for col in evaluation.planning:
        years[str(col.year)] = {
            "contributions": _amount(col.contributions),
            "state": _amount(col.state),
            "region": _amount(col.region),
            "municipalities": _amount(col.municipalities),
            "state_share": percent_str(col.state_share),
            "region_share": percent_str(col.region_share),
            "municipal_share": percent_str(col.municipal_share),
            "other_income": _amount(col.other_income),
            "costs": _amount(col.costs),
            "intervention_costs": _amount(col.intervention_costs),
            "administration_costs": _amount(col.administration_costs),
            "other_costs": _amount(col.other_costs),
            "result": _amount(col.result),
            "opening_equity": _amount(col.opening_equity),
            "closing_equity": _amount(col.closing_equity),
            "equity_cap": _amount(col.equity_cap),
            "intervention_share": percent_str(col.intervention_share),
            "administration_share": percent_str(col.administration_share),
            "individual_share": percent_str(col.individual_share),
            "structural_share": percent_str(col.structural_share),
        }
    return years


def budget_report(facts: BudgetFacts, evaluation: Evaluation) -> dict[str, object]:
    """A `finsam-report/1` document."""
    return {
        "format": REPORT_FORMAT,
        "federation": facts.federation,
        "year": facts.year,
        "scenario": evaluation.scenario,
        "years": report_years(evaluation),
        "findings": [f.as_report() for f in evaluation.findings],
    }


def part_authors(
    budget: Budget, scenario: str | None, parts: Sequence[Part]
) -> dict[str, tuple[str, datetime | None]]:
    """Who saved each part's stored value, and when (by part id), for the conflict
    table: a cell's or label's author comes from its line's saved versions (the
    earliest of the latest versions with that value); anything else, or a line
    without versions, names the budget's last saver."""
    fallback = (_user_name(budget.updated_by), budget.updated_at)
    keys = {part.key for part in parts if part.kind in (AMOUNT, LABEL)}
    versions: dict[str, list] = defaultdict(list)
    if keys:
        history = Line.history.model
        rows = history.objects.filter(budget=budget, key__in=keys).select_related("history_user")
        if scenario is None:
            rows = rows.filter(scenario_id__isnull=True)
        else:
            rows = rows.filter(scenario__name=scenario)
        for row in rows.order_by("-history_date", "-history_id"):
            versions[row.key].append(row)
    result = {}
    for part in parts:
        found = versions.get(part.key) if part.kind in (AMOUNT, LABEL) else None
        if not found:
            result[part.id] = fallback
            continue

        def value(row, part: Part = part) -> object:
            if part.kind == LABEL:
                return row.label
            amount = (row.amounts or {}).get(part.column)
            return None if amount is None else Decimal(amount)

        author = found[0]
        for row in found[1:]:
            if value(row) != value(found[0]):
                break
            author = row
        result[part.id] = (_user_name(author.history_user), author.history_date)
    return result


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def intervention_amounts(
    federation: Federation,
) -> dict[int, list[tuple[int, int, str, Decimal]]]:
    """Every amount of the förbund's budgets (base lines) that an intervention line has,
    by intervention id: (budget year, column year, column kind, amount). One query."""
    amounts: dict[int, list[tuple[int, int, str, Decimal]]] = defaultdict(list)
    for intervention_id, budget_year, column_year, kind, amount in Amount.objects.filter(
        line__budget__federation=federation,
        line__scenario__isnull=True,
        line__intervention__isnull=False,
    ).values_list(
        "line__intervention_id", "line__budget__year", "column__year", "column__kind", "amount"
    ):
        amounts[intervention_id].append((budget_year, column_year, kind, amount))
    return amounts


def interventions_running(federation: Federation, year: int) -> list[Intervention]:
    """The förbund's interventions in plan year `year` (`interventions.rules.in_plan_year`,
    as the plan's Insatser chapter has them: by their dates, else their status, or
    money for that year in a budget), in their order: a new budget's lines. Two
    queries."""
    amounts = intervention_amounts(federation)
    return [
        intervention
        for intervention in federation.interventions.order_by("position", "pk")
        if in_plan_year(
            PlanYearFacts(
                start=intervention.start,
                end=intervention.end,
                status=intervention.status,
                funded=funded_columns(amounts.get(intervention.pk, ())),
            ),
            year,
        )
    ]
