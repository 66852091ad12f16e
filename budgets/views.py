"""Budget pages: the read-only budget and its report as JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from budgets.rules import evaluate, find_scenario
from budgets.selectors import budget_facts, budget_queryset, budget_report, budget_summary
from finsam.access import get_federation_for_user, get_in_federation


@login_required
@require_GET
def budget_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    budget = get_in_federation(budget_queryset(), access, year=year)
    summary = budget_summary(budget)
    return render(
        request,
        "budgets/budget_detail.html",
        {"access": access, "federation": access.federation, "budget": budget, "summary": summary},
    )


@login_required
@require_GET
def budget_report_json(request: HttpRequest, slug: str, year: int) -> JsonResponse:
    """The `finsam-report/1` document; `?scenario=NAME` for a scenario."""
    access = get_federation_for_user(request.user, slug)
    budget = get_in_federation(budget_queryset(), access, year=year)
    facts = budget_facts(budget)
    scenario = None
    if name := request.GET.get("scenario"):
        try:
            scenario = find_scenario(facts, name)
        except KeyError:
            raise Http404("Scenariot finns inte.") from None
    report = budget_report(facts, evaluate(facts, scenario))
    return JsonResponse(report, json_dumps_params={"ensure_ascii": False, "indent": 2})
