"""{{ outcome.value|goal_number }}: "40", "12,5", "1 200"."""

from __future__ import annotations

from decimal import Decimal

from django import template

from interventions.models import goal_number as _goal_number

register = template.Library()


@register.filter
def goal_number(value: Decimal | None) -> str:
    return "" if value is None else _goal_number(Decimal(value))
