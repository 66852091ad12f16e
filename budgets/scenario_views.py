"""Scenarios side by side, creating, renaming and deleting them, and the
contribution planner.

Thin views: access helper → form → service → redirect with a message. Every
role may compare scenarios; creating, renaming, deleting and the planner are
edit views (403 for the roles that may only read, 404 for another förbund).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from budgets import services
from budgets.create_views import find_budget, missing_budget_response
from budgets.forms import PlannerForm, ScenarioForm
from budgets.models import Budget, Scenario
from budgets.rules import column_label
from budgets.selectors import BudgetSummary, budget_facts, budget_queryset, budget_summary
from finsam.access import Access, edit_view, get_federation_for_user, get_in_federation
from finsam.money import format_kr
from finsam.roles import EDIT
from plans.freeze import PlanFrozen, frozen_response, plan_is_frozen


def _budget(access: Access, year: int) -> Budget:
    budget = get_in_federation(budget_queryset(), access, year=year)
    assert isinstance(budget, Budget)
    return budget


def _compare_url(budget: Budget) -> str:
    return reverse("scenario_compare", args=[budget.federation.slug, budget.year])


def _compare_page(
    request: HttpRequest,
    access: Access,
    budget: Budget,
    *,
    form: ScenarioForm | None = None,
    rename_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    summary = budget_summary(budget)
    scenarios = {s.name: s for s in budget.scenarios.all()}
    # Each view with its scenario row (None for the base), for the rename and delete forms.
    rename_errors = rename_errors or {}
    columns = []
    for view in summary.views:
        scenario = scenarios.get(view.evaluation.scenario or "")
        error = rename_errors.get(scenario.pk, []) if scenario else []
        columns.append({"view": view, "scenario": scenario, "rename_error": " ".join(error)})
    return render(
        request,
        "budgets/scenario_compare.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "summary": summary,
            "frozen": plan_is_frozen(access.federation, budget.year),
            "columns": columns,
            "years": compare_years(summary),
            "form": form or ScenarioForm(),
        },
        status=status,
    )


def compare_years(summary: BudgetSummary) -> list[dict[str, object]]:
    """Rows of the side-by-side table: per planning year, each figure for the base
    and every scenario (in the order of `summary.views`), with each scenario's
    difference from the base, so the template adds nothing up."""
    figures = (
        ("income", _("Summa intäkter"), ""),
        ("costs", _("Summa kostnader"), ""),
        ("result", _("Årets resultat"), "total"),
        ("closing_equity", _("Eget kapital vid årets slut (UB)"), "total"),
    )
    rows = []
    for index, base_col in enumerate(summary.base.evaluation.planning):
        for figure, label, style in figures:
            values = [getattr(view.evaluation.planning[index], figure) for view in summary.views]
            rows.append(
                {
                    "year": base_col.year,
                    "label": label,
                    "style": style,
                    "first": figure == figures[0][0],
                    "values": [
                        {"value": value, "difference": value - values[0] if i else None}
                        for i, value in enumerate(values)
                    ],
                }
            )
    return rows


@login_required
def scenario_compare(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    # Access first: another förbund's budget answers 404 whatever the method.
    access = get_federation_for_user(request.user, slug)
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return _compare_page(request, access, budget)


@edit_view
@login_required
def scenario_create(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    budget = _budget(access, year)
    if refused := frozen_response(request, access.federation, budget.year):
        return refused
    if request.method != "POST":
        return redirect(_compare_url(budget))
    form = ScenarioForm(request.POST)
    if form.is_valid():
        try:
            scenario = services.scenario_create(
                budget=budget, name=form.cleaned_data["name"], by=request.user
            )
        except PlanFrozen:
            raise
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _(
                    "Scenariot ”%(name)s” är skapat. Det är lika med grundbudgeten tills du "
                    "ändrar dess rader i budgetredigeraren."
                )
                % {"name": scenario.name},
            )
            return redirect(_compare_url(budget))
    return _compare_page(request, access, budget, form=form, status=400)


@edit_view
@login_required
def scenario_rename(request: HttpRequest, slug: str, year: int, scenario_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    budget = _budget(access, year)
    if refused := frozen_response(request, access.federation, budget.year):
        return refused
    scenario = get_object_or_404(Scenario, pk=scenario_id, budget=budget)
    if request.method != "POST":
        return redirect(_compare_url(budget))
    old = scenario.name
    try:
        services.scenario_rename(
            scenario=scenario, name=request.POST.get("name", ""), by=request.user
        )
    except PlanFrozen:
        raise
    except ValidationError as exc:
        scenario.name = old
        errors = [message for messages_ in exc.message_dict.values() for message in messages_]
        return _compare_page(
            request, access, budget, rename_errors={scenario.pk: errors}, status=400
        )
    messages.success(
        request,
        _("Scenariot ”%(old)s” heter nu ”%(name)s”.") % {"old": old, "name": scenario.name},
    )
    return redirect(_compare_url(budget))


@edit_view
@login_required
def scenario_delete(request: HttpRequest, slug: str, year: int, scenario_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    budget = _budget(access, year)
    if refused := frozen_response(request, access.federation, budget.year):
        return refused
    scenario = get_object_or_404(Scenario, pk=scenario_id, budget=budget)
    if request.method == "POST":
        name = scenario.name
        services.scenario_delete(scenario=scenario, by=request.user)
        messages.success(request, _("Scenariot ”%(name)s” är borttaget.") % {"name": name})
        return redirect(_compare_url(budget))
    return render(
        request,
        "budgets/scenario_confirm_delete.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "scenario": scenario,
            "line_count": scenario.lines.count(),
        },
    )


@edit_view
@login_required
def budget_planner(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if refused := frozen_response(request, access.federation, budget.year):
        return refused
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    facts = budget_facts(budget)
    members = list(access.federation.members.all())
    form = PlannerForm(
        request.POST if request.method == "POST" else None,
        facts=facts,
        federation=access.federation,
        members=members,
    )
    # The outcome is shown even when only the rounded total is refused; filling in
    # needs a valid form.
    if request.method == "POST" and form.is_valid() and form.outcome is not None:
        if "fill" in request.POST:
            if request.POST.get("computed") == form.outcome.signature:
                return _fill(request, budget, form)
            messages.warning(
                request,
                _(
                    "Uppgifterna har ändrats sedan beräkningen, så inget är ifyllt. "
                    "Kontrollera det nya resultatet och fyll i igen."
                ),
            )
    return render(
        request,
        "budgets/planner.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "form": form,
            "outcome": form.outcome,
        },
    )


def _fill(request: HttpRequest, budget: Budget, form: PlannerForm) -> HttpResponseRedirect:
    outcome = form.outcome
    assert outcome is not None
    scenario = budget.scenarios.get(name=outcome.scenario) if outcome.scenario else None
    services.contributions_fill(
        budget=budget,
        column=outcome.column,
        amounts=outcome.amounts,
        scenario=scenario,
        by=request.user,
    )
    where = column_label(outcome.column)
    if scenario is not None:
        where = _("%(column)s i scenariot ”%(scenario)s”") % {
            "column": where,
            "scenario": scenario.name,
        }
    messages.success(
        request,
        _("Medlemsbidragen för %(where)s är ifyllda: sammanlagt %(total)s, fördelat 50/25/25.")
        % {"where": where, "total": format_kr(outcome.amounts_total)},
    )
    return redirect(budget.get_absolute_url())
