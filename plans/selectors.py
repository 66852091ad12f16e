"""Reads for the verksamhetsplan: the plan, its adopted versions, its comments,
the plans awaiting comments and the published plans. The whole document (plan,
budget and interventions) is read by documents/document.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from finsam.access import Access, get_in_federation
from finsam.models import Role
from plans.freeze import plan_is_frozen  # noqa: F401  (the one definition, re-exported)
from plans.models import Comment, Plan, PlanStatus, PlanTransition, Snapshot


def plan_queryset() -> QuerySet[Plan]:
    return Plan.objects.select_related("federation")


def get_plan(access: Access, year: int) -> Plan:
    """The förbund's plan for the year, or 404 (also for another förbund's)."""
    return get_in_federation(plan_queryset(), access, year=year)


# --- the workflow: snapshots, comments, plans awaiting comments ------------------------


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
        .order_by("-at", "-id")
        .first()
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
    threads = (
        Comment.objects.filter(plan=plan, parent__isnull=True)
        .select_related("section", "intervention", "resolved_by")
        .prefetch_related(
            Prefetch("replies", queryset=Comment.objects.order_by("created_at", "id"))
        )
    )
    if show == "open":
        threads = threads.filter(resolved_at__isnull=True, withdrawn_at__isnull=True)
    elif show == "resolved":
        threads = threads.filter(resolved_at__isnull=False)
    return list(threads.order_by("created_at", "id"))


def open_comment_links(plan: Plan) -> list[tuple[str, str]]:
    """The plan's open comment threads, each (what it is about and its start, the
    thread's address), for the confirmation's list."""
    links = []
    for thread in comment_threads(plan):
        about = thread.target_label or str(thread.get_target_display())
        body = " ".join(thread.body.split())
        if len(body) > 80:
            body = body[:79].rstrip() + "…"
        url = reverse("comment_thread", args=[plan.federation.slug, plan.year, thread.pk])
        links.append((f"{about}: {body}", f"{url}#{thread.anchor}"))
    return links


@dataclass(frozen=True)
class AwaitingPlan:
    plan: Plan
    sent: PlanTransition | None
    own_comments: int


def plans_awaiting_comments(user: Any) -> list[AwaitingPlan]:
    """For the start page: the plans on review in the förbund where the user is in
    the beredningsgrupp."""
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
    return [AwaitingPlan(plan=p, sent=sent.get(p.pk), own_comments=p.own) for p in plans]


def published_plan(slug: str, year: int) -> tuple[Plan, Snapshot] | None:
    """A published plan and its adopted version, for the public pages; None for
    anything else (a draft is never public)."""
    plan = (
        Plan.objects.select_related("federation")
        .filter(federation__slug=slug, year=year, published_at__isnull=False)
        .first()
    )
    if plan is None:
        return None
    snapshot = Snapshot.objects.filter(plan=plan).order_by("-revision").first()
    if snapshot is None:
        return None
    return plan, snapshot
