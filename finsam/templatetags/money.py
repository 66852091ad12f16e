"""Template filters for money: {{ amount|kr }}, {{ amount|num }}, {{ share|pct }}."""

from __future__ import annotations

from decimal import Decimal

from django import template

from finsam.money import format_kr, format_number, format_percent

register = template.Library()


@register.filter
def kr(value: Decimal | int | None) -> str:
    return format_kr(value)


@register.filter
def num(value: Decimal | int | None) -> str:
    return format_number(value)


@register.filter
def pct(value: Decimal | None) -> str:
    return format_percent(value)
