"""Section bodies: Markdown rendered safely (no raw HTML, scripts or images)."""

from __future__ import annotations

import re

import pytest

from plans.markdown import render_markdown

HOSTILE = (
    "Före <script>alert('x')</script> efter\n\n"
    '<img src="file:///etc/passwd">\n\n'
    "![x](http://example.com/a.png)\n\n"
    "[klick](javascript:alert(1)) [data](data:text/html,hej) [fil](file:///etc/passwd)\n\n"
    '<a href="http://example.com" onclick="alert(1)">a</a>\n\n'
    "<iframe src=http://example.com></iframe> <style>body{}</style>"
)


def test_hostile_markdown_is_harmless_text():
    html = str(render_markdown(HOSTILE))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert "<iframe" not in html and "<style" not in html
    assert not re.search(r"<[^>]*onclick", html)  # only ever as escaped text
    assert "http://example.com/a.png" not in html  # the image's address is gone
    assert ">x<" in html or "<p>x</p>" in html  # …and its alt text stays
    for scheme in ("javascript:", "data:", "file:"):
        assert f'href="{scheme}' not in html


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Rubrik", "<h3>Rubrik</h3>"),
        ("### Liten", "<h5>Liten</h5>"),
        ("**fet** och *kursiv*", "<strong>fet</strong> och <em>kursiv</em>"),
        ("- ett\n- två", "<li>två</li>"),
        ("[webb](https://samsund.se)", 'href="https://samsund.se"'),
        ("[post](mailto:kansli@example.se)", 'href="mailto:kansli@example.se"'),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<td>1</td>"),
    ],
)
def test_ordinary_markdown_renders(markdown, expected):
    assert expected in render_markdown(markdown)


def test_relative_links_lose_their_address():
    html = render_markdown("[admin](../../admin/)")
    assert "admin/" not in html.replace(">admin<", "")


def test_empty_body_renders_nothing():
    assert render_markdown("") == "" and render_markdown("  \n") == ""
