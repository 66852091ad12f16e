"""An intervention's follow-up for a period: participants as counts and each goal's
outcome to date (interventions/period.py reads them for the board's report)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from finsam.access import edit_view, get_federation_for_user
from finsam.audit import record
from finsam.roles import EDIT
from interventions.access import get_intervention
from interventions.models import OUTCOME_YEARS, PeriodFollowUp, PeriodOutcome

COUNT_ERRORS = {
    "required": "Skriv ett antal (0 om inga).",
    "invalid": "Skriv ett heltal.",
    "min_value": "Antalet kan inte vara negativt.",
}


class PeriodForm(forms.Form):
    women = forms.IntegerField(label="Kvinnor", min_value=0, error_messages=COUNT_ERRORS)
    men = forms.IntegerField(label="Män", min_value=0, error_messages=COUNT_ERRORS)
    total = forms.IntegerField(
        label="Totalt",
        min_value=0,
        error_messages=COUNT_ERRORS,
        help_text="Alla deltagare, även de vars kön inte är registrerat.",
    )
    note = forms.CharField(label="Kommentar", max_length=300, required=False)

    def __init__(self, *args, goals=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            label = f"Utfall hittills: {goal.text}"
            if goal.target_text:
                label += f" (mål: {goal.target_text})"
            self.fields[f"goal-{goal.pk}"] = forms.DecimalField(
                label=label,
                required=False,
                max_digits=14,
                decimal_places=2,
                error_messages={"invalid": "Skriv utfallet som ett tal."},
            )

    def clean(self):
        data = super().clean()
        women, men, total = data.get("women"), data.get("men"), data.get("total")
        if None not in (women, men, total) and women + men > total:
            self.add_error("total", "Totalt kan inte vara mindre än kvinnor och män tillsammans.")
        return data


@edit_view
@login_required
def intervention_period_edit(
    request: HttpRequest, slug: str, intervention_id: int, year: int, month: int
) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    intervention = get_intervention(access, intervention_id)
    if not (OUTCOME_YEARS[0] <= year <= OUTCOME_YEARS[1] and 1 <= month <= 12):
        raise Http404("Perioden finns inte.")
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    goals = list(intervention.goals.all())
    period = PeriodFollowUp.objects.filter(
        intervention=intervention, year=year, month=month
    ).first()
    initial: dict[str, object] = {}
    if period is not None:
        initial = {"women": period.women, "men": period.men, "total": period.total}
        initial["note"] = period.note
        initial.update({f"goal-{o.goal_id}": o.value for o in period.outcomes.all()})
    form = PeriodForm(
        request.POST if request.method == "POST" else None, goals=goals, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            period, _created = PeriodFollowUp.objects.update_or_create(
                intervention=intervention,
                year=year,
                month=month,
                defaults={
                    "women": data["women"],
                    "men": data["men"],
                    "total": data["total"],
                    "note": data["note"],
                    "updated_by": request.user,
                },
            )
            for goal in goals:
                value = data.get(f"goal-{goal.pk}")
                if value is None:
                    PeriodOutcome.objects.filter(period=period, goal=goal).delete()
                else:
                    PeriodOutcome.objects.update_or_create(
                        period=period, goal=goal, defaults={"value": value}
                    )
        record(
            action="följde upp insatsen för perioden",
            by=request.user,
            obj=intervention,
            federation=access.federation,
            changes={"year": year, "month": month, "total": data["total"]},
        )
        messages.success(request, f"Uppföljningen av {intervention.name} är sparad.")
        return redirect("follow_up", access.federation.slug, year)
    return render(
        request,
        "interventions/period_form.html",
        {
            "access": access,
            "federation": access.federation,
            "intervention": intervention,
            "year": year,
            "month": month,
            "form": form,
        },
    )
