"""The årshjul as an SVG: twelve month sectors and a marker per meeting.

One function draws it for the plan page and the PDF alike. Each kind of meeting
has its own ring (only the kinds the plan uses), a colour and, for deadlines, a
diamond, so the wheel does not lean on colour alone; the list beside it is the
accessible text.
"""

from __future__ import annotations

import math
from calendar import isleap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from finsam.money import swedish_date, swedish_month_abbr
from plans.models import Meeting, MeetingKind

# Okabe–Ito colours: told apart with the common colour vision deficiencies.
KIND_COLOURS = {
    MeetingKind.BOARD: "#0072B2",
    MeetingKind.PREPARATORY: "#009E73",
    MeetingKind.MEMBERS: "#E69F00",
    MeetingKind.PLANNING: "#CC79A7",
    MeetingKind.COMMITTEE: "#56B4E9",
    MeetingKind.DEADLINE: "#D55E00",
    MeetingKind.OTHER: "#666666",
}
KIND_ORDER = list(KIND_COLOURS)

SIZE = 400
CENTRE = SIZE / 2
MONTH_OUTER, MONTH_INNER = 190, 160
TRACK_OUTER, TRACK_INNER = 146, 70
MARKER = 5.5
FONT = "DejaVu Sans, Arial, sans-serif"


@dataclass(frozen=True)
class LegendEntry:
    kind: str
    label: str
    colour: str
    count: int

    @property
    def is_deadline(self) -> bool:
        return self.kind == MeetingKind.DEADLINE


def legend(meetings: Sequence[Meeting]) -> tuple[LegendEntry, ...]:
    counts: dict[str, int] = {}
    for meeting in meetings:
        counts[meeting.kind] = counts.get(meeting.kind, 0) + 1
    return tuple(
        LegendEntry(kind, str(MeetingKind(kind).label), KIND_COLOURS[kind], counts[kind])
        for kind in KIND_ORDER
        if kind in counts
    )


def wheel_title(year: int, meetings: Sequence[Meeting]) -> str:
    """The wheel's text for a screen reader: "Årshjul 2020: 1 möte och 3 hålltider, se
    listan" (in Swedish number, each kind counted)."""
    deadlines = sum(1 for m in meetings if m.kind == MeetingKind.DEADLINE)
    held = len(meetings) - deadlines
    parts = []
    if held or not deadlines:
        parts.append(f"{held} {'möte' if held == 1 else 'möten'}")
    if deadlines:
        parts.append(f"{deadlines} {'hålltid' if deadlines == 1 else 'hålltider'}")
    return f"Årshjul {year}: {' och '.join(parts)}, se listan"


def _point(angle: float, radius: float) -> tuple[float, float]:
    """Angle in degrees clockwise from twelve o'clock."""
    rad = math.radians(angle - 90)
    return CENTRE + radius * math.cos(rad), CENTRE + radius * math.sin(rad)


def _angle(day: date, year: int) -> float:
    days = 366 if isleap(year) else 365
    return (day.timetuple().tm_yday - 0.5) / days * 360


def _month_start_angle(year: int, month: int) -> float:
    days = 366 if isleap(year) else 365
    return (date(year, month, 1).timetuple().tm_yday - 1) / days * 360


def _sector(start: float, end: float, outer: float, inner: float) -> str:
    x1, y1 = _point(start, outer)
    x2, y2 = _point(end, outer)
    x3, y3 = _point(end, inner)
    x4, y4 = _point(start, inner)
    large = 1 if end - start > 180 else 0
    return (
        f"M{x1:.2f},{y1:.2f} A{outer},{outer} 0 {large} 1 {x2:.2f},{y2:.2f} "
        f"L{x3:.2f},{y3:.2f} A{inner},{inner} 0 {large} 0 {x4:.2f},{y4:.2f} Z"
    )


def annual_cycle_svg(
    year: int, meetings: Sequence[Meeting], *, element_id: str = "arshjul"
) -> SafeString:
    """The wheel for the plan year; meetings outside the year are left out."""
    parts: list[str] = []
    title_id = f"{element_id}-titel"
    in_year = [m for m in meetings if m.date.year == year]
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="{SIZE}" height="{SIZE}" class="annual-cycle img-fluid" role="img" '
        f'aria-labelledby="{title_id}" id="{escape(element_id)}" '
        f'font-family="{FONT}">'
    )
    parts.append(f'<title id="{title_id}">{wheel_title(year, in_year)}</title>')
    # Month sectors and their names.
    for month in range(1, 13):
        start = _month_start_angle(year, month)
        end = _month_start_angle(year, month + 1) if month < 12 else 360.0
        fill = "#e8eef5" if month % 2 else "#d6e0ec"
        parts.append(
            f'<path d="{_sector(start, end, MONTH_OUTER, MONTH_INNER)}" fill="{fill}" '
            f'stroke="#ffffff" stroke-width="1.5"/>'
        )
        x, y = _point((start + end) / 2, (MONTH_OUTER + MONTH_INNER) / 2)
        parts.append(
            f'<text x="{x:.2f}" y="{y + 4.5:.2f}" font-size="13" text-anchor="middle" '
            f'fill="#1f2d3d">{swedish_month_abbr(date(year, month, 1))}</text>'
        )
        # A thin spoke at each month start, through the tracks.
        sx1, sy1 = _point(start, MONTH_INNER)
        sx2, sy2 = _point(start, TRACK_INNER - 8)
        parts.append(
            f'<line x1="{sx1:.2f}" y1="{sy1:.2f}" x2="{sx2:.2f}" y2="{sy2:.2f}" '
            f'stroke="#dee2e6" stroke-width="1"/>'
        )

    kinds = [entry.kind for entry in legend(in_year)]
    radii: dict[str, float] = {}
    if kinds:
        step = (TRACK_OUTER - TRACK_INNER) / max(len(kinds) - 1, 1)
        for index, kind in enumerate(kinds):
            radii[kind] = (
                TRACK_OUTER - index * step if len(kinds) > 1 else (TRACK_OUTER + TRACK_INNER) / 2
            )
    for kind in kinds:
        parts.append(
            f'<circle cx="{CENTRE}" cy="{CENTRE}" r="{radii[kind]:.2f}" fill="none" '
            f'stroke="{KIND_COLOURS[kind]}" stroke-opacity="0.35" stroke-width="1"/>'
        )
    for meeting in in_year:
        colour = KIND_COLOURS.get(meeting.kind, KIND_COLOURS[MeetingKind.OTHER])
        x, y = _point(_angle(meeting.date, year), radii[meeting.kind])
        label = escape(f"{swedish_date(meeting.date)}: {meeting.display_title}")
        if meeting.kind == MeetingKind.DEADLINE:
            d = MARKER * 1.35
            shape = (
                f'<path d="M{x:.2f},{y - d:.2f} L{x + d:.2f},{y:.2f} L{x:.2f},{y + d:.2f} '
                f'L{x - d:.2f},{y:.2f} Z" fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
            )
        else:
            shape = (
                f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{MARKER}" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"/>'
            )
        parts.append(f"<g><title>{label}</title>{shape}</g>")
    parts.append(
        f'<text x="{CENTRE}" y="{CENTRE + 4}" font-size="26" font-weight="bold" '
        f'text-anchor="middle" fill="#1f2d3d">{year}</text>'
    )
    parts.append(
        f'<text x="{CENTRE}" y="{CENTRE + 24}" font-size="12" text-anchor="middle" '
        f'fill="#495057">Årshjul</text>'
    )
    parts.append("</svg>")
    # Every value above is a number or escaped text.
    return mark_safe("".join(parts))  # nosec B308, B703: numbers and escaped text only
