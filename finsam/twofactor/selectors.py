"""Reads of two-factor login: who must have it, who has it, and the code limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from finsam.models import AuditEntry, Membership, Role

# What the user must do after the password before any other page.
VERIFY = "verify"  # has a device: give the code
SETUP = "setup"  # must have one and has none: set it up

# The audit action of a wrong code; the limits count these entries.
WRONG_CODE = "fel verifieringskod"


def two_factor_required(user: Any) -> bool:
    """Förbundschefer and site staff must use two-factor login (unless a DEBUG server
    turned the requirement off, settings.FINSAM_OTP_REQUIRED)."""
    if not getattr(settings, "FINSAM_OTP_REQUIRED", True):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role=Role.DIRECTOR).exists()


def totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def has_two_factor(user: Any) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def pending_step(user: Any) -> str | None:
    """VERIFY, SETUP or None for a user who has given the password only."""
    if has_two_factor(user):
        return VERIFY
    if two_factor_required(user):
        return SETUP
    return None


def backup_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class CodeLock:
    """The code step is locked until `until` after `failures` wrong codes."""

    failures: int
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, -(-int((self.until - timezone.now()).total_seconds()) // 60))


def code_lock(user: Any) -> CodeLock | None:
    """The lock on the code step, if a limit of settings.FINSAM_OTP_FAILURE_LIMITS
    (wrong codes per user within a window) is reached; a right code resets nothing."""
    now = timezone.now()
    limits: list[tuple[int, timedelta]] = settings.FINSAM_OTP_FAILURE_LIMITS
    lock: CodeLock | None = None
    for limit, window in limits:
        times = list(
            AuditEntry.objects.filter(actor=user, action=WRONG_CODE, time__gt=now - window)
            .order_by("-time")
            .values_list("time", flat=True)[:limit]
        )
        if len(times) >= limit:
            # Locked until the oldest of the last `limit` failures leaves the window.
            candidate = CodeLock(failures=len(times), until=times[-1] + window)
            if lock is None or candidate.until > lock.until:
                lock = candidate
    return lock
