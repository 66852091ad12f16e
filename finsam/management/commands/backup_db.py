"""python manage.py backup_db [FILE]: a consistent copy of the database, online.

SQLite: the online backup API (sqlite3.Connection.backup), page by page while
the application keeps running. PostgreSQL: `pg_dump -Fc`, consistent while the
database is in use. (`dumpdata` is neither.) Restore with `restore_db FILE`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # pg_dump: a fixed argument list, never a shell
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone


def engine_of(alias: str) -> str:
    engine = connections[alias].vendor
    if engine not in ("sqlite", "postgresql"):
        raise CommandError(f"Säkerhetskopiering stöds för SQLite och PostgreSQL, inte {engine}.")
    return engine


def pg_environment(alias: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection options from Django's settings; the password
    goes in the environment, never on the command line."""
    params = connections[alias].get_connection_params()
    options = []
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params.get(key):
            options.append(f"{flag}={params[key]}")
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    return options, env


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} finns inte (Debian-paketet postgresql-client).")
    return path


class Command(BaseCommand):
    help = (
        "Säkerhetskopierar databasen till en fil (SQLite: backup-API:t, PostgreSQL: pg_dump -Fc)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "file", nargs="?", help="målfil; utan den backups/finsam-DATUM-TID.sqlite3 eller .dump"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        engine = engine_of(alias)
        target = Path(options["file"]) if options["file"] else self.default_path(engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        if engine == "sqlite":
            self.backup_sqlite(alias, target)
        else:
            self.backup_postgresql(alias, target)
        self.stdout.write(f"Säkerhetskopian är sparad i {target}.")

    def default_path(self, engine: str) -> Path:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        suffix = "sqlite3" if engine == "sqlite" else "dump"
        return Path(settings.BASE_DIR) / "backups" / f"finsam-{stamp}.{suffix}"

    def backup_sqlite(self, alias: str, target: Path) -> None:
        connection = connections[alias]
        connection.ensure_connection()
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)
        destination = sqlite3.connect(partial)
        try:
            # Copies committed pages; other connections may keep writing meanwhile.
            connection.connection.backup(destination)
        finally:
            destination.close()
        partial.chmod(0o600)
        partial.replace(target)

    def backup_postgresql(self, alias: str, target: Path) -> None:
        options, env = pg_environment(alias)
        name = connections[alias].settings_dict["NAME"]
        partial = target.with_name(target.name + ".part")
        result = subprocess.run(  # a fixed argument list, never a shell
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                *options,
                f"--dbname={name}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CommandError(f"pg_dump misslyckades: {result.stderr.strip()}")
        partial.chmod(0o600)
        partial.replace(target)
