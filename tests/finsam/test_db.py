"""The optimistic version check that budgets and a plan's sections share
(finsam/db.py): lock, compare, raise the version only where it has not moved on."""

from __future__ import annotations

import pytest
from django.db import transaction

from budgets import services as budget_services
from budgets.models import Budget
from finsam.db import check_version, raise_version
from plans import services as plan_services
from plans.models import Plan, Section

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(federation):
    budget = Budget.objects.create(federation=federation, year=2021)
    plan = Plan.objects.create(federation=federation, year=2021)
    section = Section.objects.create(plan=plan, heading="Inledning", position=0)
    return budget, section


def test_budgets_and_sections_use_the_one_check():
    assert budget_services.check_version is check_version
    assert plan_services.check_version is check_version
    assert budget_services.raise_version is raise_version


@pytest.mark.parametrize("model", [Budget, Section])
def test_the_check_both_sides_of_the_version(rows, model):
    row = next(r for r in rows if isinstance(r, model))
    version = row.version
    with transaction.atomic():
        same = check_version(model.objects, row.pk, version)
        assert same.unchanged and same.stored.pk == row.pk
        assert not check_version(model.objects, row.pk, version - 1).unchanged
        assert not check_version(model.objects, row.pk, version + 1).unchanged
        assert check_version(model.objects, row.pk, None).unchanged


@pytest.mark.parametrize("model", [Budget, Section])
def test_of_two_saves_from_one_version_one_wins(rows, model):
    row = next(r for r in rows if isinstance(r, model))
    version = row.version
    assert raise_version(model, row.pk, version)
    assert not raise_version(model, row.pk, version)  # it has moved on: nothing written
    assert model.objects.get(pk=row.pk).version == version + 1
    assert raise_version(model, row.pk, None)  # whatever it is
    assert model.objects.get(pk=row.pk).version == version + 2


def test_raise_version_writes_the_fields_only_when_it_wins(rows, director):
    budget, _section = rows
    assert not raise_version(Budget, budget.pk, budget.version + 5, updated_by=director)
    assert Budget.objects.get(pk=budget.pk).updated_by is None
    assert raise_version(Budget, budget.pk, budget.version, updated_by=director)
    assert Budget.objects.get(pk=budget.pk).updated_by == director
