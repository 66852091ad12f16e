"""The verksamhetsplan as a document: one load gives everything it shows.

`plan_document()` is what the plan page, the PDF and `render_plan` all render, in a
fixed number of queries however many sections, interventions and budget lines
the plan has. Its budget figures come from `budgets.selectors.budget_summary`,
the one source of budget figures, so the text, the table and the checks agree;
its interventions' chapters from `budgets.funding.intervention_chapters`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString

from budgets.funding import InterventionChapter, intervention_chapters
from budgets.models import Budget
from budgets.selectors import BudgetSummary, budget_queryset, budget_summary
from budgets.text_figures import figure_values, fill_figures, stale_amounts, unknown_placeholders
from finsam.findings import Finding
from finsam.models import Federation
from plans.markdown import render_markdown
from plans.models import Goal, GoalLevel, Meeting, Plan, PlanStatus, Section, SectionKind
from plans.wheel import LegendEntry, annual_cycle_svg, legend

# Rows of the budget table that fit on an A4 page under its heading (print.css).
BUDGET_ROWS_PER_PAGE = 54
# The interventions' chapter partial (budgets/funding.py gives its chapters).
INTERVENTION_CHAPTER_TEMPLATE = "interventions/partials/intervention_chapter.html"


# --- the document --------------------------------------------------------------------


@dataclass(frozen=True)
class Chapter:
    section: Section
    anchor: str
    body: SafeString
    # For the plan page: amounts in the text that disagree with the budget, and
    # inserted figures the budget does not have (budgets/text_figures.py).
    warnings: tuple[str, ...] = ()

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
    summary: BudgetSummary | None
    # The plan year's interventions, a chapter each (budgets/funding.py).
    intervention_chapters: tuple[InterventionChapter, ...] = ()

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
                entries += [
                    TocEntry(2, entry.name, entry.anchor) for entry in self.intervention_entries
                ]
        return tuple(entries)

    @property
    def intervention_entries(self) -> tuple[InterventionChapter, ...]:
        """What the interventions chapter lists: each has `name` and `anchor`."""
        return self.intervention_chapters

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


def fill_plan_figures(plan: Plan, text: str) -> str:
    """The text with its live figures as the plan's budget has them now (the editor's
    preview; the document itself fills them in plan_document)."""
    budget = _plan_budget(plan)
    if budget is None:
        return text
    return fill_figures(text, figure_values(budget_summary(budget).base.evaluation))


def _text_warnings(
    section: Section, values: dict[tuple[str, int], Decimal], line_amounts: list[Decimal]
) -> tuple[str, ...]:
    if not values:
        return ()
    stale = [s.message for s in stale_amounts(section.heading, section.body, values, line_amounts)]
    unknown = [
        f"Avsnittet {section.heading} har {written}, som budgeten inte har: välj ett belopp "
        f"under Infoga belopp."
        for written in unknown_placeholders(section.body, values)
    ]
    return tuple(stale + unknown)


def plan_document(plan: Plan) -> PlanDocument:
    """Everything the plan page and the PDF show, loaded once."""
    federation = plan.federation
    sections = list(Section.objects.filter(plan=plan).order_by("position", "id"))
    goals = list(Goal.objects.filter(plan=plan).order_by("position", "id"))
    meetings = list(Meeting.objects.filter(plan=plan))
    budget = _plan_budget(plan)
    summary = budget_summary(budget) if budget is not None else None

    values = figure_values(summary.base.evaluation) if summary is not None else {}
    line_amounts = (
        [
            line.amount(col.column)
            for line in summary.base.evaluation.lines
            for col in summary.base.evaluation.planning
        ]
        if summary is not None
        else []
    )
    chapters = tuple(
        Chapter(
            section=section,
            anchor=f"kapitel-{section.pk}",
            body=render_markdown(fill_figures(section.body, values)),
            warnings=_text_warnings(section, values, line_amounts),
        )
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
    return PlanDocument(
        plan=plan,
        federation=federation,
        chapters=chapters,
        goal_groups=goal_groups,
        meetings=tuple(meetings),
        wheel=annual_cycle_svg(plan.year, meetings, element_id=f"arshjul-{plan.pk}"),
        legend=legend([m for m in meetings if m.date.year == plan.year]),
        summary=summary,
        intervention_chapters=tuple(intervention_chapters(federation, plan.year)),
    )
