"""Names sort in Swedish order: … X, Y, Z, Å, Ä, Ö; lists of names read "A, B och C"."""

from __future__ import annotations

import pytest

from documents.selectors import federation_overview
from finsam.forms import MemberForm
from finsam.selectors import federations_with_role
from finsam.text import and_list, is_whole_number, swedish_sort_key
from tests.factories import FederationFactory, MemberFactory, MembershipFactory


@pytest.mark.parametrize(
    "names, expected",
    [
        (
            ["Ödeshög", "Ale", "Åmål", "Älmhult", "Zinkgruvan"],
            ["Ale", "Zinkgruvan", "Åmål", "Älmhult", "Ödeshög"],
        ),
        (["ö", "Ä", "å", "Z", "a"], ["a", "Z", "å", "Ä", "ö"]),  # case does not matter
        (["Åre", "Aneby", "Ånge", "Arvika"], ["Aneby", "Arvika", "Ånge", "Åre"]),
        (
            ["Västerås", "Växjö", "Vännäs", "Wadköping"],
            ["Vännäs", "Västerås", "Växjö", "Wadköping"],
        ),  # w after v
        (["Émile", "Eda", "Ekerö"], ["Eda", "Ekerö", "Émile"]),  # é as e
        (["Müller", "Myra", "Mora"], ["Mora", "Müller", "Myra"]),  # ü as y
        (
            ["Øresund", "Ørnsköldsvik", "Ödeshög", "Zeta"],
            ["Zeta", "Ödeshög", "Øresund", "Ørnsköldsvik"],
        ),  # ø as ö
        (["Region 2", "Region 10", "Region"], ["Region", "Region 10", "Region 2"]),
    ],
)
def test_swedish_order(names, expected):
    assert sorted(names, key=swedish_sort_key) == expected


def test_code_point_order_would_be_wrong():
    # What SQLite's ORDER BY gives, for contrast: Ä (U+00C4) before Å (U+00C5).
    assert sorted(["Ö", "Å", "Ä"]) == ["Ä", "Å", "Ö"]
    assert sorted(["Ö", "Å", "Ä"], key=swedish_sort_key) == ["Å", "Ä", "Ö"]


@pytest.mark.django_db
def test_start_page_lists_federations_in_swedish_order(client, director):
    for name in (
        "Samordningsförbundet Östra",
        "Samordningsförbundet Älvdalen",
        "Samordningsförbundet Åsele",
        "Samordningsförbundet Zeta",
    ):
        MembershipFactory(user=director, federation=FederationFactory(name=name))
    names = [e.federation.name.split()[-1] for e in federations_with_role(director)]
    assert names == ["Alfa", "Zeta", "Åsele", "Älvdalen", "Östra"]
    client.force_login(director)
    html = client.get("/").content.decode()
    positions = [html.index(name) for name in ("Alfa", "Zeta", "Åsele", "Älvdalen", "Östra")]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_members_keep_their_position_and_ties_sort_in_swedish_order(federation):
    for name in ("Östersunds kommun", "Åre kommun", "Älvdalens kommun", "Zinkgruvans kommun"):
        MemberFactory(federation=federation, name=name, position=10)
    names = [row.member.name for row in federation_overview(federation).members]
    assert names[:5] == [
        "Försäkringskassan",
        "Arbetsförmedlingen",
        "Region Test",
        "A kommun",
        "B kommun",
    ]  # the förbund's order (position 1–5)
    assert names[5:] == [
        "Zinkgruvans kommun",
        "Åre kommun",
        "Älvdalens kommun",
        "Östersunds kommun",
    ]


@pytest.mark.parametrize(
    ("names", "text"),
    [([], ""), (["A"], "A"), (["A", "B"], "A och B"), (["A", "B", "C"], "A, B och C")],
)
def test_and_list(names, text):
    assert and_list(names) == text


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("2021", True),
        ("0", True),
        ("", False),
        ("²", False),
        ("٣", False),
        ("３", False),
        ("-1", False),
        ("1 000", False),
    ],
)
def test_a_whole_number_is_ascii_digits_only(text: str, whole: bool) -> None:
    # "²".isdigit() is true and int("²") a ValueError: a server error on a form.
    assert is_whole_number(text) is whole
    if whole:
        int(text)


@pytest.mark.parametrize(
    ("typed", "population"),
    [("18 210", 18210), ("18\u00a0210", 18210), ("10512", 10512), ("", None)],
)
def test_the_member_form_reads_a_population_as_people_write_it(typed, population) -> None:
    form = MemberForm({"name": "Kramfors kommun", "kind": "municipality", "population": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["population"] == population


@pytest.mark.parametrize("typed", ["18.210", "²", "1" * 30, "-5"])
def test_the_member_form_refuses_a_population_in_swedish(typed) -> None:
    form = MemberForm({"name": "Kramfors kommun", "kind": "municipality", "population": typed})
    assert not form.is_valid()
    assert form.errors["population"][0].startswith(("Skriv folkmängden", "Folkmängden är"))
