"""A budget for any plan year, from the UI (issue 15, points 3 and 4).

- `budget_create` ("Skapa budget"): the three starting points for a plan year
  without a budget: an empty budget from the förbund itself, a copy of an earlier
  year's budget (moved as the roll-forward moves it), or the förbund's own table
  (posted to the paste page).
- `budget_table_import`: the paste box. The text is read by the one parser,
  `budgets.table_paste.parse_table`; the preview shows every line with its proposed
  category and link, which the user confirms or changes; "Spara budgeten" saves
  the table with those choices through `budgets.table_import.budget_import_table`.
  A table that cannot be read, or choices that do not fit, come back with the text
  still in the box and every problem named by row and column; nothing is written.
- `missing_budget_response`: what the budget pages answer for a year without a
  budget (404), with the way forward: "Skapa budget", or the plan first.

Access first (another förbund's year answers 404, a role that may only read 403),
then the plan-year guard: a fastställd plan gets no budget created or replaced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets import services
from budgets.forms import CopyBudgetForm, EmptyBudgetForm, TablePasteForm
from budgets.models import Budget, Category
from budgets.rules import CATEGORIES, CONTRIBUTION, INTERVENTION, column_label
from budgets.selectors import budget_queryset, interventions_running
from budgets.starting import STANDARD_COST_LINES, starting_columns
from budgets.table_data import LineChoice, PastedTable, Problem, TableError, TableLine
from budgets.table_import import TableImportRefused, TableNames, budget_import_table, table_names
from budgets.table_paste import parse_table
from finsam.access import Access, edit_view, get_federation_for_user
from finsam.roles import EDIT
from plans.freeze import PlanFrozen, frozen_message, frozen_response, plan_is_frozen
from plans.models import Plan

CATEGORY_LABELS = {str(code): str(label) for code, label in Category.choices}


def find_budget(access: Access, year: int) -> Budget | None:
    """The förbund's budget for the year, if it has one (the access's förbund only)."""
    return budget_queryset().filter(federation=access.federation, year=year).first()


def _plan(access: Access, year: int) -> Plan | None:
    return Plan.objects.filter(federation=access.federation, year=year).first()


def missing_budget_response(request: HttpRequest, access: Access, year: int) -> HttpResponse:
    """A budget page of a year without a budget: 404, saying what is missing and, to
    the förbundschef, how to go on ("Skapa budget", or the plan first)."""
    plan = _plan(access, year)
    return render(
        request,
        "budgets/budget_missing.html",
        {
            "access": access,
            "federation": access.federation,
            "year": year,
            "plan": plan,
            "may_create": access.may_edit and plan is not None and not plan.is_decided,
        },
        status=404,
    )


# --- "Skapa budget" ----------------------------------------------------------------------


def _add_errors(form: Form, exc: ValidationError) -> None:
    if isinstance(exc, PlanFrozen):
        raise exc  # the 409 page (plans/middleware.py)
    for field, errors in exc.update_error_dict({}).items():
        form.add_error(field if field in form.fields else None, errors)


@edit_view
@login_required
def budget_create(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The three starting points. `start` is "empty" or "copy"; the pasted table
    goes to `budget_table_import`."""
    access = get_federation_for_user(request.user, slug, action=EDIT)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if _plan(access, year) is None:
        return missing_budget_response(request, access, year)
    if refused := frozen_response(request, access.federation, year):
        return refused
    if find_budget(access, year) is not None:
        messages.info(request, _("Det finns redan en budget för %(year)s.") % {"year": year})
        return redirect("budget_detail", slug, year)
    start = request.POST.get("start") if request.method == "POST" else None
    sources = list(
        Budget.objects.filter(federation=access.federation, year__lt=year)
        .order_by("-year")
        .values_list("year", flat=True)
    )
    empty_form = EmptyBudgetForm(
        request.POST if start == "empty" else None, year=year, prefix="empty"
    )
    copy_form = CopyBudgetForm(
        request.POST if start == "copy" else None, years=sources, prefix="copy"
    )
    created, form = None, None
    try:
        if start == "empty" and empty_form.is_valid():
            form = empty_form
            created = services.budget_create_empty(
                federation=access.federation,
                year=year,
                total=empty_form.cleaned_data["total"],
                by=request.user,
            )
            done = _("Budgeten för %(year)s är skapad. Fyll i beloppen och tryck Spara budgeten.")
        elif start == "copy" and copy_form.is_valid():
            form = copy_form
            created = services.budget_create_copy(
                federation=access.federation,
                year=year,
                source_year=copy_form.cleaned_data["source"],
                by=request.user,
            )
            done = _("Budgeten för %(year)s är skapad som en kopia av budgeten för %(source)s.")
    except ValidationError as exc:
        assert form is not None
        _add_errors(form, exc)
    if created is not None:
        budget, notes = created
        source = copy_form.cleaned_data.get("source") if start == "copy" else None
        messages.success(request, done % {"year": year, "source": source})
        for note in notes:
            # What to know about the new budget, or look over (a copy's moved columns).
            messages.info(request, note)
        return redirect("budget_grid", slug, budget.year)
    failed = request.method == "POST"
    paste_form = TablePasteForm()
    paste_form.fields["text"].widget.attrs["rows"] = 6
    return render(
        request,
        "budgets/budget_create.html",
        {
            "access": access,
            "federation": access.federation,
            "year": year,
            "start": start,
            "empty_form": empty_form,
            "copy_form": copy_form,
            "has_sources": bool(sources),
            "paste_form": paste_form,
            "members": access.federation.members.count(),
            "interventions": interventions_running(access.federation, year),
            "cost_lines": [str(label) for label in STANDARD_COST_LINES],
            "columns": [column_label(code) for code in starting_columns(year)],
        },
        status=422 if failed else 200,
    )


# --- the paste box and its preview -------------------------------------------------------

CATEGORY_FIELD = "line-%d-category"
LINK_FIELD = "line-%d-link"
PREVIEWED_FIELD = "previewed"


def text_digest(text: str) -> str:
    """Which text a preview showed: a save of other text shows the preview again."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()


@dataclass(frozen=True)
class PreviewRow:
    line: TableLine
    category: str  # as chosen (or proposed)
    link: str  # "member:KEY", "intervention:KEY" or ""
    amounts: tuple[Decimal | None, ...]  # by the table's columns
    changed: bool  # the user chose another category than the one proposed
    error: str = ""

    @property
    def category_field(self) -> str:
        return CATEGORY_FIELD % self.line.row

    @property
    def link_field(self) -> str:
        return LINK_FIELD % self.line.row

    @property
    def proposed_label(self) -> str:
        return CATEGORY_LABELS.get(self.line.category, self.line.category)


def _proposed_link(line: TableLine, names: TableNames) -> str:
    if line.member and line.member in names.members:
        return f"member:{names.members[line.member]}"
    if line.intervention and line.intervention in names.interventions:
        return f"intervention:{names.interventions[line.intervention]}"
    return ""


def _choices(
    table: PastedTable, data: Mapping[str, str] | None, names: TableNames
) -> tuple[list[PreviewRow], dict[int, LineChoice], list[Problem]]:
    """The preview's rows with what the user chose (`data`, the posted selects; None
    for the proposal), the choices for `PastedTable.with_choices`, and the problems of
    choices that do not fit, by row."""
    member_names = {key: name for name, key in names.members.items()}
    intervention_names = {key: name for name, key in names.interventions.items()}
    rows, choices, problems = [], {}, []
    for line in table.lines:
        category, link = line.category, _proposed_link(line, names)
        if data is not None:
            category = data.get(CATEGORY_FIELD % line.row, category)
            link = data.get(LINK_FIELD % line.row, link)
        kind, _sep, key = link.partition(":")
        member = member_names.get(key) if kind == "member" else None
        intervention = intervention_names.get(key) if kind == "intervention" else None
        error = ""
        if category not in CATEGORIES:
            error = _("välj en kategori")
        elif link and member is None and intervention is None:
            error = _("kopplingen finns inte i förbundet")
        elif category == CONTRIBUTION and member is None:
            error = _("ett medlemsbidrag ska höra till en av förbundets medlemmar: välj medlemmen")
        elif category != CONTRIBUTION and member is not None:
            error = _("bara ett medlemsbidrag kopplas till en medlem")
        elif category != INTERVENTION and intervention is not None:
            error = _("bara en insats kopplas till en insats i förbundet")
        if error:
            problems.append(Problem(line.row, 0, error))
        else:
            choices[line.row] = LineChoice(category, member, intervention)
        rows.append(
            PreviewRow(
                line=line,
                category=category,
                link=link,
                amounts=tuple(line.amounts.get(column.code) for column in table.columns),
                changed=category != line.category,
                error=error,
            )
        )
    return rows, choices, problems


def _paste_page(
    request: HttpRequest,
    access: Access,
    year: int,
    form: TablePasteForm,
    *,
    table: PastedTable | None = None,
    rows: list[PreviewRow] | None = None,
    problems: list[Problem] | tuple[Problem, ...] = (),
    choices: Mapping[int, LineChoice] | None = None,
    refusal: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    names = table_names(access.federation)
    totals = None
    if table is not None and not problems:
        try:
            # The figures as the lines are now chosen (a choice that does not fit
            # counts as proposed until it is fixed).
            chosen = table.with_choices(choices or {})
        except TableError:
            chosen = table
        figures = chosen.totals()
        totals = [
            (column, figures[column.code]) for column in table.columns if column.code in figures
        ]
    text = form.data.get("text", "") if form.is_bound else ""
    return render(
        request,
        "budgets/table_import.html",
        {
            "access": access,
            "federation": access.federation,
            "year": year,
            "budget": find_budget(access, year),
            "form": form,
            "table": table,
            "rows": rows or [],
            "totals": totals,
            "problems": problems,
            "refusal": refusal,
            "notice": notice,
            "digest": text_digest(text) if table is not None else "",
            "categories": [(code, CATEGORY_LABELS[code]) for code in CATEGORIES],
            "members": [(key, name) for name, key in names.members.items()],
            "interventions": [(key, name) for name, key in names.interventions.items()],
        },
        status=status,
    )


@edit_view
@login_required
def budget_table_import(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """GET: the paste box. POST `action=preview`: the table as read, for the user to
    confirm or change each line's category. POST `action=save`: the table with those
    choices becomes the plan year's budget (created, or its lines and columns
    replaced)."""
    access = get_federation_for_user(request.user, slug, action=EDIT)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    plan = _plan(access, year)
    if plan is None:
        return missing_budget_response(request, access, year)
    if request.method == "GET":
        if refused := frozen_response(request, access.federation, year):
            return refused
        return _paste_page(request, access, year, TablePasteForm())

    form = TablePasteForm(request.POST)
    if plan_is_frozen(access.federation, year):
        # What was pasted stays in the box; the page says why it cannot be saved.
        return _paste_page(request, access, year, form, refusal=frozen_message(year), status=409)
    if not form.is_valid():
        return _paste_page(request, access, year, form, status=422)
    text = form.cleaned_data["text"]
    names = table_names(access.federation)
    try:
        table = parse_table(
            text, year=year, members=list(names.members), interventions=list(names.interventions)
        )
    except TableError as exc:
        return _paste_page(request, access, year, form, problems=exc.problems, status=422)

    # The choices count only for the text they were made on.
    previewed = request.POST.get(PREVIEWED_FIELD) == text_digest(text)
    rows, choices, problems = _choices(table, request.POST if previewed else None, names)

    def preview(status: int = 200, **why: Any) -> HttpResponse:
        """The preview again, with what the user chose and why nothing was saved."""
        return _paste_page(
            request,
            access,
            year,
            form,
            table=table,
            rows=rows,
            choices=choices,
            status=status,
            **why,
        )

    if request.POST.get("action") != "save":
        return preview()
    if not previewed:
        return preview(
            409,
            notice=_(
                "Tabellen i rutan är inte den du förhandsgranskade. Inget är sparat: "
                "granska förhandsvisningen av den nya tabellen och tryck Spara budgeten."
            ),
        )
    if problems:
        return preview(422, problems=problems)
    try:
        chosen = table.with_choices(choices)
        budget = budget_import_table(
            federation=access.federation, year=year, table=chosen, by=request.user
        )
    except TableError as exc:
        return preview(422, problems=exc.problems)
    except TableImportRefused as exc:
        return preview(422, refusal=exc.message)
    except PlanFrozen as exc:
        return preview(409, refusal=exc.messages[0])
    messages.success(
        request,
        ngettext(
            "Budgeten för %(year)s är sparad från tabellen: %(lines)d rad.",
            "Budgeten för %(year)s är sparad från tabellen: %(lines)d rader.",
            len(chosen.lines),
        )
        % {"year": year, "lines": len(chosen.lines)},
    )
    if chosen.mismatches:
        messages.warning(
            request,
            _("Tryckta summor som inte stämde med raderna (budgeten följer raderna): %(list)s.")
            % {"list": "; ".join(t.message for t in chosen.mismatches)},
        )
    return redirect(reverse("budget_detail", args=[slug, budget.year]))
