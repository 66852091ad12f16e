"""Forms of the budget app: the offer field, scenarios and the contribution planner.

`AmountField` (finsam/forms.py) is the form field for kronor typed the Swedish way:
"1 296 000", "1 296 000,50", with spaces, no-break spaces or thin spaces between
thousands and a decimal comma (`finsam.money.parse_amount`). `OfferField` also
takes an increase such as "+20 %".

The planner form only parses: it turns what the director typed into the planner's
plain inputs (`budgets.planner.PlannerInputs`), hands them to the pure planner
(`budgets.planner.plan_contributions`) and keeps the outcome for the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets import planner
from budgets.planner import Increase, PlannerOutcome
from budgets.rules import (
    BudgetFacts,
    LineFacts,
    apply_scenario,
    column_label,
    find_scenario,
    planning_columns,
)
from budgets.selectors import member_facts
from finsam.forms import AmountField
from finsam.models import Federation, Member
from finsam.money import HUNDRED

ZERO = Decimal(0)


PERCENT_RE = re.compile(r"^(?P<sign>[+\-\u2212]?)(?P<number>\d{1,4}(?:[.,]\d{1,4})?)%$")


class OfferField(AmountField):
    """An amount, or a change against a basis amount: "+20 %", "+12,5 %", "−5 %"."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "Inte ett bud. Skriv ett belopp (t.ex. 1 348 270) eller en ökning (t.ex. +20 %)."
        ),
        "percent_range": gettext_lazy("En minskning kan vara högst 100 %."),
    }

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and "%" in value:
            compact = re.sub(r"\s", "", value)  # \s covers no-break and thin spaces too
            match = PERCENT_RE.match(compact)
            if not match:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            number = Decimal(match["number"].replace(",", "."))
            change = -number if match["sign"] in ("-", "\u2212") else number
            if change < -HUNDRED:
                raise ValidationError(self.error_messages["percent_range"], code="percent_range")
            return Increase(change)
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        if isinstance(value, Increase):
            return
        super().validate(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Increase):
            return str(value)
        return super().prepare_value(value)


# --- scenarios ----------------------------------------------------------------------


class ScenarioForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Namn på scenariot"),
        max_length=200,
        error_messages={"required": gettext_lazy("Ange ett namn på scenariot.")},
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "Om ESF-projektet beviljas"}
        ),
    )


# --- the contribution planner ---------------------------------------------------------


class PlannerForm(forms.Form):
    """The planner's inputs: the column to fill in, the key, the comparison column,
    every member's offer and the groups' offers, and an even total. Cleaning runs
    the pure planner (`budgets.planner.plan_contributions`) and keeps its outcome.

    The state's half is Försäkringskassan's (Arbetsförmedlingen's part included);
    the regions share their quarter equally, or by the comparison column's amounts
    under that key; the municipalities share theirs by the chosen key.
    """

    column = forms.ChoiceField(
        label=gettext_lazy("Kolumn att fylla i"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    scenario = forms.ChoiceField(
        label=gettext_lazy("Scenario"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    key = forms.ChoiceField(
        label=gettext_lazy("Fördelningsnyckel för kommunernas del"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    key_column = forms.ChoiceField(
        label=gettext_lazy("Jämförelsekolumn"),
        required=False,
        help_text=gettext_lazy(
            "Förra årets bidrag: vikterna för nyckeln ”förra årets bidrag” och grunden för "
            "bud som skrivs som en ökning, t.ex. +20 %."
        ),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    rounded = AmountField(
        label=gettext_lazy("Avrunda budgeten till"),
        required=False,
        min_value=0,
        help_text=gettext_lazy(
            "Valfritt: ett jämnt belopp, t.ex. 6 675 000. Får inte vara större än den största "
            "möjliga budgeten."
        ),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        facts: BudgetFacts,
        federation: Federation,
        members: Sequence[Member],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.facts = facts
        self.federation = federation
        self.members = sorted(
            members, key=lambda m: (planner.KIND_ORDER.get(m.kind, 9), m.position, m.pk)
        )
        self.contributors = tuple(member_facts(m) for m in self.members)
        self.outcome: PlannerOutcome | None = None

        planning = planning_columns(facts.year, facts.columns)
        self.fields["column"].choices = [(code, column_label(code)) for code in planning]
        self.fields["scenario"].choices = [("", _("Grundbudget"))] + [
            (s.name, s.name) for s in facts.scenarios
        ]
        self.fields["key_column"].choices = [("", _("Ingen"))] + [
            (code, column_label(code)) for code in facts.columns
        ]
        population_label = _("Folkmängd")
        if federation.population_date:
            population_label = _("Folkmängd den %(date)s") % {
                "date": federation.population_date.strftime("%Y-%m-%d")
            }
        self.fields["key"].choices = [
            (planner.KEY_PREVIOUS, _("Förra årets bidrag i jämförelsekolumnen")),
            (planner.KEY_POPULATION, population_label),
            (planner.KEY_EQUAL, _("Lika delar")),
            (planner.KEY_FIXED, _("Fasta procentsatser")),
        ]

        self.default_key_column = planner.default_key_column(facts.year, facts.columns)
        default_key, self.key_note = planner.default_key(
            federation.municipal_split,
            self.contributors,
            has_key_column=self.default_key_column is not None,
        )
        self.fields["column"].initial = (
            f"{facts.year}:budget"
            if f"{facts.year}:budget" in planning
            else next(iter(planning), None)
        )
        self.fields["key_column"].initial = self.default_key_column
        self.fields["key"].initial = default_key

        for member in planner.offering(self.contributors):
            self.fields[planner.offer_field(member.key)] = OfferField(
                label=member.name, required=False, min_value=0
            )
        self.group_labels = planner.group_labels(self.contributors)
        for group in planner.GROUPS:
            self.fields[planner.GROUP_FIELD[group]] = OfferField(
                label=self.group_labels[group], required=False, min_value=0
            )
        # In the page's order, for the error summary: the rounded total comes last.
        self.fields["rounded"] = self.fields.pop("rounded")

    # --- what the page shows before and after computing ----------------------------

    @property
    def has_columns(self) -> bool:
        return bool(self.fields["column"].choices)

    @property
    def setting_fields(self) -> list[forms.BoundField]:
        names = (
            ["column", "scenario", "key_column"]
            if self.facts.scenarios
            else ["column", "key_column"]
        )
        return [self[name] for name in names]

    @property
    def field_errors(self) -> list[tuple[str, str, str]]:
        """(anchor, label, message) for the error summary at the top of the page.
        Radio buttons have no label of their own: point at the first one."""
        return [
            (field.id_for_label or f"{field.auto_id}_0", str(field.label), error)
            for field in self
            for error in field.errors
        ]

    @property
    def column_display(self) -> str:
        return column_label(self._chosen("column"))

    @property
    def key_column_display(self) -> str:
        code = self._chosen("key_column")
        return column_label(code) if code else ""

    def _chosen(self, name: str) -> str:
        """A choice field's value as posted (if it is a valid choice) or its default."""
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        value = self.data.get(self.add_prefix(name)) if self.is_bound else None
        valid = {str(code) for code, _label in field.choices}
        if value is not None and value in valid:
            return value
        return field.initial or ""

    def _lines(self, scenario: str) -> tuple[LineFacts, ...]:
        if not scenario:
            return self.facts.lines
        return apply_scenario(self.facts.lines, find_scenario(self.facts, scenario))

    @property
    def basis(self) -> dict[str, Decimal]:
        """Each member's contribution in the comparison column."""
        return planner.contributions_by_member(
            self._lines(self._chosen("scenario")), self._chosen("key_column") or None
        )

    def member_rows(self) -> list[dict[str, Any]]:
        """One row per member for the page: the member, its offer field (none for
        Arbetsförmedlingen), its basis and, once computed, its outcome."""
        basis = self.basis
        outcome = {row.key: row for row in self.outcome.rows} if self.outcome else {}
        rows = []
        for member in self.members:
            name = planner.offer_field(member.key)
            rows.append(
                {
                    "member": member,
                    "field": self[name] if name in self.fields else None,
                    "basis": basis.get(member.key, ZERO),
                    "result": outcome.get(member.key),
                }
            )
        return rows

    def group_rows(self) -> list[dict[str, Any]]:
        outcome = {row.group: row for row in self.outcome.groups} if self.outcome else {}
        basis = planner.contributions_by_group(self.basis, self.contributors)
        return [
            {
                "group": group,
                "field": self[planner.GROUP_FIELD[group]],
                "share": planner.GROUP_PERCENT[group],
                "basis": basis[group],
                "result": outcome.get(group),
            }
            for group in planner.GROUPS
        ]

    # --- validation: what was typed → the planner → its outcome ---------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors or not self.has_columns:
            return cleaned
        scenario = cleaned.get("scenario") or None
        answer = planner.plan_contributions(
            planner.PlannerInputs(
                column=cleaned["column"],
                scenario=scenario,
                key=cleaned["key"],
                key_column=cleaned.get("key_column") or None,
                contributors=self.contributors,
                lines=self._lines(scenario or ""),
                offers={
                    m.key: cleaned.get(planner.offer_field(m.key))
                    for m in planner.offering(self.contributors)
                },
                group_offers={
                    group: cleaned.get(planner.GROUP_FIELD[group]) for group in planner.GROUPS
                },
                rounded=cleaned.get("rounded"),
            )
        )
        for problem in answer.problems:
            self.add_error(problem.field, ValidationError(problem.message, code=problem.code))
        self.outcome = answer.outcome
        return cleaned


# --- a new budget, and a pasted table (budgets/create_views.py) -----------------------


class EmptyBudgetForm(forms.Form):
    """An empty budget from the förbund itself; the total is optional."""

    total = AmountField(
        label=gettext_lazy("Medlemmarnas bidrag totalt"),
        required=False,
        min_value=0,
        help_text=gettext_lazy(
            "Valfritt. Fördelas på medlemmarna i budgetkolumnen: hälften staten, en fjärdedel "
            "regionen och en fjärdedel kommunerna efter förbundsordningens nyckel. Lämna tomt "
            "för att fylla i bidragen själv."
        ),
    )

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["total"].label = _("Medlemmarnas bidrag %(year)s totalt, kr") % {"year": year}


class CopyBudgetForm(forms.Form):
    """A copy of another year's budget, its columns moved to the new year."""

    source = forms.TypedChoiceField(
        label=gettext_lazy("Budget att kopiera"),
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("Välj en av förbundets budgetar.")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, years: Sequence[int], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        field = self.fields["source"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(year, _("Budget %(year)s") % {"year": year}) for year in years]


class TablePasteForm(forms.Form):
    """The förbund's own table as Excel or Word copy it (tab-separated)."""

    text = forms.CharField(
        label=gettext_lazy("Tabellen"),
        strip=False,
        error_messages={
            "required": gettext_lazy(
                "Klistra in tabellen i rutan: markera den i Excel eller "
                "Word, kopiera och klistra in."
            ),
        },
        widget=forms.Textarea(
            attrs={
                "class": "form-control font-monospace paste-box",
                "rows": 14,
                "spellcheck": "false",
                "autocomplete": "off",
                "wrap": "off",
            }
        ),
    )
