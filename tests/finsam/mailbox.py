"""Links in the mails of the tests (django.core.mail.outbox)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core import mail

LINK = re.compile(r"https?://\S+")


def links(message) -> list[str]:
    return LINK.findall(message.body)


def last_link(to: str | None = None) -> str:
    """The path of the link in the last mail (to `to`, if given)."""
    messages = [m for m in mail.outbox if to is None or to in m.to]
    assert messages, f"no mail to {to}"
    found = links(messages[-1])
    assert found, messages[-1].body
    return urlsplit(found[0]).path
