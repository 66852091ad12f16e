"""The editor grid: parse, recompute, save, conflicts, layout actions, access."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.editing import parse_draft
from budgets.grid import editor_grid, stored_draft
from budgets.models import Amount, Budget, Line
from budgets.selectors import budget_facts
from tests.budgets.test_merge import form_fields
from tests.budgets.test_views import make_budget

D = Decimal


def grid_post(budget: Budget, scenario: str | None = None, **changes: str) -> dict[str, str]:
    """The post the grid page would send, with `changes` applied."""
    facts = budget_facts(budget)
    draft = stored_draft(facts, budget, scenario)
    data = {
        "version": str(budget.version),
        "opening_equity": draft.raw_opening_equity,
        "deficit_reason": draft.deficit_reason,
    }
    if scenario:
        data["scenario"] = scenario
    for j, code in enumerate(draft.columns):
        data[f"column-{j}"] = code
    for i, line in enumerate(draft.lines):
        data[f"line-{i}-key"] = line.key
        data[f"line-{i}-label"] = line.label
        data[f"line-{i}-category"] = line.category
        link = (
            f"member:{line.member}"
            if line.member
            else (f"intervention:{line.intervention}" if line.intervention else "")
        )
        data[f"line-{i}-link"] = link
        for j, code in enumerate(draft.columns):
            data[f"line-{i}-amount-{j}"] = line.raw.get(code, "")
    data.update({k.replace("_", "-"): v for k, v in changes.items()})
    return data


def test_parse_draft_reads_swedish_numbers_and_keeps_bad_input():
    data = {
        "column-0": "2021:budget",
        "column-1": "2022:plan",
        "line-0-key": "fk",
        "line-0-label": "FK",
        "line-0-category": "contribution",
        "line-0-link": "member:fk",
        "line-0-amount-0": "1\u00a0296\u00a0000,50",
        "line-0-amount-1": "1\u202f296\u202f000",
        "line-1-key": "kansli",
        "line-1-label": "Kansli",
        "line-1-category": "administration",
        "line-1-link": "",
        "line-1-amount-0": "12 tusen",
        "line-1-amount-1": "935 000",
        "opening_equity": "548 077",
        "version": "3",
    }
    draft, errors = parse_draft(data, members={"fk"}, interventions=set())
    assert draft.lines[0].amounts == {"2021:budget": D("1296000.50"), "2022:plan": D(1296000)}
    assert draft.lines[0].member == "fk"
    assert errors.fields == {"line-1-amount-0": errors.fields["line-1-amount-0"]}
    assert "Inte ett belopp" in errors.fields["line-1-amount-0"]
    assert draft.lines[1].raw["2021:budget"] == "12 tusen"  # nothing the user typed is lost
    assert draft.lines[1].amounts == {"2022:plan": D(935000)}
    assert (draft.opening_equity, draft.version) == (D(548077), 3)


def test_parse_draft_requires_a_member_on_contributions():
    data = {
        "column-0": "2021:budget",
        "line-0-label": "Bidrag",
        "line-0-category": "contribution",
        "line-0-link": "",
        "line-0-amount-0": "5",
    }
    _, errors = parse_draft(data, members={"fk"}, interventions=set())
    assert "line-0-member" in errors.fields


@pytest.mark.django_db
def test_it_works(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    url = reverse("budget_grid", args=[federation.slug, 2021])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="line-0-amount-1"' in page.content.decode()

    # Recompute: the figures of what is typed, nothing saved.
    data = grid_post(budget, line_5_amount_1="1 000 000")  # kansli 2021
    response = client.post(reverse("budget_grid_recompute", args=[federation.slug, 2021]), data)
    assert response.status_code == 200
    assert "\u2212318\u00a0000\u00a0kr" in response.content.decode()  # 2 592 000 − 2 910 000
    assert Amount.objects.get(
        line__key="kansli", line__scenario=None, column__year=2021
    ).amount == D(935000)

    # Save: one transaction, then the stored figures follow.
    response = client.post(reverse("budget_grid_save", args=[federation.slug, 2021]), data)
    assert response.status_code == 302
    assert Amount.objects.get(
        line__key="kansli", line__scenario=None, column__year=2021
    ).amount == D(1000000)
    budget.refresh_from_db()
    assert budget.version == 2 and budget.updated_by == director


@pytest.mark.django_db
def test_bad_cell_is_not_saved_and_keeps_every_input(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    data = grid_post(budget, line_5_amount_1="abc", line_4_amount_1="2 000 000")
    response = client.post(reverse("budget_grid_save", args=[federation.slug, 2021]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Inte ett belopp" in html
    assert 'value="abc"' in html and 'value="2 000 000"' in html
    assert Amount.objects.get(
        line__key="enter", line__scenario=None, column__year=2021
    ).amount == D(1910000)


@pytest.mark.django_db
def test_conflict_keeps_input_and_names_who_saved(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    url = reverse("budget_grid_save", args=[federation.slug, 2021])
    first = grid_post(budget, line_5_amount_1="900 000")
    second = grid_post(budget, line_5_amount_1="950 000")
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Någon annan har sparat budgeten" in html
    assert director.get_full_name() in html
    assert "900\u00a0000\u00a0kr" in html and "950\u00a0000\u00a0kr" in html
    assert 'value="950 000"' in html
    assert Amount.objects.get(
        line__key="kansli", line__scenario=None, column__year=2021
    ).amount == D(900000)
    # Saving again from the conflict page: only once she has picked her value.
    assert 'name="version" value="2"' in html
    again = form_fields(html)
    assert client.post(url, {**again, "action": "save"}).status_code == 409
    again["pick-amount|kansli|2021:budget"] = "mine"
    assert client.post(url, {**again, "action": "save"}).status_code == 302
    assert Amount.objects.get(
        line__key="kansli", line__scenario=None, column__year=2021
    ).amount == D(950000)


@pytest.mark.django_db
def test_layout_actions_change_the_draft_not_the_database(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    url = reverse("budget_grid_save", args=[federation.slug, 2021])
    lines = Line.objects.count()
    html = client.post(url, {**grid_post(budget), "action": "add-line-other_cost"}).content.decode()
    assert 'name="line-6-label"' in html
    html = client.post(
        url, {**grid_post(budget), "action": "add-column", "new_column": "2024:plan"}
    ).content.decode()
    assert "Plan 2024" in html
    html = client.post(url, {**grid_post(budget), "action": "delete-line-5"}).content.decode()
    assert 'value="Kansli"' not in html
    html = client.post(url, {**grid_post(budget), "action": "move-down-0"}).content.decode()
    assert html.index('value="Region Test"') < html.index('value="Försäkringskassan"')
    assert Line.objects.count() == lines


@pytest.mark.django_db
def test_scenario_save_stores_only_differences(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    name = "Om ESF-projektet beviljas"
    data = grid_post(budget, scenario=name, line_5_amount_1="800 000")
    assert (
        client.post(reverse("budget_grid_save", args=[federation.slug, 2021]), data).status_code
        == 302
    )
    stored = Line.objects.filter(scenario__name=name).order_by("key")
    assert [line.key for line in stored] == ["esf", "kansli"]
    facts = budget_facts(budget)
    grid = editor_grid(
        facts,
        stored_draft(facts, budget, name),
        parse_draft({}, members=set(), interventions=set())[1],
    )
    assert grid.columns[1].figures.administration_costs == D(800000)
    # The base is untouched.
    assert Amount.objects.get(
        line__key="kansli", line__scenario=None, column__year=2021
    ).amount == D(935000)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "board_member", "viewer"])
def test_read_only_roles_see_the_grid_but_cannot_save(client, request, federation, role):
    budget = make_budget(federation)
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("budget_grid", args=[federation.slug, 2021]))
    assert page.status_code == 200
    assert "<fieldset disabled>" in page.content.decode()
    assert "{#" not in page.content.decode()  # no template comment shown as text
    data = grid_post(budget, line_5_amount_1="1")
    assert (
        client.post(reverse("budget_grid_save", args=[federation.slug, 2021]), data).status_code
        == 403
    )
    assert (
        client.post(
            reverse("budget_grid_recompute", args=[federation.slug, 2021]), data
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_it_checks_access(client, outsider, federation):
    budget = make_budget(federation)
    client.force_login(outsider)
    for name in ("budget_grid", "budget_grid_recompute", "budget_grid_save"):
        assert client.get(reverse(name, args=[federation.slug, 2021])).status_code == 404
        assert (
            client.post(reverse(name, args=[federation.slug, 2021]), grid_post(budget)).status_code
            == 404
        )


def test_parse_draft_makes_any_posted_key_a_short_slug_and_limits_labels():
    data = {
        "column-0": "2021:budget",
        "line-0-key": "9" * 300 + " ÅÄÖ!",
        "line-0-label": "Kansli",
        "line-0-category": "administration",
        "line-1-key": "",
        "line-1-label": "x" * 201,
        "line-1-category": "administration",
    }
    draft, errors = parse_draft(data, members=set(), interventions=set())
    assert len(draft.lines[0].key) == 80 and draft.lines[0].key == "9" * 80
    assert "line-1-label" in errors.fields and "line-0-label" not in errors.fields


def _one_cell(typed: str):
    """The grid's post of one Kansli line with `typed` in its 2021 cell, parsed."""
    data = {
        "column-0": "2021:budget",
        "line-0-key": "kansli",
        "line-0-label": "Kansli",
        "line-0-category": "administration",
        "line-0-link": "",
        "line-0-amount-0": typed,
    }
    return parse_draft(data, members=set(), interventions=set())


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("200 000 kr", D(200000)),  # the app's own display format, copied back
        ("200\u00a0000\u00a0kr", D(200000)),
        ("\u22125 000", D(-5000)),  # U+2212, as the app writes a minus
        ("\u22125\u00a0000\u00a0kr", D(-5000)),
        ("1 296 000,50", D("1296000.50")),
        ("935 000 KR", D(935000)),
    ],
)
def test_the_grid_takes_the_apps_own_amount_format(typed, amount):
    draft, errors = _one_cell(typed)
    assert not errors.fields
    assert draft.lines[0].amounts == {"2021:budget": amount}


@pytest.mark.parametrize("typed", ["kr", "200 000 kronor", "200 000 kr kr", "tkr 5"])
def test_a_unit_alone_or_another_word_is_not_an_amount(typed):
    draft, errors = _one_cell(typed)
    assert "line-0-amount-0" in errors.fields
    assert draft.lines[0].raw["2021:budget"] == typed  # kept as typed


@pytest.mark.django_db
def test_the_grid_marks_a_negative_cost_and_an_unlinked_contribution(client, director, federation):
    """Issue 16, point 7: the recompute marks the cell and says why, in Swedish."""
    budget = make_budget(federation)
    client.force_login(director)
    data = grid_post(budget, line_5_amount_1="\u221212 000", line_0_link="")
    response = client.post(reverse("budget_grid_recompute", args=[federation.slug, 2021]), data)
    assert response.status_code == 200
    html = response.content.decode()
    kansli, first = data["line-5-label"], data["line-0-label"]
    assert f"Kostnaden {kansli} är negativ 2021 (\u221212\u00a0000\u00a0kr)" in html
    assert f"Medlemsbidraget {first} (" in html and "är inte kopplat till någon medlem" in html
    assert "Kopplade till ingen medlem, och därför inte räknade till någon part" in html
    state = json.loads(
        re.search(r'id="grid-state"[^>]*data-state="([^"]*)"', html)[1].replace("&quot;", '"')
    )
    assert state["marks"]["line-5-amount-1"] == "warning"
    assert state["marks"]["line-0-amount-1"] in ("warning", "error")


@pytest.mark.django_db
def test_the_recompute_reads_the_grid_posted_as_json_the_same_as_a_form(director, federation):
    """Issue 16, point 8: grid.js posts the recompute as one JSON object (2 400 fields
    at 300 lines parse faster so). The answer is the same as for the form post; the
    CSRF token must come in its header, and a body that is not such an object is
    refused in Swedish."""
    from django.test import Client

    budget = make_budget(federation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    page = client.get(reverse("budget_grid", args=[federation.slug, 2021]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    url = reverse("budget_grid_recompute", args=[federation.slug, 2021])
    data = grid_post(budget, line_5_amount_1="1 000 000", line_0_amount_2="12 x")

    as_form = client.post(url, {**data, "csrfmiddlewaretoken": token})
    as_json = client.post(
        url, json.dumps(data), content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert as_form.status_code == as_json.status_code == 200
    assert as_json.content == as_form.content
    assert "\u2212318\u00a0000\u00a0kr" in as_json.content.decode()
    assert "Inte ett belopp" in as_json.content.decode()

    # No token in the header: the JSON body's own field does not count.
    refused = client.post(
        url, json.dumps({**data, "csrfmiddlewaretoken": token}), content_type="application/json"
    )
    assert refused.status_code == 403
    for body in ("[1, 2]", '{"line-0-label": 5}', "{", "\u00ff"):
        bad = client.post(
            url, body, content_type="application/json", headers={"X-CSRFToken": token}
        )
        assert bad.status_code == 400
        assert "ladda om sidan" in bad.content.decode()
    assert Amount.objects.get(
        line__key="kansli", line__scenario=None, column__year=2021
    ).amount == D(935000)


@pytest.mark.django_db
def test_facts_without_lines_are_the_same_but_for_the_lines(federation):
    budget = make_budget(federation)
    full, bare = budget_facts(budget), budget_facts(budget, lines=False)
    assert full.lines and bare.lines == ()
    assert bare.members == full.members and bare.interventions == full.interventions
    assert bare.columns == full.columns and bare.opening_equity == full.opening_equity
    assert [s.name for s in bare.scenarios] == [s.name for s in full.scenarios]


@pytest.mark.parametrize(
    "raw",
    [
        "0",
        "-0",
        "007",
        "1 296 000",
        "999 999 999 999",
        "-5 000",
        "1 29",
        "12345",
        "1 2345",
        "1296000",
        "1 296 000,50",
        "\u22125 000",
        "200 000 kr",
        "1 000 000 000 000",
        "12 x",
    ],
)
def test_the_quick_path_for_whole_kronor_reads_as_the_general_one(raw):
    """parse_draft reads "1 296 000" without parse_typed_amount's general steps; the
    amount (or the refusal) is the one the general reading gives."""
    from finsam.money import parse_typed_amount, too_large

    draft, errors = parse_draft(
        {
            "column-0": "2024:budget",
            "line-0-label": "Kansli",
            "line-0-category": "admin",
            "line-0-amount-0": raw,
        },
        members=set(),
        interventions=set(),
    )
    try:
        expected = parse_typed_amount(raw)
        expected = None if too_large(expected) else expected
    except ValueError:
        expected = None
    got = draft.lines[0].amounts.get("2024:budget")
    assert got == expected and (got is None or str(got) == str(expected))
    assert ("line-0-amount-0" in errors.fields) == (expected is None)


def test_a_bad_cell_withholds_its_columns_sums_and_later_equity_not_line_findings(federation):
    """Issue 16, point 6: a column with a cell that is not an amount says nothing about
    its sums, nor about the equity of it and the later planning years, as if the cell
    were 0; a finding about one line of it still holds."""
    budget = make_budget(federation)
    facts = budget_facts(budget)
    known = {
        "members": {m.key for m in facts.members},
        "interventions": {i.key for i in facts.interventions},
    }
    good = grid_post(budget, line_4_amount_1="-5 000")
    draft, errors = parse_draft(good, **known)
    before = editor_grid(facts, draft, errors)
    years = lambda grid, rule: {f.year for f in grid.findings if f.rule == rule}  # noqa: E731
    assert 2021 in years(before, "equity-cap")
    assert 2021 in years(before, "negative-amount")

    bad = grid_post(budget, line_4_amount_1="-5 000", line_5_amount_1="tjugo")
    draft, errors = parse_draft(bad, **known)
    grid = editor_grid(facts, draft, errors)
    assert 2021 not in years(grid, "equity-cap") | years(grid, "budget-balance")
    assert 2022 not in years(grid, "equity-cap")  # opens with 2021's unknown equity
    assert 2022 in years(grid, "budget-balance")  # 2022's own sums are known
    assert 2021 in years(grid, "negative-amount")
    rows = {row.figure: row.values for row in grid.figure_rows}
    codes = [col.code for col in grid.columns]
    at = {code: i for i, code in enumerate(codes)}
    assert rows["result"][at["2021:budget"]].invalid
    assert not rows["result"][at["2022:plan"]].invalid
    assert rows["closing_equity"][at["2022:plan"]].invalid
    assert not rows["closing_equity"][at["2020:forecast"]].invalid
    assert not any(v.invalid for v in rows["result"][at["2020:forecast"] : at["2021:budget"]])
