"""Login throttling that holds: django-axes with a reset that touches only its own user.

django-axes counts failures per username and, separately, per address
(AXES_LOCKOUT_PARAMETERS). Its own reset on success deletes every attempt that
matches *any* of those parameters, so a correct login for one account from an
address wiped the failures counted for another account from that address: four
wrong passwords for X, one right one for Y, again and again, guessed at X without
end. Here a success deletes only the attempts recorded for the username that
logged in; X's failures stay, so X's sixth attempt within the cool-off is refused
whatever succeeds meanwhile, and the address keeps its own count too.

`lockout_response` is the lock page (AXES_LOCKOUT_CALLABLE): it says in Swedish at
what time (Europe/Stockholm) a new attempt is allowed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_parameters,
    get_client_username,
    get_cool_off,
    get_failure_limit,
)
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.db import router, transaction
from django.db.models import F, Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class OwnUserResetHandler(AxesDatabaseHandler):
    """AxesDatabaseHandler whose reset on a successful login deletes only the
    attempts recorded for that username, never those of the address.

    It also counts an attempt *before* the password is checked, so that guesses
    sent in parallel cannot all pass the check while none is recorded yet: each
    attempt adds its failure (committed) first, then counts; the k-th to commit sees
    at least k, so at most AXES_FAILURE_LIMIT attempts per username (and address)
    reach the password within the cool-off. A success deletes its own username's
    attempts, this one included; a failure is not counted a second time.
    """

    def is_allowed(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if not super().is_allowed(request, credentials):
            return False
        if getattr(request, RESERVED, False) or not get_client_username(request, credentials):
            return True
        self.clean_expired_user_attempts(request, credentials)
        _count_attempt(request, credentials)
        setattr(request, RESERVED, True)
        return self.get_failures(request, credentials) <= get_failure_limit(request, credentials)

    def user_login_failed(
        self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any
    ) -> None:
        if request is None or not getattr(request, RESERVED, False):
            super().user_login_failed(sender, credentials, request=request, **kwargs)
            return
        # Counted before the password was checked: only say whether it now locks.
        failures = self.get_failures(request, credentials)
        request.axes_failures_since_start = failures
        if failures >= get_failure_limit(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


RESERVED = "finsam_attempt_counted"
# AccessAttempt.username is a varchar(255): PostgreSQL refuses a longer one.
USERNAME_LENGTH = AccessAttempt._meta.get_field("username").max_length or 255


def client_username(request: Any, credentials: dict | None = None) -> str | None:
    """The username axes counts (AXES_USERNAME_CALLABLE): what was typed, cut to what
    its table holds. No account has a longer name, so a cut one locks nobody real."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(axes_settings.AXES_USERNAME_FORM_FIELD)
    return None if username is None else str(username)[:USERNAME_LENGTH]


def _count_attempt(request: Any, credentials: dict | None) -> None:
    """Add one failure to this username, address and browser's AccessAttempt, as
    axes does after a failure (without the request's data: the password is in it)."""
    with transaction.atomic(using=router.db_for_write(AccessAttempt)):
        attempt, created = AccessAttempt.objects.select_for_update().get_or_create(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
            defaults={
                "get_data": "",
                "post_data": "",
                "http_accept": request.axes_http_accept,
                "path_info": request.axes_path_info,
                "failures_since_start": 1,
                "attempt_time": request.axes_attempt_time,
            },
        )
        if not created:
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                failures_since_start=F("failures_since_start") + 1,
                attempt_time=request.axes_attempt_time,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
            )


def unlock_time(request: HttpRequest, credentials: dict | None = None) -> datetime | None:
    """When the lock on this request's username or address ends: for each lockout
    parameter over the failure limit, its latest failure plus the cool-off; the
    latest of those. None without a cool-off (a permanent lock) or a lock."""
    cool_off = get_cool_off(request)
    if not cool_off:
        return None
    limit = get_failure_limit(request, credentials)
    threshold = timezone.now() - cool_off
    ends = []
    for filters in get_client_parameters(
        get_client_username(request, credentials),
        getattr(request, "axes_ip_address", None),
        getattr(request, "axes_user_agent", None),
        request,
        credentials,
    ):
        found = AccessAttempt.objects.filter(**filters, attempt_time__gte=threshold).aggregate(
            failures=Sum("failures_since_start"), latest=Max("attempt_time")
        )
        if (found["failures"] or 0) >= limit and found["latest"] is not None:
            ends.append(found["latest"] + cool_off)
    return max(ends) if ends else None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The lock page (429), with the time a new attempt is allowed."""
    cool_off = get_cool_off(request)
    ends = unlock_time(request, credentials)
    if cool_off and ends is None:  # the lock has just ended: a full cool-off is the safe answer
        ends = timezone.now() + cool_off
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_timedelta": cool_off,
        "retry_at": timezone.localtime(ends) if ends is not None else None,
        "retry_today": ends is not None
        and timezone.localdate(ends) == timezone.localdate(timezone.now()),
    }
    return render(request, "registration/locked.html", context, status=429)
