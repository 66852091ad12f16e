"""python manage.py import_budget_table SLUG YEAR FILE [--dry-run] [--json]

Reads a förbund's own budget table (tab-separated, as Excel or Word copy it; FILE
"-" is standard input), checks its printed totals and proposes a category for each
line, then makes it the budget of the plan year YEAR. With --dry-run nothing is
written, and no plan or budget for the year is needed. Bad input is named by row
and column on standard error, with exit code 1, and nothing is written.

--json writes the table as read (budgets.table_data.PastedTable.as_dict):

    {"unit": "tkr",
     "columns": [{"header": "Budget 2018 Preliminärt förslag", "year": 2018, "kind": "plan"}],
     "lines": [{"label": "Lokal", "category": "administration", "amounts": {"2018": "300000"},
                "row": 7, "section": "Kansli", "member": null, "intervention": null}],
     "totals": {"2018": {"income": "24000000", "costs": "24000000", "result": "0"}},
     "printed_totals": [{"label": "Summa kostnader totalt", "year": 2018, "printed": "19000000",
                         "computed": "24000000", "matches": false, "row": 12,
                         "column": "2018:plan"}],
     "opening_equity": null, "skipped": [...], "warnings": [...]}

Amounts are kronor as decimal strings. `amounts` and `totals` are keyed by year for
the planning columns (the plan year's budget and later plan columns) and by column
code ("2019:forecast") for the comparison columns; `member` and `intervention` are
the matched keys.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from budgets.models import Category
from budgets.table_data import PastedTable, TableError
from budgets.table_import import TableImportRefused, budget_import_table, table_names
from budgets.table_paste import parse_table
from finsam.models import Federation
from finsam.money import format_kr
from plans.freeze import PlanFrozen

CATEGORY_LABELS = {str(code): str(label) for code, label in Category.choices}


def read_text(data: bytes) -> str:
    """The file as Excel or Word saves text: UTF-8 (with or without BOM), UTF-16 with
    a BOM ("Unicode-text"), else Windows-1252 ("Text (tabbavgränsad)")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class Command(BaseCommand):
    help = (
        "Läser in förbundets egen budgettabell (tabbavgränsad text, som Excel eller Word "
        "kopierar den) som budget för planåret, efter att ha kontrollerat dess summor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="förbundets kortnamn, t.ex. sundbyberg")
        parser.add_argument("year", type=int, help="planåret som tabellen gäller")
        parser.add_argument("file", help="tabellen som textfil, eller - för standard in")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="läs och kontrollera tabellen men spara inget",
        )
        parser.add_argument("--json", action="store_true", help="skriv tabellen som JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, year, name = options["slug"], options["year"], options["file"]
        federation = Federation.objects.filter(slug=slug).first()
        if federation is None:
            self.fail(f"Det finns inget förbund med kortnamnet {slug!r}.")
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except FileNotFoundError:
            self.fail(f"Filen {name} finns inte.")
        except OSError as exc:
            self.fail(f"Kan inte läsa {name}: {exc}")
        names = table_names(federation)
        try:
            table = parse_table(
                read_text(data),
                year=year,
                members=list(names.members),
                interventions=list(names.interventions),
            )
        except TableError as exc:
            self.fail("Tabellen gick inte att läsa, inget sparades.\n" + str(exc))

        saved = ""
        if not options["dry_run"]:
            try:
                budget = budget_import_table(federation=federation, year=year, table=table)
            except (TableImportRefused, PlanFrozen) as exc:
                message = exc.message if isinstance(exc, TableImportRefused) else exc.messages[0]
                self.fail(f"Tabellen sparades inte, inget ändrades. {message}")
            saved = (
                f"Sparade budget {year} för {federation.name} ({federation.slug}) från tabellen, "
                f"version {budget.version}."
            )

        if options["json"]:
            document = table.as_dict(names.members, names.interventions)
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            if saved:
                self.stderr.write(saved)
            return
        self.stdout.write(_report(table, names.members, names.interventions))
        self.stdout.write(saved or "Inget sparades (--dry-run).")

    def fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        raise SystemExit(1)


def _report(table: PastedTable, members: dict[str, str], interventions: dict[str, str]) -> str:
    headings = ", ".join(
        c.header if c.header == c.heading else f"{c.header} ({c.heading})" for c in table.columns
    )
    out = [f"Kolumner: {headings}. Belopp i {table.unit}."]
    if table.sign_convention:
        out.append(
            "Tabellen har bokföringens tecken; beloppen är vända så att intäkter och "
            "kostnader är positiva."
        )
    out.append("")
    out.append(f"Rader ({len(table.lines)}), med föreslagen kategori:")
    for line in table.lines:
        link = line.member or line.intervention
        key = members.get(link, "") if line.member else interventions.get(link or "", "")
        linked = f" → {link} ({key})" if link else ""
        out.append(f"  rad {line.row}: {line.label} – {CATEGORY_LABELS[line.category]}{linked}")
    totals = table.totals()
    if totals:
        out.append("")
        out.append("Summor enligt raderna:")
        for code, figures in totals.items():
            out.append(
                f"  {code.split(':')[0]}: intäkter {format_kr(figures.income)}, kostnader "
                f"{format_kr(figures.costs)}, resultat {format_kr(figures.result)}"
            )
    out.append("")
    if table.mismatches:
        out.append(f"Tryckta summor som inte stämmer med raderna ({len(table.mismatches)}):")
        out += [f"  - {t.message} (rad {t.row})" for t in table.mismatches]
    elif table.printed_totals:
        out.append(f"Alla {len(table.printed_totals)} tryckta summor stämmer med raderna.")
    if table.opening_equity is not None:
        out.append(
            f"Eget kapital vid årets början (IB): {format_kr(table.opening_equity)} "
            f"(rad {table.opening_equity_row})."
        )
    if table.warnings:
        out.append("")
        out.append("Att lägga märke till:")
        out += [f"  - {w}" for w in table.warnings]
    return "\n".join(out).replace("\u00a0", " ")
