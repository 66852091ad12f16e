"""Access helpers: every view fetches its förbund (and through it, every object)
here. Another förbund's objects answer 404, as does what does not exist; a role
that may read but not do the action answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from finsam.models import Federation, Membership
from finsam.roles import COMMENT, EDIT, VIEW, role_may

ModelT = TypeVar("ModelT", bound=Model)
ViewT = TypeVar("ViewT", bound=Callable[..., Any])


class AuthenticatedHttpRequest(HttpRequest):
    """What a @login_required view is given: the user has logged in."""

    user: User


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


def role_in(user: User | AnonymousUser, federation: Federation) -> str | None:
    if not user.is_authenticated:
        return None
    cache = getattr(user, "_finsam_roles", None)
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("federation_id", "role"))
        setattr(user, "_finsam_roles", cache)  # noqa: B010 (a cache on the request's user, not a field)
    return cache.get(federation.pk)


def federations_for_user(user: User | AnonymousUser) -> QuerySet[Federation]:
    """The förbund a user belongs to: every list starts here."""
    if not user.is_authenticated:
        return Federation.objects.none()
    return Federation.objects.filter(memberships__user=user).distinct()


def get_federation_for_user(user: User, slug: str, *, action: str = VIEW) -> Access:
    try:
        membership = Membership.objects.select_related("federation").get(
            user=user, federation__slug=slug
        )
    except Membership.DoesNotExist:
        raise Http404("Förbundet finns inte.") from None
    if not role_may(membership.role, action):
        raise PermissionDenied("Din roll får inte göra detta.")
    return Access(federation=membership.federation, role=membership.role)


def get_in_federation(
    queryset: QuerySet[ModelT], access: Access, *, path: str = "federation", **lookup: Any
) -> ModelT:
    """Fetch one object of `queryset` that belongs to the access's förbund, or 404."""
    return get_object_or_404(queryset, **{path: access.federation}, **lookup)


def _marked(view: ViewT, action: str) -> ViewT:
    # The access tests read the mark (tests/test_access.py); mypy knows no
    # attributes of functions, so it is set by name.
    setattr(view, "finsam_action", action)  # noqa: B010
    return view


def edit_view(view: ViewT) -> ViewT:
    """Mark a view as an edit view: the access tests check that every such view
    answers 403 to roles that may only read."""
    return _marked(view, EDIT)


def comment_view(view: ViewT) -> ViewT:
    return _marked(view, COMMENT)


def is_site_staff(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def require_site_staff(user: User | AnonymousUser) -> None:
    """The site staff's pages (finsam/staff/) answer 404 to everyone else, as another
    förbund's pages do: nobody learns what is there."""
    if not is_site_staff(user):
        raise Http404("Sidan finns inte.")


def get_federation_for_staff(user: User | AnonymousUser, slug: str) -> Federation:
    require_site_staff(user)
    return get_object_or_404(Federation, slug=slug)
