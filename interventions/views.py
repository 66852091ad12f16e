"""Intervention pages: its forms and its outcomes. The register and the
intervention's own page show the budgets' money, so they are in
budgets/intervention_views.py.

Thin views: access first (another förbund's intervention answers 404 on every
method, a role that may only read answers 403 on the edit views), then the HTTP
method, then form → service → redirect with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from finsam.access import edit_view, get_federation_for_user, get_in_federation
from finsam.roles import EDIT
from interventions import services
from interventions.access import get_intervention
from interventions.forms import InterventionForm, OutcomesForm, goal_formset, intervention_initial
from interventions.models import OUTCOME_YEARS, InterventionOutcome
from plans.freeze import PlanFrozen


def _add_service_errors(form: Form, exc: ValidationError) -> None:
    if isinstance(exc, PlanFrozen):
        raise exc  # the 409 page (plans/middleware.py), not a form error
    for field, errors in exc.update_error_dict({}).items():
        form.add_error(field if field in form.fields else None, errors)


def _render_form(request, access, intervention, form, goals, status=200):
    return render(
        request,
        "interventions/intervention_form.html",
        {
            "access": access,
            "federation": access.federation,
            "intervention": intervention,
            "form": form,
            "goals": goals,
        },
        status=status,
    )


@edit_view
@login_required
def intervention_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    data = request.POST if request.method == "POST" else None
    form = InterventionForm(data, federation=access.federation)
    goals = goal_formset(data)
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        try:
            intervention = services.intervention_create(
                federation=access.federation,
                by=request.user,
                goals=goals.goals(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Insatsen %(name)s är tillagd.") % {"name": intervention.name}
            )
            return redirect(intervention.get_absolute_url())
    return _render_form(request, access, None, form, goals)


@edit_view
@login_required
def intervention_edit(request: HttpRequest, slug: str, intervention_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    intervention = get_intervention(access, intervention_id)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    data = request.POST if request.method == "POST" else None
    stored_goals = list(intervention.goals.all())
    form = InterventionForm(
        data, initial=intervention_initial(intervention), federation=access.federation
    )
    goals = goal_formset(data, goals=stored_goals)
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        try:
            services.intervention_update(
                intervention=intervention,
                by=request.user,
                goals=goals.goals(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
            intervention.refresh_from_db()
        else:
            messages.success(
                request, _("Insatsen %(name)s är sparad.") % {"name": intervention.name}
            )
            return redirect(intervention.get_absolute_url())
    return _render_form(request, access, intervention, form, goals)


@edit_view
@login_required
def intervention_delete(request: HttpRequest, slug: str, intervention_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    intervention = get_intervention(access, intervention_id)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    refusal = services.intervention_delete_refusal(intervention)
    if request.method == "POST":
        name = intervention.name
        try:
            # Refuses again in its transaction: PlanFrozen gives the 409 page.
            services.intervention_delete(intervention=intervention, by=request.user)
        except PlanFrozen:
            raise
        except ValidationError as exc:
            refusal = exc.messages[0]
        else:
            messages.success(request, _("Insatsen %(name)s är borttagen.") % {"name": name})
            return redirect("intervention_list", slug=slug)
    goal_count = intervention.goals.count()
    return render(
        request,
        "interventions/confirm_delete.html",
        {
            "access": access,
            "federation": access.federation,
            "intervention": intervention,
            "title": _("Ta bort insatsen %(name)s") % {"name": intervention.name},
            "question": _("Vill du ta bort insatsen %(name)s?") % {"name": intervention.name},
            "consequences": (
                _("Insatsens %(count)d mål och deras utfall tas också bort.")
                % {"count": goal_count}
                if goal_count
                else ""
            ),
            "error": refusal,
            "cancel_url": intervention.get_absolute_url(),
        },
    )


@edit_view
@login_required
def intervention_outcomes_edit(
    request: HttpRequest, slug: str, intervention_id: int, year: int
) -> HttpResponse:
    """The year's outcome for every goal of the intervention, on one form."""
    access = get_federation_for_user(request.user, slug, action=EDIT)
    intervention = get_intervention(access, intervention_id)
    if not OUTCOME_YEARS[0] <= year <= OUTCOME_YEARS[1]:
        raise Http404("Året finns inte.")
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    goals = list(intervention.goals.all())
    outcomes = {
        o.goal_id: o
        for o in InterventionOutcome.objects.filter(goal__intervention=intervention, year=year)
    }
    data = request.POST if request.method == "POST" else None
    form = OutcomesForm(data, goals=goals, outcomes=outcomes)
    if request.method == "POST" and form.is_valid():
        try:
            services.outcomes_record(
                intervention=intervention, year=year, outcomes=form.outcomes(), by=request.user
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Utfallet %(year)s för %(name)s är sparat.")
                % {"year": year, "name": intervention.name},
            )
            return redirect(intervention.get_absolute_url() + "#mal")
    return render(
        request,
        "interventions/outcomes_form.html",
        {
            "access": access,
            "federation": access.federation,
            "intervention": intervention,
            "year": year,
            "current": _("Utfall %(year)s") % {"year": year},
            "form": form,
        },
    )


@edit_view
@login_required
def outcome_delete(
    request: HttpRequest, slug: str, intervention_id: int, outcome_id: int
) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    intervention = get_intervention(access, intervention_id)
    outcome = get_in_federation(
        InterventionOutcome.objects.select_related("goal"),
        access,
        path="goal__intervention__federation",
        goal__intervention=intervention,
        pk=outcome_id,
    )
    assert isinstance(outcome, InterventionOutcome)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        services.outcome_delete(outcome=outcome, by=request.user)
        messages.success(request, _("Utfallet %(year)s är borttaget.") % {"year": outcome.year})
        return redirect(intervention.get_absolute_url() + "#mal")
    return render(
        request,
        "interventions/confirm_delete.html",
        {
            "access": access,
            "federation": access.federation,
            "intervention": intervention,
            "title": _("Ta bort utfallet %(year)s") % {"year": outcome.year},
            "question": _("Vill du ta bort utfallet %(year)s för målet ”%(goal)s”?")
            % {"year": outcome.year, "goal": outcome.goal.text},
            "consequences": _("Målet visas då som ej rapporterat för %(year)s.")
            % {"year": outcome.year},
            "error": None,
            "cancel_url": reverse("intervention_detail", args=[slug, intervention.pk]) + "#mal",
        },
    )
