"""The intervention register and an intervention's page: both show what the
budgets give the intervention (budgets/funding.py), so they are here, above
interventions; the intervention's forms are in interventions/views.py.

Thin views: access first (another förbund's intervention answers 404 on every
method), then the HTTP method, then the selector → the template.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from budgets.funding import (
    KIND_CHOICES,
    RegisterFilters,
    intervention_detail,
    intervention_register,
)
from finsam.access import get_federation_for_user
from interventions.access import get_intervention
from interventions.models import InterventionStatus


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> RegisterFilters:
    status = request.GET.get("status", "")
    kind = request.GET.get("slag", "")
    return RegisterFilters(
        status=status if status in InterventionStatus.values else "",
        kind=kind if kind in dict(KIND_CHOICES) else "",
        year=_int(request.GET.get("ar")),
        member=_int(request.GET.get("medlem")),
        text=request.GET.get("q", "")[:200],
    )


@login_required
def intervention_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    register = intervention_register(access.federation, _filters(request))
    return render(
        request,
        "interventions/intervention_list.html",
        {"access": access, "federation": access.federation, "register": register},
    )


@login_required
def intervention_detail_view(request: HttpRequest, slug: str, intervention_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    intervention = get_intervention(access, intervention_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(
        request,
        "interventions/intervention_detail.html",
        {
            "access": access,
            "federation": access.federation,
            "intervention": intervention,
            "detail": intervention_detail(intervention),
        },
    )
