"""Reads about people: who has which role in a förbund, the open invitations, and
the account an e-mail address belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from finsam.models import Federation, Invitation, Membership, Role
from finsam.text import swedish_sort_key

ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}


def normalize_email(email: str) -> str:
    """One spelling per address: trimmed, in lower case."""
    return email.strip().lower()


def account_for_email(email: str) -> list[Any]:
    """The accounts (at most two: more than one is an error to its callers) whose
    e-mail address or user name is `email`."""
    email = normalize_email(email)
    if not email:
        return []
    return list(
        get_user_model()
        .objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("pk")[:2]
    )


@dataclass(frozen=True)
class Person:
    membership: Membership
    is_you: bool
    # The förbund's only förbundschef: neither removed nor given another role.
    is_last_director: bool

    @property
    def name(self) -> str:
        user = self.membership.user
        return user.get_full_name() or user.get_username()

    @property
    def role_label(self) -> str:
        return str(Role(self.membership.role).label)


@dataclass(frozen=True)
class OpenInvitation:
    invitation: Invitation
    expires_at: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at < timezone.now()

    @property
    def role_label(self) -> str:
        return str(Role(self.invitation.role).label)


@dataclass(frozen=True)
class People:
    federation: Federation
    people: tuple[Person, ...]
    invitations: tuple[OpenInvitation, ...]

    @property
    def directors(self) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.membership.role == Role.DIRECTOR)


def invitation_expires(invitation: Invitation) -> datetime | None:
    """When the link sent last stops working (the token is made as it is sent)."""
    if invitation.sent_at is None:
        return None
    expires: datetime = invitation.sent_at + settings.FINSAM_INVITATION_VALIDITY
    return expires


def federation_people(federation: Federation, *, user: Any = None) -> People:
    """Everyone with a role in the förbund (förbundschefer first, then by name in
    Swedish order) and its open invitations, newest first. Two queries."""
    memberships = list(Membership.objects.filter(federation=federation).select_related("user"))
    directors = [m.pk for m in memberships if m.role == Role.DIRECTOR]
    people = [
        Person(
            membership=m,
            is_you=user is not None and m.user_id == getattr(user, "pk", None),
            is_last_director=directors == [m.pk],
        )
        for m in memberships
    ]
    people.sort(key=lambda p: (ROLE_ORDER[p.membership.role], swedish_sort_key(p.name)))
    invitations = tuple(
        OpenInvitation(invitation=i, expires_at=invitation_expires(i))
        for i in Invitation.objects.open()
        .filter(federation=federation)
        .order_by("-created_at", "-pk")
    )
    return People(federation=federation, people=tuple(people), invitations=invitations)


def people_counts(federation: Federation) -> tuple[int, int]:
    """(people with another role than förbundschef, open invitations): what the
    förbund page's "Kom igång" needs. One query."""
    others = Membership.objects.filter(federation=OuterRef("pk")).exclude(role=Role.DIRECTOR)
    invited = Invitation.objects.open().filter(federation=OuterRef("pk"))
    counts = (
        Federation.objects.filter(pk=federation.pk)
        .annotate(
            others=Coalesce(Subquery(_count(others)), 0),
            invited=Coalesce(Subquery(_count(invited)), 0),
        )
        .values_list("others", "invited")
        .first()
    )
    return (counts[0], counts[1]) if counts else (0, 0)


def _count(queryset: Any) -> Any:
    """A subquery's row count, for Subquery()."""
    return queryset.order_by().values("federation").annotate(n=Count("pk")).values("n")
