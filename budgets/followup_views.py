"""The follow-up's pages: import the bookkeeping's SIE file, map its accounts to the
budget lines, and follow the year's budget (budgets/followup_data.py)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from budgets.actuals import ImportRefused, latest_import, store_actuals
from budgets.create_views import find_budget, missing_budget_response
from budgets.followup_data import (
    FollowUpConflict,
    FollowUpSheet,
    follow_up_sheet,
    save_follow_up,
    save_mapping,
    suggested_mapping,
)
from budgets.models import FollowUpRecord, ForecastMethod
from budgets.sie import SieError, read_actuals
from finsam.access import Access, edit_view, get_federation_for_user
from finsam.audit import record
from finsam.money import format_kr, parse_typed_amount
from finsam.roles import EDIT
from interventions.period import period_rows
from plans.models import Meeting, MeetingKind

# An SIE file of a förbund's year is well under a megabyte; the bench reads 1 MB.
MAX_SIE_BYTES = 20 * 1024 * 1024
NO_LINE = "-"


class SieUploadForm(forms.Form):
    file = forms.FileField(
        label="SIE-fil från bokföringen",
        help_text="Typ 2, 3 eller 4 (.se, .si, .sie), som Visma, Fortnox och andra exporterar.",
        error_messages={"required": "Välj SIE-filen att läsa in."},
    )


def _board_meetings(access: Access, year: int) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            plan__federation=access.federation, plan__year=year, kind=MeetingKind.BOARD
        ).order_by("date")
    )


def _sent(sheet: FollowUpSheet | None) -> FollowUpRecord | None:
    if sheet is None:
        return None
    return FollowUpRecord.objects.filter(follow_up=sheet.follow_up).first()


@login_required
def follow_up_page(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The year's follow-up: budget, actual to date, forecast and deviation per line,
    the findings, and her comments for the board."""
    access = get_federation_for_user(request.user, slug)
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method == "POST":
        return _save(request, access, budget)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    sheet = follow_up_sheet(budget)
    return _render(request, access, budget, sheet)


def _render(
    request, access, budget, sheet, *, typed=None, errors=None, import_errors=None, status=200
):
    follow = sheet.follow_up if sheet else None
    typed = typed or {}
    forecasts = typed.get("forecasts", (follow.forecasts if follow else {}) or {})
    comments = typed.get("comments", (follow.comments if follow else {}) or {})
    rows = []
    if sheet is not None:
        for group in sheet.groups:
            rows.append(
                {
                    "group": group,
                    "lines": [
                        {
                            "row": row,
                            "forecast_text": forecasts.get(row.line.key, ""),
                            "comment": comments.get(row.line.key, ""),
                            "error": (errors or {}).get(row.line.key),
                        }
                        for row in group.rows
                    ],
                }
            )
    return render(
        request,
        "budgets/follow_up.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "sheet": sheet,
            "rows": rows,
            "sent": _sent(sheet),
            "upload_form": SieUploadForm(),
            "methods": ForecastMethod.choices,
            "method": typed.get("method", follow.method if follow else ""),
            "comment": typed.get("comment", follow.comment if follow else ""),
            "meeting_id": typed.get("meeting_id", follow.meeting_id if follow else None),
            "meetings": _board_meetings(access, budget.year),
            "errors": errors or {},
            "import_errors": import_errors or [],
            "has_mapping": access.federation.account_mappings.exists(),
            "interventions": (
                period_rows(access.federation, budget.year, sheet.month) if sheet else []
            ),
        },
        status=status,
    )


def _save(request: HttpRequest, access: Access, budget) -> HttpResponse:
    access = get_federation_for_user(request.user, access.federation.slug, action=EDIT)
    sheet = follow_up_sheet(budget)
    if sheet is None:
        messages.error(request, "Läs in årets utfall först.")
        return redirect("follow_up", access.federation.slug, budget.year)
    post = request.POST
    method = post.get("method", "")
    keys = [row.line.key for row in sheet.rows]
    typed_forecasts = {
        key: post.get(f"forecast-{key}", "").strip()
        for key in keys
        if post.get(f"forecast-{key}", "").strip()
    }
    typed_comments = {key: post.get(f"comment-{key}", "") for key in keys}
    meeting_text = post.get("meeting", "")
    meetings = {str(m.pk): m for m in _board_meetings(access, budget.year)}
    typed = {
        "method": method,
        "forecasts": typed_forecasts,
        "comments": typed_comments,
        "comment": post.get("comment", ""),
        "meeting_id": int(meeting_text) if meeting_text in meetings else None,
    }
    errors: dict[str, str] = {}
    if method not in ForecastMethod.values:
        errors["method"] = "Välj hur prognosen ska räknas."
    if meeting_text and meeting_text not in meetings:
        errors["meeting"] = "Välj ett av årets styrelsemöten."
    forecasts: dict[str, Decimal] = {}
    for key, text in typed_forecasts.items():
        try:
            forecasts[key] = parse_typed_amount(text)
        except ValueError as error:
            errors[key] = str(error) or "Skriv prognosen som ett belopp, t.ex. 1 296 000."
    if errors:
        return _render(request, access, budget, sheet, typed=typed, errors=errors, status=400)
    try:
        version = int(post.get("version", ""))
    except ValueError:
        version = -1
    try:
        save_follow_up(
            sheet.follow_up,
            expected_version=version,
            method=method,
            forecasts=forecasts,
            comments=typed_comments,
            comment=typed["comment"],
            meeting_id=typed["meeting_id"],
            by=request.user,
        )
    except FollowUpConflict:
        errors["conflict"] = (
            "Uppföljningen har ändrats sedan du öppnade sidan, eller skickats till "
            "styrelsen. Det du skrev står kvar nedan: jämför och spara igen."
        )
        sheet = follow_up_sheet(budget)
        return _render(request, access, budget, sheet, typed=typed, errors=errors, status=409)
    messages.success(request, "Uppföljningen är sparad.")
    return redirect("follow_up", access.federation.slug, budget.year)


@edit_view
@login_required
def follow_up_import(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """An SIE file's actuals for the year: all of it, or with the reasons nothing."""
    access = get_federation_for_user(request.user, slug, action=EDIT)
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SieUploadForm(request.POST, request.FILES)
    problems: list[str] = []
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
    else:
        upload = form.cleaned_data["file"]
        if upload.size > MAX_SIE_BYTES:
            problems = ["Filen är för stor för en SIE-fil (högst 20 MB)."]
        else:
            content = upload.read()
            try:
                actuals = read_actuals(content)
                if actuals.start.year != budget.year and not actuals.unbalanced:
                    problems = [
                        f"Filen gäller räkenskapsåret {actuals.start.isoformat()}–"
                        f"{actuals.end.isoformat()}, inte {budget.year}."
                    ]
                else:
                    stored = store_actuals(
                        access.federation,
                        actuals,
                        file_name=upload.name,
                        content=content,
                        by=request.user,
                        needs_mapping=False,
                    )
            except SieError as error:
                problems = [f"{upload.name}: {error}"]
            except ImportRefused as refused:
                problems = refused.reasons
    if problems:
        return _render(
            request, access, budget, follow_up_sheet(budget), import_errors=problems, status=400
        )
    record(
        action="läste in årets utfall från SIE",
        by=request.user,
        federation=access.federation,
        obj=stored,
        changes={"file": stored.file_name, "accounts": len(actuals.accounts)},
    )
    messages.success(
        request,
        f"Utfallet till och med {stored.last_month} är inläst: {len(actuals.accounts)} "
        "resultatkonton.",
    )
    for warning in stored.warnings:
        messages.warning(request, warning)
    if not access.federation.account_mappings.exists():
        return redirect("follow_up_mapping", access.federation.slug, budget.year)
    return redirect("follow_up", access.federation.slug, budget.year)


@login_required
def follow_up_mapping(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The imported accounts and the budget line each is followed on: suggested from
    names and numbers until she saves, then hers, remembered for the next import."""
    access = get_federation_for_user(
        request.user, slug, action=EDIT if request.method == "POST" else "view"
    )
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    actuals = latest_import(access.federation, year)
    if actuals is None:
        messages.info(request, "Läs in en SIE-fil först; kontona hämtas från den.")
        return redirect("follow_up", access.federation.slug, year)
    lines, rows = suggested_mapping(access.federation, budget, actuals)
    keys = {line.key for line in lines}
    if request.method == "POST":
        choices: dict[str, str | None] = {}
        for account, _key, _suggested in rows:
            value = request.POST.get(f"line-{account.account}", NO_LINE)
            choices[account.account] = value if value in keys else None
        mapped, unmapped = save_mapping(access.federation, choices, request.user)
        text = f"Kopplingen är sparad: {mapped} konton till budgetrader."
        if unmapped:
            text += f" {unmapped} konton är inte kopplade och visas som okopplade i uppföljningen."
        messages.success(request, text)
        return redirect("follow_up", access.federation.slug, year)
    return render(
        request,
        "budgets/follow_up_mapping.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "actuals": actuals,
            "lines": lines,
            "rows": [
                {
                    "account": account,
                    "key": key,
                    "suggested": suggested,
                    "total_text": format_kr(account.total),
                }
                for account, key, suggested in rows
            ],
            "no_line": NO_LINE,
        },
    )
