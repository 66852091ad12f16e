"""`make bench`, the load and scale part (issue 8, items 17 and 18). One JSON line per
figure on stdout; everything else goes to stderr.

1. A throw-away PostgreSQL database (BENCH_DATABASE_URL, by default `finsam_bench` on
   127.0.0.1), migrated, with the demo (`load_demo`). Queries per page are counted
   for the demo förbund: the demo-only database.
2. One förbund per load user, each a copy of a demo bundle with one (draft) plan year,
   so that the 50 users never save the same budget. 50 users run against gunicorn
   (production settings, bench/settings.py) for a bounded time: the plan page, the
   budget page, the budget editor and budget saves (bench/locustfile.py). This is
   the demo-sized baseline.
3. Grown to 300 synthetic förbund × 5 plan years (bench/synthetic.py, through the
   project's bundle import), then ANALYZE, as autovacuum would. Queries per page again
   (they must equal the demo's), and the same load run (page p95 within 1.5× of the
   baseline's).

Targets (issue 8): page p95 under 200 ms, save p95 under 500 ms, no errors; equal query
counts; scale page p95 within 1.5× of the demo-sized run. A missed target is reported
with `"within_target": false`, never hidden.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/finsam_bench"
# Databases others use on this server; never dropped, whatever BENCH_DATABASE_URL says.
PROTECTED_DATABASES = {"finsam", "test_finsam", "finsam_lead", "postgres", "template0", "template1"}

# The figures; the environment may make a quicker run while working on this file.
FEDERATIONS = int(os.environ.get("BENCH_FEDERATIONS") or 300)
YEARS = 5
USERS = 50
SPAWN_RATE = 5  # users a second: the 50 logins are spread over 10 s
SETTLE_SECONDS = 10  # after the last user has started, before the measured window
MEASURE_SECONDS = int(os.environ.get("BENCH_MEASURE_SECONDS") or 60)
# Two ways for the 50 users to work, each a (min, max) think time in seconds between
# requests. "users" is the run the targets are for: a person reads the plan or budget
# page, or types amounts, for 5–10 s before the next request (real use is slower still).
# "stress" is the same 50 users clicking every 1–2 s, about 30 requests a second, more
# than 2 cores serve for these pages: it shows where the server saturates, on the demo
# data only, without a target.
PROFILES = {"users": (5.0, 10.0), "stress": (1.0, 2.0)}
STRESS_MEASURE_SECONDS = 30
# gunicorn's documented rule of thumb, (2 × cores) + 1 sync workers, behind a proxy.
WORKERS = 2 * (os.cpu_count() or 1) + 1
LOAD_PASSWORD = "bank-last-lösenord-2026"

PAGE_TARGET_P95_MS = 200
SAVE_TARGET_P95_MS = 500
SCALE_TARGET_RATIO = 1.5
# What django.request logs for a 4xx/5xx answer, and gunicorn for a failing worker.
SERVER_TROUBLE = re.compile(
    r"^(Internal Server Error|Bad Request|Forbidden|Not Found|Method Not Allowed|Conflict|"
    r"Unprocessable|Gone)\b|Traceback|\[(ERROR|CRITICAL)\]"
)
PAGES = ("plan_page", "budget_page", "budget_grid")
SAVES = ("budget_save",)

# The pages a user sees most, counted for each förbund below.
COUNTED_PAGES = (
    "home",
    "federation_detail",
    "plan_detail",
    "budget_detail",
    "budget_grid",
    "intervention_list",
    "intervention_detail",
)
DEMO_FEDERATIONS = (
    ("sundbyberg", 2020),
    ("sodra-vatterbygden", 2020),
    ("burlov-kavlinge-staffanstorp-vellinge", 2024),
)


def emit(figure: dict[str, Any]) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def log(message: str) -> None:
    print(f"[bench.load] {message}", file=sys.stderr, flush=True)


# --- the database ---------------------------------------------------------------------


def _database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL


def _recreate_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in PROTECTED_DATABASES or "bench" not in name:
        raise SystemExit(
            f"bench.load: refusing to drop database {name!r} (its name must contain 'bench')"
        )
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def _drop_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in PROTECTED_DATABASES or "bench" not in name:
        return
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    admin.close()


# --- data -----------------------------------------------------------------------------


def _quiet_audit() -> None:
    import logging

    logging.getLogger("finsam.audit").setLevel(logging.WARNING)


def _load_users() -> list[dict[str, Any]]:
    """USERS synthetic förbund with their latest (draft) year only, and a director each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from bench.synthetic import create_federation, demo_bundles
    from finsam.models import Federation, Membership, Role

    templates = demo_bundles()
    # One hash for all: the password is checked at every login, but hashing it 50 times
    # here would only slow the set-up.
    password_hash = make_password(LOAD_PASSWORD)
    accounts = []
    for index in range(1, USERS + 1):
        [(slug, year)] = create_federation(index, years=YEARS, only="latest", templates=templates)
        user = get_user_model().objects.create(
            username=f"last-{index:03d}",
            first_name="Last",
            last_name=f"Användare {index}",
            password=password_hash,
        )
        Membership.objects.create(
            user=user, federation=Federation.objects.get(slug=slug), role=Role.DIRECTOR
        )
        accounts.append({"username": user.username, "slug": slug, "year": year})
    return accounts


def _with_backup_codes(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each load user logs in with two factors, as a förbundschef must: an app and
    fresh single-use backup codes for this run (one for the idle run, one for each
    time locust starts the user), given in place of the app's code."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from finsam.twofactor.services import backup_codes_create

    users = get_user_model().objects
    fresh = []
    for account in accounts:
        user = users.get(username=account["username"])
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        fresh.append({**account, "codes": backup_codes_create(user=user)})
    return fresh


def _grow(index: int) -> int:
    """In a worker process: förbund `index` to YEARS plan years; returns years added."""
    from bench.synthetic import create_federation

    only = "earlier" if index <= USERS else "all"
    return len(create_federation(index, years=YEARS, only=only, templates=_TEMPLATES))


_TEMPLATES: list[dict[str, Any]] = []


def _grow_to_scale() -> dict[str, Any]:
    """The load förbund get their earlier years, and the rest of the FEDERATIONS all
    YEARS, in two processes (each import is its own transaction, each förbund its own
    rows)."""
    from django.db import connection, connections

    from bench.synthetic import demo_bundles

    _TEMPLATES[:] = demo_bundles()
    connections.close_all()  # no connection may cross the fork
    started = time.perf_counter()
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        added = sum(pool.map(_grow, range(1, FEDERATIONS + 1), chunksize=5))
    seconds = time.perf_counter() - started
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "plan_years_added": added,
        "seconds": round(seconds, 1),
        "processes": workers,
        "analyze_seconds": round(time.perf_counter() - analyze_started, 1),
    }


def _data_size() -> dict[str, int]:
    from budgets.models import Amount, Budget, Line
    from finsam.models import Federation
    from interventions.models import Intervention
    from plans.models import Goal, Meeting, Plan, Section

    return {
        "federations": Federation.objects.count(),
        "plans": Plan.objects.count(),
        "budgets": Budget.objects.count(),
        "budget_lines": Line.objects.count(),
        "amounts": Amount.objects.count(),
        "sections": Section.objects.count(),
        "plan_goals": Goal.objects.count(),
        "meetings": Meeting.objects.count(),
        "interventions": Intervention.objects.count(),
    }


# --- queries per page -------------------------------------------------------------------


def _count_queries(slug: str, year: int, username: str) -> dict[str, int]:
    """Queries per page for one förbund and year, as `username` sees them (each page
    asked for once before, so that first-use caches do not count)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from interventions.models import Intervention
    from tests.factories import log_in_verified

    # Directors and staff log in with two factors: the session carries the device.
    client = log_in_verified(
        Client(HTTP_HOST="127.0.0.1"), get_user_model().objects.get(username=username)
    )
    first = Intervention.objects.filter(federation__slug=slug).order_by("position", "id").first()
    args: dict[str, list[Any]] = {
        "home": [],
        "federation_detail": [slug],
        "plan_detail": [slug, year],
        "budget_detail": [slug, year],
        "budget_grid": [slug, year],
        "intervention_list": [slug],
        "intervention_detail": [slug, first.pk] if first else [],
    }
    counts = {}
    for page in COUNTED_PAGES:
        if page == "intervention_detail" and not first:
            continue
        url = reverse(page, args=args[page])
        client.get(url, secure=True)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: status {response.status_code}")
        counts[page] = len(queries.captured_queries)
    return counts


# --- the load run ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                url + "/logga-in/", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # nosec B310: loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")


IDLE_ROUNDS = 10


def _idle_service_times(url: str, account: dict[str, Any]) -> dict[str, dict[str, float]]:
    """One user, no think time, IDLE_ROUNDS rounds of the load run's requests, before
    the load: what each request costs the server when it does nothing else."""
    import requests

    from bench.browser import change_an_amount, csrf_token, form_fields

    session = requests.Session()
    session.headers["X-Forwarded-Proto"] = "https"  # as in bench/locustfile.py
    origin = "https://" + url.split("://", 1)[1]
    times: dict[str, list[float]] = {}

    def timed(name: str, method: str, path: str, expect: int, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        response = session.request(method, url + path, allow_redirects=False, timeout=30, **kwargs)
        times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        for cookie in session.cookies:
            cookie.secure = False
        if response.status_code != expect:
            raise RuntimeError(f"idle run: {path}: status {response.status_code}")
        return response

    page = timed("login_page", "GET", "/logga-in/", 200)
    timed(
        "login",
        "POST",
        "/logga-in/",
        302,
        headers={"Origin": origin},
        data={
            "username": account["username"],
            "password": LOAD_PASSWORD,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
    )
    page = timed("login_code_page", "GET", "/tvastegsverifiering/kod/", 200)
    timed(
        "login_code",
        "POST",
        "/tvastegsverifiering/kod/",
        302,
        headers={"Origin": origin},
        data={"code": account["codes"][0], "csrfmiddlewaretoken": csrf_token(page.text)},
    )
    slug, year = account["slug"], account["year"]
    grid = f"/f/{slug}/budget/{year}/rutnat/"
    for round_no in range(IDLE_ROUNDS + 1):
        timed("plan_page", "GET", f"/f/{slug}/plan/{year}/", 200)
        timed("budget_page", "GET", f"/f/{slug}/budget/{year}/", 200)
        fields = form_fields(timed("budget_grid", "GET", grid, 200).text, "budget-grid")
        change_an_amount(fields, round_no)
        timed(
            "budget_save",
            "POST",
            grid + "spara/",
            302,
            headers={"Origin": origin},
            data=[*fields, ["action", "save"]],
        )
        if round_no == 0:  # the first round warms the worker up; it does not count
            times = {name: ms if name.startswith("login") else [] for name, ms in times.items()}
    return {
        name: {"p50_ms": round(_percentile(sorted(ms), 0.5) or 0, 1), "min_ms": round(min(ms), 1)}
        for name, ms in times.items()
        if ms
    }


def _percentile(sorted_ms: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not sorted_ms:
        return None
    return sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)]


def _run_load(
    label: str,
    accounts: list[dict[str, Any]],
    workdir: Path,
    env: dict[str, str],
    profile: str = "users",
) -> dict[str, Any]:
    """gunicorn + locust for SPAWN + SETTLE + MEASURE seconds; per request kind the
    p50, p95 and errors of the measured window, and the errors of the whole run."""
    think = PROFILES[profile]
    measure_seconds = MEASURE_SECONDS if profile == "users" else STRESS_MEASURE_SECONDS
    label = label if profile == "users" else f"{label}-{profile}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    accounts = _with_backup_codes(accounts)
    users_file = workdir / f"users-{label}.json"
    users_file.write_text(json.dumps(accounts), encoding="utf-8")
    samples_file = workdir / f"samples-{label}.jsonl"
    server_log = workdir / f"gunicorn-{label}.log"
    client_log = workdir / f"locust-{label}.log"
    spawn_seconds = math.ceil(USERS / SPAWN_RATE)
    run_seconds = spawn_seconds + SETTLE_SECONDS + measure_seconds
    with open(server_log, "w") as server_out:
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "finsam.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url)
        load_average = [round(x, 2) for x in os.getloadavg()]
        idle = _idle_service_times(url, accounts[-1])
        log(f"{label}: {USERS} users for {run_seconds} s against gunicorn ({WORKERS} sync workers)")
        server_cpu_before = _cpu_seconds(server.pid)
        client_cpu_before = _children_cpu_seconds()
        with open(client_log, "w") as client_out:
            subprocess.run(
                [
                    str(VENV_BIN / "locust"),
                    "-f",
                    str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(USERS),
                    "--spawn-rate",
                    str(SPAWN_RATE),
                    "--run-time",
                    f"{run_seconds}s",
                    "--stop-timeout",
                    "5",
                    "--host",
                    url,
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                stdout=client_out,
                stderr=subprocess.STDOUT,
                timeout=run_seconds + 60,
                env={
                    **env,
                    "PYTHONPATH": str(ROOT),
                    "BENCH_USERS": str(users_file),
                    "BENCH_PASSWORD": LOAD_PASSWORD,
                    "BENCH_SAMPLES": str(samples_file),
                    "BENCH_THINK_MIN": str(think[0]),
                    "BENCH_THINK_MAX": str(think[1]),
                },
                check=False,  # locust exits 1 when any request failed: counted below
            )
        client_cpu = _children_cpu_seconds() - client_cpu_before
        server_cpu = _cpu_seconds(server.pid) - server_cpu_before
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    summary = _summarise(label, samples_file, client_log, server_log)
    return {
        **summary,
        "idle": idle,
        "load_average_before": load_average,
        "profile": profile,
        "think_time_s": list(think),
        "server_cpu_seconds": round(server_cpu, 1),
        "client_cpu_seconds": round(client_cpu, 1),
        "server_cpu_ms_per_request_incl_logins": round(
            server_cpu * 1000 / summary["requests_whole_run"], 1
        ),
    }


def _cpu_seconds(pid: int) -> float:
    """CPU time of gunicorn, master and workers (not PostgreSQL's)."""
    import psutil  # comes with locust

    process = psutil.Process(pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _summarise(
    label: str, samples_file: Path, client_log: Path, server_log: Path
) -> dict[str, Any]:
    samples, spawned_at = [], None
    for line in samples_file.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("event") == "spawning_complete":
            spawned_at = row["at"]
        else:
            samples.append(row)
    if spawned_at is None or not samples:
        sys.stderr.write(client_log.read_text(encoding="utf-8")[-3000:])
        raise RuntimeError(f"{label}: the load run did not get going (see {client_log})")
    window_start = spawned_at + SETTLE_SECONDS
    measured = [s for s in samples if s["start"] >= window_start]
    window = max(s["start"] + s["ms"] / 1000 for s in measured) - window_start
    errors_whole_run = [s for s in samples if not s["ok"]]
    kinds = {}
    for name in sorted({s["name"] for s in measured}):
        rows = [s for s in measured if s["name"] == name]
        times = sorted(s["ms"] for s in rows if s["ok"])
        kinds[name] = {
            "requests": len(rows),
            "p50_ms": round(_percentile(times, 0.50) or 0, 1),
            "p95_ms": round(_percentile(times, 0.95) or 0, 1),
            "max_ms": round(times[-1], 1) if times else None,
            "errors": len(rows) - len(times),
        }
    server_errors = [
        line
        for line in server_log.read_text(encoding="utf-8").splitlines()
        if SERVER_TROUBLE.search(line)
    ]
    return {
        "label": label,
        "window_seconds": round(window, 1),
        "requests": len(measured),
        "requests_per_second": round(len(measured) / window, 1),
        "requests_whole_run": len(samples),
        "kinds": kinds,
        "errors_whole_run": len(errors_whole_run),
        "error_examples": sorted({f"{s['name']}: {s['error']}" for s in errors_whole_run})[:5],
        "server_log_errors": len(server_errors),
    }


def _emit_load(run: dict[str, Any], database: str) -> None:
    stress = run["profile"] != "users"
    for name, kind in ({} if stress else run["idle"]).items():
        if name.startswith("login"):  # one each, on a cold worker: not a service time
            continue
        emit(
            {
                "figure": "service_time_idle",
                "database": database,
                "request": name,
                "rounds": IDLE_ROUNDS,
                **kind,
            }
        )
    for name, kind in run["kinds"].items():
        figure: dict[str, Any] = {
            "figure": "load_stress" if stress else "load",
            "database": database,
            "request": name,
            "users": USERS,
            "think_time_s": run["think_time_s"],
            **kind,
        }
        if not stress and (name in PAGES or name in SAVES):
            target = PAGE_TARGET_P95_MS if name in PAGES else SAVE_TARGET_P95_MS
            figure["target_p95_ms"] = target
            figure["within_target"] = kind["p95_ms"] < target and kind["errors"] == 0
        emit(figure)
    emit(
        {
            "figure": "load_stress_run" if stress else "load_run",
            "database": database,
            "users": USERS,
            "think_time_s": run["think_time_s"],
            "spawn_rate_per_s": SPAWN_RATE,
            "measured_seconds": run["window_seconds"],
            "requests": run["requests"],
            "requests_per_second": run["requests_per_second"],
            "errors": run["errors_whole_run"],
            "error_examples": run["error_examples"],
            "server_log_errors": run["server_log_errors"],
            "load_average_before": run["load_average_before"],
            "server_cpu_seconds": run["server_cpu_seconds"],
            "server_cpu_ms_per_request_incl_logins": run["server_cpu_ms_per_request_incl_logins"],
            "client_cpu_seconds": run["client_cpu_seconds"],
            "server": f"gunicorn {WORKERS} sync workers, PostgreSQL on loopback",
            "client": "locust on the same machine (client and server share the cores)",
            "within_target": run["errors_whole_run"] == 0 and run["server_log_errors"] == 0,
        }
    )


# --- the whole part ------------------------------------------------------------------------


def main() -> int:
    database_url = _database_url()
    workdir = Path(tempfile.mkdtemp(prefix="finsam-bench-"))
    static_root = workdir / "static"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "",
        # The workers' shared PDF cache, away from the project's var/cache.
        "FINSAM_CACHE_DIR": str(workdir / "cache"),
        # DEBUG is off: load_demo wants a password of its own for the demo users.
        "FINSAM_DEMO_PASSWORD": LOAD_PASSWORD,
    }
    env.pop("PYTEST_VERSION", None)
    os.environ.update(
        {
            k: v
            for k, v in env.items()
            if k
            in {
                "DATABASE_URL",
                "DJANGO_SETTINGS_MODULE",
                "BENCH_STATIC_ROOT",
                "ALLOWED_HOSTS",
                "DEBUG",
                "FINSAM_CACHE_DIR",
                "FINSAM_DEMO_PASSWORD",
            }
        }
    )
    os.environ.pop("PYTEST_VERSION", None)
    keep = os.environ.get("BENCH_KEEP_DATABASE") == "1"

    _recreate_database(database_url)
    try:
        return _main(env, workdir)
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            _drop_database(database_url)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept the database ({database_url}) and {workdir}")


def _main(env: dict[str, str], workdir: Path) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    _quiet_audit()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    demo_size = _data_size()
    counts_demo = {
        f"{slug} {year}": _count_queries(slug, year, "chef") for slug, year in DEMO_FEDERATIONS
    }

    accounts = _load_users()
    first = accounts[0]
    own_key = f"{first['slug']} {first['year']}"
    counts_demo[own_key] = _count_queries(first["slug"], first["year"], first["username"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as before the scale run: both start with fresh statistics
    emit(
        {
            "figure": "data",
            "database": "demo",
            **demo_size,
            "load_federations": USERS,
            "setup_seconds": round(time.perf_counter() - started, 1),
        }
    )

    baseline = _run_load("demo", accounts, workdir, env)
    _emit_load(baseline, "demo")
    _emit_load(_run_load("demo", accounts, workdir, env, profile="stress"), "demo")

    log(f"growing to {FEDERATIONS} förbund × {YEARS} plan years")
    growth = _grow_to_scale()
    emit(
        {
            "figure": "data",
            "database": "scale",
            **_data_size(),
            "synthetic_federations": FEDERATIONS,
            "years_per_federation": YEARS,
            "generation_seconds": growth["seconds"],
            "generation_processes": growth["processes"],
            "plan_years_generated": growth["plan_years_added"] + USERS,
            "analyze_seconds": growth["analyze_seconds"],
        }
    )

    counts_scale = {
        f"{slug} {year}": _count_queries(slug, year, "chef") for slug, year in DEMO_FEDERATIONS
    }
    counts_scale[own_key] = _count_queries(first["slug"], first["year"], first["username"])
    for key, pages in counts_demo.items():
        for page, demo_count in pages.items():
            scale_count = counts_scale[key].get(page)
            emit(
                {
                    "figure": "queries_per_page",
                    "page": page,
                    "federation": key,
                    "demo": demo_count,
                    "scale": scale_count,
                    "within_target": demo_count == scale_count,
                }
            )

    scaled = _run_load("scale", accounts, workdir, env)
    _emit_load(scaled, "scale")
    for name in PAGES + SAVES:
        demo_p95 = baseline["kinds"].get(name, {}).get("p95_ms")
        scale_p95 = scaled["kinds"].get(name, {}).get("p95_ms")
        ratio = round(scale_p95 / demo_p95, 2) if demo_p95 and scale_p95 else None
        demo_idle = baseline["idle"].get(name, {}).get("p50_ms")
        scale_idle = scaled["idle"].get(name, {}).get("p50_ms")
        figure = {
            "figure": "scale_p95_ratio",
            "request": name,
            "demo_p95_ms": demo_p95,
            "scale_p95_ms": scale_p95,
            "ratio": ratio,
            "idle_p50_ratio": round(scale_idle / demo_idle, 2)
            if demo_idle and scale_idle
            else None,
        }
        if name in PAGES:  # the target is for pages; a save's ratio is shown for information
            figure["target_ratio"] = SCALE_TARGET_RATIO
            figure["within_target"] = ratio is not None and ratio <= SCALE_TARGET_RATIO
        emit(figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
