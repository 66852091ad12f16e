"""What a section's preview shows beside the editor: its Markdown rendered, after the
layers above have put their part into the text. The budget's live figures
({{ UB 2026 }}) are such a part: plans cannot know the budget, which sits above it,
so documents registers the filler (documents/apps.py) and the preview shows the
figure, as the plan page and the PDF do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

from plans.markdown import render_markdown

if TYPE_CHECKING:
    from plans.models import Plan

Filler = Callable[["Plan", str], str]
_fillers: list[Filler] = []


def register_filler(filler: Filler) -> None:
    if filler not in _fillers:
        _fillers.append(filler)


def section_preview_html(plan: Plan, body: str) -> SafeString:
    for filler in _fillers:
        body = filler(plan, body)
    return render_markdown(body)
