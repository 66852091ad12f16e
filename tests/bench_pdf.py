"""`make bench`, the PDF part: the largest demo plan and a synthetic large plan
(30 sections, 50 interventions, 300 budget lines) rendered to PDF.

One JSON line per case (`"figure": "pdf_<case>"`; each time the fastest of two runs): seconds for the whole
uncached download (load, HTML, WeasyPrint),
pages, the ratio to WeasyPrint alone rendering the same, already-made HTML (the
application's overhead), and the seconds of a second, cached download. Runs inside
tests/bench.py's throw-away test database.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

SECTION_BODY = (
    "Förbundet arbetar enligt lag (2003:1210) om finansiell samordning av "
    "rehabiliteringsinsatser. **Syftet** är att underlätta en effektiv användning av "
    "de gemensamma resurserna.\n\n- individinsatser\n- strukturella insatser\n- uppföljning\n\n"
    "Insatserna ska arbeta aktivt för jämställdhet och jämlikhet. " * 2
)


def _pages(content: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    for line in info.stdout.decode().splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def _largest_demo_plan():
    from documents.bundle.importer import bundle_import
    from plans.models import Plan

    demo_dir = Path(__file__).resolve().parent.parent / "documents" / "demo"
    for path in sorted(demo_dir.glob("*.json")):
        bundle_import(data=json.loads(path.read_text(encoding="utf-8")))
    return _largest_demo_plan_of(Plan.objects.select_related("federation"))


def _largest_demo_plan_of(plans):
    """The plan with the most sections, meetings and budget lines (bench/pdf.py too)."""

    def size(plan) -> int:
        budget = plan.federation.budgets.get(year=plan.year)
        return plan.sections.count() + plan.meetings.count() + budget.lines.count()

    return max(plans, key=size)


def _synthetic_plan():
    """30 sections, 50 interventions, 300 budget lines."""
    from budgets.models import Amount, Line
    from interventions.models import Intervention, InterventionGoal
    from plans import services
    from plans.models import Meeting, MeetingKind, Section
    from tests.budgets.test_views import make_budget
    from tests.factories import complete_federation

    federation = complete_federation(name="Samordningsförbundet Stora Bänken", slug="stora-banken")
    budget = make_budget(federation, extra_lines=250)  # 6 lines + 250
    plan = services.plan_create(federation=federation, year=budget.year, by=None)
    Section.objects.bulk_create(
        Section(plan=plan, heading=f"Avsnitt {i + 1}", body=SECTION_BODY, position=10 + i)
        for i in range(30 - plan.sections.count())
    )
    members = list(federation.members.all())
    interventions = []
    for i in range(49):  # and make_budget's Enter
        intervention = Intervention.objects.create(
            federation=federation,
            key=f"insats-{i}",
            name=f"Insats nummer {i + 1}",
            individual_share_percent=Decimal(100 if i % 3 else 50),
            position=i + 1,
            target_group="Personer 18–64 år i behov av samordnade insatser.",
            purpose="Fler ska komma i arbete eller studier.",
        )
        intervention.members.set(members[i % 3 : i % 3 + 2])
        InterventionGoal.objects.bulk_create(
            InterventionGoal(intervention=intervention, text=f"Mål {g + 1}", position=g)
            for g in range(3)
        )
        interventions.append(intervention)
    columns = list(budget.columns.all())
    lines = Line.objects.bulk_create(
        Line(
            budget=budget,
            key=f"insats-rad-{i}",
            category="intervention",
            label=f"Insats nummer {i + 1}",
            intervention=interventions[i],
            position=500 + i,
        )
        for i in range(44)
    )
    Amount.objects.bulk_create(
        Amount(line=line, column=column, amount=Decimal(100_000))
        for line in lines
        for column in columns
    )
    Meeting.objects.bulk_create(
        Meeting(plan=plan, kind=kind, date=date(plan.year, month, 10 + k), title=str(kind.label))
        for month in range(1, 13)
        for k, kind in enumerate((MeetingKind.BOARD, MeetingKind.PREPARATORY))
    )
    assert budget.lines.filter(scenario=None).count() == 300
    return plan


def _best(fn, repeat: int = 2):
    """The fastest of `repeat` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def _case(name: str, plan) -> dict[str, object]:
    from django.core.cache import caches

    from documents.document import plan_document
    from documents.pdf import CACHE_ALIAS, html_to_pdf, plan_html, plan_pdf

    def download():
        caches[CACHE_ALIAS].clear()
        return plan_pdf(plan)

    seconds, rendered = _best(download)
    assert not rendered.from_cache
    html = plan_html(plan_document(plan))
    weasyprint_seconds, _ = _best(lambda: html_to_pdf(html))
    cached_seconds, cached = _best(lambda: plan_pdf(plan), repeat=3)
    assert cached.from_cache and cached.content == rendered.content
    return {
        "figure": f"pdf_{name}",
        "plan": f"{plan.federation.slug} {plan.year}",
        "sections": plan.sections.count(),
        "interventions": plan.federation.interventions.count(),
        "budget_lines": plan.federation.budgets.get(year=plan.year)
        .lines.filter(scenario=None)
        .count(),
        "seconds": round(seconds, 3),
        "pages": _pages(rendered.content),
        "weasyprint_alone_seconds": round(weasyprint_seconds, 3),
        "ratio_to_weasyprint_alone": round(seconds / weasyprint_seconds, 3),
        "cached_seconds": round(cached_seconds, 4),
    }


def run_pdf_bench() -> list[dict[str, object]]:
    """Print one JSON line per case and return them."""
    from django.test.utils import override_settings

    # The first import and font loading are not what we measure.
    from documents.pdf import html_to_pdf

    html_to_pdf('<html lang="sv"><title>x</title><p>x</p></html>')
    results = []
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        for name, make in (
            ("largest_demo_plan", _largest_demo_plan),
            ("synthetic_large_plan", _synthetic_plan),
        ):
            result = _case(name, make())
            print(json.dumps(result, ensure_ascii=False), flush=True)
            results.append(result)
    return results
