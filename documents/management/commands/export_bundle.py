"""python manage.py export_bundle SLUG YEAR: print a förbund's plan year as a bundle."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from budgets.models import Budget
from documents.bundle.export import export_bundle
from finsam.audit import record
from finsam.models import Federation
from plans.models import Plan


class Command(BaseCommand):
    help = "Skriver ut förbundets verksamhetsplan och budget för ett år som planpaket (JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="förbundets kortnamn")
        parser.add_argument("year", type=int, help="planåret")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, year = options["slug"], options["year"]
        federation = Federation.objects.filter(slug=slug).first()
        if federation is None:
            self.fail(f"Förbundet {slug} finns inte.")
        try:
            data = export_bundle(federation, year)
        except (Plan.DoesNotExist, Budget.DoesNotExist):
            self.fail(f"{federation.name} har ingen verksamhetsplan med budget för {year}.")
        record(
            action="exporterade planpaket",
            federation=federation,
            obj=f"{federation.name} {year}",
            changes={"year": year, "via": "export_bundle"},
        )
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(1)
