"""The site staff's form for a new förbund: its name and permanent web address, its
organisation number and address, its members and their kinds, how the
municipalities split their quarter, the equity cap and floor, and (optionally)
the förbundschef to invite."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finsam.forms import AmountField, DateInput, PopulationField, clean_org_number
from finsam.models import Federation, MemberKind, MunicipalSplit
from finsam.money import DEFAULT_EQUITY_CAP_PERCENT
from finsam.rules import fixed_shares_problem
from finsam.services import NewMember, slug_taken_message
from finsam.text import SLUG_PATTERN, slug_from_name

SLUG_LENGTH = Federation._meta.get_field("slug").max_length or 80
# Rows the form starts with: the state's two parties, a region and three municipalities.
START_ROWS: tuple[tuple[str, str], ...] = (
    ("Försäkringskassan", MemberKind.SOCIAL_INSURANCE),
    ("Arbetsförmedlingen", MemberKind.EMPLOYMENT_SERVICE),
    ("", MemberKind.REGION),
    ("", MemberKind.MUNICIPALITY),
    ("", MemberKind.MUNICIPALITY),
    ("", MemberKind.MUNICIPALITY),
)
MORE_ROWS = 3
MAX_ROWS = 60


class FederationCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Förbundets namn"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-slug-source": "1"}),
        error_messages={"required": gettext_lazy("Skriv förbundets namn.")},
    )
    slug = forms.CharField(
        label=gettext_lazy("Kortnamn (webbadress)"),
        max_length=SLUG_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "data-slug-target": "1", "spellcheck": "false"}
        ),
        help_text=gettext_lazy(
            "Kortnamnet blir förbundets permanenta webbadress och kan inte ändras senare: "
            "länkar, kalenderprenumerationer och den publicerade planen bygger på den. "
            "Små bokstäver a–z, siffror och bindestreck. Lämnas det tomt skapas det av namnet."
        ),
    )
    org_number = forms.CharField(
        label=gettext_lazy("Organisationsnummer"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Tio siffror, t.ex. 222000-1230."),
    )
    address = forms.CharField(
        label=gettext_lazy("Adress"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    municipal_split = forms.ChoiceField(
        label=gettext_lazy("Hur kommunerna delar sin fjärdedel"),
        choices=MunicipalSplit.choices,
        initial=MunicipalSplit.POPULATION,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Det som förbundsordningen säger."),
    )
    population_date = forms.DateField(
        label=gettext_lazy("Folkmängd per datum"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy(
            "Vid fördelning efter folkmängd: dagen som folkmängden räknas, t.ex. 1 juli året före."
        ),
    )
    equity_cap_percent = forms.DecimalField(
        label=gettext_lazy("Tak för eget kapital (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=DEFAULT_EQUITY_CAP_PERCENT,
        localize=True,
        help_text=gettext_lazy(
            "Andel av årets medlemsbidrag. Nationella rådet rekommenderar ofta 20 %."
        ),
    )
    equity_floor = AmountField(
        label=gettext_lazy("Golv för eget kapital (kr)"),
        required=False,
        min_value=0,
        help_text=gettext_lazy(
            "Lägsta eget kapital för oförutsedda kostnader och semesterlöner. Tomt: inget golv."
        ),
    )
    director_email = forms.EmailField(
        label=gettext_lazy("Förbundschefens e-postadress"),
        max_length=150,
        required=False,
        help_text=gettext_lazy(
            "Förbundschefen får en inbjudan med en länk där hon väljer lösenord. Tomt: bjud in "
            "senare."
        ),
        error_messages={
            "invalid": gettext_lazy("Skriv en e-postadress, t.ex. anna.andersson@kramfors.se.")
        },
    )
    director_name = forms.CharField(
        label=gettext_lazy("Förbundschefens namn"),
        max_length=200,
        required=False,
    )

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data.get("slug", "").strip()
        if slug and not re.match(SLUG_PATTERN, slug):
            raise forms.ValidationError(
                _(
                    "Kortnamnet får bara ha små bokstäver a–z, siffror och bindestreck mellan "
                    "orden (inte å, ä, ö eller mellanslag), t.ex. kramfors."
                )
            )
        return slug

    def clean_org_number(self) -> str:
        return clean_org_number(self.cleaned_data.get("org_number", ""))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("slug") and data.get("name") and "slug" not in self.errors:
            data["slug"] = slug_from_name(data["name"], max_length=SLUG_LENGTH)
            if not data["slug"]:
                self.add_error("slug", _("Skriv ett kortnamn med bokstäverna a–z eller siffror."))
        if data.get("slug") and Federation.objects.filter(slug=data["slug"]).exists():
            self.add_error("slug", slug_taken_message(data["slug"]))
        if data.get("director_name") and not data.get("director_email"):
            self.add_error(
                "director_email", _("Skriv förbundschefens e-postadress, eller töm namnet.")
            )
        return data


class MemberRowForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Namn"), max_length=200, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Slag"), choices=MemberKind.choices)
    population = PopulationField(label=gettext_lazy("Folkmängd"))
    fixed_share_percent = forms.DecimalField(
        label=gettext_lazy("Fast andel (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        localize=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = {
            "name": {"class": "form-control", "autocomplete": "off"},
            "kind": {"class": "form-select"},
            "population": {
                "class": "form-control text-end",
                "inputmode": "numeric",
                "autocomplete": "off",
            },
            "fixed_share_percent": {
                "class": "form-control text-end",
                "inputmode": "decimal",
                "autocomplete": "off",
            },
        }
        for name, field in self.fields.items():
            field.widget.attrs.update(attrs[name])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        filled = data.get("population") is not None or data.get("fixed_share_percent") is not None
        if not data.get("name", "").strip():
            if filled:
                self.add_error("name", _("Skriv medlemmens namn, eller töm raden."))
            return data
        if data.get("kind") and data["kind"] != MemberKind.MUNICIPALITY:
            for name in ("population", "fixed_share_percent"):
                if data.get(name) is not None:
                    self.add_error(name, _("Anges bara för kommuner."))
        return data

    def new_member(self) -> NewMember | None:
        """The member of this row, or None for an empty row."""
        data = self.cleaned_data
        if not data.get("name", "").strip():
            return None
        return NewMember(
            name=data["name"].strip(),
            kind=data["kind"],
            population=data.get("population"),
            fixed_share_percent=data.get("fixed_share_percent"),
        )


class BaseMemberFormSet(forms.BaseFormSet["MemberRowForm"]):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: dict[str, int] = {}
        for index, form in enumerate(self.forms, start=1):
            member = form.new_member()
            if member is None:
                continue
            key = member.name.casefold()
            if key in seen:
                form.add_error(
                    "name",
                    _("%(name)s finns redan på rad %(row)d.")
                    % {"name": member.name, "row": seen[key]},
                )
            seen.setdefault(key, index)

    def mark_invalid(self) -> None:
        """Bootstrap's red border on the fields with errors (the rows are drawn by hand)."""
        for form in self.forms:
            for name in form.errors:
                if name in form.fields:
                    widget = form.fields[name].widget
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                    widget.attrs["aria-invalid"] = "true"

    def new_members(self) -> list[NewMember]:
        return [m for m in (form.new_member() for form in self.forms) if m is not None]


# formset_factory is typed as giving a BaseFormSet; it is a subclass of the one given.
MemberFormSet = cast(
    type[BaseMemberFormSet],
    forms.formset_factory(
        MemberRowForm,
        formset=BaseMemberFormSet,
        extra=0,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    ),
)
MEMBERS_PREFIX = "medlemmar"


def member_formset(data: Any = None) -> BaseMemberFormSet:
    """The members' rows: the start rows, or the rows posted."""
    if data is None:
        return MemberFormSet(
            prefix=MEMBERS_PREFIX,
            initial=[{"name": name, "kind": kind} for name, kind in START_ROWS],
        )
    return MemberFormSet(data, prefix=MEMBERS_PREFIX)


def with_more_rows(data: Any) -> tuple[FederationCreateForm, BaseMemberFormSet]:
    """The button "Fler rader": the forms again, unbound, with what she typed as their
    initial values (so nothing is checked yet, and nothing is lost) and MORE_ROWS
    empty municipality rows more."""
    form = FederationCreateForm(
        initial={name: data.get(name, "") for name in FederationCreateForm.base_fields}
    )
    try:
        total = int(data.get(f"{MEMBERS_PREFIX}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    total = max(0, min(total, MAX_ROWS))
    rows = [
        {
            name: data.get(f"{MEMBERS_PREFIX}-{index}-{name}", "")
            for name in MemberRowForm.base_fields
        }
        for index in range(total)
    ]
    rows += [{"name": "", "kind": MemberKind.MUNICIPALITY}] * max(
        0, min(MORE_ROWS, MAX_ROWS - total)
    )
    return form, MemberFormSet(prefix=MEMBERS_PREFIX, initial=rows)


def split_problems(split: str, members: list[NewMember]) -> str | None:
    """What the split says about the municipalities' fixed shares (a form error)."""
    if split != MunicipalSplit.FIXED:
        return None
    return fixed_shares_problem(
        [m.fixed_share_percent for m in members if m.kind == MemberKind.MUNICIPALITY]
    )
