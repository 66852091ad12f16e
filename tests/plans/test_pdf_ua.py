"""Issue 17, point 1: the PDFs a public authority archives pass the machine-checkable
part of PDF/UA-1, as the `pdfua` package checks it (on pikepdf; no JVM here): every demo
plan's PDF and an adopted snapshot, with no error."""

from __future__ import annotations

import io
import json
import re
import tempfile
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from pdfua import Severity, validate

from documents.bundle.export import export_bundle
from documents.pdf import BUNDLE_ATTACHMENT, FINSAM_XMP, plan_pdf
from documents.watermark import TARGET as WATERMARK_FILE
from documents.watermark import watermark_svg
from plans.models import Snapshot
from tests.factories import UserFactory
from tests.pdf_structure import read_structure
from tests.plans.conftest import decide, import_demo

DEMOS = ["burlov-kavlinge-staffanstorp-vellinge-2024", "sodra-vatterbygden-2020", "sundbyberg-2020"]


def pdfua_errors(content: bytes, at_least: Severity = Severity.ERROR) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.pdf"
        path.write_bytes(content)
        report = validate(str(path))
    return [
        f"{f.rule_id} {f.location.describe()}: {f.message}"
        for f in report.findings
        if f.severity >= at_least
    ]


def _structure_elements(pdf: pikepdf.Pdf, kind: str) -> list[pikepdf.Dictionary]:
    found, pending = [], [pdf.Root.StructTreeRoot]
    while pending:
        element = pending.pop()
        if isinstance(element, pikepdf.Array):
            pending.extend(element)
            continue
        if not isinstance(element, pikepdf.Dictionary):
            continue
        if element.get("/S") == pikepdf.Name(kind):
            found.append(element)
        if "/K" in element:
            pending.append(element.K)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("demo", DEMOS)
def test_every_demo_pdf_has_no_pdfua_error(demo):
    budget, _bundle = import_demo(demo)
    plan = budget.federation.plans.get(year=budget.year)
    assert pdfua_errors(plan_pdf(plan).content) == []


@pytest.mark.django_db
@pytest.mark.parametrize("demo", DEMOS)
def test_margins_watermark_and_contents_dots_are_artifacts_and_tables_are_whole(demo):
    """Point 1: what a screen reader meets is the plan. The running header and footer
    and the page numbers are artifacts on every page, and no text of theirs is inside
    the structure tree; the draft's UTKAST is drawn (a background), so it is in no text
    at all; the contents' dots are no text either. Every table's caption sits in its
    one Table element, and every header cell has a Scope: pdfua has not even a
    warning left."""
    budget, bundle = import_demo(demo)
    plan = budget.federation.plans.get(year=budget.year)
    content = plan_pdf(plan).content
    structure = read_structure(content)
    pages = len(structure.pages)
    assert pages > 5
    for index, page in enumerate(structure.pages[1:], start=1):
        margins = structure.artifact_text(index)
        assert f"sida {index + 1} av {pages}" in margins
        assert bundle["federation"]["name"] in margins
        assert f"Verksamhetsplan {budget.year}" in margins
        assert not re.search(r"sida \d+ av", structure.tree_text[index])
        assert not page.unmarked, page.unmarked
    everything = "".join(structure.tree_text) + "".join(
        structure.artifact_text(i) for i in range(pages)
    )
    # (The footer says "Utkast", the plan's status; the watermark's capitals are gone.)
    assert "UTKAST" not in everything.replace(" ", "")
    toc_page = next(i for i, text in enumerate(structure.tree_text) if "Innehåll" in text)
    assert structure.tree_text[toc_page].count(".") < 40

    pdf = pikepdf.open(io.BytesIO(content))
    tables = _structure_elements(pdf, "/Table")
    assert tables
    for table in tables:
        kids = [k for k in table.K if isinstance(k, pikepdf.Dictionary) and "/S" in k]
        assert kids and all(
            str(k.S) in ("/Caption", "/THead", "/TBody", "/TFoot", "/TR") for k in kids
        )
    headers = _structure_elements(pdf, "/TH")
    assert headers and all(str(h.A.Scope) in ("/Column", "/Row") for h in headers)
    assert pdfua_errors(content, at_least=Severity.WARNING) == []


def test_the_watermark_is_outlines_made_from_the_documents_font():
    """The committed static/img/utkast.svg is what documents/watermark.py draws
    (`python -m documents.watermark`), and it holds no text."""
    drawn = watermark_svg()
    assert WATERMARK_FILE.read_text(encoding="utf-8") == drawn
    assert "<text" not in drawn and drawn.count("<path") == len("UTKAST")


@pytest.mark.django_db
def test_an_adopted_snapshot_has_no_pdfua_error():
    budget, _bundle = import_demo("burlov-kavlinge-staffanstorp-vellinge-2024")
    plan = budget.federation.plans.get(year=budget.year)
    decide(plan, UserFactory(), on=date(budget.year - 1, 11, 20), reference="dnr 2023:12")
    snapshot = Snapshot.objects.get(plan=plan)
    content = bytes(snapshot.pdf) if not hasattr(snapshot.pdf, "read") else snapshot.pdf.read()
    assert content.startswith(b"%PDF-")
    assert pdfua_errors(content) == []


@pytest.mark.django_db
def test_the_adopted_version_is_an_archival_pdf_with_its_bundle_inside():
    """Issue 17, point 2: PDF/A-3a and PDF/UA-1, its XMP naming the plan, the förbund,
    the dnr, the decision date, the dates and the language; the bundle inside as an
    associated file (Data) that gives back what export_bundle gave. A draft stays
    PDF/UA-1 with nothing inside."""
    budget, _bundle = import_demo("burlov-kavlinge-staffanstorp-vellinge-2024")
    plan = budget.federation.plans.get(year=budget.year)
    draft = pikepdf.open(io.BytesIO(plan_pdf(plan).content))
    assert len(draft.attachments) == 0
    with draft.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1" and xmp.get("pdfaid:part") is None

    decide(plan, UserFactory(), on=date(budget.year - 1, 11, 20), reference="dnr 2023:12")
    snapshot = Snapshot.objects.get(plan=plan)
    archived = pikepdf.open(io.BytesIO(bytes(snapshot.pdf)))
    with archived.open_metadata() as xmp:
        assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "A"
        assert xmp.get("pdfuaid:part") == "1"
        assert xmp.get("dc:title") == f"{plan.title} – {plan.federation.name}"
        assert xmp.get("dc:creator") == [plan.federation.name]
        assert xmp.get("dc:language") == {"sv"}
        assert xmp.get(f"{{{FINSAM_XMP}}}reference") == "dnr 2023:12"
        assert xmp.get(f"{{{FINSAM_XMP}}}decisionDate") == f"{budget.year - 1}-11-20"
        assert xmp.get("xmp:CreateDate") and xmp.get("xmp:ModifyDate")
    assert "/OutputIntents" in archived.Root
    attached = archived.attachments[BUNDLE_ATTACHMENT]
    assert attached.obj.get("/AFRelationship") == pikepdf.Name.Data
    assert archived.Root.AF[0].objgen == attached.obj.objgen
    inside = attached.get_file().read_bytes()
    assert inside == snapshot.bundle.encode("utf-8")
    assert json.loads(inside) == export_bundle(plan.federation, plan.year)
    assert pdfua_errors(bytes(snapshot.pdf)) == []
