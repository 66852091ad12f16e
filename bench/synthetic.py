"""Synthetic förbund for the scale benchmark (issue 8, item 18) and the query-count test.

Each synthetic förbund is a demo bundle (documents/demo/*.json) under a new slug and name,
read in with the project's own import (`documents.bundle.importer.bundle_import`), once per plan
year: the plan (sections, goals, årshjul), the budget (columns, lines, amounts,
scenarios) and the förbund's members and interventions are as realistic as the demo's.
A later plan year is the same bundle moved forward by whole years (dates, column codes,
the plan's title and reference). Earlier years are fastställda, the latest is a draft,
as at a förbund in the middle of its planning year.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

DEMO_DIR = Path(__file__).resolve().parent.parent / "documents" / "demo"
SLUG_PREFIX = "syntet"

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_COLUMN = re.compile(r"^(\d{4}):(budget|plan|forecast|actual)$")
_YEAR_IN_TEXT = re.compile(r"\b(19|20)\d\d\b")


def demo_bundles() -> list[dict[str, Any]]:
    """The demo bundles, in file order."""
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(DEMO_DIR.glob("*.json"))
    ]


def _shift_date(value: str, years: int) -> str:
    day = date.fromisoformat(value)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:  # 29 February into a year that has none
        return day.replace(year=day.year + years, day=28).isoformat()


def _shift(value: Any, years: int, key: str | None = None) -> Any:
    """The value with every year in it moved by `years`: `year` keys, ISO dates and
    budget column codes, as values and as dictionary keys."""
    if isinstance(value, dict):
        return {_shift(k, years): _shift(v, years, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(item, years) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and key == "year":
        return value + years
    if isinstance(value, str):
        if _DATE.match(value):
            return _shift_date(value, years)
        if match := _COLUMN.match(value):
            return f"{int(match[1]) + years}:{match[2]}"
    return value


def _shift_text(text: str | None, years: int) -> str | None:
    if not text:
        return text
    return _YEAR_IN_TEXT.sub(lambda m: str(int(m[0]) + years), text)


def synthetic_slug(index: int) -> str:
    return f"{SLUG_PREFIX}-{index:03d}"


def synthetic_bundle(
    template: dict[str, Any], *, index: int, years_forward: int, draft: bool
) -> dict[str, Any]:
    """`template` as synthetic förbund number `index`, `years_forward` years after the
    template's plan year; a draft plan, or a fastställd one (decided on the template's
    date, moved forward)."""
    data = copy.deepcopy(template)
    data["federation"]["slug"] = synthetic_slug(index)
    data["federation"]["name"] = f"Samordningsförbundet Syntet {index:03d}"
    plan = _shift(data["plan"], years_forward)
    plan["title"] = _shift_text(plan.get("title"), years_forward)
    plan["reference"] = _shift_text(plan.get("reference"), years_forward)
    if draft:
        plan["status"] = "draft"
        plan["decided_on"] = None
    else:
        plan["status"] = "decided"
        plan["decided_on"] = plan.get("decided_on") or f"{plan['year'] - 1}-11-20"
    data["plan"] = plan
    data["budget"] = _shift(data["budget"], years_forward)
    return data


def synthetic_years(template: dict[str, Any], years: int) -> list[int]:
    """The plan years of a synthetic förbund with `years` plan years: the last is
    the template's own year plus `years - 1`."""
    first = template["plan"]["year"]
    return [first + offset for offset in range(years)]


def create_federation(
    index: int,
    *,
    years: int,
    only: str = "all",
    templates: list[dict[str, Any]] | None = None,
) -> list[tuple[str, int]]:
    """Read in synthetic förbund `index` with `years` plan years (the last a draft).

    only="latest" reads in only the last (draft) year, only="earlier" all the others,
    so a förbund can first be made demo-sized and grown later. Returns (slug, year)
    for each plan year read in.
    """
    from documents.bundle.importer import bundle_import

    templates = templates or demo_bundles()
    template = templates[index % len(templates)]
    done = []
    for offset in range(years):
        latest = offset == years - 1
        if (only == "latest" and not latest) or (only == "earlier" and latest):
            continue
        bundle = synthetic_bundle(template, index=index, years_forward=offset, draft=latest)
        budget = bundle_import(data=bundle)
        done.append((budget.federation.slug, budget.year))
    return done
