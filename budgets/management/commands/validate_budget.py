"""python manage.py validate_budget SLUG YEAR [--json] [--scenario NAME]"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.rules import evaluate, find_scenario
from budgets.selectors import budget_facts, budget_queryset, budget_report
from finsam.findings import by_severity
from finsam.money import format_kr, format_percent

ROWS = (
    ("Medlemsbidrag", "contributions", "kr"),
    ("  varav staten", "state", "kr"),
    ("  varav regionen", "region", "kr"),
    ("  varav kommunerna", "municipalities", "kr"),
    ("Övriga intäkter", "other_income", "kr"),
    ("Kostnader", "costs", "kr"),
    ("  varav insatser", "intervention_costs", "kr"),
    ("  varav administration", "administration_costs", "kr"),
    ("  varav övrigt", "other_costs", "kr"),
    ("Årets resultat", "result", "kr"),
    ("Eget kapital, IB", "opening_equity", "kr"),
    ("Eget kapital, UB", "closing_equity", "kr"),
    ("Tak för eget kapital", "equity_cap", "kr"),
    ("Statens andel", "state_share", "%"),
    ("Regionens andel", "region_share", "%"),
    ("Kommunernas andel", "municipal_share", "%"),
    ("Insatser av bidragen", "intervention_share", "%"),
    ("Administration av bidragen", "administration_share", "%"),
    ("Individinriktad andel", "individual_share", "%"),
    ("Strukturell andel", "structural_share", "%"),
)


class Command(BaseCommand):
    help = "Kontrollerar en budget mot reglerna och skriver rapporten (finsam-report/1 med --json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="förbundets kortnamn, t.ex. sodra-vatterbygden")
        parser.add_argument("year", type=int, help="budgetåret")
        parser.add_argument("--json", action="store_true", help="skriv rapporten som JSON")
        parser.add_argument("--scenario", help="namnet på ett scenario")

    def handle(self, *args: object, **options: object) -> None:
        slug, year = options["slug"], options["year"]
        budget = budget_queryset().filter(federation__slug=slug, year=year).first()
        if budget is None:
            raise CommandError(f"Det finns ingen budget {year} för förbundet {slug!r}.")
        facts = budget_facts(budget)
        scenario = None
        if options["scenario"]:
            try:
                scenario = find_scenario(facts, str(options["scenario"]))
            except KeyError:
                names = ", ".join(repr(s.name) for s in facts.scenarios) or "inga"
                raise CommandError(
                    f"Budgeten har inget scenario {options['scenario']!r} (scenarier: {names})."
                ) from None
        evaluation = evaluate(facts, scenario)
        if options["json"]:
            report = budget_report(facts, evaluation)
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self._table(budget, evaluation))

    def _table(self, budget, evaluation) -> str:
        planning = evaluation.planning
        title = f"{budget.federation.name}, budget {budget.year}"
        if evaluation.scenario:
            title += f" – scenario: {evaluation.scenario}"
        width = max(len(label) for label, _, _ in ROWS) + 2
        lines = [title, "=" * len(title), ""]
        lines.append(" " * width + "".join(f"{col.year:>16}" for col in planning))
        for label, attr, unit in ROWS:
            values = [getattr(col, attr) for col in planning]
            fmt = format_kr if unit == "kr" else format_percent
            cells = "".join(f"{fmt(v):>16}" for v in values)
            lines.append(f"{label:<{width}}{cells}")
        lines.append("")
        findings = by_severity(list(evaluation.findings))
        if not findings:
            lines.append("Inga anmärkningar.")
        else:
            lines.append(f"Anmärkningar ({len(findings)}):")
            for f in findings:
                lines.append(f"- {f.severity_label} [{f.rule}] {f.year}: {f.message}")
        return "\n".join(lines).replace("\u00a0", " ")
