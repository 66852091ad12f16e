"""Template filters of the plan: Swedish dates and times ("19 november 2019", "13.30")."""

from __future__ import annotations

from datetime import date, time

from django import template

from finsam.money import swedish_date

register = template.Library()


@register.filter
def sv_date(value: date | None) -> str:
    return swedish_date(value)


@register.filter
def sv_time(value: time | None) -> str:
    """Swedish clock times use a full stop: "13.30"."""
    if value is None:
        return ""
    return f"{value.hour:02d}.{value.minute:02d}"


@register.filter
def lookup(mapping: object, key: object) -> object:
    """`counts|lookup:section.pk`: a value of a dict by a variable key (0 if none)."""
    if isinstance(mapping, dict):
        return mapping.get(key, 0)
    return 0


@register.filter
def status_badge(status: str) -> str:
    """The Bootstrap colour of a plan status."""
    return {"decided": "success", "review": "info"}.get(status, "secondary")


@register.filter
def total(mapping: object) -> int:
    """The sum of a dict's counts: `comment_counts.intervention|total`."""
    return sum(mapping.values()) if isinstance(mapping, dict) else 0
