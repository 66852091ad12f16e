"""The board's follow-up report, "Ekonomisk uppföljning per 30 juni 2026": the year's
follow-up (budgets/followup_data.py) with the förbundschef's comments and the
interventions' participants and goals, as HTML and PDF from the plan's template
family. When sent it is frozen like an adopted plan (FollowUpRecord: data, HTML,
PDF, SHA-256 each), and its forecast becomes next year's prognos column."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from budgets.create_views import find_budget, missing_budget_response
from budgets.followup_data import (
    FollowUpSheet,
    data_text,
    follow_up_sheet,
    forecast_into_next_year,
    sheet_data,
)
from budgets.models import Budget, FollowUp, FollowUpRecord
from documents.pdf import DRAFT_STYLESHEET, STYLESHEET, html_to_pdf, static_path_url
from finsam.access import edit_view, get_federation_for_user
from finsam.audit import record
from finsam.models import Federation
from finsam.roles import EDIT
from interventions.period import period_data, period_rows

REPORT_TEMPLATE = "plans/follow_up_report_pdf.html"
REPORT_STYLESHEET = "css/print-report.css"


@dataclass(frozen=True)
class FollowUpReport:
    sheet: FollowUpSheet
    interventions: tuple
    federation: Federation

    @property
    def comments(self) -> list[tuple[str, str]]:
        """(line label, her comment) for each line she commented on, in table order."""
        written = self.sheet.follow_up.comments or {}
        return [
            (row.line.label, written[row.line.key])
            for row in self.sheet.rows
            if written.get(row.line.key, "").strip()
        ]


def _follow_up(budget: Budget, month: int) -> FollowUp:
    follow = FollowUp.objects.filter(
        federation=budget.federation, year=budget.year, month=month
    ).first()
    if follow is None:
        raise Http404("Ingen uppföljning för den månaden.")
    return follow


def report_for(budget: Budget, month: int) -> FollowUpReport:
    follow = _follow_up(budget, month)
    sheet = follow_up_sheet(budget, follow=follow)
    if sheet is None or sheet.month != month:
        raise Http404("Uppföljningen gäller inte det senast inlästa utfallet.")
    return FollowUpReport(
        sheet=sheet,
        interventions=tuple(period_rows(budget.federation, budget.year, month)),
        federation=budget.federation,
    )


def report_html(report: FollowUpReport, *, draft: bool) -> str:
    return render_to_string(
        REPORT_TEMPLATE,
        {
            "report": report,
            "sheet": report.sheet,
            "draft": draft,
            "stylesheet_url": static_path_url(STYLESHEET),
            "report_stylesheet_url": static_path_url(REPORT_STYLESHEET),
            "draft_stylesheet_url": static_path_url(DRAFT_STYLESHEET),
        },
    )


def _filename(follow: FollowUp) -> str:
    return f"uppfoljning-{follow.federation.slug}-{follow.year}-{follow.month:02d}.pdf"


def _pdf_response(content: bytes, filename: str, sha256: str | None = None) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "private, no-cache"
    if sha256:
        response["X-Content-SHA256"] = sha256
    return response


def _load(request: HttpRequest, slug: str, year: int, *, action: str = "view"):
    access = get_federation_for_user(request.user, slug, action=action)
    return access, find_budget(access, year)


@login_required
def follow_up_report(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    """The report as a page: as sent, when it has been; else as it would be sent."""
    access, budget = _load(request, slug, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    follow = _follow_up(budget, month)
    sent = FollowUpRecord.objects.filter(follow_up=follow).first()
    report = None if sent else report_for(budget, month)
    return render(
        request,
        "plans/follow_up_report.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "follow": follow,
            "sent": sent,
            "report": report,
            "sheet": report.sheet if report else None,
        },
    )


@login_required
def follow_up_report_pdf(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    """The sent report's PDF byte for byte, or a draft's, marked UTKAST."""
    access, budget = _load(request, slug, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    follow = _follow_up(budget, month)
    sent = FollowUpRecord.objects.filter(follow_up=follow).first()
    if sent is not None:
        return _pdf_response(bytes(sent.pdf), _filename(follow), sent.pdf_sha256)
    content = html_to_pdf(report_html(report_for(budget, month), draft=True))
    return _pdf_response(content, _filename(follow).replace(".pdf", "-utkast.pdf"))


@edit_view
@login_required
def follow_up_send(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    """Send the report to the board: frozen from now on, and its forecast goes into
    next year's budget as the prognos column."""
    access, budget = _load(request, slug, year, action=EDIT)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    report = report_for(budget, month)
    follow = report.sheet.follow_up
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    if version != follow.version:
        messages.error(
            request,
            "Uppföljningen har ändrats sedan du öppnade rapporten. Läs igenom den igen "
            "innan du skickar den.",
        )
        return redirect("follow_up_report", access.federation.slug, year, month)
    data = sheet_data(report.sheet)
    data["interventions"] = period_data(report.interventions)
    text, data_sha = data_text(data)
    html = report_html(report, draft=False)
    pdf = html_to_pdf(html)
    try:
        with transaction.atomic():
            sent = FollowUpRecord.objects.create(
                follow_up=follow,
                sent_at=timezone.now(),
                sent_by=request.user,
                actuals_import=report.sheet.actuals,
                data=text,
                data_sha256=data_sha,
                html=html,
                pdf=pdf,
                pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            )
            next_year = forecast_into_next_year(
                access.federation, year, report.sheet.rows, request.user
            )
    except IntegrityError:
        messages.error(request, "Rapporten är redan skickad till styrelsen.")
        return redirect("follow_up_report", access.federation.slug, year, month)
    record(
        action="skickade uppföljningen till styrelsen",
        by=request.user,
        federation=access.federation,
        obj=follow,
        changes={"data_sha256": data_sha, "pdf_sha256": sent.pdf_sha256, "next_year": next_year},
    )
    text = f"Rapporten per {report.sheet.as_of_text} är skickad till styrelsen och låst."
    if next_year:
        text += f" Prognosen är inlagd som {year} års prognos i budgeten för {year + 1}."
    messages.success(request, text)
    return redirect("follow_up_report", access.federation.slug, year, month)
