"""python manage.py import_bundle FILE.json [--new-revision]: create or replace a förbund's plan year."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from budgets.bundle import BundleError, NotJSON, load_bundle_json
from documents.bundle.importer import DecidedPlanImport, bundle_import


class Command(BaseCommand):
    help = "Läser in ett planpaket (finsam-bundle/1) och skapar eller ersätter förbundets planår."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="planpaketet, en JSON-fil")
        parser.add_argument(
            "--new-revision",
            action="store_true",
            help=(
                "läs in paketet som en ny revision (ett utkast) av en fastställd plan; "
                "den fastställda versionen finns kvar som den var"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            text = Path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            self.fail(f"Filen {name} finns inte.")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(f"Kan inte läsa {name}: {exc}")
        try:
            data = load_bundle_json(text)
        except NotJSON as exc:
            self.fail(f"{name} är {exc.message}")
        except BundleError as exc:
            self.fail(f"Paketet avvisades, inget ändrades. {exc}")
        try:
            budget = bundle_import(data=data, new_revision=options["new_revision"])
        except DecidedPlanImport as exc:
            self.fail(
                f"Paketet avvisades, inget ändrades. {exc} Läs in paketet som en ny revision "
                "med --new-revision; den fastställda versionen finns kvar som den var."
            )
        except BundleError as exc:
            self.fail(f"Paketet avvisades, inget ändrades. {exc}")
        federation = budget.federation
        revision = ""
        if options["new_revision"]:
            plan = federation.plans.get(year=budget.year)
            revision = f" Planen är nu revision {plan.revision}, ett utkast."
        self.stdout.write(
            self.style.SUCCESS(
                f"Läste in {federation.name} ({federation.slug}) {budget.year}: "
                f"verksamhetsplan och budget, version {budget.version}.{revision}"
            )
        )

    def fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(1)
