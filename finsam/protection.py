"""Middleware that bounds what a request may cost and what a browser may keep.

RequestBodyLimitMiddleware answers 413 to a body over settings.REQUEST_BODY_MAX_BYTES
before anything reads it: before the CSRF check, the session and the form parsers.
Django's DATA_UPLOAD_MAX_MEMORY_SIZE and FILE_UPLOAD_MAX_MEMORY_SIZE do not cap a
streamed file upload (it goes to a temporary file, however large), so without this
an anonymous 300 MB upload was read in full before its CSRF 403.

NoStoreForUsersMiddleware sends `Cache-Control: no-store` on every response to a
logged-in user, so that no browser or proxy keeps a copy of a page behind the login.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

DEFAULT_BODY_LIMIT = 6 * 1024 * 1024


def body_limit() -> int:
    return int(getattr(settings, "REQUEST_BODY_MAX_BYTES", DEFAULT_BODY_LIMIT))


def too_large_response(request: HttpRequest) -> HttpResponse:
    limit = body_limit()
    html = loader.render_to_string(
        "413.html", {"limit_mb": max(1, limit // (1024 * 1024))}, request=request
    )
    # (No "Connection: close": WSGI leaves hop-by-hop headers to the server.)
    return HttpResponse(html, status=413)


class RequestBodyLimitMiddleware:
    """413 for a body over the limit, judged by its Content-Length before it is read;
    a chunked body (no Content-Length) is read to at most the limit and one byte.

    Comes before every middleware that may read the body (RejectNullCharacters reads
    request.POST, CsrfViewMiddleware reads the form's token).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit()
        length = request.META.get("CONTENT_LENGTH")
        if length not in (None, ""):
            try:
                declared = int(length)
            except (TypeError, ValueError):
                return HttpResponseBadRequest(_("Ogiltig längd (Content-Length)."))
            if declared > limit:
                return too_large_response(request)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream = request.META.get("wsgi.input")
            data = stream.read(limit + 1) if stream is not None else b""
            if len(data) > limit:
                return too_large_response(request)
            # What was read is the body: let Django's parsers see it, with its length.
            request.META["CONTENT_LENGTH"] = str(len(data))
            request._stream = io.BytesIO(data)
        return self.get_response(request)


class NoStoreForUsersMiddleware:
    """`Cache-Control: no-store` on the responses to a logged-in user (the user of the
    response: one who logged in during the request counts, one who logged out not).
    Comes after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
