"""Issue 17, point 1: the PDFs a public authority archives pass the machine-checkable
part of PDF/UA-1, as the `pdfua` package checks it (on pikepdf; no JVM here): every demo
plan's PDF and an adopted snapshot, with no error."""

from __future__ import annotations

from datetime import date

import pytest
from pdfua import Severity, validate

from documents.pdf import plan_pdf
from plans.models import Snapshot
from tests.factories import UserFactory
from tests.plans.conftest import decide, import_demo

DEMOS = ["burlov-kavlinge-staffanstorp-vellinge-2024", "sodra-vatterbygden-2020", "sundbyberg-2020"]


def pdfua_errors(content: bytes, tmp_path) -> list[str]:
    path = tmp_path / "plan.pdf"
    path.write_bytes(content)
    report = validate(str(path))
    return [
        f"{f.rule_id} {f.location.describe()}: {f.message}"
        for f in report.findings
        if f.severity >= Severity.ERROR
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("demo", DEMOS)
def test_every_demo_pdf_has_no_pdfua_error(demo, tmp_path):
    budget, _bundle = import_demo(demo)
    plan = budget.federation.plans.get(year=budget.year)
    assert pdfua_errors(plan_pdf(plan).content, tmp_path) == []


@pytest.mark.django_db
def test_an_adopted_snapshot_has_no_pdfua_error(tmp_path):
    budget, _bundle = import_demo("burlov-kavlinge-staffanstorp-vellinge-2024")
    plan = budget.federation.plans.get(year=budget.year)
    decide(plan, UserFactory(), on=date(budget.year - 1, 11, 20), reference="dnr 2023:12")
    snapshot = Snapshot.objects.get(plan=plan)
    content = bytes(snapshot.pdf) if not hasattr(snapshot.pdf, "read") else snapshot.pdf.read()
    assert content.startswith(b"%PDF-")
    assert pdfua_errors(content, tmp_path) == []
