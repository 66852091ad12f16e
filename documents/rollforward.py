""" "Skapa nästa års plan": next year's draft from this year's adopted plan, each
app contributing its own part: the plan's sections, goals and årshjul
(plans/rollforward.py), the budget moved one year (budgets.services.
budget_roll_forward, its columns by budgets/rules.py `rolled_columns`), and the
interventions that go on (they belong to the förbund, so nothing is copied; the
list says which go on and which end)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from budgets.funding import intervention_chapters
from budgets.services import budget_roll_forward
from finsam.audit import record
from plans.models import Plan
from plans.rollforward import plan_carry_forward

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@transaction.atomic
def plan_roll_forward(*, plan: Plan, by: AbstractBaseUser | None) -> Plan:
    """ "Skapa nästa års plan": a draft for the next year from this adopted plan.

    Copies the sections, goals and årshjul (meetings one year on: the same weekday
    near the same date; deadlines to the same date), and the budget moved one year:
    this year's budget column becomes a forecast (prognos) for the current year,
    next year's plan column the budget, the later plan columns stay plans, and one
    more plan year is added; the opening equity is the forecast's closing equity.
    Interventions belong to the förbund, so the ongoing ones simply go on into the
    new year. The new plan lists what to look over (`review_items`)."""
    new, items = plan_carry_forward(plan=plan, by=by)
    source = new.carried_from
    assert source is not None
    items += budget_roll_forward(federation_id=source.federation_id, source_year=source.year, by=by)
    items += _interventions_carried(source, new)
    new.review_items = items
    new.save(update_fields=["review_items"])
    record(
        action="skapade nästa års plan",
        by=by,
        obj=new,
        changes={"from": source.year, "to": new.year, "review_items": len(items)},
    )
    return new


def _interventions_carried(source: Plan, new: Plan) -> list[str]:
    """Interventions belong to the förbund; those of this year's plan that go on
    are in next year's too, the others end with this year."""
    before = [c.intervention for c in intervention_chapters(source.federation, source.year)]
    after = {c.intervention.pk for c in intervention_chapters(new.federation, new.year)}
    going_on = [i.name for i in before if i.pk in after]
    ending = [i.name for i in before if i.pk not in after]
    items = []
    if going_on:
        items.append(
            _("Pågående insatser som fortsätter %(year)s: %(names)s. Se över deras mål och budget.")
            % {"year": new.year, "names": ", ".join(going_on)}
        )
    if ending:
        items.append(
            _("Insatser som inte fortsätter %(year)s (avslutade eller utan pengar): %(names)s.")
            % {"year": new.year, "names": ", ".join(ending)}
        )
    return items
