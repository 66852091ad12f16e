"""Headers and inputs (issue 13, item 7): logged-in pages are never stored by a
browser or proxy, and amounts take ASCII digits only, with the Swedish separators."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age

from finsam.forms import AmountField
from finsam.money import parse_amount

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {d.strip().lower() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_logged_in_pages_send_no_store(client, director, federation):
    client.force_login(director)
    for url in (
        reverse("home"),
        reverse("federation_detail", args=[federation.slug]),
        reverse("plan_calendar", args=[federation.slug]),  # sets its own Cache-Control
        "/finns-inte/",  # a 404 to a logged-in user, too
    ):
        response = client.get(url)
        assert "no-store" in _directives(response), url
        assert "public" not in _directives(response), url


def test_the_response_that_logs_in_sends_no_store(director, password):
    response = Client().post("/logga-in/", {"username": director.username, "password": password})
    assert response.status_code == 302
    assert "no-store" in _directives(response)


def test_anonymous_pages_are_left_alone(client, director, federation):
    """(The login page has Django's own never_cache.) The calendar link of a member,
    fetched by a calendar program that logs in to nothing, keeps its own caching."""
    from plans.calendar import calendar_token

    url = reverse(
        "plan_calendar_feed", args=[federation.slug, calendar_token(director.pk, federation)]
    )
    response = Client().get(url)
    assert response.status_code == 200
    assert "no-store" not in _directives(response)
    assert get_max_age(response) == 300


SEPARATED = {
    "1 296 000": Decimal("1296000"),
    "1\u00a0296\u00a0000,50": Decimal("1296000.50"),
    "1\u202f296\u202f000": Decimal("1296000"),
    "−253 000": Decimal("-253000"),
    "645333.50": Decimal("645333.50"),
}

NOT_ASCII = [
    "\u0661\u0662\u0663",  # Arabic-Indic ١٢٣
    "\u06f1\u06f2\u06f3",  # Extended Arabic-Indic (Persian) ۱۲۳
    "\uff11\uff12\uff13",  # fullwidth １２３
    "1\uff10\uff10",  # mixed: 1００
    "\u0967\u0968",  # Devanagari १२
    "\U0001d7ce\U0001d7cf",  # mathematical bold 𝟎𝟏
    "12\u0663,50",
]


@pytest.mark.parametrize("text, amount", SEPARATED.items())
def test_the_documented_separators_are_accepted(text, amount):
    assert parse_amount(text) == amount
    assert AmountField().clean(text) == amount


@pytest.mark.parametrize("text", NOT_ASCII)
def test_other_digits_are_refused(text):
    # Python's own parsers take them: the test would mean nothing if they did not.
    assert Decimal(text.replace(",", ".")) >= 0
    with pytest.raises(ValueError):
        parse_amount(text)
    with pytest.raises(ValidationError):
        AmountField().clean(text)


@pytest.mark.parametrize("field", ["line-5-amount-1", "opening_equity"])
def test_the_budget_grid_refuses_other_digits(client, director, federation, field):
    """Through the grid's real post: a form error (422), nothing saved."""
    from budgets.models import Amount
    from tests.budgets.test_grid import grid_post
    from tests.budgets.test_views import make_budget

    budget = make_budget(federation)
    client.force_login(director)
    url = reverse("budget_grid_save", args=[federation.slug, budget.year])
    before = list(Amount.objects.order_by("pk").values_list("amount", flat=True))
    for text in NOT_ASCII:
        response = client.post(url, {**grid_post(budget), field: text})
        assert response.status_code == 422, text
        assert "Inte ett belopp" in response.content.decode(), text
    assert list(Amount.objects.order_by("pk").values_list("amount", flat=True)) == before
    budget.refresh_from_db()
    assert budget.version == 1
