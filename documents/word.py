"""The plan as a Word file (.docx), for members who reuse its text in their own papers.

The same document as the page and the PDF (documents/document.py): the sections'
Markdown with their live figures, the goals, each intervention as the plan prints it,
the årshjul's list and the budget table with its footnotes, from the same selectors.
No rule code and no advice to the author, as in the board's PDF.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from budgets.rules import column_label
from budgets.selectors import BudgetView
from budgets.text_figures import figure_values, fill_figures
from documents.document import Chapter, PlanDocument
from finsam.money import format_kr, format_percent, swedish_date
from plans.markdown import markdown_tokens

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def plan_docx(document: PlanDocument) -> bytes:
    doc = Document()
    plan = document.plan
    doc.core_properties.title = plan.title
    doc.core_properties.author = document.federation.name
    doc.core_properties.language = "sv-SE"
    doc.core_properties.subject = f"Verksamhetsplan {document.year}"
    doc.add_heading(plan.title, level=0)
    status = (
        f"Fastställd {swedish_date(plan.decided_on)}"
        if plan.is_decided and plan.decided_on
        else document.status_label
    )
    reference = f" · {plan.reference}" if plan.reference else ""
    doc.add_paragraph(
        f"{document.federation.name} · Verksamhetsplan {document.year} · {status}{reference}"
    )
    values = figure_values(document.summary.base.evaluation) if document.summary else {}
    for chapter in document.chapters:
        doc.add_heading(chapter.heading, level=1)
        _markdown(doc, fill_figures(chapter.section.body, values))
        _generated(doc, chapter, document)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- the sections' Markdown ------------------------------------------------------------


def _inline(paragraph: Paragraph, children: list) -> None:
    """Text, bold, italics, code and links (as their text and address) into runs."""
    bold = italic = False
    link: str | None = None
    for child in children:
        kind = child.type
        if kind == "strong_open":
            bold = True
        elif kind == "strong_close":
            bold = False
        elif kind == "em_open":
            italic = True
        elif kind == "em_close":
            italic = False
        elif kind == "link_open":
            link = str(child.attrs.get("href", ""))
        elif kind == "link_close":
            if link:
                paragraph.add_run(f" ({link})")
            link = None
        elif kind in ("softbreak", "hardbreak"):
            paragraph.add_run().add_break()
        elif kind in ("text", "code_inline", "image"):
            run = paragraph.add_run(child.content)
            run.bold, run.italic = bold or None, italic or None
            if kind == "code_inline":
                run.font.name = "DejaVu Sans Mono"


def _markdown(doc: DocxDocument, text: str) -> None:
    tokens = markdown_tokens(text)
    lists: list[str] = []  # "List Bullet" or "List Number", innermost last
    quote = 0
    table: list[list[str]] | None = None
    row: list[str] | None = None
    heading_level: int | None = None
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading_level = max(1, min(9, int(token.tag[1]) - 1))
        elif kind == "heading_close":
            heading_level = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("List Bullet" if kind == "bullet_list_open" else "List Number")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "table_open":
            table = []
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table is not None and row is not None:
            table.append(row)
        elif kind == "inline" and row is not None and table is not None:
            row.append(token.content)
        elif kind == "table_close" and table:
            _table(doc, table[0], table[1:])
            table, row = None, None
        elif kind == "inline":
            if heading_level is not None:
                paragraph = doc.add_heading(level=heading_level)
            elif lists:
                style = lists[-1] if len(lists) == 1 else f"{lists[-1]} 2"
                paragraph = doc.add_paragraph(style=style)
            elif quote:
                paragraph = doc.add_paragraph(style="Quote")
            else:
                paragraph = doc.add_paragraph()
            _inline(paragraph, token.children or [])
        elif kind in ("fence", "code_block"):
            paragraph = doc.add_paragraph()
            paragraph.add_run(token.content.rstrip("\n")).font.name = "DejaVu Sans Mono"


def _table(
    doc: DocxDocument, header: list[str], rows: list[list[str]], numbers_from: int | None = None
) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, text in zip(table.rows[0].cells, header, strict=False):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=False)):
            cell.text = text
            if numbers_from is not None and index >= numbers_from:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph()


# --- the generated chapters ------------------------------------------------------------


def _generated(doc: DocxDocument, chapter: Chapter, document: PlanDocument) -> None:
    if chapter.kind == "goals":
        for group in document.goal_groups:
            doc.add_heading(group.label, level=2)
            for goal in group.goals:
                doc.add_paragraph(goal.text, style="List Number")
                for measure in goal.measures:
                    doc.add_paragraph(measure, style="List Bullet 2")
    elif chapter.kind == "interventions":
        for entry in document.intervention_chapters:
            doc.add_heading(entry.name, level=2)
            meta = " · ".join(x for x in (entry.kind, entry.status, entry.period) if x)
            doc.add_paragraph(meta).runs[0].italic = True
            goals = "; ".join(f"{g.text}: {g.target}" if g.target else g.text for g in entry.goals)
            for label, value in (
                ("Målgrupp", entry.target_group),
                ("Syfte", entry.purpose),
                ("Beskrivning", entry.description),
                ("Mål", goals),
                ("Projektägare", entry.owner),
                ("Styrgrupp", entry.steering),
                ("Medverkande parter", entry.members),
            ):
                if value or label not in ("Beskrivning",):
                    paragraph = doc.add_paragraph()
                    paragraph.add_run(f"{label}: ").bold = True
                    paragraph.add_run(value or "–")
            if entry.funding:
                _table(
                    doc,
                    ["År", "Belopp"],
                    [[row.label, format_kr(row.amount)] for row in entry.funding],
                    numbers_from=1,
                )
    elif chapter.kind == "annual_cycle":
        _table(
            doc,
            ["Datum", "Slag", "Vad"],
            [
                [swedish_date(m.date), m.get_kind_display(), m.display_title]
                for m in document.meetings
            ],
        )
    elif chapter.kind == "budget" and document.summary is not None:
        summary = document.summary
        doc.add_heading(summary.title, level=2)
        doc.add_paragraph(
            f"Eget kapital vid årets början {format_kr(summary.facts.opening_equity)}."
        )
        _budget(doc, summary.base)
        for view in summary.scenarios:
            doc.add_heading(f"Scenario: {view.name}", level=3)
            _budget(doc, view)


def _budget(doc: DocxDocument, view: BudgetView) -> None:
    header = ["Post"] + [column_label(c.column) for c in view.columns]
    rows: list[list[str]] = []
    bold_rows: set[int] = set()
    for block in view.blocks:
        bold_rows.add(len(rows))
        rows.append([str(block.label)] + [""] * len(view.columns))
        for line_row in block.rows:
            label = line_row.line.label + (f" {line_row.note_mark}" if line_row.note_mark else "")
            rows.append([label] + [format_kr(cell.amount) for cell in line_row.cells])
        bold_rows.add(len(rows))
        rows.append(
            [f"Summa {str(block.label).lower()}"] + [format_kr(t.value) for t in block.subtotals]
        )
    for figure_row in view.figure_rows:
        if figure_row.style in ("total", "subtotal"):
            bold_rows.add(len(rows))
        rows.append(
            [figure_row.label]
            + [
                "–"
                if v.value is None
                else (format_percent(v.value) if figure_row.unit == "%" else format_kr(v.value))
                for v in figure_row.values
            ]
        )
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for index, values in enumerate(rows):
        cells = table.add_row().cells
        for position, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(8)
            run.bold = index in bold_rows or None
            if position:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if view.notes:
        doc.add_paragraph().add_run("Fotnoter").bold = True
        for note in view.notes:
            doc.add_paragraph(f"{note.mark} {note.text}")
    doc.add_paragraph()
