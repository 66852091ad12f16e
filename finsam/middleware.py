"""Middleware of the project: the Content-Security-Policy header, refusal of NUL
characters in requests, the 12-hour limit on a login, and what an anonymous user
gets from a page that needs a login.

Django 5.2 has no CSP support of its own (it comes in 6.0), and one header does
not need django-csp.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# The session key holding when the user logged in (a POSIX timestamp).
LOGIN_AT = "finsam_login_at"
SEEN_AT = "finsam_seen_at"  # when activity last moved the session's expiry
DEFAULT_MAX_LIFETIME = timedelta(hours=12)
DEFAULT_IDLE_WARNING = timedelta(minutes=2)
# Set on a request whose view must not move the session's expiry (a tab asking whether
# its session still lives must not keep a forgotten session alive).
UNTOUCHED = "finsam_session_untouched"


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


def _has_nul(data: QueryDict) -> bool:
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
        response = self.get_response(request)
        # After the view, which may have logged the user in or out, or asked to leave
        # the session untouched. The session is saved later, by SessionMiddleware.
        if request.user.is_authenticated and not getattr(request, UNTOUCHED, False):
            seen_at = request.session.get(SEEN_AT)
            now = timezone.now().timestamp()
            if not isinstance(seen_at, int | float) or now - seen_at >= refresh_interval():
                touch_session(request)
        return response


def touch_session(request: HttpRequest) -> None:
    """Move the session's expiry: modified, it is saved with SESSION_COOKIE_AGE from now."""
    request.session[SEEN_AT] = timezone.now().timestamp()


def idle_timeout() -> float:
    """Seconds a session surely lives after a request: it expires SESSION_COOKIE_AGE
    after its last save, and that save is at most refresh_interval() older than the
    request (30 minutes with the settings of the project)."""
    return settings.SESSION_COOKIE_AGE - refresh_interval()


def idle_warning() -> float:
    """Seconds before the idle timeout that the editors warn (static/js/session.js)."""
    return getattr(settings, "SESSION_IDLE_WARNING", DEFAULT_IDLE_WARNING).total_seconds()


def idle_left(request: HttpRequest) -> float:
    """Seconds the session of this request surely lives without more activity."""
    seen_at = request.session.get(SEEN_AT)
    if not isinstance(seen_at, int | float):
        return idle_timeout()
    return max(0.0, seen_at + settings.SESSION_COOKIE_AGE - timezone.now().timestamp())


def lifetime_left(request: HttpRequest) -> float:
    """Seconds until the 12-hour limit on this login."""
    login_at = request.session.get(LOGIN_AT)
    if not isinstance(login_at, int | float):
        return max_lifetime().total_seconds()
    return max(0.0, login_at + max_lifetime().total_seconds() - timezone.now().timestamp())


class LoginRequiredResponseMiddleware:
    """What an anonymous user gets from a view that needs a login, in one place for
    every such view (login_required redirects to settings.LOGIN_URL with `next`).

    - An htmx request gets 401, not the redirect: htmx would follow it, receive the
      login page and show nothing, so the editors' figures froze silently. The
      editors' script (static/js/session.js) says in Swedish that she is logged out.
    - A request other than GET (a form sent after the session ended) is sent to log
      in with `next` = the page she was on (the Referer, if of this site), or the
      page its URL belongs to: the URL itself may answer only POST, so coming back
      to it after login would end in "405" with her input gone.
    Comes after AuthenticationMiddleware and before SessionLifetimeMiddleware (which
    may log the user out before the view).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 302 or request.user.is_authenticated:
            return response
        if not _is_login_redirect(response["Location"]):
            return response
        return logged_out_response(request) or response


def logged_out_response(request: HttpRequest) -> HttpResponse | None:
    """For a request by someone whose session has ended: 401 for htmx, and for a
    form sent (not GET) the login with `next` = the page she was on; None for a
    GET, which login_required's own redirect serves. The CSRF check's refusal of a
    logged-out form comes here too (finsam.views.csrf_failure)."""
    if request.headers.get("HX-Request") == "true":
        refused = HttpResponse(
            _("Du är utloggad. Logga in igen."),
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        refused["HX-Reswap"] = "none"
        return refused
    if request.method not in ("GET", "HEAD"):
        messages.info(
            request,
            _(
                "Du hade blivit utloggad, så det du skickade är inte sparat. "
                "Logga in igen för att komma tillbaka till sidan."
            ),
        )
        return redirect_to_login(return_page(request))
    return None


def _is_login_redirect(location: str) -> bool:
    parts = urlsplit(location)
    login = urlsplit(resolve_url(settings.LOGIN_URL))
    return parts.path == login.path and REDIRECT_FIELD_NAME in parse_qs(parts.query)


def return_page(request: HttpRequest) -> str:
    """The page to come back to after login, for a request a GET cannot repeat: the
    same-origin Referer, else the nearest URL above the request's that is a page
    (…/rutnat/spara/ belongs to …/rutnat/), else the start page. Never another site
    (url_has_allowed_host_and_scheme)."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        if _is_page(parts.path):
            return urlunsplit(("", "", parts.path, parts.query, ""))
    path = request.path
    while path.rstrip("/"):
        path = path.rstrip("/").rsplit("/", 1)[0] + "/"
        if _is_page(path):
            return path
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _is_page(path: str) -> bool:
    if not path.startswith("/") or path == urlsplit(resolve_url(settings.LOGIN_URL)).path:
        return False
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def max_lifetime() -> timedelta:
    return getattr(settings, "SESSION_MAX_LIFETIME", DEFAULT_MAX_LIFETIME)


def refresh_interval() -> float:
    return getattr(settings, "SESSION_REFRESH_INTERVAL", timedelta(minutes=1)).total_seconds()


@receiver(user_logged_in, dispatch_uid="finsam_record_login_time")
def _record_login_time(
    sender: type[Any], request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = timezone.now().timestamp()
