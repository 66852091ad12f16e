"""Money round-trips exactly: every amount up to 10^12 kr with öre comes back the
same through the form field, the editor's post, the database, the JSON report,
the bundle export and Excel; on whichever database the suite runs.

And an amount too large, NaN or infinity is a form error (422), never a 500.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from budgets.editing import BudgetDraft, DraftLine, parse_draft
from budgets.excel import export_xlsx
from budgets.excel_import import parse_workbook
from budgets.grid import raw_amount
from budgets.models import Amount, Budget, Column
from budgets.rules import evaluate
from budgets.selectors import budget_facts, budget_report
from budgets.services import budget_save
from documents.bundle.export import export_bundle
from finsam.forms import AmountField
from finsam.money import format_number, parse_amount
from plans.models import Plan
from tests.budgets.test_grid import grid_post
from tests.budgets.test_views import make_budget

pytestmark = pytest.mark.django_db

LIMIT = 10**14 - 1  # in öre: 999 999 999 999,99 kr, the most DecimalField(14, 2) holds
YEAR = 2026
COLUMNS = [f"{YEAR}:budget", f"{YEAR + 1}:plan", f"{YEAR + 2}:plan"]

amounts = st.integers(min_value=-LIMIT, max_value=LIMIT).map(lambda n: Decimal(n).scaleb(-2))
EDGES = [
    Decimal("999999999999.99"),
    Decimal("-999999999999.99"),
    Decimal("0.01"),
    Decimal("-0.01"),
    Decimal("0.10"),
    Decimal("123456789012.34"),
    Decimal("100000000000.05"),
    Decimal("0.07"),
    Decimal("999999999999"),
    Decimal(0),
]


def _typed_forms(value: Decimal) -> list[str]:
    """The ways a user or the pages write an amount."""
    plain = f"{value:f}"
    return [
        plain,
        plain.replace(".", ","),
        format_number(value),  # "1 296 000,50" with no-break spaces and a real minus
        raw_amount(value),  # what the grid puts in its inputs
        format_number(value).replace("\u00a0", "\u202f"),  # thin spaces
    ]


@given(value=amounts)
@example(value=Decimal("999999999999.99"))
@example(value=Decimal("-999999999999.99"))
@example(value=Decimal("0.01"))
@settings(max_examples=300, deadline=None, database=None)
def test_form_field_and_grid_parse_round_trip(value):
    field = AmountField()
    for text in _typed_forms(value):
        assert field.clean(text) == value, text
        assert parse_amount(text) == value, text
    assert field.clean(field.prepare_value(value)) == value
    draft, errors = parse_draft(
        {
            "column-0": COLUMNS[0],
            "line-0-label": "Rad",
            "line-0-category": "other_cost",
            "line-0-amount-0": raw_amount(value),
        },
        members=set(),
        interventions=set(),
    )
    assert not errors and draft.lines[0].amounts == {COLUMNS[0]: value}


@pytest.fixture
def money_budget(federation):
    budget = Budget.objects.create(federation=federation, year=YEAR)
    for position, code in enumerate(COLUMNS):
        year, kind = code.split(":")
        Column.objects.create(budget=budget, year=int(year), kind=kind, position=position)
    Plan.objects.create(federation=federation, year=YEAR, title=f"Verksamhetsplan {YEAR}")
    return budget


def _draft(values: list[Decimal], version: int) -> BudgetDraft:
    """One income line with the first three amounts (one per column), so the report
    shows them as they are, and a cost line per further amount."""
    income = DraftLine(
        key="intakt",
        category="other_income",
        label="Intäkt",
        amounts=dict(zip(COLUMNS, values[:3], strict=False)),
    )
    costs = [
        DraftLine(
            key=f"rad-{n}", category="other_cost", label=f"Rad {n}", amounts={COLUMNS[n % 3]: value}
        )
        for n, value in enumerate(values[3:])
    ]
    return BudgetDraft(columns=list(COLUMNS), lines=[income, *costs], version=version)


def _cells(lines) -> dict[tuple[str, str], Decimal]:
    return {(line.key, code): amount for line in lines for code, amount in line.amounts.items()}


@given(values=st.lists(amounts, min_size=3, max_size=12))
@example(values=EDGES)
@example(values=[-v for v in EDGES])
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_amounts_round_trip_through_database_report_bundle_and_excel(
    values, money_budget, client, director
):
    budget = money_budget
    budget.refresh_from_db()
    draft = _draft(values, budget.version)
    expected = _cells(draft.lines)
    budget_save(budget=budget, draft=draft, expected_version=budget.version)
    budget.refresh_from_db()

    # The database.
    facts = budget_facts(budget)
    assert _cells(facts.lines) == expected
    stored = {a.amount for a in Amount.objects.filter(line__budget=budget)}
    assert stored == set(expected.values()) and all(
        a == a.quantize(Decimal("0.01")) for a in stored
    )

    # The JSON report, over HTTP as a user gets it.
    client.force_login(director)
    response = client.get(reverse("budget_report_json", args=[budget.federation.slug, YEAR]))
    report = json.loads(response.content)
    assert report == json.loads(json.dumps(budget_report(facts, evaluate(facts))))
    for code, value in zip(COLUMNS, values[:3], strict=False):
        year = code.split(":")[0]
        assert parse_amount(report["years"][year]["other_income"]) == value

    # The bundle export, through JSON text.
    bundle = json.loads(json.dumps(export_bundle(budget.federation, YEAR)))
    exported = {
        (line["key"], code): parse_amount(amount)
        for line in bundle["budget"]["lines"]
        for code, amount in line["amounts"].items()
    }
    assert exported == expected

    # Excel: export, then read back as an import would.
    drafts = parse_workbook(export_xlsx(budget), budget)
    assert _cells(drafts[0].lines) == expected


# --- too large, NaN, infinity: a form error, never a 500 ------------------------------

REFUSED = [
    "1 000 000 000 000",
    "-1 000 000 000 000",
    "1000000000000,00",
    "9" * 40,
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "inf",
    "-inf",
    "Infinity",
    "1e12",
    "1E+5",
    "0,001",
    "1,2,3",
    "∞",
    "½",
    "²",
    "1e",
    "--1",
    "+-1",
]


@pytest.mark.parametrize("text", REFUSED)
def test_the_form_field_refuses(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        AmountField().clean(text)


@pytest.mark.parametrize("field", ["line-5-amount-1", "opening_equity"])
def test_grid_save_answers_422_to_impossible_amounts(client, director, federation, field):
    budget = make_budget(federation)
    client.force_login(director)
    url = reverse("budget_grid_save", args=[federation.slug, budget.year])
    before = list(Amount.objects.order_by("pk").values_list("amount", flat=True))
    for text in REFUSED:
        response = client.post(url, {**grid_post(budget), field: text})
        assert response.status_code == 422, text
        html = response.content.decode()
        assert "Budgeten är inte sparad" in html
        assert any(m in html for m in ("Inte ett belopp", "för stort", "Högst två decimaler")), text
    assert list(Amount.objects.order_by("pk").values_list("amount", flat=True)) == before
    budget.refresh_from_db()
    assert budget.version == 1
