"""Queries per page stay the same as the database grows (issue 8, item 18).

A demo förbund and a synthetic one (a demo bundle under another slug, bench/synthetic.py)
with one plan year are counted; then the synthetic förbund gets four earlier plan
years and five more förbund three years each, and every page must take exactly as many
queries as before. `make bench` does the same at 300 förbund × 5 years.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.load import COUNTED_PAGES
from bench.synthetic import create_federation, demo_bundles
from documents.bundle.importer import bundle_import
from finsam.models import Federation, Membership, Role
from interventions.models import Intervention
from plans.models import Plan
from tests.factories import UserFactory

# The pages bench/load.py counts at 300 förbund × 5 years.
MAIN_PAGES = COUNTED_PAGES


def _counts(client, slug: str, year: int, pages: tuple[str, ...]) -> dict[str, int]:
    intervention = (
        Intervention.objects.filter(federation__slug=slug).order_by("position", "id").first()
    )
    args = {
        "home": [],
        "federation_detail": [slug],
        "plan_detail": [slug, year],
        "budget_detail": [slug, year],
        "budget_grid": [slug, year],
        "intervention_list": [slug],
        "intervention_detail": [slug, intervention.pk],
    }
    counts = {}
    for page in pages:
        url = reverse(page, args=args[page])
        client.get(url)  # first-use caches (content types, templates) are not counted
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[page] = len(queries.captured_queries)
    return counts


def _before_and_after(client, pages: tuple[str, ...]):
    """Counts for the demo förbund Sundbyberg and for a synthetic one, with two förbund
    of one plan year each, and again with seven förbund, the synthetic one in five
    years and the five new ones in three."""
    templates = demo_bundles()
    sundbyberg = next(b for b in templates if b["federation"]["slug"] == "sundbyberg")
    bundle_import(data=sundbyberg)
    [(synthetic, year)] = create_federation(1, years=5, only="latest", templates=templates)
    user = UserFactory(username="raknare")
    for slug in ("sundbyberg", synthetic):
        Membership.objects.create(
            user=user, federation=Federation.objects.get(slug=slug), role=Role.DIRECTOR
        )
    client.force_login(user)
    targets = {"sundbyberg 2020": ("sundbyberg", 2020), f"{synthetic} {year}": (synthetic, year)}
    before = {name: _counts(client, *target, pages) for name, target in targets.items()}

    create_federation(1, years=5, only="earlier", templates=templates)
    for index in range(2, 7):
        create_federation(index, years=3, templates=templates)
    assert Federation.objects.count() == 7
    assert Plan.objects.filter(federation__slug=synthetic).count() == 5
    after = {name: _counts(client, *target, pages) for name, target in targets.items()}
    return before, after


@pytest.mark.django_db
def test_main_pages_take_as_many_queries_with_more_federations_and_years(client):
    before, after = _before_and_after(client, MAIN_PAGES)
    assert after == before
