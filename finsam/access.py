"""Access helpers: every view fetches its förbund (and through it, every object)
here. Another förbund's objects answer 404, as does what does not exist; a role
that may read but not do the action answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from finsam.models import Federation, Membership
from finsam.roles import COMMENT, EDIT, VIEW, role_may


@dataclass(frozen=True)
class Access:
    federation: Federation
    role: str

    @property
    def may_edit(self) -> bool:
        return role_may(self.role, EDIT)

    @property
    def may_comment(self) -> bool:
        return role_may(self.role, COMMENT)


def role_in(user, federation: Federation) -> str | None:  # type: ignore[no-untyped-def]
    if not user.is_authenticated:
        return None
    cache = getattr(user, "_finsam_roles", None)
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("federation_id", "role"))
        user._finsam_roles = cache
    return cache.get(federation.pk)


def federations_for_user(user) -> QuerySet[Federation]:  # type: ignore[no-untyped-def]
    """The förbund a user belongs to: every list starts here."""
    if not user.is_authenticated:
        return Federation.objects.none()
    return Federation.objects.filter(memberships__user=user).distinct()


def get_federation_for_user(user, slug: str, *, action: str = VIEW) -> Access:  # type: ignore[no-untyped-def]
    try:
        membership = Membership.objects.select_related("federation").get(
            user=user, federation__slug=slug
        )
    except Membership.DoesNotExist:
        raise Http404("Förbundet finns inte.") from None
    if not role_may(membership.role, action):
        raise PermissionDenied("Din roll får inte göra detta.")
    return Access(federation=membership.federation, role=membership.role)


def get_in_federation(queryset: QuerySet, access: Access, *, path: str = "federation", **lookup) -> Model:  # type: ignore[type-arg]
    """Fetch one object of `queryset` that belongs to the access's förbund, or 404."""
    return get_object_or_404(queryset, **{path: access.federation}, **lookup)


def edit_view(view):  # type: ignore[no-untyped-def]
    """Mark a view as an edit view: the access tests check that every such view
    answers 403 to roles that may only read."""
    view.finsam_action = EDIT
    return view


def comment_view(view):  # type: ignore[no-untyped-def]
    view.finsam_action = COMMENT
    return view


def is_site_staff(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def require_site_staff(user) -> None:  # type: ignore[no-untyped-def]
    """The site staff's pages (finsam/staff/) answer 404 to everyone else, as another
    förbund's pages do: nobody learns what is there."""
    if not is_site_staff(user):
        raise Http404("Sidan finns inte.")


def get_federation_for_staff(user, slug: str) -> Federation:  # type: ignore[no-untyped-def]
    require_site_staff(user)
    return get_object_or_404(Federation, slug=slug)
