"""Injection: the payloads stored in every free-text field of finsam and budgets
(förbund name, address and contact, member name, board seat person, budget line
labels, deficit reason, scenario name) come out as inert text on every page, in
the JSON report, the bundle export and the Excel file.

The browser side (no dialog opens, nothing is fetched) is tests/e2e/test_injection.py.
"""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from documents.bundle.export import export_bundle
from plans.models import Plan
from tests.security.payloads import LONG_TEXT, PAYLOADS, TEXT, YEAR, build_payload_world

pytestmark = pytest.mark.django_db

FORBIDDEN_URL_STARTS = ("javascript:", "file:", "http://127.0.0.1:1", "data:text/html")


class _Structure(HTMLParser):
    """What a browser would build: elements, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.attribute_values: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.problems.append(f"inline <script> {attrs}")
        if tag in ("svg", "style", "iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}> element {attrs}")
        if tag == "link" and dict(attrs).get("rel") not in ("stylesheet", "icon"):
            self.problems.append(f"<link> {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in ("style", "rel") and value and "attachment" in value:
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag}> style attribute")
            if name in ("href", "src", "action", "formaction", "data", "srcset") and value:
                if value.strip().lower().startswith(FORBIDDEN_URL_STARTS):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if value:
                self.attribute_values.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"script content {data[:40]!r}")
        self.text.append(data)


@pytest.fixture
def world(client, director, federation):
    client.force_login(director)
    return build_payload_world(federation, director)


def test_payloads_are_inert_text_on_every_page(client, world):
    shown = 0
    for url in world.pages():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        parser = _Structure()
        parser.feed(html)
        assert not parser.problems, f"{url}: {parser.problems}"
        # The raw markup never reaches the page; escaped, it does.
        for payload in (
            "<script>alert(1)</script>",
            "<svg onload=alert(1)>",
            '" onerror="',
            "</textarea><script>",
            "' onmouseover='",
        ):
            assert payload not in html, f"{url}: {payload} unescaped"
        text = "".join(parser.text) + "\n".join(parser.attribute_values)
        if TEXT in text:
            shown += 1
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    # Every page shows the text (as text or in a form field), except the import page.
    assert shown >= len(world.pages()) - 1


def test_pages_with_the_long_texts_keep_them_whole(client, world):
    page = client.get(reverse("federation_edit", args=[world.federation.slug]))
    parser = _Structure()
    parser.feed(page.content.decode())
    # The textarea's content is the whole text, breakout attempt included.
    assert LONG_TEXT in "".join(parser.text)
    detail = client.get(reverse("budget_detail", args=[world.federation.slug, YEAR]))
    assert "&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in detail.content.decode()


def test_a_message_with_a_payload_is_escaped(client, world):
    response = client.post(
        reverse("member_create", args=[world.federation.slug]),
        {"key": "ny", "name": "<img src=x onerror=alert(4)>", "kind": "region"},
        follow=True,
    )
    html = response.content.decode()
    assert "&lt;img src=x onerror=alert(4)&gt; är tillagd som medlem." in html
    assert "<img src=x" not in html


def test_json_report_is_json_and_not_sniffed(client, world):
    url = reverse("budget_report_json", args=[world.federation.slug, YEAR])
    for query in ("", "?" + urlencode({"scenario": world.scenario.name})):
        response = client.get(url + query)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
        json.loads(response.content)  # valid JSON, whatever the labels hold


def test_bundle_export_keeps_every_text_exactly(world):
    Plan.objects.create(federation=world.federation, year=YEAR, title=TEXT)
    bundle = json.loads(json.dumps(export_bundle(world.federation, YEAR)))
    assert bundle["federation"]["name"] == TEXT
    assert bundle["federation"]["address"] == LONG_TEXT
    assert {m["name"] for m in bundle["members"]} >= {TEXT}
    assert {line["label"] for line in bundle["budget"]["lines"]} == {TEXT}
    assert bundle["budget"]["deficit_reason"] == LONG_TEXT
    assert [s["name"] for s in bundle["budget"]["scenarios"]] == [TEXT]


def test_excel_export_writes_text_never_formulas(client, world):
    response = client.get(reverse("budget_excel_export", args=[world.federation.slug, YEAR]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.content))
    found = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(p in cell.value for p in PAYLOADS):
                    found += 1
                    assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate} is a formula"
                    assert TEXT in cell.value
    assert found >= 3  # the labels, on the budget and the scenario sheet


def test_all_payloads_are_in_the_corpus():
    for payload in PAYLOADS:
        assert payload in TEXT and payload in LONG_TEXT
    assert len(TEXT) <= 200  # fits every name field
