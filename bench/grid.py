"""`make bench`, the browser part: the budget grid in Chromium, as a förbundschef types.

From the last keystroke of an edit to the updated figures and findings on screen
(`grid_keystroke_to_figures`, target p95 at most 150 ms at 300 lines), and the
server's share of each recompute as the browser saw it (request sent to first byte).

A throw-away test database, Django's live server in a thread of this process, and
Debian's Chromium driven by Playwright. Each edit selects a cell and types a new
amount at keyboard speed; the time runs from the last `input` event to the first frame
painted after grid.js put the recompute's answer in and marked the cells (its event
`grid:recomputed`). An answer to an older question is
not counted (grid.js's hx-sync drops it anyway), and each edit checks that the year's
result on screen changed, so that a figure is never a timing of nothing.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
from pathlib import Path

EDITS = 60
WARM_UP = 5
LINES_TARGET = 300
TARGET_P95_MS = 150

# Runs in the page before its own scripts (an init script: the page's CSP does not
# apply). It notes each input's time, which input a recompute carries, and when the
# first frame after its answer is in is painted.
PROBE = """
(() => {
  const bench = (window.__bench = { last: 0, asked: null, samples: [] });
  document.addEventListener("input", () => { bench.last = performance.now(); }, true);
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (String(event.detail.requestConfig.path).includes("/berakna/")) bench.asked = bench.last;
  });
  document.addEventListener("grid:recomputed", () => {
    const input = bench.asked;
    bench.asked = null;
    if (input === null || input !== bench.last) return;  // newer input is on its way
    requestAnimationFrame(() => {
      bench.samples.push(performance.now() - input);
    });
  });
})();
"""


def main() -> int:
    from tests.bench import on_test_database
    from tests.browser import CHROMIUM

    # Playwright's sync API runs an event loop in this thread; it only talks to the browser.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        print(f"[bench] {CHROMIUM} saknas: kör `make system-deps`.", file=sys.stderr)
        return 1
    return on_test_database(run)


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def _live_server():
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # as LiveServerTestCase

    shared = {}
    for conn in connections.all():
        if conn.vendor == "sqlite" and conn.is_in_memory_db():
            conn.inc_thread_sharing()
            shared[conn.alias] = conn
    thread = LiveServerThread("localhost", StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread


def run() -> int:
    from playwright.sync_api import sync_playwright

    from tests.bench import bench_budget
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    federation, budget, client = bench_budget(LINES_TARGET)
    lines = budget.lines.filter(scenario=None).count()
    # What the set-up made stays (the test database, factories, Playwright): the
    # collector need not walk it again during the edits, as in a server process.
    gc.collect()
    gc.freeze()
    server = _live_server()
    base = f"http://localhost:{server.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(
                base_url=base, locale="sv-SE", viewport={"width": 1280, "height": 900}
            )
            context.add_cookies(
                [
                    {"name": name, "value": morsel.value, "url": base}
                    for name, morsel in client.cookies.items()
                ]
            )
            context.add_init_script(PROBE)
            page = context.new_page()
            page.goto(f"/f/{federation.slug}/budget/{budget.year}/rutnat/")
            rows = page.locator("#budget-grid tbody tr").count()
            result = page.locator(
                '#grid-figures tr:has(th > span:text-is("Årets resultat")) td'
            ).nth(1)
            cell = page.locator("#line-5-amount-1")
            before = result.inner_text()
            for edit in range(WARM_UP + EDITS):
                count = page.evaluate("window.__bench.samples.length")
                cell.focus()
                cell.evaluate("input => input.select()")
                page.keyboard.type(f"{700_000 + edit} kr")
                page.wait_for_function("(n) => window.__bench.samples.length > n", arg=count)
                after = result.inner_text()
                if after == before:
                    raise AssertionError(f"edit {edit}: the result stayed {after!r}")
                before = after
            samples = page.evaluate("window.__bench.samples")[WARM_UP:]
            server_ms = page.evaluate(
                """() => performance.getEntriesByType("resource")
                    .filter((entry) => entry.name.includes("/berakna/"))
                    .map((entry) => entry.responseStart - entry.requestStart)"""
            )[WARM_UP:]
            browser.close()
    finally:
        server.terminate()
    p95 = _percentile(samples, 0.95)
    figures = [
        {
            "figure": "grid_keystroke_to_figures",
            "budget_lines": lines,
            "grid_rows": rows,
            "edits": len(samples),
            "p50_ms": _percentile(samples, 0.5),
            "p95_ms": p95,
            "max_ms": round(max(samples), 1),
            "debounce_ms": 40,
            "browser": "Chromium (Debian), headless, 1280 × 900",
            "target_p95_ms": TARGET_P95_MS,
            "within_target": p95 <= TARGET_P95_MS,
        },
        {
            "figure": "grid_recompute_seen_by_browser",
            "budget_lines": lines,
            "requests": len(server_ms),
            "median_ms": round(statistics.median(server_ms), 1),
            "p95_ms": _percentile(server_ms, 0.95),
            "note": "request sent to first byte, Django's threaded live server on loopback",
        },
    ]
    for figure in figures:
        print(json.dumps(figure, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
