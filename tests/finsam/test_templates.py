"""Django's {# … #} comment ends on its own line; one spread over two lines is shown
on the page as text. Every template's comments are checked."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_template_has_a_comment_over_several_lines():
    templates = [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts]
    assert len(templates) > 30
    unclosed = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert not unclosed, (
        f"{{# … #}} över flera rader syns på sidan; använd {{% comment %}}: {unclosed}"
    )
