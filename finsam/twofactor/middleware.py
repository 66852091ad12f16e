"""After the password, no page until the second factor: a user with a device reaches
only the code page, and a user who must have one (selectors.two_factor_required)
only the setup page, besides logging out.

Comes after django_otp's OTPMiddleware (request.user.is_verified()). A user who
needs no second factor is remembered in the session for RECHECK_SECONDS, so that
ordinary pages take no extra query; a new role or device counts from then on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from finsam.twofactor.selectors import SETUP, VERIFY, pending_step

# The session key: [user id, time] when this login was found to need no second factor.
NOT_NEEDED = "finsam_2fa_not_needed"
RECHECK_SECONDS = 300
STEP_PAGES = {VERIFY: "twofactor_verify", SETUP: "twofactor_setup"}
# Logging out, and the session's own status for static/js/session.js (it tells the
# user's id and how long the session lives, and POST renews the idle time: no page).
ALWAYS_ALLOWED = {"logout", "session_status"}


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        step = step_for(request)
        if step is None:
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in ALWAYS_ALLOWED or name == STEP_PAGES[step]:
            return None
        url = reverse(STEP_PAGES[step])
        if request.method == "GET" and not getattr(request, "htmx", False):
            url += "?" + urlencode({"next": request.get_full_path()}, safe="/")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)


def step_for(request: HttpRequest) -> str | None:
    """What this password-only login must do next (selectors.VERIFY or SETUP), or None."""
    user: Any = request.user
    remembered = request.session.get(NOT_NEEDED)
    now = time.time()
    if (
        isinstance(remembered, list)
        and len(remembered) == 2
        and remembered[0] == user.pk
        and 0 <= now - remembered[1] < RECHECK_SECONDS
    ):
        return None
    step = pending_step(user)
    if step is None:
        request.session[NOT_NEEDED] = [user.pk, now]
    else:
        request.session.pop(NOT_NEEDED, None)
    return step


def forget_step(request: HttpRequest) -> None:
    if hasattr(request, "session"):
        request.session.pop(NOT_NEEDED, None)


@receiver(user_logged_in, dispatch_uid="finsam_two_factor_new_login")
def _new_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Every password login decides afresh.
    if request is not None:
        forget_step(request)
