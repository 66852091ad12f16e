"""How the golden files are made (see __init__.py)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from io import StringIO
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from plans.models import Plan

FILES = Path(__file__).resolve().parent / "files"
FROZEN_AT = datetime(2026, 3, 16, 9, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
MAX_PDF_BYTES = 1_000_000
REFRESH_VARIABLE = "FINSAM_GOLDEN_REFRESH"


def plan_years() -> list[tuple[str, int]]:
    """(slug, year) of every plan in the database."""
    return list(
        Plan.objects.order_by("federation__slug", "year").values_list("federation__slug", "year")
    )


@contextmanager
def fixed_uuids() -> Iterator[None]:
    """uuid.uuid4() gives 00000000-0000-4000-8000-000000000001, …002, … (the demo
    files carry no meeting UIDs, so the import draws them)."""
    counter = iter(range(1, 1_000_000))

    def next_uuid() -> uuid.UUID:
        return uuid.UUID(f"00000000-0000-4000-8000-{next(counter):012d}")

    with mock.patch("uuid.uuid4", next_uuid):
        yield


def _command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def outputs(tmp_path: Path) -> dict[str, bytes]:
    """File name → content, for every demo plan year. Needs an empty database."""
    result: dict[str, bytes] = {}
    with time_machine.travel(FROZEN_AT, tick=False), fixed_uuids():
        call_command("load_demo", verbosity=0, stdout=StringIO(), stderr=StringIO())
        for slug, year in plan_years():
            name = f"{slug}-{year}"
            result[f"{name}.json"] = _command("export_bundle", slug, str(year)).encode()
            html, pdf = tmp_path / f"{name}.html", tmp_path / f"{name}.pdf"
            _command("render_plan", slug, str(year), "--html", str(html), "--pdf", str(pdf))
            result[f"{name}.html"] = html.read_bytes()
            content = pdf.read_bytes()
            if len(content) > MAX_PDF_BYTES:
                result[f"{name}.pdf.sha256"] = hashlib.sha256(content).hexdigest().encode()
            else:
                result[f"{name}.pdf"] = content
    return result
