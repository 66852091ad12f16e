"""`make bench`: every benchmark, one JSON line per figure, and bench/results.json.

Runs each part in its own process, since each configures Django its own way:

- tests/bench.py: in-process timings on a throw-away test database (the budget grid's
  recompute, posted as grid.js posts it, the budget page, the JSON report) and the PDFs (tests/bench_pdf.py);
- bench/grid.py: the budget grid in Chromium (Playwright): from the last keystroke to
  the figures on screen at 300 lines, and the recompute as the browser saw it;
- bench/pdf.py: gunicorn and the background worker: PDF downloads, a save to its new
  PDF, and a page while a 58-page PDF renders;
- bench/load.py: gunicorn and PostgreSQL under 50 users, on the demo and on 300
  förbund × 5 plan years, with queries per page.

Figures go to stdout as they come and, at the end, to bench/results.json with the
machine they were measured on. The exit status is 1 when a part failed or a figure
missed its target (`"within_target": false`); the figures are written either way.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
PARTS = (
    ("tests.bench", "in-process timings and PDF"),
    ("bench.grid", "the budget grid in Chromium"),
    ("bench.pdf", "PDFs made in the background"),
    ("bench.load", "load and scale"),
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _postgresql_version() -> str | None:
    from bench.load import _database_url

    try:
        import psycopg2

        parts = urlsplit(_database_url())
        connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        connection.close()
        return version
    except Exception as exc:  # noqa: BLE001 (the figures matter more than this note)
        return f"unknown ({exc.__class__.__name__})"


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine() -> dict[str, Any]:
    import django

    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": _postgresql_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "HEAD"),
        # Changes not in that commit, if any (results.json itself aside).
        "uncommitted_files": len(
            [
                line
                for line in (_git("status", "--porcelain") or "").splitlines()
                if not line.endswith("bench/results.json")
            ]
        ),
        # Other work on the machine shares its cores; each load run notes it again.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _run_part(module: str) -> tuple[list[dict[str, Any]], int]:
    """Run `python -m module`; pass its figures on as they come, its other output to stderr."""
    figures = []
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    process = subprocess.Popen(
        [sys.executable, "-m", module], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        try:
            figure = json.loads(line)
        except json.JSONDecodeError:
            figure = None
        if isinstance(figure, dict) and "figure" in figure:
            figures.append(figure)
            print(json.dumps(figure, ensure_ascii=False), flush=True)
        else:
            sys.stderr.write(line)
    return figures, process.wait()


def _document_text(document: dict[str, Any]) -> str:
    """JSON, with one figure a line, so that a new run's diff reads figure by figure."""
    parts = []
    for key, value in document.items():
        if isinstance(value, list):
            rows = ",\n".join(f"  {json.dumps(row, ensure_ascii=False)}" for row in value)
            parts.append(
                f" {json.dumps(key)}: [\n{rows}\n ]" if value else f" {json.dumps(key)}: []"
            )
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    json.loads(text)  # still one JSON document
    return text


def main() -> int:
    started = time.perf_counter()
    about = machine()
    results: list[dict[str, Any]] = []
    failed = []
    for module, what in PARTS:
        print(f"[bench] {what} ({module})", file=sys.stderr, flush=True)
        figures, status = _run_part(module)
        results += figures
        if status != 0:
            failed.append(module)
    missed = [
        {
            k: figure[k]
            for k in ("figure", "database", "request", "page", "federation")
            if k in figure
        }
        for figure in results
        if figure.get("within_target") is False
    ]
    summary = {
        "figure": "summary",
        "seconds": round(time.perf_counter() - started, 1),
        "figures": len(results),
        "failed_parts": failed,
        "missed_targets": len(missed),
        "within_target": not failed and not missed,
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    document = {
        "format": "finsam-bench/1",
        "command": "make bench",
        "machine": about,
        "results": [*results, summary],
        "missed": missed,
    }
    RESULTS.write_text(_document_text(document), encoding="utf-8")
    print(f"[bench] wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr, flush=True)
    return 0 if summary["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
