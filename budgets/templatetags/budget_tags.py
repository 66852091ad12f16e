from __future__ import annotations

from django import template

from budgets.rules import column_kind_label

register = template.Library()


@register.filter
def column_kind(kind: str) -> str:
    return column_kind_label(kind)
