"""A fastställd year reads its figures from its snapshot, and the bundle commands
leave the adopted record as it was (issue 12, parts 2, 3 and 6)."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from budgets.bundle import BundleError, bundle_facts, load_bundle_json, parse_bundle
from budgets.excel import export_xlsx
from budgets.excel_import import import_xlsx
from budgets.models import Budget, Line, Scenario
from budgets.rules import evaluate
from budgets.selectors import budget_facts, budget_summary
from documents.bundle.compare import bundle_unchanged
from documents.bundle.export import export_bundle
from documents.bundle.importer import bundle_import
from finsam.models import Federation, Member, Membership, Role
from finsam.money import amount_str
from interventions.models import Intervention
from plans.models import Plan, PlanStatus, Snapshot

DEMO_DIR = Path(settings.BASE_DIR) / "documents" / "demo"
DECIDED = ("sodra-vatterbygden", 2020)  # the demo's adopted plan
DRAFT = ("sundbyberg", 2020)


def run(*args: Any) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def demo_file(slug: str) -> dict[str, Any]:
    name = next(p for p in DEMO_DIR.glob("*.json") if p.name.startswith(slug))
    return json.loads(name.read_text(encoding="utf-8"))


@pytest.fixture
def fake_pdf(monkeypatch):
    """The adopted PDF as bytes that stand for the document (the real rendering is
    in test_render_plan_writes_the_adopted_pdf)."""

    def render(html: str, *, fetcher: object = None, archive: object = None) -> bytes:
        return b"%PDF-1.7\n% test\n" + hashlib.sha256(html.encode()).hexdigest().encode()

    monkeypatch.setattr("documents.pdf.html_to_pdf", render)


@pytest.fixture
def demo(db, fake_pdf):
    code, _out, err = run("load_demo")
    assert code == 0, err


def page_figures(html: str) -> str:
    """The page from its heading to the end of its content: the figures, none of the
    per-request parts (CSRF token, session timers)."""
    return html[html.index("<h1") : html.index("</main>")]


def validate(slug: str, year: int, *extra: str) -> str:
    code, out, err = run("validate_budget", slug, str(year), *extra)
    assert (code, err) == (0, ""), err
    return out


def workbook_values(budget: Budget) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(export_xlsx(budget)))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


def change_forbund_data(slug: str) -> None:
    """The trial's three changes to förbund-level data, made straight in the
    database (as an admin or a later year's edits would): a member's kind and a
    municipality's population, an intervention's individual share, and an
    intervention that ended made continuing; and the förbund's equity cap."""
    federation = Federation.objects.get(slug=slug)
    for n, municipality in enumerate(
        Member.objects.filter(federation=federation, kind="municipality")
    ):
        municipality.population = (municipality.population or 1000) * (n + 3)
        municipality.save()
    region = Member.objects.get(federation=federation, kind="region")
    region.kind = "municipality"
    region.save()
    Intervention.objects.filter(federation=federation).update(individual_share_percent=Decimal(7))
    ended = Intervention.objects.filter(federation=federation, end__isnull=False).first()
    if ended is not None:
        ended.end = None
        ended.status = "ongoing"
        ended.save()
    federation.equity_cap_percent = Decimal(3)
    federation.save()


# --- the acceptance -----------------------------------------------------------------


def test_decided_demo_year_is_unchanged_by_import_and_raw_changes(demo, tmp_path):
    slug, year = DECIDED
    before_json = validate(slug, year, "--json")
    before_text = validate(slug, year)
    budget = Budget.objects.get(federation__slug=slug, year=year)
    before_excel = workbook_values(budget)

    # A changed bundle for the adopted year is refused, and changes nothing.
    changed = demo_file(slug)
    changed["budget"]["lines"][0]["amounts"][f"{year}:budget"] = 1
    changed["members"][-1]["population"] = 1
    code, out, err = run("import_bundle", write(tmp_path, "changed.json", changed))
    assert (code, out) == (1, "")
    assert "fastställd" in err and "19 november 2019" in err and "dnr 2019:12 / 6" in err
    assert "--new-revision" in err and "Traceback" not in err

    change_forbund_data(slug)

    after_json = validate(slug, year, "--json")
    assert after_json == before_json
    assert validate(slug, year) == before_text
    assert workbook_values(Budget.objects.get(pk=budget.pk)) == before_excel
    # And the adopted figures are the ones stored at adoption.
    snapshot = Snapshot.objects.get(plan__federation__slug=slug, plan__year=year)
    assert json.loads(after_json) == json.loads(snapshot.report)


def test_the_same_changes_do_change_a_year_that_is_not_decided(demo):
    slug, year = DRAFT
    before = validate(slug, year, "--json")
    change_forbund_data(slug)
    assert validate(slug, year, "--json") != before


def test_bundle_facts_are_the_stored_facts(db, bundle):
    """The pure reading of a bundle gives exactly the facts the database gives for
    the same bundle, so the snapshot's figures are the adopted figures."""
    budget = bundle_import(data=bundle)
    assert bundle_facts(parse_bundle(bundle)) == budget_facts(budget)
    exported = json.loads(json.dumps(export_bundle(budget.federation, budget.year)))
    assert bundle_facts(parse_bundle(exported)) == budget_facts(budget)


@pytest.mark.parametrize("name", sorted(p.stem for p in DEMO_DIR.glob("*.json")))
def test_every_demo_bundle_reads_to_its_stored_facts(db, name):
    data = json.loads((DEMO_DIR / f"{name}.json").read_text(encoding="utf-8"))
    budget = bundle_import(data=data)
    assert bundle_facts(parse_bundle(data)) == budget_facts(budget)


def test_pages_and_report_of_a_decided_year_show_the_adopted_figures(demo, client):
    slug, year = DECIDED
    user = Membership.objects.filter(federation__slug=slug, role=Role.DIRECTOR).first().user
    client.force_login(user)
    report_url = reverse("budget_report_json", args=[slug, year])
    budget_url = reverse("budget_detail", args=[slug, year])
    report = client.get(report_url).json()
    adopted_cap = report["years"][str(year)]["equity_cap"]
    page = client.get(budget_url).content.decode()

    change_forbund_data(slug)

    assert client.get(report_url).json() == report
    after = client.get(budget_url).content.decode()
    assert page_figures(after) == page_figures(page)
    assert "Fotnoter" in page_figures(after)
    # The page shows the adopted cap (20 %), not the 3 % set since.
    budget = Budget.objects.get(federation__slug=slug, year=year)
    summary = budget_summary(budget)
    assert amount_str(summary.base.evaluation.planning[0].equity_cap) == adopted_cap


def test_render_plan_writes_the_adopted_pdf(db, tmp_path):
    """Real rendering: the adopted PDF, byte for byte, after the förbund changed."""
    assert run("load_demo")[0] == 0
    slug, year = DECIDED
    change_forbund_data(slug)
    snapshot = Snapshot.objects.get(plan__federation__slug=slug, plan__year=year)
    pdf = tmp_path / "plan.pdf"
    code, out, err = run("render_plan", slug, str(year), "--pdf", str(pdf))
    assert (code, err) == (0, "")
    assert pdf.read_bytes() == bytes(snapshot.pdf)
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == snapshot.pdf_sha256
    assert "fastställda versionen" in out


def test_a_new_revision_reads_the_live_data_again(demo, tmp_path):
    from plans.workflow import plan_new_revision

    slug, year = DECIDED
    before = validate(slug, year, "--json")
    change_forbund_data(slug)
    plan = Plan.objects.get(federation__slug=slug, year=year)
    plan_new_revision(plan=plan, by=None, reason="Ändrad budget")
    assert validate(slug, year, "--json") != before


def test_an_unreadable_snapshot_bundle_leaves_the_year_to_the_stored_rows(db, bundle):
    bundle["plan"]["status"] = "decided"
    bundle["plan"]["decided_on"] = "2019-11-19"
    budget = bundle_import(data=bundle)
    plan = Plan.objects.get(federation=budget.federation, year=budget.year)
    Snapshot.objects.create(
        plan=plan,
        revision=plan.revision,
        decided_on=date(2019, 11, 19),
        bundle="{}",
        bundle_sha256="f" * 64,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
    )
    assert budget_facts(budget).opening_equity == budget.opening_equity


# --- the bundle commands ------------------------------------------------------------


def test_new_revision_imports_a_draft_and_keeps_the_adopted_version(demo, tmp_path):
    slug, year = DECIDED
    plan = Plan.objects.get(federation__slug=slug, year=year)
    snapshot = Snapshot.objects.get(plan=plan)
    changed = demo_file(slug)
    line = changed["budget"]["lines"][0]
    line["amounts"][f"{year}:budget"] += 1000

    code, out, err = run(
        "import_bundle", write(tmp_path, "changed.json", changed), "--new-revision"
    )

    assert (code, err) == (0, ""), err
    assert "revision 2" in out
    plan.refresh_from_db()
    assert (plan.status, plan.revision, plan.decided_on) == (PlanStatus.DRAFT, 2, None)
    kept = Snapshot.objects.get(plan=plan)
    assert (kept.pk, kept.revision, kept.bundle_sha256) == (snapshot.pk, 1, snapshot.bundle_sha256)
    assert hashlib.sha256(kept.bundle.encode()).hexdigest() == snapshot.bundle_sha256
    stored = Line.objects.get(
        budget__federation__slug=slug, budget__year=year, key=line["key"], scenario=None
    )
    assert stored.amounts.get(column__year=year, column__kind="budget").amount == Decimal(
        line["amounts"][f"{year}:budget"]
    )
    # The new revision is no longer decided, so the import can be repeated.
    assert run("import_bundle", write(tmp_path, "again.json", changed))[0] == 0


def test_new_revision_of_a_plan_that_is_not_decided_is_refused(demo, tmp_path, row_counts):
    before = row_counts()
    code, out, err = run(
        "import_bundle", write(tmp_path, "draft.json", demo_file(DRAFT[0])), "--new-revision"
    )
    assert (code, out) == (1, "")
    assert "inte fastställd" in err
    assert row_counts() == before


def test_import_of_a_decided_year_changes_nothing(demo, tmp_path, row_counts):
    slug, year = DECIDED
    before = row_counts()
    exported = export_bundle(Federation.objects.get(slug=slug), year)
    code, _out, err = run("import_bundle", write(tmp_path, "same.json", exported))
    assert code == 1
    assert "Verksamhetsplanen 2020 för Samordningsförbundet Södra Vätterbygden är fastställd" in err
    assert row_counts() == before
    assert export_bundle(Federation.objects.get(slug=slug), year) == exported


def test_load_demo_replace_refuses_to_change_a_decided_plan(demo, tmp_path, row_counts):
    folder = tmp_path / "demo"
    folder.mkdir()
    for path in DEMO_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["federation"]["slug"] == DECIDED[0]:
            data["interventions"][0]["individual_share_percent"] = 10
        write(folder, path.name, data)
    before = row_counts()
    code, out, err = run("load_demo", "--dir", str(folder), "--replace")
    assert code == 1
    assert "19 november 2019" in err and "dnr 2019:12 / 6" in err
    assert row_counts() == before


def test_load_demo_keeps_the_decided_demo_plan_and_is_rerunnable(demo):
    snapshot = Snapshot.objects.get()
    for options in ((), ("--replace",)):
        code, out, err = run("load_demo", *options)
        assert (code, err) == (0, "")
    assert Snapshot.objects.get().pk == snapshot.pk
    plan = Plan.objects.get(federation__slug=DECIDED[0], year=DECIDED[1])
    assert (plan.status, plan.revision) == (PlanStatus.DECIDED, 1)


def test_bundle_unchanged_tells_same_from_changed():
    adopted = {"a": "100", "b": None, "c": [{"d": 1, "status": "ongoing"}], "e": "x"}
    assert bundle_unchanged(adopted, {"a": 100, "c": [{"d": "1"}]})
    assert bundle_unchanged(adopted, {"b": "", "c": [{"d": 1, "status": "ongoing"}]})
    assert bundle_unchanged(adopted, {"f": None})
    assert not bundle_unchanged(adopted, {"a": 101})
    assert not bundle_unchanged(adopted, {"c": []})
    assert not bundle_unchanged(adopted, {"c": [{"d": 1, "status": "ended"}]})
    assert not bundle_unchanged(adopted, {"f": "new"})
    assert not bundle_unchanged(adopted, {"e": "y"})


# --- bundles that are refused, with the path ---------------------------------------------


def _text_with(bundle: dict[str, Any], marker: str, raw: str) -> str:
    """The bundle's JSON with `raw` (not valid as a Python value) in place of a marker."""
    return json.dumps(bundle, ensure_ascii=False).replace(json.dumps(marker), raw)


BAD_TEXTS = [
    (
        lambda b: json.dumps(b, ensure_ascii=False).replace(
            '"key": "kansli",', '"key": "kansli", "key": "kansli2",'
        ),
        'budget.lines[6].key: nyckeln "key" står två gånger i samma objekt',
    ),
    (
        lambda b: json.dumps(b, ensure_ascii=False).replace(
            '{"format": "finsam-bundle/1",', '{"format": "finsam-bundle/1", "format": "x",'
        ),
        'format: nyckeln "format" står två gånger i samma objekt',
    ),
    (
        lambda b: _text_with(
            {**b, "budget": {**b["budget"], "opening_equity": "MARK"}}, "MARK", "9" * 5000
        ),
        "budget.opening_equity: talet är för långt (5000 tecken)",
    ),
    (
        lambda b: _text_with(
            {**b, "plan": {**b["plan"], "title": "MARK"}}, "MARK", '"Plan \\ud800"'
        ),
        "plan.title: texten innehåller ett ogiltigt tecken (ett ensamt surrogattecken)",
    ),
    (
        lambda b: _text_with(
            {**b, "plan": {**b["plan"], "sections": "MARK"}},
            "MARK",
            "[" * 100_000 + "]" * 100_000,
        ),
        "nästlat för djupt (högst 40 nivåer)",
    ),
]


@pytest.mark.parametrize(("make", "expected"), BAD_TEXTS)
def test_crafted_json_is_refused_with_its_path(db, bundle, tmp_path, row_counts, make, expected):
    path = tmp_path / "paket.json"
    path.write_text(make(copy.deepcopy(bundle)), encoding="utf-8")
    before = row_counts()
    code, out, err = run("import_bundle", str(path))
    assert (code, out) == (1, "")
    assert err.startswith("Paketet avvisades, inget ändrades. ")
    assert expected in err
    assert "Traceback" not in err
    assert row_counts() == before


def test_deep_nesting_names_where_it_is():
    with pytest.raises(BundleError) as caught:
        load_bundle_json('{"plan": {"goals": ' + "[" * 100_000 + "]" * 100_000 + "}}")
    assert caught.value.path.startswith("plan.goals[0][0]")


def test_valid_astral_characters_pass():
    assert load_bundle_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_crafted_json_in_a_process_gives_no_traceback(tmp_path):
    path = tmp_path / "djup.json"
    path.write_text('{"format": "finsam-bundle/1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'tom.sqlite3'}"}
    import os

    result = subprocess.run(
        [sys.executable, "manage.py", "import_bundle", str(path)],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "x[0][0]" in result.stderr and "nästlat för djupt" in result.stderr
    assert "Traceback" not in result.stderr


def test_decided_without_a_decision_date_is_refused(db, bundle, row_counts):
    bundle["plan"]["status"] = "decided"
    bundle["plan"]["decided_on"] = None
    before = row_counts()
    with pytest.raises(BundleError) as caught:
        bundle_import(data=bundle)
    assert caught.value.path == "plan.decided_on"
    assert "beslutsdagen" in caught.value.message
    assert row_counts() == before


# --- nothing dropped on the way in or out ---------------------------------------------------


def test_notes_survive_import_and_export(db, bundle):
    budget = bundle_import(data=bundle)
    assert Line.objects.get(budget=budget, key="kansli").note.startswith("Förbundschef")
    assert Scenario.objects.get(budget=budget, name="Om ESF-projektet beviljas").note == (
        "ESF-ansökan lämnas in i mars"
    )
    out = export_bundle(budget.federation, budget.year)
    assert out["budget"]["lines"][6]["note"] == bundle["budget"]["lines"][6]["note"]
    assert out["budget"]["scenarios"][0]["note"] == "ESF-ansökan lämnas in i mars"
    assert out["budget"]["scenarios"][0]["overrides"][1]["note"] == "Medfinansiering"
    assert "note" not in out["budget"]["lines"][0]


@pytest.mark.parametrize("name", sorted(p.stem for p in DEMO_DIR.glob("*.json")))
def test_every_note_of_the_demo_files_is_exported(db, name):
    data = json.loads((DEMO_DIR / f"{name}.json").read_text(encoding="utf-8"))
    budget = bundle_import(data=data)
    out = export_bundle(budget.federation, budget.year)

    def notes(bundle: dict[str, Any]) -> list[tuple[str, str]]:
        found = [
            (line["key"], line["note"]) for line in bundle["budget"]["lines"] if "note" in line
        ]
        found += [(s["name"], s["note"]) for s in bundle["budget"]["scenarios"] if "note" in s]
        return found

    assert notes(out) == notes(data)
    assert notes(data)  # every demo file has some


def test_null_reference_stays_null_and_the_share_is_a_number(db, bundle):
    bundle["plan"]["reference"] = None
    bundle["interventions"][1]["individual_share_percent"] = "12.50"  # also read as text
    budget = bundle_import(data=bundle)
    text = json.dumps(export_bundle(budget.federation, budget.year))
    out = json.loads(text)
    assert out["plan"]["reference"] is None
    assert '"individual_share_percent": 100,' in text
    assert out["interventions"][1]["individual_share_percent"] == 12.5
    assert Intervention.objects.get(key="stod").individual_share_percent == Decimal("12.50")


@pytest.mark.parametrize(
    ("value", "message"),
    [(12.505, "fler än två decimaler"), (1e-7, "inte ett tal"), (100.5, "mellan 0 och 100")],
)
def test_a_share_number_is_checked(db, bundle, value, message):
    bundle["interventions"][1]["individual_share_percent"] = value
    with pytest.raises(BundleError) as caught:
        parse_bundle(bundle)
    assert caught.value.path == "interventions[1].individual_share_percent"
    assert message in caught.value.message


def test_budget_page_shows_line_and_scenario_notes(db, bundle, client):
    from django.contrib.auth import get_user_model

    budget = bundle_import(data=bundle)
    user = get_user_model().objects.create_user("chef")
    Membership.objects.create(user=user, federation=budget.federation, role=Role.VIEWER)
    client.force_login(user)
    page = client.get(reverse("budget_detail", args=[budget.federation.slug, budget.year]))
    html = page.content.decode()
    assert 'Kansli <span class="note-mark">a)</span>' in html
    assert (
        '<span class="note-mark">a)</span> Förbundschef och förbundssekreterare på heltid' in html
    )
    assert "ESF-ansökan lämnas in i mars" in html


def test_footnote_marks_follow_the_table():
    from budgets.selectors import note_mark

    assert [note_mark(i) for i in (0, 1, 2, 25, 26, 27)] == ["a)", "b)", "c)", "z)", "aa)", "ab)"]


def test_grid_save_keeps_the_notes(db, bundle):
    from budgets.grid import stored_draft
    from budgets.services import budget_save

    budget = bundle_import(data=bundle)
    draft = stored_draft(budget_facts(budget), budget, None)
    draft.lines[0].amounts["2020:budget"] = Decimal(1)
    budget_save(budget=budget, draft=draft, expected_version=budget.version, by=None)
    assert Line.objects.get(budget=budget, key="kansli", scenario=None).note.startswith(
        "Förbundschef"
    )


def _excel_budget(bundle: dict[str, Any]) -> Budget:
    return bundle_import(data=bundle)


def test_excel_round_trip_keeps_and_changes_notes(db, bundle):
    budget = _excel_budget(bundle)
    workbook = load_workbook(io.BytesIO(export_xlsx(budget)))
    ws = workbook["Budget"]
    header = [c.value for c in ws[3]]
    note_column = header.index("Notering") + 1
    rows = {ws.cell(r, 1).value: r for r in range(4, ws.max_row + 1)}
    assert ws.cell(rows["kansli"], note_column).value.startswith("Förbundschef")
    ws.cell(rows["kansli"], note_column).value = "Ny notering"
    ws.cell(rows["fk"], note_column).value = "Statens del"
    scenario = workbook[sorted(set(workbook.sheetnames) - {"Budget", "Kontroller"})[0]]
    note_row = next(
        r
        for r in range(4, scenario.max_row + 1)
        if scenario.cell(r, 2).value == "Notering om scenariot"
    )
    assert scenario.cell(note_row, note_column).value == "ESF-ansökan lämnas in i mars"
    scenario.cell(note_row, note_column).value = "Ansökan inskickad"
    buffer = io.BytesIO()
    workbook.save(buffer)

    import_xlsx(budget=budget, file=buffer.getvalue())

    base = {line.key: line.note for line in Line.objects.filter(budget=budget, scenario=None)}
    assert base["kansli"] == "Ny notering" and base["fk"] == "Statens del"
    assert Scenario.objects.get(budget=budget, name="Om ESF-projektet beviljas").note == (
        "Ansökan inskickad"
    )
    added = Line.objects.get(budget=budget, key="stod-esf")
    assert added.note == "Medfinansiering"


def test_excel_file_without_the_note_column_keeps_the_notes(db, bundle):
    budget = _excel_budget(bundle)
    workbook = load_workbook(io.BytesIO(export_xlsx(budget)))
    for ws in workbook.worksheets:
        if ws.title == "Kontroller":
            continue
        header = [c.value for c in ws[3]]
        ws.delete_cols(header.index("Notering") + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    import_xlsx(budget=budget, file=buffer.getvalue())
    assert Line.objects.get(budget=budget, key="kansli", scenario=None).note.startswith(
        "Förbundschef"
    )
    assert Scenario.objects.get(budget=budget, name="Om ESF-projektet beviljas").note


def test_decided_excel_export_comes_from_the_snapshot(demo):
    slug, year = DECIDED
    budget = Budget.objects.get(federation__slug=slug, year=year)
    before = workbook_values(budget)
    change_forbund_data(slug)
    assert workbook_values(budget) == before
    summary = budget_summary(budget)
    assert evaluate(summary.facts).findings == summary.base.evaluation.findings
