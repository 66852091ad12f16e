"""Forms for an intervention, its goals and the year's outcomes.

Plain forms whose fields come from the model fields (their Swedish labels,
lengths and choices), as in finsam/forms.py; the services validate and save.
Numbers are typed the Swedish way ("40", "12,5", "1 200").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finsam.forms import DateInput, _field
from finsam.models import Federation, Member
from finsam.money import parse_typed_amount
from finsam.text import is_whole_number
from interventions.models import (
    CATEGORY_LABEL_SUGGESTIONS,
    Intervention,
    InterventionGoal,
    InterventionOutcome,
    goal_number,
)
from interventions.services import GoalInput, OutcomeInput


class NumberField(forms.DecimalField):
    """A number typed the Swedish way: "40", "12,5", "1 200" (any space)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "text-end"})
    default_error_messages = {
        "invalid": gettext_lazy("Ange ett tal, till exempel 40 eller 12,5."),
    }

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            return parse_typed_amount(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return goal_number(Decimal(value))
        return value


# The largest id any database column here can hold (a 64-bit integer).
MAX_ID = 2**63 - 1


class MemberChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def _check_values(self, value: Any) -> Any:
        """A crafted id no column can hold is "not a choice", like any other wrong
        id (SQLite cannot even compare it, and would answer with a 500)."""
        for pk in value:
            text = str(pk).strip()
            digits = text.lstrip("-")
            if is_whole_number(digits) and (len(digits) > 19 or not -MAX_ID <= int(text) <= MAX_ID):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text[:30]},
                )
        return super()._check_values(value)

    def label_from_instance(self, obj: Member) -> str:
        kind = obj.get_kind_display()
        return obj.name if obj.name == kind else f"{obj.name} ({kind.lower()})"


class InterventionForm(forms.Form):
    name = _field(Intervention, "name")
    short_name = _field(
        Intervention,
        "short_name",
        help_text=gettext_lazy("Används i tabeller, till exempel SE-N eller FIA."),
    )
    key = _field(
        Intervention,
        "key",
        required=False,
        help_text=gettext_lazy(
            "Kort namn utan mellanslag som budgeten och exporten använder. Lämnas det "
            "tomt skapas det av namnet."
        ),
    )
    status = _field(Intervention, "status")
    individual_share_percent = NumberField(
        label=gettext_lazy("Individinriktad andel (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=Decimal(100),
        help_text=gettext_lazy(
            "100 för en individinsats, 0 för en strukturell (processtödjande, "
            "samverkansstödjande) insats, 50 för ”50 % processtödjande och 50 % individinsats”. "
            "Styr budgetens fördelning mellan individinriktat och strukturellt."
        ),
    )
    category_label = _field(
        Intervention,
        "category_label",
        widget=forms.TextInput(attrs={"list": "category-label-suggestions"}),
        help_text=gettext_lazy(
            "Förbundets egen benämning, till exempel processtödjande eller samverkansstödjande."
        ),
    )
    target_group = _field(Intervention, "target_group", widget=forms.Textarea(attrs={"rows": 3}))
    age_min = _field(Intervention, "age_min", min_value=0)
    age_max = _field(Intervention, "age_max", min_value=0)
    purpose = _field(Intervention, "purpose", widget=forms.Textarea(attrs={"rows": 3}))
    description = _field(Intervention, "description", widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Projektägare"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=gettext_lazy("– ingen medlem –"),
    )
    owner_unit = _field(
        Intervention,
        "owner_unit",
        help_text=gettext_lazy("Till exempel Arbetsmarknadsenheten."),
    )
    members = MemberChoices(
        label=gettext_lazy("Medverkande medlemmar"),
        queryset=Member.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "Minst två av de fyra parterna ska delta: Försäkringskassan, Arbetsförmedlingen, "
            "regionen och kommunerna (flera kommuner räknas som en part)."
        ),
    )
    steering_members = MemberChoices(
        label=gettext_lazy("Styrgrupp: medlemmar"),
        queryset=Member.objects.none(),
        required=False,
    )
    steering_group = _field(
        Intervention,
        "steering_group",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Övriga i styrgruppen, till exempel förbundschefen."),
    )
    start = _field(Intervention, "start", widget=DateInput())
    end = _field(Intervention, "end", widget=DateInput())
    reports_participants = _field(Intervention, "reports_participants")
    interim_report_on = _field(Intervention, "interim_report_on", widget=DateInput())
    annual_report_on = _field(Intervention, "annual_report_on", widget=DateInput())

    category_suggestions = CATEGORY_LABEL_SUGGESTIONS

    def __init__(self, *args: Any, federation: Federation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(federation=federation).order_by("position", "id")
        for name in ("owner", "members", "steering_members"):
            self.fields[name].queryset = members

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("Slutdatum ligger före startdatum."))
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and high < low:
            self.add_error("age_max", _("Åldern till är lägre än åldern från."))
        return data


def intervention_initial(intervention: Intervention) -> dict[str, Any]:
    initial = {name: getattr(intervention, name) for name in InterventionForm.base_fields}
    initial["members"] = list(intervention.members.all())
    initial["steering_members"] = list(intervention.steering_members.all())
    return initial


class GoalForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = _field(
        InterventionGoal,
        "text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comparison = _field(InterventionGoal, "comparison")
    target = NumberField(
        label=gettext_lazy("Målvärde"), required=False, max_digits=14, decimal_places=2
    )
    unit = _field(
        InterventionGoal,
        "unit",
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("%, ärenden per år …")}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("text") or "").strip() and (
            data.get("target") is not None or (data.get("unit") or "").strip()
        ):
            self.add_error("text", _("Skriv vad målet gäller."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("text") or "").strip()


class BaseGoalFormSet(forms.BaseFormSet):
    def goals(self) -> list[GoalInput]:
        """The goals to keep, in order: not deleted, not left empty."""
        goals = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.is_blank:
                continue
            data = form.cleaned_data
            goals.append(
                GoalInput(
                    id=data.get("id"),
                    text=data["text"].strip(),
                    target=data.get("target"),
                    unit=(data.get("unit") or "").strip(),
                    comparison=data["comparison"],
                )
            )
        return goals


def goal_formset(
    data: Any = None, *, goals: list[InterventionGoal] | None = None
) -> BaseGoalFormSet:
    """Goals with room for new ones: three empty rows for a new intervention, two
    under existing goals."""
    goals = goals or []
    extra = 2 if goals else 3
    formset_class = forms.formset_factory(
        GoalForm, formset=BaseGoalFormSet, extra=extra, can_delete=True
    )
    initial = [
        {
            "id": goal.pk,
            "text": goal.text,
            "target": goal.target,
            "unit": goal.unit,
            "comparison": goal.comparison,
        }
        for goal in goals
    ]
    return formset_class(data, initial=initial, prefix="goals")


class OutcomesForm(forms.Form):
    """The year's outcome for each goal: a number, and a short comment."""

    def __init__(
        self,
        *args: Any,
        goals: list[InterventionGoal],
        outcomes: dict[int, InterventionOutcome],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            outcome = outcomes.get(goal.pk)
            self.fields[f"value_{goal.pk}"] = NumberField(
                label=goal.text,
                required=False,
                max_digits=14,
                decimal_places=2,
                initial=outcome.value if outcome else None,
                help_text=_("Mål: %(target)s") % {"target": goal.target_text}
                if goal.target is not None
                else _("Målet saknar mätbart målvärde."),
            )
            self.fields[f"note_{goal.pk}"] = forms.CharField(
                label=_("Kommentar"),
                required=False,
                max_length=300,
                initial=outcome.note if outcome else "",
            )

    def rows(self) -> list[tuple[InterventionGoal, forms.BoundField, forms.BoundField]]:
        return [(goal, self[f"value_{goal.pk}"], self[f"note_{goal.pk}"]) for goal in self.goals]

    def outcomes(self) -> dict[int, OutcomeInput]:
        return {
            goal.pk: OutcomeInput(
                value=self.cleaned_data.get(f"value_{goal.pk}"),
                note=(self.cleaned_data.get(f"note_{goal.pk}") or "").strip(),
            )
            for goal in self.goals
        }
