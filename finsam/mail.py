"""Mails to people: through Django's mail API (settings.EMAIL_BACKEND and the EMAIL_*
settings from the environment, finsam/settings.py), in Swedish, as plain text.

A mail that cannot be delivered raises `MailNotSent` with a Swedish message; the
callers say so to the user and keep what she did (finsam/people.py).
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """The mail server did not take the mail; the message says so in Swedish."""


def send(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Render `template` (a .txt template) with `context` and send it to one address."""
    body = render_to_string(template, context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    try:
        message.send(fail_silently=False)
    except OSError as exc:  # smtplib.SMTPException is one too
        log.warning("mail to %s not sent: %r", to, exc)
        raise MailNotSent(
            _(
                "Mejlet till %(to)s kunde inte skickas (%(reason)s). Försök igen om en "
                "stund, eller kontakta webbplatsens administratör."
            )
            % {"to": to, "reason": _reason(exc)}
        ) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _("e-postservern tog inte emot adressen")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _("e-postservern godtog inte inloggningen")
    if isinstance(exc, smtplib.SMTPException):
        return _("e-postservern svarade med ett fel")
    return _("e-postservern gick inte att nå")
