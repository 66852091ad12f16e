"""Bounded request bodies (issue 13, item 4): a body over the limit is answered 413,
with a Swedish page, before the CSRF check and before anything reads it. The trial
sent an anonymous 300 MB upload that was read in full before its CSRF 403."""

from __future__ import annotations

import io
import socket
import time

import pytest
from django.conf import settings
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIMIT = settings.REQUEST_BODY_MAX_BYTES


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes made on demand, counting what is read of it."""

    def __init__(self, size: int, head: bytes = b"") -> None:
        self.size, self.head, self.read_bytes = size, head, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        start = self.read_bytes
        self.read_bytes += n
        head = self.head[start : start + n]
        return head + b"x" * (n - len(head))

    def readline(self, n: int = -1) -> bytes:
        return self.read(n if n and n > 0 else 64 * 1024)


def _upload_environ(stream: CountingStream, length: int | None, **extra: str) -> dict:
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": MULTIPART_CONTENT,
        "wsgi.input": stream,
        **extra,
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    return environ


def _import_url(federation) -> str:
    return reverse("budget_excel_import", args=[federation.slug, 2026])


def test_an_anonymous_huge_upload_is_refused_unread(federation):
    """300 MB declared: 413 at once, and not a byte of the body is read (the CSRF
    check, which would read the form, never runs)."""
    size = 300 * 1024 * 1024
    stream = CountingStream(size)
    client = Client(enforce_csrf_checks=True)
    response = client.generic("POST", _import_url(federation), **_upload_environ(stream, size))
    assert response.status_code == 413
    assert stream.read_bytes == 0
    html = response.content.decode()
    assert "Det som skickades är för stort" in html and f"{LIMIT // 2**20} MB" in html
    assert response["Content-Security-Policy"]


def test_a_logged_in_upload_over_the_limit_is_refused_too(client, director, federation):
    client.force_login(director)
    body = encode_multipart(BOUNDARY, {"file": io.BytesIO(b"x" * (LIMIT + 1))})
    stream = CountingStream(len(body), head=body)
    response = client.generic("POST", _import_url(federation), **_upload_environ(stream, len(body)))
    assert response.status_code == 413 and stream.read_bytes == 0


def test_a_body_under_the_limit_reaches_the_view(client, director, federation):
    """(No budget 2026 here: the view's own 404, not the 413.)"""
    client.force_login(director)
    response = client.post(_import_url(federation), {"file": io.BytesIO(b"x" * 1000)})
    assert response.status_code == 404


def test_a_chunked_body_is_read_only_to_the_limit(federation):
    """No Content-Length (Transfer-Encoding: chunked): read at most the limit and a byte."""
    stream = CountingStream(300 * 1024 * 1024)
    response = Client().generic(
        "POST",
        _import_url(federation),
        **_upload_environ(stream, None, HTTP_TRANSFER_ENCODING="chunked"),
    )
    assert response.status_code == 413
    assert stream.read_bytes == LIMIT + 1


def test_a_small_chunked_body_is_parsed(client, director, federation):
    client.force_login(director)
    body = b"username=x&password=y"
    response = Client().generic(
        "POST",
        "/logga-in/",
        **{
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "wsgi.input": io.BytesIO(body),
            "HTTP_TRANSFER_ENCODING": "chunked",
            "REMOTE_ADDR": "10.4.4.4",
        },
    )
    # The form saw both fields: a wrong password, not "fill in the user name".
    assert response.status_code == 200
    assert response.context["form"].data["username"] == "x"


def test_a_bad_content_length_is_a_400():
    response = Client().generic("POST", "/logga-in/", CONTENT_LENGTH="mycket")
    assert response.status_code == 400


# --- against a live server, over a socket ----------------------------------------------


def test_the_413_arrives_before_the_body_is_sent(live_server, federation):
    """Send the headers of a 300 MB upload and 64 KB of it: the answer comes at once."""
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST {_import_url(federation)} HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                f"Content-Length: {300 * 1024 * 1024}\r\n\r\n"
            ).encode()
            + b"x" * 65536
        )
        started = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
        assert time.monotonic() - started < 30  # (the socket's timeout would have struck)
