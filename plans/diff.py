"""A readable word-level diff of two texts: difflib over words, shown with
<ins> and <del>. Pure: text in, safe HTML out (every word is escaped)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Words, and the whitespace between them as tokens of their own, so that a diff
# keeps the text's line breaks and a changed word is marked as a whole.
TOKEN = re.compile(r"\s+|[\w\-–]+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text or "")


@dataclass(frozen=True)
class TextDiff:
    html: SafeString
    inserted: int  # words added
    deleted: int  # words removed

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.deleted)


def _lines(text: str) -> str:
    """A browser sends a textarea's line breaks as CRLF; compare the text, not that."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _words(parts: list[str]) -> int:
    return sum(1 for part in parts if not part.isspace())


def _mark(tag: str, parts: list[str]) -> str:
    """The words in <ins> or <del>; whitespace at either end stays outside, so a
    changed line break or space is shown as it is and the layout stays."""
    text = "".join(parts)
    words = text.strip()
    if not words:
        return escape(text)
    start = text.index(words)
    before, after = text[:start], text[start + len(words) :]
    return f"{escape(before)}<{tag}>{escape(words)}</{tag}>{escape(after)}"


def word_diff(old: str, new: str) -> TextDiff:
    """The new text with what was added in <ins> and what was removed in <del>."""
    a, b = tokens(_lines(old)), tokens(_lines(new))
    # autojunk off: in a long text a space is common, and must not be "junk".
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    out: list[str] = []
    inserted = deleted = 0
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[a1:a2])))
            continue
        if op in ("delete", "replace"):
            out.append(_mark("del", a[a1:a2]))
            deleted += _words(a[a1:a2])
        if op in ("insert", "replace"):
            out.append(_mark("ins", b[b1:b2]))
            inserted += _words(b[b1:b2])
    # Every piece of text above went through escape(); only our own tags are added.
    return TextDiff(html=mark_safe("".join(out)), inserted=inserted, deleted=deleted)  # nosec B308, B703: escaped above
