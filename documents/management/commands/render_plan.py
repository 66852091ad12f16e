"""python manage.py render_plan SLUG YEAR --pdf FILE [--html FILE]

Writes the same document the browser downloads: the same selector, templates,
URL fetcher and cache as the PDF view. A fastställd plan is written as adopted,
from its snapshot: the adopted PDF byte for byte, and the adopted document's HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from documents.document import plan_document
from documents.pdf import plan_html, plan_pdf
from plans.models import Plan
from plans.selectors import current_snapshot, plan_queryset


class Command(BaseCommand):
    help = "Skriver ett förbunds verksamhetsplan för ett år som PDF och/eller HTML."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="förbundets kortnamn (slug)")
        parser.add_argument("year", type=int, help="planens år")
        parser.add_argument("--pdf", metavar="FIL", help="skriv PDF:en hit")
        parser.add_argument("--html", metavar="FIL", help="skriv HTML-dokumentet hit")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["pdf"] and not options["html"]:
            raise CommandError("Ange --pdf FIL och/eller --html FIL.")
        try:
            plan = plan_queryset().get(federation__slug=options["slug"], year=options["year"])
        except Plan.DoesNotExist:
            raise CommandError(
                f"Det finns ingen verksamhetsplan {options['year']} för {options['slug']}."
            ) from None
        snapshot = current_snapshot(plan)
        if snapshot is not None:
            adopted = f" (den fastställda versionen, revision {snapshot.revision})"
            if options["html"]:
                Path(options["html"]).write_text(snapshot.html, encoding="utf-8")
                self.stdout.write(f"HTML: {options['html']}{adopted}")
            if options["pdf"]:
                content = bytes(snapshot.pdf)
                Path(options["pdf"]).write_bytes(content)
                self.stdout.write(f"PDF: {options['pdf']}, {len(content)} byte{adopted}")
            return
        if options["html"]:
            Path(options["html"]).write_text(plan_html(plan_document(plan)), encoding="utf-8")
            self.stdout.write(f"HTML: {options['html']}")
        if options["pdf"]:
            rendered = plan_pdf(plan)
            Path(options["pdf"]).write_bytes(rendered.content)
            note = " (från cachen)" if rendered.from_cache else ""
            self.stdout.write(f"PDF: {options['pdf']}, {len(rendered.content)} byte{note}")
