"""Issue 17, point 6: the plan as a Word file, from the same document as the PDF."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from budgets.models import Budget
from budgets.selectors import budget_summary
from documents.document import plan_document
from documents.word import DOCX_CONTENT_TYPE, plan_docx
from finsam.money import format_kr
from tests.plans.conftest import import_demo


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


@pytest.mark.django_db
@pytest.mark.parametrize("demo", ["sundbyberg-2020", "burlov-kavlinge-staffanstorp-vellinge-2024"])
def test_the_word_file_holds_the_plan_its_budget_and_interventions(demo):
    budget, bundle = import_demo(demo)
    plan = budget.federation.plans.get(year=budget.year)
    document = plan_document(plan)
    doc = Document(io.BytesIO(plan_docx(document)))
    assert doc.core_properties.title == plan.title
    assert doc.core_properties.author == budget.federation.name
    text = _text(doc)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for section in bundle["plan"]["sections"]:
        assert section["heading"] in headings
    for entry in document.intervention_chapters:
        assert entry.name in headings
    # The budget table: every line and the result and equity of each planning year, as
    # the page writes them.
    summary = budget_summary(Budget.objects.get(pk=budget.pk))
    for line in summary.base.evaluation.lines:
        assert line.label in text
    for column in summary.base.evaluation.planning:
        assert format_kr(column.result) in text
        assert format_kr(column.closing_equity) in text
    # Markdown's lists are Word's lists; no code of a rule or a placeholder is left.
    assert any(p.style.name.startswith("List") for p in doc.paragraphs)
    assert "{{" not in text and "budget-balance" not in text


@pytest.mark.django_db
def test_the_word_file_is_a_download_for_anyone_who_reads_the_plan(client, director, federation):
    from tests.plans.conftest import make_plan

    plan = make_plan(federation)
    client.force_login(director)
    url = reverse("plan_docx", args=[federation.slug, plan.year])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert f"verksamhetsplan-{federation.slug}-{plan.year}.docx" in response["Content-Disposition"]
    assert Document(io.BytesIO(response.content)).paragraphs[0].text == plan.title
    assert client.post(url).status_code == 405
    assert client.get(reverse("plan_docx", args=["finns-inte", plan.year])).status_code == 404
