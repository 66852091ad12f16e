"""An adopted plan is frozen: the one place that says so, and refuses writes.

A plan year is frozen while its plan is fastställd (decided). Then nothing that the
plan shows may change: its sections, goals and årshjul (plans/services.py), that
year's budget with its scenarios, the Excel import and the contribution planner
(budgets/services.py), and the interventions that belong to frozen years only
(interventions/services.py, with their own guard in interventions/freeze.py on
this one), its comments, a bundle import and the admin. Every one
of those writes calls `ensure_plan_not_frozen` below first in its transaction, so
every write path refuses; a view that lets PlanFrozen through answers with the
Swedish 409 page (plans/middleware.py). To change an adopted plan the director
starts a "ny revision" (plans.workflow.plan_new_revision), which makes the plan a
draft again; the adopted version stays in its snapshot.

The guard locks the plan's row (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
IMMEDIATE transaction, finsam/settings.py, already holds the database's write
lock), and adoption (documents.adoption.plan_decide) holds that same lock for its
whole transaction, snapshot included. So a save racing an adoption either
commits before it, and is in the snapshot, or waits for it and is refused; it
never lands after the snapshot was taken.

This module imports only the core (finsam) and the plan's models, so that every
app above plans may use it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.dispatch import Signal
from django.shortcuts import render
from django.utils.translation import gettext as _

from finsam.access import role_in
from finsam.money import swedish_date
from finsam.roles import EDIT, role_may
from plans.models import Plan, PlanStatus

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from finsam.models import Federation


# Sent after the commit of every write that passed the guard, with `federation_id`
# and `year` (None: every year of the förbund). The plan's PDF is queued on it
# (documents/pdf_tasks.py): the apps below it cannot call that app, so it listens.
plan_year_written = Signal()


class PlanFrozen(ValidationError):
    """A write to a plan year whose plan is fastställd."""

    def __init__(self, message: str, *, year: int, federation_id: int | None = None) -> None:
        super().__init__(message, code="plan_frozen")
        self.year = year
        self.federation_id = federation_id


def frozen_message(year: int) -> str:
    return _(
        "Verksamhetsplanen %(year)s är fastställd och kan inte ändras. Den som är "
        "förbundschef kan starta en ny revision av planen; den fastställda versionen "
        "finns kvar som den var."
    ) % {"year": year}


def decision_text(plan: Plan) -> str:
    """ "Verksamhetsplanen 2020 för … är fastställd (styrelsens beslut 19 november
    2019, dnr 2019:12 / 6) och ändras inte." """
    decision = swedish_date(plan.decided_on) if plan.decided_on else _("okänt datum")
    if plan.reference:
        decision = _("%(date)s, %(reference)s") % {
            "date": decision,
            "reference": plan.reference
            if plan.reference.lower().startswith("dnr")
            else f"dnr {plan.reference}",
        }
    return _(
        "Verksamhetsplanen %(year)s för %(federation)s är fastställd (styrelsens beslut "
        "%(decision)s) och ändras inte."
    ) % {"year": plan.year, "federation": plan.federation.name, "decision": decision}


def _federation_id(federation: Federation | int) -> int:
    return federation if isinstance(federation, int) else federation.pk


def plan_is_frozen(federation: Federation | int, year: int) -> bool:
    """Is the förbund's plan for the year fastställd (and so not to be changed)?"""
    return Plan.objects.filter(
        federation_id=_federation_id(federation), year=year, status=PlanStatus.DECIDED
    ).exists()


def frozen_years(federation: Federation | int) -> set[int]:
    return set(
        Plan.objects.filter(
            federation_id=_federation_id(federation), status=PlanStatus.DECIDED
        ).values_list("year", flat=True)
    )


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "The plan-year guard locks the plan's row for the caller's transaction; "
            "call it inside transaction.atomic (every service is)."
        )


def lock_plans(federation: Federation | int, year: int | None = None) -> list[str]:
    """Lock the förbund's plan row for `year` (every plan row, in id order, when
    `year` is None) until the caller's transaction ends, and return their statuses.

    Waits while an adoption of that plan is under way (it holds the lock), so the
    statuses are the ones committed after it."""
    _require_transaction()
    plans = Plan.objects.select_for_update().filter(federation_id=_federation_id(federation))
    if year is not None:
        plans = plans.filter(year=year)
    statuses = list(plans.order_by("pk").values_list("status", flat=True))
    federation_id = _federation_id(federation)
    transaction.on_commit(
        lambda: plan_year_written.send(sender=Plan, federation_id=federation_id, year=year)
    )
    return statuses


def ensure_plan_not_frozen(
    federation: Federation | int, year: int, *, message: str | None = None
) -> None:
    """The guard in front of every write to a plan year's data: lock the year's
    plan row in the caller's transaction, then raise PlanFrozen if the plan is
    fastställd. Call it first in the write's transaction, before any other row
    lock (so that two writers never wait for each other in opposite order)."""
    if PlanStatus.DECIDED in lock_plans(federation, year):
        raise PlanFrozen(
            message or frozen_message(year), year=year, federation_id=_federation_id(federation)
        )


# --- views -----------------------------------------------------------------------------


def frozen_response(request: HttpRequest, federation: Federation, year: int) -> HttpResponse | None:
    """For an edit view of a frozen year: the page that says why nothing can be
    changed (409 Conflict); None when the year is not frozen."""
    if not plan_is_frozen(federation, year):
        return None
    return refusal_response(request, federation, year, frozen_message(year))


def refusal_response(
    request: HttpRequest, federation: Federation | None, year: int, message: str
) -> HttpResponse:
    """The Swedish 409 page that says why nothing was changed. To an htmx request,
    the message alone (plans/partials/frozen_alert.html), and an HX-Trigger event
    `finsam:plan-frozen` with it, since htmx swaps nothing on a 4xx answer."""
    plan = (
        Plan.objects.filter(federation=federation, year=year).first()
        if federation is not None
        else None
    )
    context = {
        "federation": federation,
        "plan": plan,
        "year": year,
        "message": message,
        "may_revise": federation is not None and role_may(role_in(request.user, federation), EDIT),
    }
    if getattr(request, "htmx", False):
        response = render(request, "plans/partials/frozen_alert.html", context, status=409)
        response["HX-Trigger"] = json.dumps(
            {"finsam:plan-frozen": {"message": message, "year": year}}
        )
        return response
    return render(request, "plans/frozen.html", context, status=409)
