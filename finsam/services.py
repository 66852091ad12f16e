"""Every write to the core: the förbund, its members and its board seats.

Keyword-only, typed, one transaction each, and `full_clean()` before saving.
Views call these and never `.save()` a domain model themselves. An incomplete
setup (no region yet, a member without ersättare) is allowed: the rules in
finsam/rules.py report it on the förbund page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from finsam.audit import record
from finsam.db import save_new
from finsam.models import BoardSeat, Federation, Member, MemberKind


def _record(
    by: AbstractBaseUser | None, action: str, obj: object, changes: dict | None = None
) -> None:
    """Who did what: an entry in the audit log (finsam/audit.py)."""
    record(action=action, by=by, obj=obj, changes=changes)


def _values(obj: object, fields: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(obj, name) for name in fields}


def _changed(before: dict[str, object], after: dict[str, object]) -> dict[str, object]:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


FEDERATION_FIELDS = (
    "name",
    "org_number",
    "address",
    "contact",
    "equity_cap_percent",
    "equity_floor",
    "individual_share_target_percent",
    "municipal_split",
    "population_date",
)
MEMBER_FIELDS = (
    "key",
    "name",
    "kind",
    "population",
    "population_date",
    "fixed_share_percent",
    "position",
)
SEAT_FIELDS = ("member_id", "person", "role", "position", "term_end")


@transaction.atomic
def federation_update(
    *,
    federation: Federation,
    by: AbstractBaseUser | None,
    name: str,
    org_number: str = "",
    address: str = "",
    contact: str = "",
    equity_cap_percent: Decimal,
    equity_floor: Decimal | None = None,
    individual_share_target_percent: Decimal | None = None,
    municipal_split: str,
    population_date: date | None = None,
) -> Federation:
    """Change the förbund's own settings. The slug (part of every URL) is not one."""
    before = _values(federation, FEDERATION_FIELDS)
    federation.name = name
    federation.org_number = org_number
    federation.address = address
    federation.contact = contact
    federation.equity_cap_percent = equity_cap_percent
    federation.equity_floor = equity_floor
    federation.individual_share_target_percent = individual_share_target_percent
    federation.municipal_split = municipal_split
    federation.population_date = population_date
    federation.full_clean()
    federation.save()
    _record(
        by,
        "ändrade förbundet",
        federation,
        _changed(before, _values(federation, FEDERATION_FIELDS)),
    )
    return federation


def _check_member_key_free(federation_id: int, key: str, *, except_pk: int | None) -> None:
    taken = Member.objects.filter(federation_id=federation_id, key=key)
    if except_pk is not None:
        taken = taken.exclude(pk=except_pk)
    if taken.exists():
        raise ValidationError(
            {
                "key": _("Nyckeln ”%(key)s” används redan av en annan medlem i förbundet.")
                % {"key": key}
            }
        )


def _check_municipal_fields(
    kind: str, population: int | None, fixed_share_percent: Decimal | None
) -> None:
    # Member.clean() and a check constraint say the same; checking first gives one
    # message on the field instead of two on the form.
    if kind == MemberKind.MUNICIPALITY:
        return
    errors = {}
    if population is not None:
        errors["population"] = _("Folkmängd anges bara för kommuner.")
    if fixed_share_percent is not None:
        errors["fixed_share_percent"] = _("Fast andel anges bara för kommuner.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_create(
    *,
    federation: Federation,
    by: AbstractBaseUser | None,
    key: str,
    name: str,
    kind: str,
    population: int | None = None,
    population_date: date | None = None,
    fixed_share_percent: Decimal | None = None,
    position: int | None = None,
) -> Member:
    """Add a member; without a position it goes last."""
    _check_member_key_free(federation.pk, key, except_pk=None)
    _check_municipal_fields(kind, population, fixed_share_percent)
    if position is None:
        last = Member.objects.filter(federation=federation).order_by("-position").first()
        position = (last.position + 1) if last else 1
    member = Member(
        federation=federation,
        key=key,
        name=name,
        kind=kind,
        population=population,
        population_date=population_date,
        fixed_share_percent=fixed_share_percent,
        position=position,
    )
    save_new(
        member,
        conflict=Member.objects.filter(federation=federation, key=key),
        error={
            "key": _("Nyckeln ”%(key)s” används redan av en annan medlem i förbundet.")
            % {"key": key}
        },
    )
    _record(by, "lade till medlemmen", member, _values(member, MEMBER_FIELDS))
    return member


@transaction.atomic
def member_update(
    *,
    member: Member,
    by: AbstractBaseUser | None,
    key: str,
    name: str,
    kind: str,
    population: int | None = None,
    population_date: date | None = None,
    fixed_share_percent: Decimal | None = None,
    position: int | None = None,
) -> Member:
    _check_member_key_free(member.federation_id, key, except_pk=member.pk)
    _check_municipal_fields(kind, population, fixed_share_percent)
    before = _values(member, MEMBER_FIELDS)
    member.key = key
    member.name = name
    member.kind = kind
    member.population = population
    member.population_date = population_date
    member.fixed_share_percent = fixed_share_percent
    if position is not None:
        member.position = position
    member.full_clean()
    member.save()
    _record(by, "ändrade medlemmen", member, _changed(before, _values(member, MEMBER_FIELDS)))
    return member


def member_delete_refusal(member: Member) -> str | None:
    """Why `member_delete` would refuse this member, or None. A member that a
    budget line still uses (its medlemsbidrag) stays: Line.member is PROTECT, and
    the budget would lose its income."""
    years = sorted(set(member.budget_lines.values_list("budget__year", flat=True)))
    if not years:
        return None
    return _(
        "%(name)s kan inte tas bort eftersom budgeten för %(years)s har rader för "
        "medlemmen. Ta bort eller ändra de raderna först."
    ) % {"name": member.name, "years": ", ".join(str(y) for y in years)}


@transaction.atomic
def member_delete(*, member: Member, by: AbstractBaseUser | None) -> None:
    """Remove a member and its board seats; refused while a budget uses it."""
    if refusal := member_delete_refusal(member):
        raise ValidationError(refusal)
    _record(by, "tog bort medlemmen", member, _values(member, MEMBER_FIELDS))
    member.delete()


def _check_seat_member(member: Member, federation_id: int) -> None:
    if member.federation_id != federation_id:
        raise ValidationError({"member": _("Medlemmen hör till ett annat förbund.")})


@transaction.atomic
def seat_create(
    *,
    member: Member,
    by: AbstractBaseUser | None,
    person: str,
    role: str,
    position: str = "",
    term_end: date | None = None,
) -> BoardSeat:
    seat = BoardSeat(member=member, person=person, role=role, position=position, term_end=term_end)
    seat.full_clean()
    seat.save()
    _record(by, "lade till styrelseplatsen", seat, _values(seat, SEAT_FIELDS))
    return seat


@transaction.atomic
def seat_update(
    *,
    seat: BoardSeat,
    by: AbstractBaseUser | None,
    member: Member,
    person: str,
    role: str,
    position: str = "",
    term_end: date | None = None,
) -> BoardSeat:
    """Change a seat; it may move to another member of the same förbund only."""
    _check_seat_member(member, seat.member.federation_id)
    before = _values(seat, SEAT_FIELDS)
    seat.member = member
    seat.person = person
    seat.role = role
    seat.position = position
    seat.term_end = term_end
    seat.full_clean()
    seat.save()
    _record(by, "ändrade styrelseplatsen", seat, _changed(before, _values(seat, SEAT_FIELDS)))
    return seat


@transaction.atomic
def seat_delete(*, seat: BoardSeat, by: AbstractBaseUser | None) -> None:
    _record(by, "tog bort styrelseplatsen", seat, _values(seat, SEAT_FIELDS))
    seat.delete()


@dataclass(frozen=True)
class NewMember:
    """A member given with a new förbund (finsam/staff/forms.py)."""

    name: str
    kind: str
    population: int | None = None
    fixed_share_percent: Decimal | None = None


def slug_taken_message(slug: str) -> str:
    owner = Federation.objects.filter(slug=slug).values_list("name", flat=True).first()
    return _("Adressen /f/%(slug)s/ används redan av %(owner)s. Välj ett annat kortnamn.") % {
        "slug": slug,
        "owner": owner or _("ett annat förbund"),
    }


@transaction.atomic
def federation_create(
    *,
    by: AbstractBaseUser | None,
    name: str,
    slug: str,
    org_number: str = "",
    address: str = "",
    equity_cap_percent: Decimal,
    equity_floor: Decimal | None = None,
    municipal_split: str,
    population_date: date | None = None,
    members: Sequence[NewMember] = (),
) -> Federation:
    """A new förbund with its members (site staff, finsam/staff/). The slug is its
    permanent web address: nothing changes it later (`federation_update` does not)."""
    if Federation.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": slug_taken_message(slug)})
    federation = Federation(
        name=name,
        slug=slug,
        org_number=org_number,
        address=address,
        equity_cap_percent=equity_cap_percent,
        equity_floor=equity_floor,
        municipal_split=municipal_split,
        population_date=population_date,
    )
    save_new(
        federation,
        conflict=Federation.objects.filter(slug=slug),
        error={
            "slug": _(
                "Adressen /f/%(slug)s/ används redan av ett annat förbund. Välj ett annat kortnamn."
            )
            % {"slug": slug}
        },
    )
    _record(
        by,
        "skapade förbundet",
        federation,
        {"slug": slug, **_values(federation, FEDERATION_FIELDS)},
    )
    keys: set[str] = set()
    for position, new in enumerate(members, start=1):
        key = member_key(new.name, taken=keys)
        keys.add(key)
        member_create(
            federation=federation,
            by=by,
            key=key,
            name=new.name,
            kind=new.kind,
            population=new.population if new.kind == MemberKind.MUNICIPALITY else None,
            population_date=population_date
            if new.kind == MemberKind.MUNICIPALITY and new.population is not None
            else None,
            fixed_share_percent=new.fixed_share_percent
            if new.kind == MemberKind.MUNICIPALITY
            else None,
            position=position,
        )
    return federation


def member_key(name: str, *, taken: set[str]) -> str:
    """A member's key from its name, unique among `taken` ("habo", "habo-2")."""
    base = (slugify(name)[:56] or "medlem").strip("-") or "medlem"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key
