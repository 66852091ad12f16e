"""python manage.py restore_db FILE: put a backup from `backup_db` back.

Replaces everything in the database with the backup's contents. SQLite: the
backup API copies the file into the database. PostgreSQL: `pg_restore --clean`.
Works on an empty database as well as on one in use (stop the application
first: requests during the restore see a half-restored database).
"""

from __future__ import annotations

import sqlite3
import subprocess  # pg_restore: a fixed argument list, never a shell
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from finsam.management.commands.backup_db import engine_of, pg_environment, pg_tool

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"


class Command(BaseCommand):
    help = "Återställer databasen från en säkerhetskopia gjord med backup_db."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="säkerhetskopian")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="fråga inte före återställningen",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        engine = engine_of(alias)
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source} finns inte.")
        with source.open("rb") as file:
            header = file.read(16)
        expected = SQLITE_HEADER if engine == "sqlite" else PG_CUSTOM_HEADER
        if not header.startswith(expected):
            kind = "en SQLite-databas" if engine == "sqlite" else "en pg_dump-fil (-Fc)"
            raise CommandError(f"{source} är inte {kind}.")
        if options["interactive"]:
            name = connections[alias].settings_dict["NAME"]
            answer = input(
                f"Allt i databasen {name} ersätts med {source}. Skriv ja för att fortsätta: "
            )
            if answer.strip().lower() != "ja":
                raise CommandError("Avbrutet; inget är ändrat.")
        if engine == "sqlite":
            self.restore_sqlite(alias, source)
        else:
            self.restore_postgresql(alias, source)
        self.stdout.write(f"Databasen är återställd från {source}.")

    def restore_sqlite(self, alias: str, source: Path) -> None:
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            (ok,) = backup.execute("PRAGMA integrity_check").fetchone()
            if ok != "ok":
                raise CommandError(f"{source} är skadad: {ok}")
            connection = connections[alias]
            connection.ensure_connection()
            backup.backup(connection.connection)
        finally:
            backup.close()
        connections[alias].close()

    def restore_postgresql(self, alias: str, source: Path) -> None:
        options, env = pg_environment(alias)
        name = connections[alias].settings_dict["NAME"]
        connections[alias].close()
        result = subprocess.run(  # a fixed argument list, never a shell
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *options,
                f"--dbname={name}",
                str(source),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore misslyckades: {result.stderr.strip()}")
