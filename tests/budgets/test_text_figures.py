"""budgets/text_figures.py: live figures in the plan's text, and stale amounts."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings

from budgets.text_figures import MENU, fill_figures, stale_amounts, unknown_placeholders

VALUES = {
    ("closing_equity", 2026): D(4_519_281),
    ("opening_equity", 2026): D(3_000_000),
    ("equity_cap", 2026): D(800_000),
    ("result", 2024): D(536_153),
    ("costs", 2024): D(3_463_847),
}


def test_a_placeholder_is_the_figure_in_the_apps_format_and_an_unknown_one_stays():
    text = (
        "UB blir {{ UB 2026 }}, resultatet {{resultat 2024}}; {{ UB 2031 }} och {{ Vinst 2026 }}."
    )
    assert fill_figures(text, VALUES) == (
        "UB blir 4\u00a0519\u00a0281\u00a0kr, resultatet 536\u00a0153\u00a0kr; "
        "{{ UB 2031 }} och {{ Vinst 2026 }}."
    )
    assert unknown_placeholders(text, VALUES) == ["{{ UB 2031 }}", "{{ Vinst 2026 }}"]


def test_a_stale_amount_is_named_with_the_figure_it_should_be():
    text = (
        "Eget kapital beräknas vid utgången av 2026 uppgå till 6 082 393 kr, att jämföra "
        "med 20 % av årlig tilldelning (rekommenderat av FK), 800 000 kr."
    )
    [stale] = stale_amounts("Ekonomi", text, VALUES)
    assert stale.message == (
        "Avsnittet Ekonomi nämner 6\u00a0082\u00a0393\u00a0kr; budgetens eget kapital vid "
        "utgången av 2026 är 4\u00a0519\u00a0281\u00a0kr. Skriv {{ UB 2026 }} så följer "
        "texten budgeten."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Eget kapital vid utgången av 2026 blir 4 519 281 kr.",  # right
        "Eget kapital vid utgången av 2026 blir {{ UB 2026 }}.",  # live
        "Total kostnad för team och lots 1 180 000 kr 2024.",  # a part, not the total
        "Projektgemensamma kostnader 2024: 340 000 kr för 28 månader.",  # ditto
        "Revisorsbiträde: 32 000 kr/år.",  # no budget figure named
        "Eget kapital vid utgången av 2019 var 900 000 kr.",  # not a planning year
        "Summa kostnader 2024 är 250 000 kr för Kansli.",  # a line of the budget
    ],
)
def test_amounts_that_are_right_live_or_the_texts_own_are_left_alone(text):
    assert stale_amounts("Ekonomi", text, VALUES, line_amounts=[D(250_000)]) == []


def test_the_years_amounts_are_read_in_swedish_forms():
    text = "Summa kostnader 2024 blir 3\u00a0463\u00a0848 kr, årets resultat 2024 −536 153 kronor."
    stale = stale_amounts("Budget", text, VALUES)
    assert [(s.figure, s.written) for s in stale] == [("costs", D(3_463_848))]


def test_the_editors_menu_offers_every_figure():
    template = Path(settings.BASE_DIR) / "templates/plans/partials/insert_figure.html"
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', template.read_text())
    assert options == list(MENU)
