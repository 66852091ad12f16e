"""Conflicts merge cell by cell: the three-way merge of budget drafts, budget_save
from an older version, and the grid's save endpoint posted as the browser posts it.

The trial's repro on the demo budget BKSV 2024: A opens the grid and edits
Styrelse; B edits Resor from 47 000 to 48 000 and saves first; A saves. Resor
must stay 48 000 and A's Styrelse change must be saved.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from budgets.editing import BudgetDraft, DraftLine
from budgets.grid import stored_draft
from budgets.merge import AMOUNT, LABEL, LINE, Part, apply_picks, merge_drafts
from budgets.models import Budget
from budgets.rules import evaluate, find_scenario
from budgets.selectors import budget_facts
from budgets.services import BudgetConflict, budget_save, scenario_create
from documents.bundle.importer import bundle_import
from finsam.models import AuditEntry, Federation, Role
from tests.factories import MembershipFactory, UserFactory

D = Decimal
DEMO = (
    Path(settings.BASE_DIR)
    / "documents"
    / "demo"
    / "burlov-kavlinge-staffanstorp-vellinge-2024.json"
)
B24 = "2024:budget"


# --- the pure merge ------------------------------------------------------------------


def _draft(
    lines: dict[str, dict[str, int]],
    *,
    labels: dict[str, str] | None = None,
    columns: tuple[str, ...] = ("2024:budget", "2025:plan"),
    version: int = 1,
) -> BudgetDraft:
    labels = labels or {}
    return BudgetDraft(
        columns=list(columns),
        lines=[
            DraftLine(
                key=key,
                category="administration",
                label=labels.get(key, key.title()),
                amounts={code: D(v) for code, v in amounts.items()},
            )
            for key, amounts in lines.items()
        ],
        version=version,
    )


BASE = {"styrelse": {B24: 250000}, "resor": {B24: 47000}, "kansli": {B24: 900000}}


def _amounts(draft: BudgetDraft) -> dict[str, dict[str, Decimal]]:
    return {line.key: dict(line.amounts) for line in draft.lines}


@pytest.mark.parametrize(
    ("mine", "theirs", "expected", "conflicts"),
    [
        # Each side changed another cell: both changes stay.
        (
            {"styrelse": {B24: 260000}},
            {"resor": {B24: 48000}},
            {"styrelse": 260000, "resor": 48000, "kansli": 900000},
            [],
        ),
        # Both changed the same cell to the same value: no conflict.
        (
            {"resor": {B24: 48000}},
            {"resor": {B24: 48000}},
            {"styrelse": 250000, "resor": 48000, "kansli": 900000},
            [],
        ),
        # Both changed the same cell to different values: a conflict, mine held.
        (
            {"resor": {B24: 49000}},
            {"resor": {B24: 48000}},
            {"styrelse": 250000, "resor": 49000, "kansli": 900000},
            ["amount|resor|2024:budget"],
        ),
        # Only the colleague changed anything: theirs throughout.
        ({}, {"kansli": {B24: 1}}, {"styrelse": 250000, "resor": 47000, "kansli": 1}, []),
    ],
)
def test_cells_merge_three_ways(mine, theirs, expected, conflicts):
    base = _draft(BASE)
    ours = _draft({k: {**v, **mine.get(k, {})} for k, v in BASE.items()})
    other = _draft({k: {**v, **theirs.get(k, {})} for k, v in BASE.items()}, version=2)
    merged = merge_drafts(base, ours, other)
    assert {k: v[B24] for k, v in _amounts(merged.draft).items()} == {
        k: D(v) for k, v in expected.items()
    }
    assert [c.part.id for c in merged.conflicts] == conflicts
    assert merged.draft.version == 2


def test_a_line_added_on_each_side_and_one_removed_on_each():
    base = _draft(BASE)
    mine = _draft({"resor": {B24: 47000}, "kansli": {B24: 900000}, "ny-a": {B24: 1}})
    theirs = _draft({"styrelse": {B24: 250000}, "resor": {B24: 47000}, "ny-b": {B24: 2}})
    merged = merge_drafts(base, mine, theirs)
    assert not merged.conflicts
    # A line each side added goes after the line it follows on that side.
    assert [line.key for line in merged.draft.lines] == ["resor", "ny-a", "ny-b"]


def test_a_line_removed_by_one_side_and_changed_by_the_other_is_a_conflict():
    base = _draft(BASE)
    mine = _draft({"styrelse": {B24: 250000}, "kansli": {B24: 900000}})  # removed resor
    theirs = _draft({**BASE, "resor": {B24: 48000}})
    merged = merge_drafts(base, mine, theirs)
    assert [c.part for c in merged.conflicts] == [Part(LINE, "resor")]
    # Picking theirs brings the colleague's line back, in its place.
    parts = [c.part for c in merged.conflicts]
    draft = merged.draft
    assert apply_picks(draft, theirs, parts, {"line|resor": "theirs"}) == []
    assert [line.key for line in draft.lines] == ["styrelse", "resor", "kansli"]
    assert draft.lines[1].amounts == {B24: D(48000)}


def test_labels_and_order_merge():
    base = _draft(BASE)
    mine = _draft(BASE, labels={"resor": "Resor och logi"})
    # The colleague moved kansli first and renamed styrelse.
    theirs = _draft(
        {"kansli": BASE["kansli"], "styrelse": BASE["styrelse"], "resor": BASE["resor"]},
        labels={"styrelse": "Styrelsearvoden"},
    )
    merged = merge_drafts(base, mine, theirs)
    assert not merged.conflicts
    assert [(line.key, line.label) for line in merged.draft.lines] == [
        ("kansli", "Kansli"),
        ("styrelse", "Styrelsearvoden"),
        ("resor", "Resor och logi"),
    ]
    both = merge_drafts(base, mine, _draft(BASE, labels={"resor": "Resekostnader"}))
    assert [c.part for c in both.conflicts] == [Part(LABEL, "resor")]


def test_columns_added_and_removed():
    base = _draft(BASE)
    mine = _draft(BASE, columns=("2024:budget", "2025:plan", "2026:plan"))
    theirs = _draft(BASE, columns=("2024:budget",))
    merged = merge_drafts(base, mine, theirs)
    assert merged.draft.columns == ["2024:budget", "2026:plan"]
    assert not merged.conflicts


def test_without_a_base_every_difference_is_a_conflict():
    mine = _draft({**BASE, "styrelse": {B24: 260000}})
    theirs = _draft({**BASE, "resor": {B24: 48000}})
    merged = merge_drafts(None, mine, theirs)
    assert sorted(c.part.id for c in merged.conflicts) == [
        "amount|resor|2024:budget",
        "amount|styrelse|2024:budget",
    ]


def test_picks_are_all_needed_and_theirs_puts_the_stored_value_back():
    base = _draft(BASE)
    mine = _draft({**BASE, "resor": {B24: 49000}, "styrelse": {B24: 1}})
    theirs = _draft({**BASE, "resor": {B24: 48000}, "styrelse": {B24: 2}})
    merged = merge_drafts(base, mine, theirs)
    parts = [c.part for c in merged.conflicts]
    assert parts == [Part(AMOUNT, "styrelse", B24), Part(AMOUNT, "resor", B24)]
    draft = copy.deepcopy(merged.draft)
    assert apply_picks(draft, theirs, parts, {"amount|resor|2024:budget": "theirs"}) == [parts[0]]
    draft = copy.deepcopy(merged.draft)
    picks = {"amount|resor|2024:budget": "theirs", "amount|styrelse|2024:budget": "mine"}
    assert apply_picks(draft, theirs, parts, picks) == []
    assert {k: v[B24] for k, v in _amounts(draft).items()} == {
        "styrelse": D(1),
        "resor": D(48000),
        "kansli": D(900000),
    }


# --- the demo budget BKSV 2024 ------------------------------------------------------


@pytest.fixture
def bksv(db):
    """The demo budget, with Resor (Resekostnader) at 47 000 as in the trial."""
    budget = bundle_import(data=json.loads(DEMO.read_text(encoding="utf-8")))
    draft = stored_draft(budget_facts(budget), budget, None)
    _line(draft, "resor").amounts[B24] = D(47000)
    budget_save(budget=budget, draft=draft, expected_version=budget.version)
    budget.refresh_from_db()
    return budget


def _line(draft: BudgetDraft, key: str) -> DraftLine:
    return next(line for line in draft.lines if line.key == key)


def _stored(budget: Budget) -> dict[str, dict[str, Decimal]]:
    return {line.key: line.amounts for line in budget_facts(Budget.objects.get(pk=budget.pk)).lines}


def _director(federation: Federation, username: str):
    user = UserFactory(username=username, first_name=username.title(), last_name="Exempel")
    MembershipFactory(user=user, federation=federation, role=Role.DIRECTOR)
    return user


@pytest.mark.django_db(transaction=True)
def test_repro_a_colleagues_change_stays_when_a_saves_from_an_older_version(bksv):
    opened = stored_draft(budget_facts(bksv), bksv, None)  # A opens the grid
    mine = copy.deepcopy(opened)
    _line(mine, "styrelse").amounts[B24] = D(275000)  # A edits Styrelse

    theirs = copy.deepcopy(opened)  # B edits Resor and saves first
    _line(theirs, "resor").amounts[B24] = D(48000)
    budget_save(
        budget=Budget.objects.get(pk=bksv.pk), draft=theirs, expected_version=opened.version
    )

    budget_save(
        budget=Budget.objects.get(pk=bksv.pk),
        draft=mine,
        expected_version=opened.version,
        base=opened,
    )
    stored = _stored(bksv)
    assert stored["resor"][B24] == D(48000)
    assert stored["styrelse"][B24] == D(275000)
    assert Budget.objects.get(pk=bksv.pk).version == opened.version + 2
    entry = AuditEntry.objects.filter(action="sparade budgeten").order_by("-pk").first()
    assert entry.changes["merged_from_version"] == opened.version
    assert list(entry.changes["cells"]) == ["styrelse 2024:budget"]  # only her change


@pytest.mark.django_db(transaction=True)
def test_both_changing_a_cell_writes_nothing(bksv):
    opened = stored_draft(budget_facts(bksv), bksv, None)
    mine, theirs = copy.deepcopy(opened), copy.deepcopy(opened)
    _line(mine, "resor").amounts[B24] = D(49000)
    _line(mine, "styrelse").amounts[B24] = D(275000)
    _line(theirs, "resor").amounts[B24] = D(48000)
    budget_save(
        budget=Budget.objects.get(pk=bksv.pk), draft=theirs, expected_version=opened.version
    )
    with pytest.raises(BudgetConflict) as caught:
        budget_save(
            budget=Budget.objects.get(pk=bksv.pk),
            draft=mine,
            expected_version=opened.version,
            base=opened,
        )
    assert [c.part.id for c in caught.value.conflicts] == ["amount|resor|2024:budget"]
    stored = _stored(bksv)
    assert stored["resor"][B24] == D(48000) and stored["styrelse"][B24] == D(250000)


# --- the grid's save endpoint, posted as the browser posts it -------------------------


class _Form(HTMLParser):
    """The fields Chromium would post from form#budget-grid: its inputs, selects and
    textareas, and inputs outside it with form="budget-grid"; checked radios only."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "budget-grid":
            self.inside = True
        ours = self.inside or a.get("form") == "budget-grid"
        if tag == "input" and ours and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and ours:
            self.select, self.options = a.get("name"), []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and ours:
            self.textarea, self.text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [v for v, selected in self.options if selected] or [
                v for v, _ in self.options[:1]
            ]
            self.fields.append((self.select, chosen[0] if chosen else ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_fields(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    return dict(parser.fields)


def _named(fields: dict[str, str], label: str, code_index: int = 0) -> str:
    """The amount field of the line labelled `label` in column `code_index`."""
    row = next(
        name for name, value in fields.items() if name.endswith("-label") and value == label
    ).removesuffix("-label")
    return f"{row}-amount-{code_index}"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_repro_through_the_grid_save_endpoint(bksv):
    federation = bksv.federation
    a, b = _director(federation, "anna"), _director(federation, "bertil")
    grid = reverse("budget_grid", args=[federation.slug, 2024])
    save = reverse("budget_grid_save", args=[federation.slug, 2024])
    client_a, client_b = _client(a), _client(b)
    form_a = form_fields(client_a.get(grid).content.decode())  # 1. A opens the grid
    form_b = form_fields(client_b.get(grid).content.decode())
    assert form_a["base"]
    form_a[_named(form_a, "Styrelse")] = "275 000"  # ... and edits Styrelse
    form_b[_named(form_b, "Resekostnader")] = "48 000"  # 2. B edits Resor, saves first
    assert client_b.post(save, {**form_b, "action": "save"}).status_code == 302

    response = client_a.post(save, {**form_a, "action": "save"}, follow=True)  # 3. A saves
    assert response.redirect_chain and response.status_code == 200
    html = response.content.decode()
    assert "Budgeten är sparad" in html
    assert "Resekostnader (Budget 2024)" in html  # she is told the colleague's change stays
    stored = _stored(bksv)
    assert stored["resor"][B24] == D(48000)  # 4. Resor stays 48 000
    assert stored["styrelse"][B24] == D(275000)  # and A's change is saved


@pytest.mark.django_db(transaction=True)
def test_both_changed_cells_are_picked_one_by_one_in_the_grid(bksv):
    federation = bksv.federation
    a, b = _director(federation, "anna"), _director(federation, "bertil")
    grid = reverse("budget_grid", args=[federation.slug, 2024])
    save = reverse("budget_grid_save", args=[federation.slug, 2024])
    client_a, client_b = _client(a), _client(b)
    form_a = form_fields(client_a.get(grid).content.decode())
    form_b = form_fields(client_b.get(grid).content.decode())
    form_a[_named(form_a, "Styrelse")] = "275 000"
    form_a[_named(form_a, "Resekostnader")] = "49 000"
    form_a[_named(form_a, "Kommunikation", 1)] = "55 000"  # 2025:plan
    form_b[_named(form_b, "Resekostnader")] = "48 000"
    form_b[_named(form_b, "Kommunikation", 1)] = "60 000"
    form_b[_named(form_b, "Anställda")] = "700 000"
    assert client_b.post(save, {**form_b, "action": "save"}).status_code == 302

    response = client_a.post(save, {**form_a, "action": "save"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Någon annan har sparat budgeten" in html
    # Both values of each cell both changed, whose and when, columns in Swedish.
    for text in (
        "Resekostnader",
        "Kommunikation",
        "Budget 2024",
        "Plan 2025",
        "48\u00a0000\u00a0kr",
        "49\u00a0000\u00a0kr",
        "60\u00a0000\u00a0kr",
        "55\u00a0000\u00a0kr",
        "Bertil Exempel",
    ):
        assert text in html, text
    box = html.split('id="conflict"')[1].split("</table>")[0]
    assert not re.search(r"\d{4}:(budget|plan)", re.sub(r"<[^>]*>", "", box))  # never a code
    assert _stored(bksv)["styrelse"][B24] == D(250000)  # nothing written

    again = form_fields(html)
    picks = sorted(name for name in dict(again) if name.startswith("pick-"))
    assert picks == []  # nothing is picked for her
    # Saving without picking writes nothing and asks again.
    response = client_a.post(save, {**again, "action": "save"})
    assert response.status_code == 409 and "Välj ett av värdena" in response.content.decode()
    assert _stored(bksv)["styrelse"][B24] == D(250000)

    # Her Styrelse change and B's Anställda change are both in the merged grid.
    assert again[_named(again, "Styrelse")] == "275 000"
    assert again[_named(again, "Anställda")] == "700 000"
    again["pick-amount|resor|2024:budget"] = "theirs"
    again["pick-amount|kommunikation|2025:plan"] = "mine"
    assert client_a.post(save, {**again, "action": "save"}).status_code == 302
    stored = _stored(bksv)
    assert stored["resor"][B24] == D(48000)
    assert stored["kommunikation"]["2025:plan"] == D(55000)
    assert stored["styrelse"][B24] == D(275000)
    assert stored["anstallda"][B24] == D(700000)


@pytest.mark.django_db(transaction=True)
def test_a_post_without_a_base_never_reverts_a_colleagues_change(bksv):
    """A page that carried no base (or a tampered one): every difference must be
    picked; a second save after the conflict keeps what was picked."""
    federation = bksv.federation
    a, b = _director(federation, "anna"), _director(federation, "bertil")
    grid = reverse("budget_grid", args=[federation.slug, 2024])
    save = reverse("budget_grid_save", args=[federation.slug, 2024])
    client_a, client_b = _client(a), _client(b)
    form_a = form_fields(client_a.get(grid).content.decode())
    form_b = form_fields(client_b.get(grid).content.decode())
    form_a["base"] = form_a["base"][:-3] + "xyz"
    form_a[_named(form_a, "Styrelse")] = "275 000"
    form_b[_named(form_b, "Resekostnader")] = "48 000"
    assert client_b.post(save, {**form_b, "action": "save"}).status_code == 302
    response = client_a.post(save, {**form_a, "action": "save"})
    assert response.status_code == 409
    again = form_fields(response.content.decode())
    assert client_a.post(save, {**again, "action": "save"}).status_code == 409  # not picked
    again["pick-amount|resor|2024:budget"] = "theirs"
    again["pick-amount|styrelse|2024:budget"] = "mine"
    assert client_a.post(save, {**again, "action": "save"}).status_code == 302
    stored = _stored(bksv)
    assert stored["resor"][B24] == D(48000) and stored["styrelse"][B24] == D(275000)


@pytest.mark.django_db(transaction=True)
def test_a_scenario_saved_from_an_older_version_keeps_a_base_change(bksv):
    """A edits a scenario while B changes the base budget: the scenario does not
    pin the base's old Resor in an override; both changes stay."""
    scenario_create(budget=bksv, name="Om ESF beviljas", by=None)
    federation = bksv.federation
    a, b = _director(federation, "anna"), _director(federation, "bertil")
    grid = reverse("budget_grid", args=[federation.slug, 2024])
    save = reverse("budget_grid_save", args=[federation.slug, 2024])
    client_a, client_b = _client(a), _client(b)
    form_a = form_fields(client_a.get(grid, {"scenario": "Om ESF beviljas"}).content.decode())
    form_b = form_fields(client_b.get(grid).content.decode())
    form_a[_named(form_a, "Styrelse")] = "300 000"
    form_b[_named(form_b, "Resekostnader")] = "48 000"
    assert client_b.post(save, {**form_b, "action": "save"}).status_code == 302
    assert client_a.post(save, {**form_a, "action": "save"}).status_code == 302

    facts = budget_facts(Budget.objects.get(pk=bksv.pk))
    effective = {
        line.key: line.amounts
        for line in evaluate(facts, find_scenario(facts, "Om ESF beviljas")).lines
    }
    assert effective["styrelse"][B24] == D(300000)
    assert effective["resor"][B24] == D(48000)
    assert _stored(bksv)["styrelse"][B24] == D(250000)  # the base budget is untouched by A


@pytest.mark.django_db(transaction=True)
def test_a_scenario_cell_both_changed_names_who_changed_it(bksv):
    scenario_create(budget=bksv, name="Om ESF beviljas", by=None)
    federation = bksv.federation
    a, b = _director(federation, "anna"), _director(federation, "bertil")
    grid = reverse("budget_grid", args=[federation.slug, 2024])
    save = reverse("budget_grid_save", args=[federation.slug, 2024])
    client_a, client_b = _client(a), _client(b)
    form_a = form_fields(client_a.get(grid, {"scenario": "Om ESF beviljas"}).content.decode())
    form_b = form_fields(client_b.get(grid, {"scenario": "Om ESF beviljas"}).content.decode())
    form_a[_named(form_a, "Styrelse")] = "300 000"
    form_b[_named(form_b, "Styrelse")] = "310 000"
    assert client_b.post(save, {**form_b, "action": "save"}).status_code == 302
    response = client_a.post(save, {**form_a, "action": "save"})
    assert response.status_code == 409
    html = response.content.decode()
    assert (
        "Bertil Exempel" in html
        and "310\u00a0000\u00a0kr" in html
        and "300\u00a0000\u00a0kr" in html
    )
    again = form_fields(html)
    assert again["scenario"] == "Om ESF beviljas"
    again["pick-amount|styrelse|2024:budget"] = "mine"
    assert client_a.post(save, {**again, "action": "save"}).status_code == 302
    facts = budget_facts(Budget.objects.get(pk=bksv.pk))
    effective = {
        line.key: line.amounts
        for line in evaluate(facts, find_scenario(facts, "Om ESF beviljas")).lines
    }
    assert effective["styrelse"][B24] == D(300000)


@pytest.mark.django_db(transaction=True)
def test_an_untouched_deficit_reason_posted_with_crlf_keeps_the_colleagues(bksv):
    """A browser posts a textarea's line breaks as CRLF: that is no change of hers."""
    bksv.deficit_reason = "Första raden.\nAndra raden."
    bksv.save(update_fields=["deficit_reason"])
    federation = bksv.federation
    a, b = _director(federation, "anna"), _director(federation, "bertil")
    grid = reverse("budget_grid", args=[federation.slug, 2024])
    save = reverse("budget_grid_save", args=[federation.slug, 2024])
    client_a, client_b = _client(a), _client(b)
    form_a = form_fields(client_a.get(grid).content.decode())
    form_b = form_fields(client_b.get(grid).content.decode())
    form_a["deficit_reason"] = form_a["deficit_reason"].replace("\n", "\r\n")
    form_a[_named(form_a, "Styrelse")] = "275 000"
    form_b["deficit_reason"] = "Bertils skäl."
    assert client_b.post(save, {**form_b, "action": "save"}).status_code == 302
    assert client_a.post(save, {**form_a, "action": "save"}).status_code == 302
    stored = Budget.objects.get(pk=bksv.pk)
    assert stored.deficit_reason == "Bertils skäl."
    assert _stored(bksv)["styrelse"][B24] == D(275000)
