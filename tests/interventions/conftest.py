"""Interventions and budgets for the intervention tests (förbund "alfa" from the
root conftest: members fk, af, region, kommun-a, kommun-b)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from budgets.models import Amount, Budget, Column, Line
from finsam.models import Federation, Member
from interventions.models import Intervention, InterventionGoal, InterventionOutcome

D = Decimal
# Budget 2021 with plan 2022–2023, and last year's forecast for comparison.
COLUMNS = (("2020", "forecast"), ("2021", "budget"), ("2022", "plan"), ("2023", "plan"))


def members(federation: Federation) -> dict[str, Member]:
    return {m.key: m for m in federation.members.all()}


def make_intervention(
    federation: Federation,
    key: str,
    *,
    member_keys: tuple[str, ...] = ("fk", "kommun-a"),
    goals: tuple[tuple[str, Decimal | None, str], ...] = (),
    **fields,
) -> Intervention:
    fields.setdefault("name", key.capitalize())
    intervention = Intervention.objects.create(federation=federation, key=key, **fields)
    by_key = members(federation)
    intervention.members.set([by_key[k] for k in member_keys])
    for position, (text, target, unit) in enumerate(goals):
        InterventionGoal.objects.create(
            intervention=intervention, text=text, target=target, unit=unit, position=position
        )
    return intervention


def make_budget(
    federation: Federation,
    *,
    year: int = 2021,
    interventions: dict[Intervention, int] | None = None,
    reserve: int = 0,
) -> Budget:
    """A 50/25/25 budget of 2 000 000 kr a year; each intervention gets its own line
    with the given amount in every column; administration takes the rest."""
    budget = Budget.objects.create(federation=federation, year=year, opening_equity=D(0))
    columns = [
        Column.objects.create(budget=budget, year=int(y) + year - 2021, kind=k, position=i)
        for i, (y, k) in enumerate(COLUMNS)
    ]
    by_key = members(federation)
    interventions = interventions or {}
    spent = sum(interventions.values()) + reserve
    specs = [
        ("fk", "contribution", "Försäkringskassan", by_key["fk"], None, 1_000_000),
        ("region", "contribution", "Region Test", by_key["region"], None, 500_000),
        ("kommun-a", "contribution", "A kommun", by_key["kommun-a"], None, 375_000),
        ("kommun-b", "contribution", "B kommun", by_key["kommun-b"], None, 125_000),
        *((i.key, "intervention", i.name, None, i, amount) for i, amount in interventions.items()),
        ("kansli", "administration", "Kansli", None, None, 2_000_000 - spent),
    ]
    if reserve:
        specs.append(("reserv", "intervention", "Kvar att fördela", None, None, reserve))
    lines = Line.objects.bulk_create(
        Line(
            budget=budget,
            key=key,
            category=cat,
            label=label,
            member=member,
            intervention=iv,
            position=n,
        )
        for n, (key, cat, label, member, iv, _) in enumerate(specs)
    )
    Amount.objects.bulk_create(
        Amount(line=line, column=column, amount=D(spec[5]))
        for line, spec in zip(lines, specs, strict=True)
        for column in columns
    )
    return budget


def record(goal: InterventionGoal, year: int, value: int | str) -> InterventionOutcome:
    return InterventionOutcome.objects.create(goal=goal, year=year, value=D(value))


@pytest.fixture
def enter(federation) -> Intervention:
    return make_intervention(
        federation,
        "enter",
        name="Enter",
        member_keys=("fk", "af", "region", "kommun-a"),
        owner=members(federation)["kommun-a"],
        owner_unit="Arbetsmarknadsenheten",
        start=date(2016, 1, 1),
        target_group="Personer i arbetsför ålder med behov av insatser från flera parter.",
        age_min=18,
        age_max=64,
        purpose="Arbete eller studier.",
        goals=(
            ("Andel till arbete eller studier", D(40), "%"),
            ("Nöjda deltagare", D(85), "%"),
        ),
    )
