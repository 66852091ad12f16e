"""python manage.py import_bundle FILE.json: create or replace a förbund's plan year."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from budgets.bundle import BundleError
from budgets.services import bundle_import


class Command(BaseCommand):
    help = "Läser in ett planpaket (finsam-bundle/1) och skapar eller ersätter förbundets planår."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="planpaketet, en JSON-fil")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            text = Path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            self.fail(f"Filen {name} finns inte.")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(f"Kan inte läsa {name}: {exc}")
        try:
            # Floats stay floats, so that the bundle check refuses them as amounts.
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.fail(
                f"{name} är inte giltig JSON (rad {exc.lineno}, kolumn {exc.colno}): {exc.msg}"
            )
        try:
            budget = bundle_import(data=data)
        except BundleError as exc:
            self.fail(f"Paketet avvisades, inget ändrades. {exc}")
        federation = budget.federation
        self.stdout.write(
            self.style.SUCCESS(
                f"Läste in {federation.name} ({federation.slug}) {budget.year}: "
                f"verksamhetsplan och budget, version {budget.version}."
            )
        )

    def fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(1)
