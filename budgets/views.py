"""Budget pages: the read-only budget and its report as JSON."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from budgets.create_views import find_budget, missing_budget_response
from budgets.editing import DraftErrors, draft_post, parse_draft
from budgets.grid import (
    EditorBase,
    conflict_rows,
    editor_grid,
    kept_summary,
    posted_picks,
    read_base,
    stored_draft,
)
from budgets.grid_actions import Names, apply_action
from budgets.merge import apply_picks, merge_drafts
from budgets.rules import evaluate, find_scenario
from budgets.selectors import (
    budget_facts,
    budget_queryset,
    budget_report,
    budget_summary,
    part_authors,
)
from budgets.services import BudgetConflict, budget_save
from finsam.access import edit_view, get_federation_for_user, get_in_federation
from finsam.audit import record
from finsam.roles import EDIT, VIEW
from plans.freeze import frozen_response, plan_is_frozen


@login_required
def budget_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    summary = budget_summary(budget)
    return render(
        request,
        "budgets/budget_detail.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "summary": summary,
            # An adopted year is read only: no links to editors that would refuse.
            "frozen": plan_is_frozen(access.federation, budget.year),
        },
    )


@login_required
def budget_report_json(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The `finsam-report/1` document; `?scenario=NAME` for a scenario."""
    access = get_federation_for_user(request.user, slug)
    budget = get_in_federation(budget_queryset(), access, year=year)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    facts = budget_facts(budget)
    scenario = None
    if name := request.GET.get("scenario"):
        try:
            scenario = find_scenario(facts, name)
        except KeyError:
            raise Http404("Scenariot finns inte.") from None
    report = budget_report(facts, evaluate(facts, scenario))
    record(
        action="hämtade budgetrapporten som JSON",
        by=request.user,
        obj=budget,
        changes={"year": budget.year, "scenario": scenario.name if scenario else None},
    )
    return JsonResponse(report, json_dumps_params={"ensure_ascii": False, "indent": 2})


# --- the editor grid ---------------------------------------------------------------


def _load(request: HttpRequest, slug: str, year: int, *, action: str = VIEW):
    access = get_federation_for_user(request.user, slug, action=action)
    budget = get_in_federation(budget_queryset(), access, year=year)
    return access, budget


@login_required
def budget_grid(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The editor: the director edits; other roles see the same grid read-only."""
    access = get_federation_for_user(request.user, slug)
    budget = find_budget(access, year)
    if budget is None:
        return missing_budget_response(request, access, year)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    facts = budget_facts(budget)
    scenario = request.GET.get("scenario") or None
    if scenario is not None and scenario not in {s.name for s in facts.scenarios}:
        raise Http404("Scenariot finns inte.")
    draft = stored_draft(facts, budget, scenario)
    return _render_grid(
        request,
        access,
        budget,
        facts,
        draft,
        DraftErrors(),
        base=EditorBase(stored_draft(facts, budget, scenario)),
    )


@login_required
@edit_view
def budget_grid_recompute(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """htmx: the figures and findings of what is typed, nothing saved."""
    access, budget = _load(request, slug, year, action=EDIT)
    if refused := frozen_response(request, access.federation, budget.year):
        return refused
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    data = _recompute_data(request)
    if data is None:
        return HttpResponse("Beräkningen gick inte att läsa; ladda om sidan.", status=400)
    # A draft of the budget itself brings all its lines: the stored ones are not read.
    facts = budget_facts(budget, lines=bool(data.get("scenario")))
    draft, errors = _parse(request, facts, data)
    grid = editor_grid(facts, draft, errors)
    return render(request, "budgets/partials/grid_update.html", {"grid": grid})


def _recompute_data(request: HttpRequest) -> dict[str, str] | QueryDict | None:
    """The grid as posted for a recompute: JSON (grid.js sends it so, one object of
    field names and values; a 300-line grid is 2 400 fields, which Django's form
    parsing reads several times slower), or a plain form post. None: not readable."""
    if request.content_type != "application/json":
        return request.POST
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(data, dict) or len(data) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
        return None
    if not all(isinstance(value, str) for value in data.values()):
        return None
    return data


@login_required
@edit_view
def budget_grid_save(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """Save the grid in one transaction; or apply a layout action (add, move,
    delete a line or column) to the draft without saving.

    A save from an older version is merged cell by cell into what others saved
    (budget_save); parts both changed are listed with both values, and the user
    picks one for each before anything is written."""
    access, budget = _load(request, slug, year, action=EDIT)
    if refused := frozen_response(request, access.federation, budget.year):
        return refused
    if request.method == "GET":
        # The address of a form's answer, opened again (a bookmark, a reload after
        # the session ended): the grid itself, not a 405.
        return redirect(reverse("budget_grid", args=[slug, year]))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    facts = budget_facts(budget)
    draft, errors = _parse(request, facts)
    base = read_base(request.POST, draft)
    picks = posted_picks(request.POST)
    action = request.POST.get("action", "save")
    if action != "save":
        return _grid_action(request, access, budget, facts, draft, base, picks, action)
    if errors:
        messages.error(request, "Budgeten är inte sparad: rätta de markerade fälten.")
        return _render_grid(
            request,
            access,
            budget,
            facts,
            draft,
            errors,
            status=422,
            base=base,
            conflict=_conflict(budget, base, draft, facts, picks),
        )
    if base.conflicts:
        assert base.draft is not None
        missing = apply_picks(draft, base.draft, base.conflicts, picks)
        if missing:
            messages.error(
                request,
                _("Budgeten är inte sparad: välj ett värde för varje rad i tabellen över krockar."),
            )
            return _render_grid(
                request,
                access,
                budget,
                facts,
                draft,
                errors,
                base=base,
                status=409,
                conflict=_conflict(budget, base, draft, facts, picks, missing=missing),
            )
    kept = ()
    if base.draft is not None and draft.version != budget.version:
        kept = tuple(
            merge_drafts(base.draft, draft, stored_draft(facts, budget, draft.scenario)).kept
        )
    try:
        budget_save(
            budget=budget,
            draft=draft,
            expected_version=draft.version or 0,
            base=base.draft,
            by=request.user,
        )
    except BudgetConflict as conflict:
        current = conflict.budget
        current_facts = budget_facts(current)
        theirs = stored_draft(current_facts, current, draft.scenario)
        merged = merge_drafts(base.draft, draft, theirs)
        theirs_base = EditorBase(theirs, tuple(c.part for c in merged.conflicts))
        return _render_grid(
            request,
            access,
            current,
            current_facts,
            merged.draft,
            errors,
            base=theirs_base,
            conflict=_conflict(
                current, theirs_base, merged.draft, current_facts, {}, kept=merged.kept, always=True
            ),
            status=409,
        )
    if kept:
        messages.success(
            request,
            _("Budgeten är sparad. Det som andra sparade medan du redigerade finns kvar: %(kept)s.")
            % {"kept": kept_summary(kept)},
        )
    else:
        messages.success(request, "Budgeten är sparad.")
    url = reverse("budget_grid", args=[slug, year])
    if draft.scenario:
        url += "?" + urlencode({"scenario": draft.scenario})
    return redirect(url)


def _grid_action(request, access, budget, facts, draft, base, picks, action):
    """A layout, fill or paste action on the draft, nothing saved. grid.js asks with
    htmx's header and gets the grid's parts (no reload, the address stays); a plain
    post gets the whole page."""
    names = Names(
        members={m.key: m.name for m in facts.members},
        interventions={i.key: i.name for i in facts.interventions},
    )
    result = apply_action(draft, action, request.POST, names)
    # Read back, so that the messages of bad cells follow the cells to their new
    # places; a row just added, still empty, is not yet wrong.
    draft, errors = parse_draft(
        draft_post(draft),
        members=set(names.members),
        interventions=set(names.interventions),
    )
    for i, line in enumerate(draft.lines):
        if not line.label and not any(line.raw.values()):
            for name in [n for n in errors.fields if n.startswith(f"line-{i}-")]:
                del errors.fields[name]
    return _render_grid(
        request,
        access,
        budget,
        facts,
        draft,
        errors,
        base=base,
        conflict=_conflict(budget, base, draft, facts, picks),
        # A column that was not added: what was typed stays in its box, with why.
        new_column=request.POST.get("new_column", "") if result.refusal else "",
        new_column_error=result.refusal,
        focus=result.focus,
        message=result.message,
        template="budgets/partials/grid_layout.html" if request.htmx else None,
    )


def _conflict(budget, base, draft, facts, picks, *, missing=(), kept=(), always=False):
    """The conflict box's content: the parts the user must pick, or None."""
    if not base.conflicts and not always:
        return None
    names = {m.key: m.name for m in facts.members} | {i.key: i.name for i in facts.interventions}
    rows = conflict_rows(
        base.conflicts,
        base.draft,
        draft,
        names=names,
        picks=picks,
        missing=missing,
        authors=part_authors(budget, draft.scenario, base.conflicts),
    )
    return {"budget": budget, "rows": rows, "kept": kept_summary(kept) if kept else ""}


def _parse(request: HttpRequest, facts, data=None):
    draft, errors = parse_draft(
        request.POST if data is None else data,
        members={m.key for m in facts.members},
        interventions={i.key for i in facts.interventions},
    )
    if draft.scenario is not None and draft.scenario not in {s.name for s in facts.scenarios}:
        raise Http404("Scenariot finns inte.")
    return draft, errors


def _render_grid(
    request,
    access,
    budget,
    facts,
    draft,
    errors,
    *,
    base,
    conflict=None,
    status=200,
    new_column="",
    new_column_error="",
    focus="",
    message="",
    template=None,
):
    grid = editor_grid(facts, draft, errors)
    return render(
        request,
        template or "budgets/budget_grid.html",
        {
            "access": access,
            "federation": access.federation,
            "budget": budget,
            "facts": facts,
            "grid": grid,
            "conflict": conflict,
            "base_token": base.token,
            "read_only": not access.may_edit or plan_is_frozen(access.federation, budget.year),
            "new_column": new_column,
            "new_column_error": new_column_error,
            "focus": focus,
            "message": message,
        },
        status=status,
    )
