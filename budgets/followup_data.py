"""The follow-up of a year from the database: the year's budget (its facts, so an
adopted year's figures are the snapshot's), the latest imported actuals, the
förbund's account mapping and the follow-up she prepares (method, entered
forecasts, comments). The figures and findings are budgets/followup.py's; this
module only gathers what they need, and stores what she changes."""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from budgets.actuals import latest_import, months_elapsed
from budgets.followup import (
    AccountRange,
    BudgetLine,
    ForecastYear,
    LineFollowUp,
    actuals_by_line,
    follow_up,
    follow_up_findings,
    forecast_year,
    subtotal,
    suggest_mapping,
)
from budgets.models import (
    INCOME_CATEGORIES,
    AccountMapping,
    ActualsImport,
    Amount,
    Budget,
    Category,
    Column,
    ColumnKind,
    FollowUp,
    Line,
)
from budgets.rules import evaluate
from budgets.selectors import budget_facts
from finsam.audit import record
from finsam.findings import Finding
from finsam.models import Federation
from finsam.money import amount_str, percent_str, swedish_date
from plans.freeze import plan_is_frozen

ZERO = Decimal(0)
CATEGORY_LABELS = dict(Category.choices)
GROUP_TOTAL_LABELS = {
    Category.CONTRIBUTION: "Summa medlemsbidrag",
    Category.OTHER_INCOME: "Summa övriga intäkter",
    Category.INTERVENTION: "Summa insatser",
    Category.ADMINISTRATION: "Summa administration",
    Category.OTHER_COST: "Summa övriga kostnader",
}


@dataclass(frozen=True)
class LineGroup:
    category: str
    label: str
    rows: tuple[LineFollowUp, ...]
    total: LineFollowUp


@dataclass(frozen=True)
class UnmappedAccount:
    account: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class FollowUpSheet:
    """Everything the follow-up page and the board's report show."""

    year: int
    month: int
    as_of: date
    actuals: ActualsImport
    follow_up: FollowUp
    lines: tuple[BudgetLine, ...]
    groups: tuple[LineGroup, ...]
    income: LineFollowUp
    costs: LineFollowUp
    totals: ForecastYear
    opening_equity: Decimal
    findings: tuple[Finding, ...]
    unmapped: tuple[UnmappedAccount, ...] = field(default=())

    @property
    def rows(self) -> tuple[LineFollowUp, ...]:
        return tuple(row for group in self.groups for row in group.rows)

    @property
    def total_rows(self) -> tuple[LineFollowUp, LineFollowUp]:
        return (self.income, self.costs)

    @property
    def as_of_text(self) -> str:
        return swedish_date(self.as_of)

    @property
    def title(self) -> str:
        return f"Ekonomisk uppföljning per {self.as_of_text}"


def budget_lines(budget: Budget) -> tuple[BudgetLine, ...]:
    facts = budget_facts(budget)
    return tuple(BudgetLine(line.key, line.category, line.label) for line in facts.lines)


def mapping_ranges(federation: Federation) -> list[AccountRange]:
    return [
        AccountRange(m.first_account, m.last_account, m.line_key)
        for m in AccountMapping.objects.filter(federation=federation)
    ]


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def current_follow_up(federation: Federation, year: int, month: int) -> FollowUp:
    follow, _created = FollowUp.objects.get_or_create(federation=federation, year=year, month=month)
    return follow


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def follow_up_sheet(
    budget: Budget, actuals: ActualsImport | None = None, follow: FollowUp | None = None
) -> FollowUpSheet | None:
    """The year's follow-up at the latest import (None: nothing imported yet)."""
    federation = budget.federation
    actuals = actuals or latest_import(federation, budget.year)
    if actuals is None:
        return None
    months = max(1, min(12, months_elapsed(actuals)))
    follow = follow or current_follow_up(federation, budget.year, months)
    facts = budget_facts(budget)
    code = f"{budget.year}:{ColumnKind.BUDGET}"
    lines = tuple(BudgetLine(line.key, line.category, line.label) for line in facts.lines)
    budgets = {line.key: line.amounts.get(code, ZERO) for line in facts.lines}
    accounts = list(actuals.accounts.all())
    totals = {a.account: a.total for a in accounts}
    by_line, unmapped = actuals_by_line(totals, mapping_ranges(federation), lines)
    entered = {
        key: amount
        for key, value in (follow.forecasts or {}).items()
        if (amount := _decimal(value)) is not None
    }
    rows = follow_up(lines, budgets, by_line, months, follow.method, entered)
    column = next((c for c in evaluate(facts).columns if c.column == code), None)
    opening = (
        column.opening_equity
        if column is not None and column.opening_equity is not None
        else facts.opening_equity
    )
    year_totals = forecast_year(rows, opening)
    groups = []
    for category in Category.values:
        in_group = tuple(row for row in rows if row.line.category == category)
        if in_group:
            groups.append(
                LineGroup(
                    category,
                    CATEGORY_LABELS[category],
                    in_group,
                    subtotal(GROUP_TOTAL_LABELS[category], category, in_group),
                )
            )
    names = {a.account: a.name for a in accounts}
    findings = follow_up_findings(
        budget.year,
        rows,
        year_totals,
        months,
        equity_cap=column.equity_cap if column is not None else None,
        equity_floor=facts.equity_floor,
        unmapped=unmapped,
    )
    return FollowUpSheet(
        year=budget.year,
        month=months,
        as_of=month_end(budget.year, months),
        actuals=actuals,
        follow_up=follow,
        lines=lines,
        groups=tuple(groups),
        income=subtotal(
            "Summa intäkter",
            Category.OTHER_INCOME,
            [r for r in rows if r.line.category in INCOME_CATEGORIES],
        ),
        costs=subtotal(
            "Summa kostnader",
            Category.OTHER_COST,
            [r for r in rows if r.line.category not in INCOME_CATEGORIES],
        ),
        totals=year_totals,
        opening_equity=opening,
        findings=tuple(findings),
        unmapped=tuple(
            UnmappedAccount(account, names.get(account, ""), amount)
            for account, amount in sorted(unmapped.items())
        ),
    )


def _row_data(row: LineFollowUp) -> dict[str, object]:
    return {
        "key": row.line.key,
        "category": row.line.category,
        "label": row.line.label,
        "budget": amount_str(row.budget),
        "actual": amount_str(row.actual),
        "used_percent": percent_str(row.used_percent),
        "expected": amount_str(row.expected),
        "forecast": amount_str(row.forecast),
        "deviation": amount_str(row.deviation),
        "deviation_percent": percent_str(row.deviation_percent),
    }


def sheet_data(sheet: FollowUpSheet) -> dict[str, object]:
    """The follow-up as plain JSON: what the board was sent, frozen with it."""
    follow = sheet.follow_up
    return {
        "format": "finsam-followup/1",
        "federation": follow.federation.slug,
        "year": sheet.year,
        "month": sheet.month,
        "as_of": sheet.as_of.isoformat(),
        "method": follow.method,
        "actuals": {
            "file_name": sheet.actuals.file_name,
            "sha256": sheet.actuals.sha256,
            "program": sheet.actuals.program,
            "last_month": sheet.actuals.last_month,
            "warnings": list(sheet.actuals.warnings),
        },
        "meeting": (
            {"date": follow.meeting.date.isoformat(), "title": follow.meeting.display_title}
            if follow.meeting
            else None
        ),
        "lines": [
            {**_row_data(row), "comment": (follow.comments or {}).get(row.line.key, "")}
            for row in sheet.rows
        ],
        "subtotals": [_row_data(group.total) for group in sheet.groups],
        "income": _row_data(sheet.income),
        "costs": _row_data(sheet.costs),
        "result": amount_str(sheet.totals.result),
        "opening_equity": amount_str(sheet.opening_equity),
        "closing_equity": amount_str(sheet.totals.closing_equity),
        "comment": follow.comment,
        "findings": [
            {"rule": f.rule, "severity": f.severity, "message": f.message} for f in sheet.findings
        ],
        "unmapped": [
            {"account": u.account, "name": u.name, "amount": amount_str(u.amount)}
            for u in sheet.unmapped
        ],
    }


def data_text(data: dict[str, object]) -> tuple[str, str]:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return text, hashlib.sha256(text.encode()).hexdigest()


# --- what she changes ---------------------------------------------------------------


class FollowUpConflict(Exception):
    """Someone saved the follow-up since she loaded it."""


@transaction.atomic
def save_follow_up(
    follow: FollowUp,
    *,
    expected_version: int,
    method: str,
    forecasts: dict[str, Decimal],
    comments: dict[str, str],
    comment: str,
    meeting_id: int | None,
    by: object | None,
) -> FollowUp:
    """Her method, forecasts and comments, if nobody saved in between and it has not
    been sent (a sent follow-up is the board's)."""
    updated = FollowUp.objects.filter(
        pk=follow.pk, version=expected_version, record__isnull=True
    ).update(
        version=F("version") + 1,
        method=method,
        forecasts={key: amount_str(value) for key, value in sorted(forecasts.items())},
        comments={key: text for key, text in sorted(comments.items()) if text.strip()},
        comment=comment,
        meeting_id=meeting_id,
        updated_by=by if getattr(by, "pk", None) else None,
        updated_at=timezone.now(),
    )
    if not updated:
        raise FollowUpConflict()
    follow.refresh_from_db()
    record(action="sparade uppföljningen", by=by, federation=follow.federation, obj=follow)
    return follow


def suggested_mapping(federation: Federation, budget: Budget, actuals: ActualsImport):
    """Each imported account with the line the förbund has mapped it to, or else the
    suggested one: (account, name, total, line key or None, suggested?)."""
    lines = budget_lines(budget)
    accounts = list(actuals.accounts.all())
    known = {line.key for line in lines}
    ranges = [r for r in mapping_ranges(federation) if r.key in known]
    suggestions = suggest_mapping({a.account: a.name for a in accounts}, lines)
    rows = []
    for account in accounts:
        mapped = next((r.key for r in ranges if r.covers(account.account)), None)
        key = mapped or suggestions.get(account.account)
        rows.append((account, key, mapped is None))
    return lines, rows


@transaction.atomic
def save_mapping(
    federation: Federation, choices: dict[str, str | None], by: object | None
) -> tuple[int, int]:
    """One mapping per account she chose a line for; an account set to none loses its
    own mapping. Returns (mapped, left unmapped)."""
    mapped = unmapped = 0
    for account, key in sorted(choices.items()):
        own = AccountMapping.objects.filter(
            federation=federation, first_account=account, last_account=account
        )
        if key:
            own.update_or_create(
                federation=federation,
                first_account=account,
                last_account=account,
                defaults={"line_key": key},
            )
            mapped += 1
        else:
            own.delete()
            unmapped += 1
    record(
        action="kopplade konton till budgetrader",
        by=by,
        federation=federation,
        obj=federation,
        changes={"mapped": mapped, "unmapped": unmapped},
    )
    return mapped, unmapped


def forecast_into_next_year(
    federation: Federation, year: int, rows: tuple[LineFollowUp, ...], by: object | None
) -> int:
    """The follow-up's forecast as the prognos column (YEAR:forecast) of next year's
    budget, line by line where the keys match. Next year's budget must exist, have
    that column and not be adopted. Returns how many lines were set."""
    budget = Budget.objects.filter(federation=federation, year=year + 1).first()
    if budget is None or plan_is_frozen(federation, year + 1):
        return 0
    column = Column.objects.filter(budget=budget, year=year, kind=ColumnKind.FORECAST).first()
    if column is None:
        return 0
    by_key = {row.line.key: row.forecast for row in rows}
    count = 0
    with transaction.atomic():
        for line in Line.objects.filter(budget=budget, scenario__isnull=True, key__in=by_key):
            Amount.objects.update_or_create(
                line=line, column=column, defaults={"amount": by_key[line.key]}
            )
            count += 1
        if count:
            Budget.objects.filter(pk=budget.pk).update(
                version=F("version") + 1,
                updated_at=timezone.now(),
                updated_by=by if getattr(by, "pk", None) else None,
            )
            record(
                action="förde in uppföljningens prognos",
                by=by,
                federation=federation,
                obj=budget,
                changes={"year": year, "lines": count},
            )
    return count
