"""python manage.py import_sie SLUG FILE [--dry-run] [--json]"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.actuals import ImportRefused, store_actuals
from budgets.sie import Actuals, SieError, read_actuals
from finsam.models import Federation
from finsam.money import format_kr


class Command(BaseCommand):
    help = (
        "Läser in årets utfall från en SIE-fil (typ 2–4) från bokföringen. Med --dry-run "
        "läses och kontrolleras filen utan att något sparas."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="förbundets kortnamn, t.ex. sodra-vatterbygden")
        parser.add_argument("file", help="SIE-filen")
        parser.add_argument(
            "--dry-run", action="store_true", help="läs och kontrollera, spara ingenting"
        )
        parser.add_argument("--json", action="store_true", help="skriv utfallet som JSON")

    def handle(self, *args: object, **options: object) -> None:
        federation = Federation.objects.filter(slug=options["slug"]).first()
        if federation is None:
            raise CommandError(f"Det finns inget förbund {options['slug']!r}.")
        path = Path(str(options["file"]))
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen {path} kan inte läsas: {error.strerror}.") from error
        try:
            actuals = read_actuals(content)
        except SieError as error:
            raise CommandError(f"{path.name}: {error}") from error

        if options["json"]:
            self.stdout.write(json.dumps(actuals.as_json(), ensure_ascii=False, indent=2))
        else:
            self._summary(path.name, actuals)
        if options["dry_run"]:
            if actuals.unbalanced:
                raise CommandError(
                    "Filen skulle inte läsas in: "
                    + " ".join(u.message() for u in actuals.unbalanced)
                )
            return
        try:
            record = store_actuals(federation, actuals, file_name=path.name, content=content)
        except ImportRefused as refused:
            raise CommandError("\n".join(refused.reasons)) from refused
        if not options["json"]:
            self.stdout.write(
                f"Utfallet för {record.year} är inläst för {federation.name} "
                f"({len(actuals.accounts)} konton, till och med {record.last_month})."
            )

    def _summary(self, name: str, from_file: Actuals) -> None:
        self.stdout.write(
            f"{name}: {from_file.company or 'okänt företag'} ({from_file.program or 'okänt program'}), "
            f"räkenskapsår {from_file.start.isoformat()}–{from_file.end.isoformat()}, "
            f"{len(from_file.accounts)} resultatkonton med utfall."
        )
        for number, account in sorted(from_file.accounts.items()):
            self.stdout.write(f"  {number} {account.name}: {format_kr(account.total)}")
        for message in [u.message() for u in from_file.unbalanced] + from_file.warnings:
            self.stdout.write(f"  Obs! {message}")
