from __future__ import annotations

from django import template

from budgets.models import ColumnKind

register = template.Library()
KIND_LABELS = dict(ColumnKind.choices)


@register.filter
def column_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
