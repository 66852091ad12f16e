"""Reads for the verksamhetsplan: one load gives the whole document.

`plan_document()` is what the plan page, the PDF and `render_plan` all render, in a
fixed number of queries however many sections, interventions and budget lines
the plan has. Its budget figures come from `budgets.selectors.budget_summary`,
the one source of budget figures, so the text, the table and the checks agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.safestring import SafeString

from budgets.models import Budget
from budgets.selectors import BudgetSummary, budget_queryset, budget_summary
from finsam.access import Access, get_in_federation
from finsam.findings import Finding
from finsam.models import Federation, Member
from interventions.models import Intervention, InterventionGoal
from plans.freeze import plan_is_frozen  # noqa: F401  (the one definition, re-exported)
from plans.markdown import render_markdown
from plans.models import (
    Comment,
    Goal,
    GoalLevel,
    Meeting,
    Plan,
    PlanStatus,
    PlanTransition,
    Section,
    SectionKind,
    Snapshot,
)
from plans.wheel import LegendEntry, annual_cycle_svg, legend

# Rows of the budget table that fit on an A4 page under its heading (print.css).
BUDGET_ROWS_PER_PAGE = 54
# The interventions app's chapter partial; used once it exists.
INTERVENTION_CHAPTER_TEMPLATE = "interventions/partials/intervention_chapter.html"


def plan_queryset() -> QuerySet[Plan]:
    return Plan.objects.select_related("federation")


def get_plan(access: Access, year: int) -> Plan:
    """The förbund's plan for the year, or 404 (also for another förbund's)."""
    return get_in_federation(plan_queryset(), access, year=year)  # type: ignore[return-value]


# --- the document --------------------------------------------------------------------


@dataclass(frozen=True)
class Chapter:
    section: Section
    anchor: str
    body: SafeString

    @property
    def kind(self) -> str:
        return self.section.kind

    @property
    def heading(self) -> str:
        return self.section.heading


@dataclass(frozen=True)
class GoalGroup:
    level: str
    label: str
    goals: tuple[Goal, ...]


@dataclass(frozen=True)
class InterventionEntry:
    intervention: Intervention
    anchor: str
    goals: tuple[InterventionGoal, ...]
    member_names: tuple[str, ...]
    owner_name: str | None
    # The money the plan year's budget column gives it (its linked lines summed).
    amount: Decimal | None
    findings: tuple[Finding, ...]

    @property
    def name(self) -> str:
        return self.intervention.name

    @property
    def kind_label(self) -> str:
        share = self.intervention.individual_share_percent
        if share >= 100:
            return "Individinriktad insats"
        if share <= 0:
            return "Strukturell insats"
        return f"{share.normalize():f} % individinriktad, {(100 - share).normalize():f} % strukturell"


@dataclass(frozen=True)
class TocEntry:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class PlanDocument:
    plan: Plan
    federation: Federation
    chapters: tuple[Chapter, ...]
    goal_groups: tuple[GoalGroup, ...]
    meetings: tuple[Meeting, ...]
    wheel: SafeString
    legend: tuple[LegendEntry, ...]
    interventions: tuple[InterventionEntry, ...]
    summary: BudgetSummary | None
    # The interventions app's chapters, when it provides them (see below).
    intervention_chapters: Any = None

    @property
    def year(self) -> int:
        return self.plan.year

    @property
    def is_draft(self) -> bool:
        return self.plan.status != PlanStatus.DECIDED

    @property
    def status_label(self) -> str:
        return str(PlanStatus(self.plan.status).label)

    @property
    def findings(self) -> list[Finding]:
        return self.summary.base.findings if self.summary else []

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        entries = []
        for chapter in self.chapters:
            entries.append(TocEntry(1, chapter.heading, chapter.anchor))
            if chapter.kind == SectionKind.INTERVENTIONS:
                entries += [TocEntry(2, entry.name, entry.anchor) for entry in self.intervention_entries]
        return tuple(entries)

    @property
    def intervention_entries(self) -> tuple[Any, ...]:
        """What the interventions chapter lists: each has `name` and `anchor`."""
        if self.intervention_chapters is not None:
            return tuple(self.intervention_chapters)
        return self.interventions

    @property
    def budget_fits_on_a_page(self) -> bool:
        """Whether the budget table is short enough for the PDF to keep it on one
        page (a longer one breaks between rows, its header row repeated)."""
        if self.summary is None:
            return False
        base = self.summary.base
        rows = sum(max(len(block.rows), 1) + 2 for block in base.blocks) + len(base.figure_rows)
        return rows <= BUDGET_ROWS_PER_PAGE

    @property
    def missing_chapters(self) -> tuple[tuple[str, str], ...]:
        """(kind, label) of the generated chapters the plan does not have: the page
        offers to add them."""
        present = {c.kind for c in self.chapters}
        return tuple(
            (kind, str(label))
            for kind, label in SectionKind.choices
            if kind != SectionKind.TEXT and kind not in present
        )


def _plan_budget(plan: Plan) -> Budget | None:
    return budget_queryset().filter(federation=plan.federation_id, year=plan.year).first()


def _in_plan_year(
    intervention: Intervention, year: int, money: dict[str, dict[str, Decimal]], planning: list[str]
) -> bool:
    """Is the intervention part of the plan year?

    Its dates decide when it has any. Without dates the budget decides: it is in
    when a planning column gives it money, or when the budget does not mention it
    at all; money only in comparison columns (an earlier year) means it is over.
    """
    start = intervention.start or date.min
    end = intervention.end or date.max
    if intervention.start or intervention.end:
        return start <= date(year, 12, 31) and end >= date(year, 1, 1)
    cells = money.get(intervention.key)
    if not cells:
        return True
    return any(cells.get(code) for code in planning)


def _intervention_entries(
    federation: Federation, year: int, summary: BudgetSummary | None
) -> tuple[InterventionEntry, ...]:
    interventions = list(
        Intervention.objects.filter(federation=federation)
        .select_related("owner")
        .prefetch_related(
            Prefetch("goals", queryset=InterventionGoal.objects.order_by("position", "id")),
            Prefetch("members", queryset=Member.objects.order_by("position", "id")),
        )
        .order_by("position", "id")
    )
    money: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    planning: list[str] = []
    findings: dict[str, list[Finding]] = defaultdict(list)
    budget_column = f"{year}:budget"
    if summary is not None:
        planning = [c.column for c in summary.base.evaluation.planning]
        for line in summary.facts.lines:
            if line.intervention:
                for code, amount in line.amounts.items():
                    money[line.intervention][code] += amount
        for finding in summary.base.findings:
            if finding.intervention:
                findings[finding.intervention].append(finding)
    entries = []
    for intervention in interventions:
        if not _in_plan_year(intervention, year, money, planning):
            continue
        cells = money.get(intervention.key)
        entries.append(
            InterventionEntry(
                intervention=intervention,
                anchor=f"insats-{intervention.pk}",
                goals=tuple(intervention.goals.all()),
                member_names=tuple(m.name for m in intervention.members.all()),
                owner_name=intervention.owner.name if intervention.owner else None,
                amount=cells.get(budget_column) if cells else None,
                findings=tuple(findings.get(intervention.key, ())),
            )
        )
    return tuple(entries)


def _intervention_chapters(federation: Federation, year: int) -> Any:
    """The interventions app's own chapters and partial, once both exist; until
    then None, and the plan renders its interventions itself."""
    try:
        from interventions.selectors import intervention_chapters  # type: ignore[import-not-found]

        get_template(INTERVENTION_CHAPTER_TEMPLATE)
    except (ImportError, TemplateDoesNotExist):
        return None
    return intervention_chapters(federation, year)


def plan_document(plan: Plan) -> PlanDocument:
    """Everything the plan page and the PDF show, loaded once."""
    federation = plan.federation
    sections = list(Section.objects.filter(plan=plan).order_by("position", "id"))
    goals = list(Goal.objects.filter(plan=plan).order_by("position", "id"))
    meetings = list(Meeting.objects.filter(plan=plan))
    budget = _plan_budget(plan)
    summary = budget_summary(budget) if budget is not None else None

    chapters = tuple(
        Chapter(section=section, anchor=f"kapitel-{section.pk}", body=render_markdown(section.body))
        for section in sections
    )
    by_level: dict[str, list[Goal]] = defaultdict(list)
    for goal in goals:
        by_level[goal.level].append(goal)
    goal_groups = tuple(
        GoalGroup(level=level, label=str(label), goals=tuple(by_level[level]))
        for level, label in GoalLevel.choices
        if by_level[level]
    )
    chapters_from_app = _intervention_chapters(federation, plan.year)
    interventions = (
        _intervention_entries(federation, plan.year, summary) if chapters_from_app is None else ()
    )
    return PlanDocument(
        plan=plan,
        federation=federation,
        chapters=chapters,
        goal_groups=goal_groups,
        meetings=tuple(meetings),
        wheel=annual_cycle_svg(plan.year, meetings, element_id=f"arshjul-{plan.pk}"),
        legend=legend([m for m in meetings if m.date.year == plan.year]),
        interventions=interventions,
        summary=summary,
        intervention_chapters=chapters_from_app,
    )


# --- the workflow: snapshots, comments, plans awaiting comments ------------------------


def latest_snapshot(plan: Plan) -> Snapshot | None:
    """The adopted version of the plan's latest adoption, if it was ever adopted."""
    return (
        Snapshot.objects.filter(plan=plan).select_related("plan__federation")
        .order_by("-revision").first()
    )


def current_snapshot(plan: Plan) -> Snapshot | None:
    """The snapshot of the plan as it is adopted now (None while it is a draft)."""
    if not plan.is_decided:
        return None
    return Snapshot.objects.filter(plan=plan, revision=plan.revision).first()


def snapshots_without_files(plan: Plan) -> list[Snapshot]:
    """The plan's adopted versions for a list: the PDF and the texts stay in the
    database (deferred) until one is downloaded."""
    return list(
        Snapshot.objects.filter(plan=plan)
        .defer("pdf", "bundle", "html", "report")
        .select_related("created_by")
        .order_by("-revision")
    )


def review_sent_at(plan: Plan) -> PlanTransition | None:
    """The latest time the plan was sent to review: what "changes since the draft
    was sent to review" compares with."""
    return (
        PlanTransition.objects.filter(plan=plan, to_status=PlanStatus.REVIEW)
        .order_by("-at", "-id").first()
    )


def transitions(plan: Plan) -> list[PlanTransition]:
    return list(PlanTransition.objects.filter(plan=plan).order_by("at", "id"))


def open_comment_counts(plan: Plan) -> dict[str, dict[int, int]]:
    """Open comments per section and per intervention, and on the budget (key 0),
    in one query."""
    counts: dict[str, dict[int, int]] = {"section": {}, "intervention": {}, "budget": {}}
    rows = Comment.objects.filter(
        plan=plan, parent__isnull=True, resolved_at__isnull=True, withdrawn_at__isnull=True
    ).values_list("target", "section_id", "intervention_id")
    for target, section_id, intervention_id in rows:
        key = {"section": section_id, "intervention": intervention_id}.get(target) or 0
        bucket = counts.setdefault(target, {})
        bucket[key] = bucket.get(key, 0) + 1
    return counts


COMMENT_FILTERS = {"oppna": "open", "losta": "resolved", "alla": "all"}


def comment_threads(plan: Plan, *, show: str = "open") -> list[Comment]:
    """The plan's comment threads (first comments with their replies), oldest
    first; `show` is open, resolved or all (withdrawn ones are in "all")."""
    threads = Comment.objects.filter(plan=plan, parent__isnull=True).select_related(
        "section", "intervention", "resolved_by"
    ).prefetch_related(Prefetch("replies", queryset=Comment.objects.order_by("created_at", "id")))
    if show == "open":
        threads = threads.filter(resolved_at__isnull=True, withdrawn_at__isnull=True)
    elif show == "resolved":
        threads = threads.filter(resolved_at__isnull=False)
    return list(threads.order_by("created_at", "id"))


@dataclass(frozen=True)
class AwaitingPlan:
    plan: Plan
    sent: PlanTransition | None
    own_comments: int


def plans_awaiting_comments(user: Any) -> list[AwaitingPlan]:
    """For the start page: the plans on review in the förbund where the user is in
    the beredningsgrupp."""
    from django.db.models import Count, Q

    from finsam.models import Role

    if not getattr(user, "is_authenticated", False):
        return []
    plans = list(
        Plan.objects.filter(
            status=PlanStatus.REVIEW,
            federation__memberships__user=user,
            federation__memberships__role=Role.REVIEWER,
        )
        .select_related("federation")
        .annotate(own=Count("comments", filter=Q(comments__author=user), distinct=True))
        .order_by("federation__name", "year")
    )
    sent: dict[int, PlanTransition] = {}
    for transition in PlanTransition.objects.filter(
        plan__in=plans, to_status=PlanStatus.REVIEW
    ).order_by("at", "id"):
        sent[transition.plan_id] = transition
    return [AwaitingPlan(plan=p, sent=sent.get(p.pk), own_comments=p.own) for p in plans]  # type: ignore[attr-defined]


def published_plan(slug: str, year: int) -> tuple[Plan, Snapshot] | None:
    """A published plan and its adopted version, for the public pages; None for
    anything else (a draft is never public)."""
    plan = (
        Plan.objects.select_related("federation")
        .filter(federation__slug=slug, year=year, published_at__isnull=False).first()
    )
    if plan is None:
        return None
    snapshot = Snapshot.objects.filter(plan=plan).order_by("-revision").first()
    if snapshot is None:
        return None
    return plan, snapshot
