"""Forms of the budget app: the reusable `AmountField`, scenarios and the
contribution planner.

`AmountField` is the form field for kronor typed the Swedish way: "1 296 000",
"1 296 000,50", with spaces, no-break spaces or thin spaces between thousands and
a decimal comma (`finsam.money.parse_amount`). `OfferField` also takes an increase
such as "+20 %".

The planner form turns what the director types into the planner's plain inputs
(`budgets.planner.PlannerMember`), runs the pure planner and keeps the outcome
for the page: the largest budget, who decides it, and every member's amount.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets.planner import (
    PlannerError,
    PlannerMember,
    PlannerResult,
    largest_budget,
    member_fraction,
    split_budget,
)
from budgets.rules import (
    CONTRIBUTION,
    GROUP_OF_KIND,
    GROUP_SHARES,
    BudgetFacts,
    LineFacts,
    apply_scenario,
    find_scenario,
    planning_columns,
)
from finsam.forms import AmountField
from finsam.models import Federation, Member, MemberKind, MunicipalSplit
from finsam.money import HUNDRED, ORE, format_kr, percent, round_ore

ZERO = Decimal(0)


@dataclass(frozen=True)
class Increase:
    """An offer typed as a change, e.g. "+20 %": that much over a basis amount."""

    percent: Decimal

    def of(self, basis: Decimal) -> Decimal:
        return round_ore(basis * (HUNDRED + self.percent) / HUNDRED)

    def __str__(self) -> str:
        number = format(self.percent.copy_abs().normalize(), "f").replace(".", ",")
        sign = "\u2212" if self.percent < 0 else "+"
        return f"{sign}{number}\u00a0%"


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

KEY_PREVIOUS = "previous"
KEY_POPULATION = MunicipalSplit.POPULATION.value
KEY_EQUAL = MunicipalSplit.EQUAL.value
KEY_FIXED = MunicipalSplit.FIXED.value
GROUPS = ("state", "region", "municipalities")
GROUP_FIELD = {group: f"group_{group}" for group in GROUPS}
# In a sentence, after the first word.
GROUP_IN_SENTENCE = {"state": "staten", "region": "regionen", "municipalities": "kommunerna"}
KIND_ORDER = {
    MemberKind.SOCIAL_INSURANCE: 0,
    MemberKind.EMPLOYMENT_SERVICE: 1,
    MemberKind.REGION: 2,
    MemberKind.MUNICIPALITY: 3,
}


def swedish_list(names: Sequence[str]) -> str:
    """ "A", "A och B", "A, B och C" """
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


def contributions_by_member(lines: Sequence[LineFacts], column: str | None) -> dict[str, Decimal]:
    """Each member's contribution in one column (a member may have several lines)."""
    amounts: dict[str, Decimal] = {}
    if column is None:
        return amounts
    for line in lines:
        if line.category == CONTRIBUTION and line.member:
            amounts[line.member] = amounts.get(line.member, ZERO) + line.amount(column)
    return amounts


@dataclass(frozen=True)
class PlannerRow:
    """One member in the planner's outcome."""

    key: str
    name: str
    group: str
    basis: Decimal  # its contribution in the comparison column
    group_share: Decimal | None  # its share of its funding group, in percent
    offer: Decimal | None
    limit: Decimal | None  # the largest whole budget its offer allows
    amount: Decimal
    decides: bool

    @property
    def change(self) -> Decimal | None:
        """The amount against the comparison column, in percent (+10,00 %)."""
        if not self.basis:
            return None
        return percent(self.amount - self.basis, self.basis)

    @property
    def headroom(self) -> Decimal | None:
        return None if self.offer is None else self.offer - self.amount


@dataclass(frozen=True)
class GroupRow:
    group: str
    name: str
    share: Decimal  # of the whole budget, in percent: 50, 25, 25
    basis: Decimal
    offer: Decimal | None
    limit: Decimal | None
    amount: Decimal
    decides: bool


@dataclass(frozen=True)
class PlannerOutcome:
    column: str
    scenario: str | None
    key_column: str | None
    largest: Decimal  # the largest budget the offers allow
    total: Decimal  # the budget to fill in: the largest, or the rounded total
    decider_names: tuple[str, ...]
    rows: tuple[PlannerRow, ...]
    groups: tuple[GroupRow, ...]
    notes: tuple[str, ...]

    @property
    def amounts(self) -> dict[str, Decimal]:
        """Member key → amount, for `contributions_fill`."""
        return {row.key: row.amount for row in self.rows}

    @property
    def amounts_total(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def basis_total(self) -> Decimal:
        return sum((row.basis for row in self.rows), ZERO)

    @property
    def rounded(self) -> bool:
        return self.total != self.largest

    @property
    def signature(self) -> str:
        """What would be filled in; the page posts it back with "Fyll i", so that
        offers changed after "Beräkna" are not filled in unseen."""
        amounts = ";".join(f"{row.key}={row.amount}" for row in self.rows)
        return f"{self.column}|{self.scenario or ''}|{amounts}"

    @property
    def deciders_text(self) -> str:
        """ "Jönköpings kommun och Mullsjö kommun avgör budgetens storlek." """
        text = swedish_list(self.decider_names)
        return _("%(names)s avgör budgetens storlek.") % {"names": text[:1].upper() + text[1:]}


class PlannerForm(forms.Form):
    """Compute the largest budget from the members' offers, and split it.

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
        self.members = sorted(members, key=lambda m: (KIND_ORDER.get(m.kind, 9), m.position, m.pk))
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
            (KEY_PREVIOUS, _("Förra årets bidrag i jämförelsekolumnen")),
            (KEY_POPULATION, population_label),
            (KEY_EQUAL, _("Lika delar")),
            (KEY_FIXED, _("Fasta procentsatser")),
        ]

        self.default_key_column = default_key_column(facts)
        self.key_note = ""
        self.fields["column"].initial = (
            f"{facts.year}:budget"
            if f"{facts.year}:budget" in planning
            else next(iter(planning), None)
        )
        self.fields["key_column"].initial = self.default_key_column
        self.fields["key"].initial = self._default_key()

        for member in self.offering_members:
            self.fields[f"offer_{member.key}"] = OfferField(
                label=member.name, required=False, min_value=0
            )
        regions = [m for m in self.members if m.kind == MemberKind.REGION]
        group_labels = {
            "state": _("Staten (Försäkringskassan)"),
            "region": _("Regionerna tillsammans") if len(regions) > 1 else _("Regionen"),
            "municipalities": _("Kommunerna tillsammans"),
        }
        for group in GROUPS:
            self.fields[GROUP_FIELD[group]] = OfferField(
                label=group_labels[group], required=False, min_value=0
            )
        self.group_labels = group_labels
        # In the page's order, for the error summary: the rounded total comes last.
        self.fields["rounded"] = self.fields.pop("rounded")

    # --- what the page shows before and after computing ----------------------------

    @property
    def offering_members(self) -> list[Member]:
        """Members that pay: Arbetsförmedlingen pays through Försäkringskassan."""
        return [m for m in self.members if m.kind != MemberKind.EMPLOYMENT_SERVICE]

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

    def _lines(self) -> tuple[LineFacts, ...]:
        name = self._chosen("scenario")
        if not name:
            return self.facts.lines
        return apply_scenario(self.facts.lines, find_scenario(self.facts, name))

    @property
    def basis(self) -> dict[str, Decimal]:
        """Each member's contribution in the comparison column."""
        return contributions_by_member(self._lines(), self._chosen("key_column") or None)

    def member_rows(self) -> list[dict[str, Any]]:
        """One row per member for the page: the member, its offer field (none for
        Arbetsförmedlingen), its basis and, once computed, its outcome."""
        basis = self.basis
        outcome = {row.key: row for row in self.outcome.rows} if self.outcome else {}
        return [
            {
                "member": member,
                "field": self[f"offer_{member.key}"]
                if f"offer_{member.key}" in self.fields
                else None,
                "basis": basis.get(member.key, ZERO),
                "result": outcome.get(member.key),
            }
            for member in self.members
        ]

    def group_rows(self) -> list[dict[str, Any]]:
        outcome = {row.group: row for row in self.outcome.groups} if self.outcome else {}
        basis = self.basis
        kinds = {m.key: m.kind for m in self.members}
        return [
            {
                "group": group,
                "field": self[GROUP_FIELD[group]],
                "share": GROUP_SHARES[group] * HUNDRED,
                "basis": sum(
                    (a for k, a in basis.items() if GROUP_OF_KIND.get(kinds.get(k, "")) == group),
                    ZERO,
                ),
                "result": outcome.get(group),
            }
            for group in GROUPS
        ]

    def _default_key(self) -> str:
        """The förbundsordning's key, unless the data for it are missing."""
        split = self.federation.municipal_split
        municipalities = [m for m in self.members if m.kind == MemberKind.MUNICIPALITY]
        if split == KEY_POPULATION:
            missing = [m.name for m in municipalities if not m.population]
        elif split == KEY_FIXED:
            missing = [m.name for m in municipalities if m.fixed_share_percent is None]
        else:
            return split
        if not missing:
            return split
        what = _("folkmängd") if split == KEY_POPULATION else _("fast procentsats")
        self.key_note = _(
            "Förbundsordningen fördelar kommunernas del efter %(what)s, men den saknas för "
            "%(names)s. Ange den under förbundets medlemmar, eller räkna med en annan nyckel."
        ) % {"what": what, "names": swedish_list(missing)}
        return KEY_PREVIOUS if self.default_key_column else KEY_EQUAL

    # --- validation: offers → planner → outcome -------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors or not self.has_columns:
            return cleaned
        key = cleaned["key"]
        key_column = cleaned.get("key_column") or None
        lines = self._lines()
        basis = contributions_by_member(lines, key_column)
        weights = self._weights(key, key_column, basis)
        if weights is None:
            return cleaned

        offers: dict[str, Decimal] = {}
        for member in self.offering_members:
            name = f"offer_{member.key}"
            offer = self._resolve(name, cleaned.get(name), basis.get(member.key, ZERO), key_column)
            if offer is not None:
                offers[member.key] = offer
        group_offers: dict[str, Decimal] = {}
        kinds = {m.key: m.kind for m in self.members}
        for group in GROUPS:
            name = GROUP_FIELD[group]
            group_basis = sum(
                (a for k, a in basis.items() if GROUP_OF_KIND.get(kinds.get(k, "")) == group), ZERO
            )
            offer = self._resolve(name, cleaned.get(name), group_basis, key_column)
            if offer is not None:
                group_offers[group] = offer
        if self.errors:
            return cleaned
        if not offers and not group_offers:
            raise ValidationError(
                _(
                    "Ange minst ett bud: ett belopp eller en ökning som +20 % för en medlem "
                    "eller för staten, regionen eller kommunerna."
                ),
                code="no_offer",
            )

        planner_members = [
            PlannerMember(m.key, m.name, m.kind, weights[m.key], offers.get(m.key))
            for m in self.members
        ]
        try:
            result = largest_budget(planner_members, group_offers)
            total = cleaned.get("rounded")
            if total is None:
                total = result.budget
            elif total > result.budget:
                self.add_error(
                    "rounded",
                    self._too_large(
                        total,
                        result,
                        split_budget(total, planner_members),
                        planner_members,
                        group_offers,
                    ),
                )
                # The page still shows the largest budget and who decides it; with
                # the error on the form nothing can be filled in.
                total = result.budget
            amounts = split_budget(total, planner_members)
        except PlannerError as exc:
            raise ValidationError(str(exc), code="planner") from None

        self.outcome = self._outcome(
            cleaned, key_column, basis, planner_members, group_offers, result, total, amounts
        )
        return cleaned

    def _weights(
        self, key: str, key_column: str | None, basis: Mapping[str, Decimal]
    ) -> dict[str, Decimal] | None:
        """Each member's weight within its funding group, or None (with an error)."""
        weights: dict[str, Decimal] = {}
        regions = [m for m in self.members if m.kind == MemberKind.REGION]
        municipalities = [m for m in self.members if m.kind == MemberKind.MUNICIPALITY]
        for member in self.members:
            if member.kind == MemberKind.SOCIAL_INSURANCE:
                # Försäkringskassan pays the state's whole half (5 § lag (2003:1210)).
                weights[member.key] = Decimal(1)
            elif member.kind == MemberKind.EMPLOYMENT_SERVICE:
                weights[member.key] = ZERO
        region_basis = sum((basis.get(m.key, ZERO) for m in regions), ZERO)
        for member in regions:
            by_basis = key == KEY_PREVIOUS and region_basis > 0
            weights[member.key] = basis.get(member.key, ZERO) if by_basis else Decimal(1)

        missing: list[str] = []
        for member in municipalities:
            if key == KEY_PREVIOUS:
                weight: Decimal | None = basis.get(member.key, ZERO)
            elif key == KEY_POPULATION:
                weight = Decimal(member.population) if member.population else None
            elif key == KEY_FIXED:
                weight = member.fixed_share_percent
            else:
                weight = Decimal(1)
            if weight is None:
                missing.append(member.name)
            else:
                weights[member.key] = weight
        if key == KEY_PREVIOUS and not key_column:
            self.add_error("key_column", _("Välj den kolumn vars bidrag är nyckeln."))
            return None
        if missing:
            what = _("Folkmängd") if key == KEY_POPULATION else _("Fast procentsats")
            self.add_error(
                "key",
                _("%(what)s saknas för %(names)s. Ange den under förbundets medlemmar.")
                % {"what": what, "names": swedish_list(missing)},
            )
            return None
        for group, name in (
            ("state", _("Försäkringskassan")),
            ("region", _("någon region")),
            ("municipalities", _("någon kommun")),
        ):
            own = [m for m in self.members if GROUP_OF_KIND.get(m.kind) == group]
            if sum((weights[m.key] for m in own), ZERO) <= 0:
                if group == "municipalities" and own and key == KEY_PREVIOUS:
                    self.add_error(
                        "key_column",
                        _("Kommunerna har inga bidrag i kolumn %(column)s att fördela efter.")
                        % {"column": column_label(key_column or "")},
                    )
                else:
                    self.add_error(
                        None,
                        _("Förbundet saknar %(who)s som kan betala gruppens del.") % {"who": name},
                    )
                return None
        return weights

    def _resolve(
        self, name: str, value: Decimal | Increase | None, basis: Decimal, key_column: str | None
    ) -> Decimal | None:
        if not isinstance(value, Increase):
            return value
        if not key_column or basis <= 0:
            self.add_error(
                name,
                _(
                    "%(change)s av vad? Det finns inget bidrag i jämförelsekolumnen att räkna "
                    "på. Skriv budet i kronor."
                )
                % {"change": str(value)},
            )
            return None
        return value.of(basis)

    def _too_large(
        self,
        total: Decimal,
        result: PlannerResult,
        amounts: Mapping[str, Decimal],
        members: Sequence[PlannerMember],
        group_offers: Mapping[str, Decimal],
    ) -> str:
        over = [
            _("%(name)s skulle betala %(amount)s, över sitt bud %(offer)s")
            % {"name": m.name, "amount": format_kr(amounts[m.key]), "offer": format_kr(m.offer)}
            for m in members
            if m.offer is not None and amounts.get(m.key, ZERO) > m.offer
        ]
        for group, offer in group_offers.items():
            paid = sum(
                (amounts.get(m.key, ZERO) for m in members if GROUP_OF_KIND[m.kind] == group), ZERO
            )
            if paid > offer:
                over.append(
                    _("%(name)s skulle betala %(amount)s, över budet %(offer)s")
                    % {
                        "name": self.group_labels[group],
                        "amount": format_kr(paid),
                        "offer": format_kr(offer),
                    }
                )
        return _("%(total)s är mer än den största möjliga budgeten %(largest)s. %(over)s.") % {
            "total": format_kr(total),
            "largest": format_kr(result.budget),
            "over": swedish_list(over),
        }

    def _outcome(
        self,
        cleaned: Mapping[str, Any],
        key_column: str | None,
        basis: Mapping[str, Decimal],
        members: Sequence[PlannerMember],
        group_offers: Mapping[str, Decimal],
        result: PlannerResult,
        total: Decimal,
        amounts: Mapping[str, Decimal],
    ) -> PlannerOutcome:
        # The planner lists the members' limits first, then the groups' (a member's
        # key may equal a group's, e.g. "region"), and names as deciders those whose
        # limit, to the öre, is the smallest.
        split = len(result.limits) - len(group_offers)
        member_limits = {limit.member: limit for limit in result.limits[:split]}
        group_limits = {limit.member: limit for limit in result.limits[split:]}
        smallest = min(_floor(limit.budget) for limit in result.limits)
        names = {m.key: m.name for m in members}
        rows = []
        for member in members:
            group = GROUP_OF_KIND[member.kind]
            own_weight = sum((m.weight for m in members if GROUP_OF_KIND[m.kind] == group), ZERO)
            limit = member_limits.get(member.key)
            rows.append(
                PlannerRow(
                    key=member.key,
                    name=member.name,
                    group=group,
                    basis=basis.get(member.key, ZERO),
                    group_share=percent(member.weight, own_weight),
                    offer=member.offer,
                    # offer × group weight / (group share × weight): exact where the
                    # planner's offer / fraction may end in …,99.
                    limit=(
                        round_ore(member.offer * own_weight / (GROUP_SHARES[group] * member.weight))
                        if limit and member.offer is not None
                        else None
                    ),
                    amount=amounts.get(member.key, ZERO),
                    decides=limit is not None and _floor(limit.budget) == smallest,
                )
            )
        groups = []
        for group in GROUPS:
            limit = group_limits.get(group)
            groups.append(
                GroupRow(
                    group=group,
                    name=self.group_labels[group],
                    share=GROUP_SHARES[group] * HUNDRED,
                    basis=sum((r.basis for r in rows if r.group == group), ZERO),
                    offer=group_offers.get(group),
                    limit=round_ore(limit.budget) if limit else None,
                    amount=sum((r.amount for r in rows if r.group == group), ZERO),
                    decides=limit is not None and _floor(limit.budget) == smallest,
                )
            )
        deciders = tuple(names[r.key] for r in rows if r.decides) + tuple(
            GROUP_IN_SENTENCE[g.group] for g in groups if g.decides
        )
        notes = []
        for member in members:
            if (
                member.offer is not None
                and member_fraction(member, members) == 0
                and member.kind != MemberKind.EMPLOYMENT_SERVICE
            ):
                notes.append(
                    _("%(name)s har vikten 0 med den här nyckeln, så budet påverkar inte budgeten.")
                    % {"name": member.name}
                )
            elif member.kind == MemberKind.MUNICIPALITY and member.weight == 0:
                notes.append(
                    _("%(name)s har vikten 0 med den här nyckeln och betalar därför inget.")
                    % {"name": member.name}
                )
        return PlannerOutcome(
            column=cleaned["column"],
            scenario=cleaned.get("scenario") or None,
            key_column=key_column,
            largest=result.budget,
            total=total,
            decider_names=deciders,
            rows=tuple(rows),
            groups=tuple(groups),
            notes=tuple(notes),
        )


def _floor(amount: Decimal) -> Decimal:
    return amount.quantize(ORE, rounding=ROUND_DOWN)


def column_label(code: str) -> str:
    """ "2020:budget" → "Budget 2020" """
    labels = {
        "budget": _("Budget"),
        "plan": _("Plan"),
        "forecast": _("Prognos"),
        "actual": _("Utfall"),
    }
    year, _sep, kind = code.partition(":")
    return f"{labels.get(kind, kind)} {year}"


def default_key_column(facts: BudgetFacts) -> str | None:
    """Last year's contributions: the year before's budget, forecast or actual column,
    else the latest column before the planning columns."""
    planning = set(planning_columns(facts.year, facts.columns))
    earlier = [c for c in facts.columns if c not in planning]
    preference = {"budget": 0, "forecast": 1, "actual": 2, "plan": 3}

    def rank(code: str) -> tuple[int, int]:
        year, _sep, kind = code.partition(":")
        return (-int(year), preference.get(kind, 9))

    last_year = [c for c in earlier if c.startswith(f"{facts.year - 1}:")]
    if last_year:
        return min(last_year, key=rank)
    if earlier:
        return min(earlier, key=rank)
    return None
