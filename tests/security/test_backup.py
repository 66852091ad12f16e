"""Backup and restore: `make backup` / `make restore FILE=…` run the management
commands backup_db and restore_db (SQLite: the online backup API; PostgreSQL:
pg_dump -Fc and pg_restore --clean).

A backup of the demo data restored into an empty database gives every budget's
report, for the base budget and each scenario, exactly as before, and the same
rows in every table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from budgets.models import Budget

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)

# Run in a fresh process against another database: restore, then every report.
RESTORE_AND_REPORT = """
import json, django
django.setup()
from django.apps import apps
from django.core.management import call_command
call_command("restore_db", BACKUP, interactive=False, verbosity=0)
from budgets.models import Budget
from budgets.rules import evaluate, find_scenario
from budgets.selectors import budget_facts, budget_report
reports = {}
for budget in Budget.objects.select_related("federation").order_by("federation__slug", "year"):
    facts = budget_facts(budget)
    for name in [None, *(s.name for s in facts.scenarios)]:
        scenario = find_scenario(facts, name) if name else None
        key = f"{budget.federation.slug} {budget.year} {name or ''}"
        reports[key] = budget_report(facts, evaluate(facts, scenario))
counts = {m._meta.label: m._default_manager.count()
          for m in apps.get_models(include_auto_created=True)}
print(json.dumps({"reports": reports, "counts": counts}, ensure_ascii=False))
"""


def _reports_and_counts() -> dict:
    from budgets.rules import evaluate, find_scenario
    from budgets.selectors import budget_facts, budget_report

    reports = {}
    for budget in Budget.objects.select_related("federation").order_by("federation__slug", "year"):
        facts = budget_facts(budget)
        for name in [None, *(s.name for s in facts.scenarios)]:
            scenario = find_scenario(facts, name) if name else None
            key = f"{budget.federation.slug} {budget.year} {name or ''}"
            reports[key] = budget_report(facts, evaluate(facts, scenario))
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models(include_auto_created=True)
    }
    # Through JSON, as the other process hands them over.
    return json.loads(json.dumps({"reports": reports, "counts": counts}, ensure_ascii=False))


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    assert Budget.objects.count() >= 3


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env["DATABASE_URL"] = database_url
    return env


def _restore_elsewhere(backup: Path, database_url: str) -> dict:
    code = f"BACKUP = {str(backup)!r}\n" + RESTORE_AND_REPORT
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_backup_restored_into_an_empty_database_gives_the_same_reports(demo, tmp_path):
    expected = _reports_and_counts()
    assert any(not key.endswith(" ") for key in expected["reports"])  # scenarios too
    backup = tmp_path / "finsam.backup"
    call_command("backup_db", str(backup), verbosity=0)
    assert backup.stat().st_size > 0 and oct(backup.stat().st_mode & 0o777) == "0o600"

    if connection.vendor == "sqlite":
        empty = tmp_path / "tom.sqlite3"  # not even a file yet
        restored = _restore_elsewhere(backup, f"sqlite:///{empty}")
    else:
        if not (shutil.which("pg_dump") and shutil.which("createdb")):
            pytest.skip("pg_dump/createdb finns inte")
        params = connection.get_connection_params()
        name = f"finsam_restore_{os.getpid()}"
        server = [
            "-h",
            str(params.get("host") or "127.0.0.1"),
            "-p",
            str(params.get("port") or 5432),
            "-U",
            str(params.get("user") or "postgres"),
        ]
        subprocess.run(["dropdb", "--if-exists", *server, name], check=True, env=os.environ.copy())
        subprocess.run(["createdb", *server, name], check=True, env=os.environ.copy())
        try:
            user = params.get("user") or "postgres"
            host = params.get("host") or "127.0.0.1"
            port = params.get("port") or 5432
            restored = _restore_elsewhere(backup, f"postgres://{user}@{host}:{port}/{name}")
        finally:
            subprocess.run(["dropdb", "--if-exists", *server, name], check=False)
    assert restored["reports"] == expected["reports"]
    assert restored["counts"] == expected["counts"]


def test_restore_puts_back_what_was_changed_since(demo, tmp_path):
    before = _reports_and_counts()
    backup = tmp_path / "finsam.backup"
    call_command("backup_db", str(backup), verbosity=0)
    budget = Budget.objects.order_by("pk").first()
    assert budget is not None
    budget.lines.all().delete()
    budget.delete()
    assert _reports_and_counts() != before

    call_command("restore_db", str(backup), interactive=False, verbosity=0)
    assert _reports_and_counts() == before


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "inte-en-backup"
    junk.write_bytes(b"hej")
    with pytest.raises(CommandError, match="inte"):
        call_command("restore_db", str(junk), interactive=False)
    with pytest.raises(CommandError, match="finns inte"):
        call_command("restore_db", str(tmp_path / "saknas"), interactive=False)


def test_make_targets_call_the_commands():
    makefile = (ROOT / "Makefile").read_text()
    assert "manage.py backup_db $(FILE)" in makefile
    assert 'manage.py restore_db "$(FILE)"' in makefile
