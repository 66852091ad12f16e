"""The budget as an Excel file: download it, and upload a changed one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import FileExtensionValidator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.create_views import find_budget, missing_budget_response
from budgets.excel import XLSX_CONTENT_TYPE, export_xlsx
from budgets.excel_import import ExcelImportError, import_xlsx
from budgets.selectors import budget_queryset
from budgets.services import BudgetConflict
from finsam.access import edit_view, get_federation_for_user, get_in_federation
from finsam.audit import record
from finsam.roles import EDIT
from plans.freeze import frozen_response

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SHOWN_ERRORS = 100


class ExcelImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel-fil (.xlsx)"),
        validators=[FileExtensionValidator(["xlsx"], message=gettext_lazy("Välj en .xlsx-fil."))],
        help_text=gettext_lazy("En fil som exporterats från den här budgeten, högst 5 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen är större än 5 MB."))
        return upload


@login_required
def budget_excel_export(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    # Access first, so that another förbund's budget answers 404 to every method.
    access = get_federation_for_user(request.user, slug)
    budget = get_in_federation(budget_queryset(), access, year=year)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(export_xlsx(budget), content_type=XLSX_CONTENT_TYPE)
    record(
        action="exporterade budgeten till Excel",
        by=request.user,
        obj=budget,
        federation=access.federation,
        changes={"version": budget.version},
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"budget-{access.federation.slug}-{budget.year}.xlsx"
    )
    return response


@edit_view
@login_required
def budget_excel_import(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if refused := frozen_response(request, access.federation, budget.year):
        return refused
    errors: list[str] = []
    if request.method == "POST":
        form = ExcelImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                import_xlsx(budget=budget, file=form.cleaned_data["file"], by=request.user)
            except ExcelImportError as exc:
                errors = exc.errors
            except BudgetConflict:
                errors = [_("Någon annan sparade budgeten samtidigt. Försök igen.")]
            else:
                record(
                    action="importerade budgeten från Excel",
                    by=request.user,
                    obj=budget,
                    federation=access.federation,
                    changes={"file": form.cleaned_data["file"].name, "version": budget.version},
                )
                messages.success(request, _("Budgeten är importerad från Excel och sparad."))
                return redirect("budget_detail", access.federation.slug, budget.year)
    else:
        form = ExcelImportForm()
    return render(
        request,
        "budgets/excel_import.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "form": form,
            "errors": errors[:SHOWN_ERRORS],
            "more_errors": max(0, len(errors) - SHOWN_ERRORS),
        },
    )
