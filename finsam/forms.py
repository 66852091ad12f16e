"""Forms of the core: the förbund's settings, a member, a board seat.

Plain forms whose fields come from the model fields (labels, lengths, choices);
the services validate the model and save. A ModelForm would write the posted
values into the instance before the service runs, so a page showing the
instance after an error would show half-saved values.

`AmountField` is the one form field for kronor: it accepts "180 000",
"180 000,50" (spaces, no-break or thin spaces and a decimal comma).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Field, Model
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finsam.models import BoardSeat, Federation, Member, MemberKind
from finsam.money import (
    TOO_LARGE,
    format_kr,
    format_number,
    parse_amount,
    parse_typed_amount,
    too_large,
)
from finsam.text import is_whole_number


class AmountField(forms.Field):
    """Kronor, typed the Swedish way; cleans to a Decimal (None when left empty).

    Accepts "1 296 000", "1 296 000,50" and "1296000.50", with normal, no-break
    (U+00A0) or thin (U+202F, U+2009) spaces between thousands. Never a float.
    """

    widget = forms.TextInput(
        attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control text-end"}
    )
    default_error_messages = {
        "invalid": gettext_lazy("Inte ett belopp. Skriv t.ex. 1 296 000 eller 1 296 000,50."),
        "decimals": gettext_lazy("Högst två decimaler (öre)."),
        "too_large": gettext_lazy("Beloppet är för stort."),
        "min_value": gettext_lazy("Beloppet får inte vara lägre än %(limit)s."),
        "max_value": gettext_lazy("Beloppet får inte vara högre än %(limit)s."),
    }

    def __init__(
        self,
        *,
        min_value: Decimal | int | None = None,
        max_value: Decimal | int | None = None,
        **kwargs: Any,
    ) -> None:
        self.min_value = None if min_value is None else Decimal(min_value)
        self.max_value = None if max_value is None else Decimal(max_value)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
        if value in self.empty_values:
            return None
        try:
            amount = parse_typed_amount(value) if isinstance(value, str) else parse_amount(value)
        except ValueError as exc:
            code = {"fler än två decimaler": "decimals", TOO_LARGE: "too_large"}.get(
                str(exc), "invalid"
            )
            raise ValidationError(self.error_messages[code], code=code) from None
        if too_large(amount):
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        return amount

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not isinstance(value, Decimal):
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": format_kr(self.min_value)},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": format_kr(self.max_value)},
            )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_number(value)
        return value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def clean_org_number(value: str) -> str:
    """An organisationsnummer as NNNNNN-NNNN (empty stays empty). Its last digit is a
    check digit (the Luhn algorithm, as in personnummer), so a mistyped digit is
    caught."""
    text = value.strip()
    if not text:
        return ""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) == 12 and digits.startswith("16"):
        digits = digits[2:]  # the "16" prefix some registers write
    if len(digits) != 10 or any(c not in "0123456789- " for c in text):
        raise ValidationError(_("Skriv organisationsnumret med tio siffror, t.ex. 222000-1230."))
    if not _luhn_ok(digits):
        raise ValidationError(
            _("Organisationsnumret %(number)s stämmer inte (kontrollsiffran). Kontrollera det.")
            % {"number": f"{digits[:6]}-{digits[6:]}"}
        )
    return f"{digits[:6]}-{digits[6:]}"


# No municipality has more; a larger figure is a typing error.
POPULATION_LIMIT = 100_000_000


class PopulationField(forms.Field):
    """A municipality's population as people write it, "10 512": spaces (also no-break
    and thin) between the thousands. Text, so the browser takes what she types."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = {"maxlength": "20", "inputmode": "numeric", "autocomplete": "off"}
        return {**super().widget_attrs(widget), **attrs}

    def prepare_value(self, value: Any) -> Any:
        return format_number(value) if isinstance(value, int) else value

    def to_python(self, value: Any) -> int | None:
        text = re.sub(r"[\s\u00a0\u202f\u2009]", "", str(value or ""))[:40]
        if not text:
            return None
        if not is_whole_number(text):
            raise ValidationError(_("Skriv folkmängden som ett heltal, t.ex. 10 512."))
        if int(text) > POPULATION_LIMIT:
            raise ValidationError(_("Folkmängden är orimligt stor."))
        return int(text)


def _field(model: type[Model], name: str, **kwargs: Any) -> forms.Field:
    """The model field's own form field (its Swedish label, length and choices)."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, Field)
    field = model_field.formfield(**kwargs)
    assert field is not None
    return field


def initial_from(instance: Model, form_class: type[forms.Form]) -> dict[str, Any]:
    """The instance's values for the form's fields (foreign keys as objects)."""
    return {name: getattr(instance, name) for name in form_class.base_fields}


class FederationForm(forms.Form):
    name = _field(Federation, "name")
    org_number = _field(Federation, "org_number")
    address = _field(Federation, "address", widget=forms.Textarea(attrs={"rows": 3}))
    contact = _field(Federation, "contact", widget=forms.Textarea(attrs={"rows": 3}))
    equity_cap_percent = _field(
        Federation,
        "equity_cap_percent",
        localize=True,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy(
            "Nationella rådet rekommenderar att eget kapital stannar under en andel av "
            "årets medlemsbidrag, ofta 20 %."
        ),
    )
    equity_floor = AmountField(
        label=gettext_lazy("Golv för eget kapital (kr)"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("Lägsta eget kapital för oförutsedda kostnader och semesterlöner."),
    )
    individual_share_target_percent = _field(
        Federation,
        "individual_share_target_percent",
        localize=True,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy(
            "Till exempel 60 om minst 60 % av insatsmedlen ska vara individinriktade."
        ),
    )
    municipal_split = _field(Federation, "municipal_split")
    population_date = _field(Federation, "population_date", widget=DateInput())

    def clean_org_number(self) -> str:
        value: str = self.cleaned_data.get("org_number", "")
        # Checked when changed: a number saved before the check came stays saveable.
        if value.strip() == (self.initial.get("org_number") or ""):
            return value.strip()
        return clean_org_number(value)


class MemberForm(forms.Form):
    name = _field(Member, "name")
    kind = _field(Member, "kind")
    key = _field(
        Member,
        "key",
        required=False,
        help_text=gettext_lazy(
            "Kort namn utan mellanslag, till exempel habo. Används i budgeten och vid "
            "export. Lämnas det tomt skapas det av namnet."
        ),
    )
    population = PopulationField(
        label=gettext_lazy("Folkmängd"), help_text=gettext_lazy("Bara för kommuner.")
    )
    population_date = _field(Member, "population_date", widget=DateInput())
    fixed_share_percent = _field(
        Member,
        "fixed_share_percent",
        localize=True,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy("Bara för kommuner, när förbundsordningen anger fasta andelar."),
    )
    position = _field(
        Member,
        "position",
        required=False,
        initial=None,
        help_text=gettext_lazy("Medlemmarna visas i den här ordningen. Tomt: sist."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("key") and data.get("name"):
            data["key"] = slugify(data["name"])[:60]
            if not data["key"]:
                self.add_error("key", _("Ange en nyckel med bokstäver eller siffror."))
        if data.get("kind") and data["kind"] != MemberKind.MUNICIPALITY:
            for name in ("population", "fixed_share_percent"):
                if data.get(name) is not None:
                    self.add_error(name, _("Anges bara för kommuner."))
        return data


class BoardSeatForm(forms.Form):
    member = _field(BoardSeat, "member", queryset=Member.objects.none())
    person = _field(BoardSeat, "person")
    role = _field(BoardSeat, "role")
    position = _field(BoardSeat, "position")
    term_end = _field(BoardSeat, "term_end", widget=DateInput())

    def __init__(self, *args: Any, federation: Federation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_field = self.fields["member"]
        assert isinstance(member_field, forms.ModelChoiceField)
        member_field.queryset = Member.objects.filter(federation=federation)
