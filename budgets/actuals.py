"""The year's actuals in the database: an SIE file's import, and the förbund's own
mapping of accounts to budget lines. What the file holds is budgets/sie.py's to read;
this module decides whether it may be stored, and stores it whole or not at all."""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import transaction

from budgets.models import AccountMapping, ActualAccount, ActualsImport, Budget
from budgets.sie import Actuals
from finsam.models import Federation


class ImportRefused(ValueError):
    """Why nothing was written: every reason, in Swedish."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = reasons


def fiscal_year_of(actuals: Actuals) -> int | None:
    """The plan year the file's fiscal year 0 is: a förbund's fiscal year is the
    calendar year, so a broken year is none."""
    start, end = actuals.start, actuals.end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return start.year
    return None


def refusals(federation: Federation, actuals: Actuals, *, needs_mapping: bool = True) -> list[str]:
    """Everything that stops the file from being stored (empty: it may be)."""
    reasons = [u.message() for u in actuals.unbalanced]
    if reasons:
        reasons.append(
            "Inget är sparat: en fil med verifikationer som inte går ihop läses inte in."
        )
    year = fiscal_year_of(actuals)
    if year is None:
        reasons.append(
            f"Filens räkenskapsår är {actuals.start.isoformat()}–{actuals.end.isoformat()}. "
            "Ett samordningsförbunds räkenskapsår är kalenderåret, så filen hör inte till "
            "något planår."
        )
    elif not Budget.objects.filter(federation=federation, year=year).exists():
        reasons.append(
            f"{federation.name} har ingen budget för {year}. Utfallet följs upp mot årets "
            "budget: skapa planen och budgeten för året först."
        )
    if needs_mapping and not AccountMapping.objects.filter(federation=federation).exists():
        reasons.append(
            "Förbundet har inte kopplat några konton till budgetraderna än. Koppla dem "
            "under Uppföljning, eller läs filen med --dry-run."
        )
    return reasons


def last_month(actuals: Actuals) -> str:
    months = [m for account in actuals.accounts.values() for m in account.months]
    return max(months, default="")


@transaction.atomic
def store_actuals(
    federation: Federation,
    actuals: Actuals,
    *,
    file_name: str,
    content: bytes,
    by: object | None = None,
    needs_mapping: bool = True,
) -> ActualsImport:
    """The file's actuals as the year's latest import, all of it or, with a reason,
    nothing (ImportRefused)."""
    reasons = refusals(federation, actuals, needs_mapping=needs_mapping)
    if reasons:
        raise ImportRefused(reasons)
    year = fiscal_year_of(actuals)
    assert year is not None  # refusals() said so
    record = ActualsImport.objects.create(
        federation=federation,
        year=year,
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        program=actuals.program[:200],
        company=actuals.company[:200],
        period_start=actuals.start,
        period_end=actuals.end,
        last_month=last_month(actuals),
        source=actuals.source,
        warnings=list(actuals.warnings),
        imported_by=by if getattr(by, "pk", None) else None,
    )
    ActualAccount.objects.bulk_create(
        ActualAccount(
            actuals_import=record,
            account=number,
            name=account.name[:200],
            months={m: str(v) for m, v in sorted(account.months.items())},
            total=account.total,
        )
        for number, account in sorted(actuals.accounts.items())
    )
    return record


def latest_import(federation: Federation, year: int) -> ActualsImport | None:
    return (
        ActualsImport.objects.filter(federation=federation, year=year)
        .prefetch_related("accounts")
        .first()
    )


def months_elapsed(record: ActualsImport) -> int:
    """How many months of the year the actuals cover: to the latest month with any."""
    if not record.last_month:
        return 0
    year, month = (int(part) for part in record.last_month.split("-"))
    start: date = record.period_start
    return (year - start.year) * 12 + month - start.month + 1
