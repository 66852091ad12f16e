"""One-time links: the invitation's and "Glömt lösenordet?"'s, on Django's token
machinery (`PasswordResetTokenGenerator`: an HMAC of the object's state and a
timestamp, keyed by SECRET_KEY and its fallbacks).

A token is one-time because the state it hashes changes when it is used: a new
password changes the user's password hash (Django's own reset token), and taking
up, withdrawing or sending an invitation again changes the invitation. Each kind
of link has its own lifetime; Django checks PASSWORD_RESET_TIMEOUT, which the
settings make the longest of them, and `TimedTokenGenerator` the kind's own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

from finsam.models import Invitation

# Valid, genuine but no longer valid (used, withdrawn or expired), or not genuine.
VALID = "valid"
USED = "used"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
INVALID = "invalid"


class TimedTokenGenerator(PasswordResetTokenGenerator):
    """Django's generator with a lifetime of its own (at most PASSWORD_RESET_TIMEOUT)."""

    setting = "FINSAM_PASSWORD_RESET_VALIDITY"

    @property
    def validity(self) -> timedelta:
        value: timedelta = getattr(settings, self.setting)
        return value

    def timestamp(self, token: str) -> int | None:
        if not isinstance(token, str) or token.count("-") != 1:
            return None
        try:
            return base36_to_int(token.split("-")[0])
        except ValueError:
            return None

    def genuine(self, obj: Any, token: str) -> bool:
        """Made by this generator for `obj` in its present state, at any time."""
        ts = self.timestamp(token)
        if ts is None:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(obj, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )

    def in_time(self, token: str) -> bool:
        ts = self.timestamp(token)
        return ts is not None and (
            self._num_seconds(self._now()) - ts <= self.validity.total_seconds()
        )

    def check_token(self, user: Any, token: str | None) -> bool:
        return bool(token) and super().check_token(user, token) and self.in_time(str(token))

    def expires(self, token: str) -> datetime:
        """When the link stops working. Django counts the token's seconds from
        2001-01-01 in naive local time (`_num_seconds`, `_now`)."""
        naive = datetime(2001, 1, 1) + timedelta(seconds=self.timestamp(token) or 0)
        return timezone.make_aware(naive + self.validity)


class PasswordResetTokens(TimedTokenGenerator):
    """Django's reset token (user's id, password hash, last login, e-mail), living
    FINSAM_PASSWORD_RESET_VALIDITY."""


class InvitationTokens(TimedTokenGenerator):
    key_salt = "finsam.tokens.InvitationTokens"
    setting = "FINSAM_INVITATION_VALIDITY"

    # Django's generator is written for users; this one is given invitations.
    def make_token(self, user: Any) -> str:
        return super().make_token(user)

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        invitation: Invitation = user
        # Every change that must end the link's life is in here.
        return (
            f"{invitation.pk}|{invitation.federation_id}|{invitation.email}|{invitation.role}|"
            f"{invitation.send_count}|{invitation.accepted_at}|{invitation.withdrawn_at}|{timestamp}"
        )

    def state(self, invitation: Invitation, token: str) -> str:
        """VALID, or for a genuine link that no longer works USED, WITHDRAWN or
        EXPIRED (so the page can say which), or INVALID. Only the holder of a
        genuine link learns what happened to the invitation."""
        if self.check_token(invitation, token):
            return VALID
        as_sent = Invitation(
            pk=invitation.pk,
            federation_id=invitation.federation_id,
            email=invitation.email,
            role=invitation.role,
            send_count=invitation.send_count,
        )
        if not self.genuine(as_sent, token):
            return INVALID
        if invitation.accepted_at is not None:
            return USED
        if invitation.withdrawn_at is not None:
            return WITHDRAWN
        return EXPIRED


password_reset_tokens = PasswordResetTokens()
invitation_tokens = InvitationTokens()
