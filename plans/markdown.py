"""Section bodies: Markdown rendered safely, the same for the page and the PDF.

Two layers, so that one mistake does not make the other useless:

1. markdown-it-py's "js-default" preset, which does not pass raw HTML through:
   `<script>` or `<img src="file:///etc/passwd">` in a section come out as text.
   Images are rendered as their alt text, so no picture is ever fetched (a remote
   image would make the PDF renderer, or a reader's browser, call out).
2. nh3 (ammonia) cleans the result with an allow-list of tags and attributes and
   keeps only http, https and mailto links; relative links are dropped.

Headings in a body start at h3: h1 is the document's, h2 the section's own.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# The section heading is an h2, so a body's "# Rubrik" becomes an h3.
HEADING_OFFSET = 2
ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _image_as_text(self, tokens, idx, options, env):
    """An image is shown as its alt text: never an <img>, never a fetch."""
    return escape(self.renderInlineAsText(tokens[idx].children or [], options, env))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("js-default")
    md.add_render_rule("image", _image_as_text)
    return md


def _shift_headings(tokens) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + HEADING_OFFSET)
            token.tag = f"h{level}"


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel="noopener noreferrer",
    )


def render_markdown(text: str) -> SafeString:
    """Markdown → safe HTML for a template."""
    if not text or not text.strip():
        return mark_safe("")  # nosec B308, B703: an empty string
    md = _parser()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    _shift_headings(tokens)
    html = md.renderer.render(tokens, md.options, env)
    return mark_safe(clean_html(html))  # nosec B308, B703: cleaned by nh3 just above


def markdown_tokens(text: str) -> list:
    """The section's Markdown as markdown-it's block tokens (headings shifted as on the
    page): for writers other than HTML, such as the Word export."""
    tokens = _parser().parse(text or "", {})
    _shift_headings(tokens)
    return tokens


def plain_text(text: str) -> str:
    """The words a reader sees of a section body (what a comment may quote): the
    rendered Markdown without its tags, entities decoded."""
    import html

    rendered = nh3.clean(str(render_markdown(text)), tags=set())
    return html.unescape(rendered)
