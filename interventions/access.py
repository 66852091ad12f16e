"""The intervention pages' access helper: an intervention of the förbund in the
URL, or 404 (also for another förbund's; finsam/access.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from finsam.access import Access, get_in_federation
from interventions.models import Intervention


def intervention_queryset() -> QuerySet[Intervention]:
    return Intervention.objects.select_related("federation", "owner")


def get_intervention(access: Access, intervention_id: int) -> Intervention:
    intervention = get_in_federation(intervention_queryset(), access, pk=intervention_id)
    assert isinstance(intervention, Intervention)
    return intervention
