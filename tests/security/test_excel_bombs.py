"""Bounded Excel parsing (issue 13, item 3).

The trial's 26 KB .xlsx, an XML entity expanded 12 MB times, took 8.6 GB and 17.8 s.
Every hostile file here is small, built as a stream (the test itself never holds
what the file would expand to), and each import of one runs in a subprocess with
a hard address-space limit, so that a regression fails the test instead of the
machine; the subprocess reports its peak memory, which must stay under 300 MB,
refused or accepted.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from openpyxl import Workbook

from budgets import xlsx_guard
from budgets.models import Budget
from tests.budgets.test_views import make_budget

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 300
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"

# --- building files ---------------------------------------------------------------------


def _plain_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.title = "Budget"
    workbook.active["A1"] = "Nyckel"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rebuilt(
    replace: dict[str, Callable[[], Iterable[bytes]]] | None = None,
    extra: int = 0,
) -> bytes:
    """A small real workbook with members replaced by streamed content (and `extra`
    tiny members added); nothing large is ever held in memory."""
    replace = replace or {}
    source, target = io.BytesIO(_plain_workbook()), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in replace:
                continue
            new.writestr(info, old.read(info.filename))
        for name, chunks in replace.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with new.open(info, "w") as member:
                for chunk in chunks():
                    member.write(chunk)
        for n in range(extra):
            new.writestr(f"xl/media/bild{n}.bin", b"x")
    return target.getvalue()


def _sheet(rows: Iterable[bytes]) -> Iterable[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    yield from rows
    yield b"</sheetData></worksheet>"


def entity_bomb() -> bytes:
    """Billion laughs in the sheet: &e; is 10^9 bytes expanded; the file is ~2 KB."""

    def chunks() -> Iterable[bytes]:
        yield b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [\n'
        yield b'<!ENTITY a "' + b"A" * 1000 + b'">\n'
        for name, inner in (("b", "a"), ("c", "b"), ("d", "c"), ("e", "d")):
            yield f'<!ENTITY {name} "{("&" + inner + ";") * 10}">\n'.encode()
        yield b"]>\n"
        yield (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
            f"<is><t>&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;</t></is></c></row></sheetData></worksheet>"
        ).encode()

    return _rebuilt({SHEET: chunks})


def zip_bomb(megabytes: int) -> bytes:
    """A sheet of `megabytes` MB of blanks inside its XML: packs about 1000 to 1."""

    def chunks() -> Iterable[bytes]:
        yield from _sheet([b" " * (1024 * 1024) for _ in range(megabytes)])

    return _rebuilt({SHEET: chunks})


def lying_zip() -> bytes:
    """20 MB of sheet whose entry in the zip's central directory says 1000 bytes."""
    data = bytearray(zip_bomb(20))
    name = SHEET.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_length]) == name:
            struct.pack_into("<I", data, at + 24, 1000)  # the uncompressed size
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError("no central directory entry for the sheet")


def many_cells(count: int) -> bytes:
    def chunks() -> Iterable[bytes]:
        def rows() -> Iterable[bytes]:
            per_row = 20
            for r in range(1, count // per_row + 1):
                cells = "".join(
                    f'<c r="{openpyxl.utils.get_column_letter(c)}{r}"><v>{c}</v></c>'
                    for c in range(1, per_row + 1)
                )
                yield f'<row r="{r}">{cells}</row>'.encode()

        yield from _sheet(rows())

    return _rebuilt({SHEET: chunks})


def big_but_allowed() -> bytes:
    """A genuine workbook just under the cell limit, written as a stream."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Budget")
    per_row = 20
    rows = int(xlsx_guard.MAX_CELLS * 0.9) // (per_row + 1)
    for r in range(rows):
        sheet.append([f"rad{r}"] + [1000 * c + r for c in range(per_row - 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- importing them in a subprocess ---------------------------------------------------

SCRIPT = r"""
import io, json, resource, sys
limit = 1536 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import django
django.setup()
from openpyxl import load_workbook
from budgets.excel_import import ExcelImportError, _open
data = open(sys.argv[1], "rb").read()
result = {}
try:
    workbook = _open(data)
    # An accepted file is opened once more for the values Excel saved (_Reader.cached_value).
    values = load_workbook(io.BytesIO(data), data_only=True)
    result["opened"] = len(workbook.sheetnames)
except ExcelImportError as exc:
    result["errors"] = exc.errors
except MemoryError:
    result["memory_error"] = True
if sys.argv[2] == "raw":
    try:
        load_workbook(io.BytesIO(data))
        result["raw"] = "opened"
    except MemoryError:
        result["raw"] = "MemoryError"
    except Exception as exc:
        chain = []  # openpyxl wraps the parser's error in its own ValueError
        while exc is not None:
            chain.append(type(exc).__module__ + "." + type(exc).__name__)
            exc = exc.__cause__ or exc.__context__
        result["raw"] = chain
# VmHWM: this process's peak resident memory. (ru_maxrss would not do: Linux carries
# it over from the parent, here a pytest process that may itself be larger.)
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
result["peak_mb"] = peak_kb / 1024
print(json.dumps(result))
"""


def _import_in_subprocess(data: bytes, tmp_path: Path, raw: bool = False) -> dict:
    path = tmp_path / "fil.xlsx"
    path.write_bytes(data)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "finsam.settings",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), "raw" if raw else "-"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defusedxml_is_what_openpyxl_parses_with():
    assert openpyxl.DEFUSEDXML is True
    deps = (ROOT / "pyproject.toml").read_text()
    assert '"defusedxml==' in deps


def test_an_entity_bomb_is_refused_without_expanding(tmp_path):
    data = entity_bomb()
    assert len(data) < 30 * 1024
    result = _import_in_subprocess(data, tmp_path, raw=True)
    assert result["errors"] and "XML-entiteter" in result["errors"][0]
    # openpyxl on its own refuses it too (defusedxml), rather than expanding it.
    assert "defusedxml.common.EntitiesForbidden" in result["raw"]
    assert result["peak_mb"] < PEAK_LIMIT_MB


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: zip_bomb(60), "större än 50 MB uppackad"),
        (lambda: zip_bomb(20), "packad hårdare än en Excel-arbetsbok"),
        (lambda: many_cells(200_000), "fler än 150\u00a0000 celler"),
        (lambda: _rebuilt(extra=500), "innehåller"),
        (
            lambda: _rebuilt(
                {
                    SHEET: lambda: _sheet(
                        [
                            b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
                            + b"ab" * 20_000
                            + b"</t></is></c></row>"
                        ]
                    )
                }
            ),
            "mer än 32\u00a0767 tecken",
        ),
    ],
    ids=["zip-bomb-60-mb", "ratio-1000-to-1", "200000-cells", "500-members", "40000-characters"],
)
def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path, build, message):
    data = build()
    assert len(data) < 3 * 1024 * 1024
    result = _import_in_subprocess(data, tmp_path)
    assert "opened" not in result, result
    assert message in result["errors"][0], result
    assert result["peak_mb"] < PEAK_LIMIT_MB


def test_a_zip_that_lies_about_its_sizes_yields_no_more_than_it_declares(tmp_path):
    data = lying_zip()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo(SHEET).file_size == 1000  # the lie
        assert sum(i.file_size for i in archive.infolist()) < xlsx_guard.MAX_UNPACKED_BYTES
    result = _import_in_subprocess(data, tmp_path)
    assert "opened" not in result and result["errors"], result
    assert result["peak_mb"] < PEAK_LIMIT_MB


def test_the_largest_allowed_workbook_opens_within_the_memory_limit(tmp_path):
    data = big_but_allowed()
    xlsx_guard.check_workbook_archive(data)  # allowed
    result = _import_in_subprocess(data, tmp_path)
    assert result.get("opened") == 1, result
    assert result["peak_mb"] < PEAK_LIMIT_MB


@pytest.mark.django_db
def test_the_import_page_refuses_the_bomb_in_swedish(client, director, federation):
    budget = make_budget(federation)
    client.force_login(director)
    upload = io.BytesIO(entity_bomb())
    upload.name = "budget.xlsx"
    response = client.post(
        reverse("budget_excel_import", args=[federation.slug, budget.year]), {"file": upload}
    )
    assert response.status_code == 200
    assert "XML-entiteter" in response.content.decode()
    assert Budget.objects.get(pk=budget.pk).version == budget.version
