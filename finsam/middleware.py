"""Middleware of the project: the Content-Security-Policy header, refusal of NUL
characters in requests, and the 12-hour limit on a login.

Django 5.2 has no CSP support of its own (it comes in 6.0), and one header does
not need django-csp.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _

# The session key holding when the user logged in (a POSIX timestamp).
LOGIN_AT = "finsam_login_at"
SEEN_AT = "finsam_seen_at"  # when activity last moved the session's expiry
DEFAULT_MAX_LIFETIME = timedelta(hours=12)


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RejectNullCharactersMiddleware:
    """Answer 400 to a query string or form with a NUL character in it.

    No text anyone types contains one; PostgreSQL refuses to store it, so an
    unchecked field would otherwise end in a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return HttpResponseBadRequest(_("Ogiltigt tecken (NUL) i förfrågan."))
        return self.get_response(request)


def _has_nul(data) -> bool:  # type: ignore[no-untyped-def]
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


class SessionLifetimeMiddleware:
    """Log out a user whose login is older than settings.SESSION_MAX_LIFETIME (12 h),
    and keep an active session alive.

    The idle limit is the session's expiry, SESSION_COOKIE_AGE after it was last
    saved. Activity saves it again (so moves the expiry) when the last save is
    SESSION_REFRESH_INTERVAL old: one write a minute at most, not one per request.
    Comes after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            login_at = request.session.get(LOGIN_AT)
            if not isinstance(login_at, int | float):
                # Logged in before this middleware existed: the limit counts from now.
                request.session[LOGIN_AT] = now
            elif now - login_at > max_lifetime().total_seconds():
                logout(request)
                messages.info(
                    request,
                    _("Du har varit inloggad i %(hours)d timmar. Logga in igen.")
                    % {"hours": max_lifetime().total_seconds() // 3600},
                )
                return self.get_response(request)
            seen_at = request.session.get(SEEN_AT)
            if not isinstance(seen_at, int | float) or now - seen_at >= refresh_interval():
                request.session[SEEN_AT] = now  # modified: saved with a new expiry
        return self.get_response(request)


def max_lifetime() -> timedelta:
    return getattr(settings, "SESSION_MAX_LIFETIME", DEFAULT_MAX_LIFETIME)


def refresh_interval() -> float:
    return getattr(settings, "SESSION_REFRESH_INTERVAL", timedelta(minutes=1)).total_seconds()


@receiver(user_logged_in, dispatch_uid="finsam_record_login_time")
def _record_login_time(sender, request, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = timezone.now().timestamp()
