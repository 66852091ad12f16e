"""Issue 17, point 1: the PDFs a public authority archives pass the machine-checkable
part of PDF/UA-1, as the `pdfua` package checks it (on pikepdf; no JVM here): every demo
plan's PDF and an adopted snapshot, with no error."""

from __future__ import annotations

import io
import json
import tempfile
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from pdfua import Severity, validate

from documents.bundle.export import export_bundle
from documents.pdf import BUNDLE_ATTACHMENT, FINSAM_XMP, plan_pdf
from plans.models import Snapshot
from tests.factories import UserFactory
from tests.plans.conftest import decide, import_demo

DEMOS = ["burlov-kavlinge-staffanstorp-vellinge-2024", "sodra-vatterbygden-2020", "sundbyberg-2020"]


def pdfua_errors(content: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.pdf"
        path.write_bytes(content)
        report = validate(str(path))
    return [
        f"{f.rule_id} {f.location.describe()}: {f.message}"
        for f in report.findings
        if f.severity >= Severity.ERROR
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("demo", DEMOS)
def test_every_demo_pdf_has_no_pdfua_error(demo):
    budget, _bundle = import_demo(demo)
    plan = budget.federation.plans.get(year=budget.year)
    assert pdfua_errors(plan_pdf(plan).content) == []


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
