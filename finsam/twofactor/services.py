"""Writes of two-factor login: set up a device, new backup codes, check a code,
turn off and (site staff) reset. Each is audited (finsam.audit.record); a key or
a code is never written to the log."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from finsam.audit import record
from finsam.text import is_whole_number
from finsam.twofactor.selectors import (
    WRONG_CODE,
    CodeLock,
    backup_codes_left,
    code_lock,
    two_factor_required,
)

BACKUP_CODE_COUNT = 10


class CodeLocked(Exception):
    """Too many wrong codes: no code is checked until the lock ends."""

    def __init__(self, lock: CodeLock) -> None:
        super().__init__(lock)
        self.lock = lock


def normalize_code(code: str) -> str:
    """The code as typed, without spaces or hyphens (backup codes are shown in
    groups), lower case. Only ASCII: int() would take fullwidth digits too."""
    code = "".join(code.split()).replace("-", "").lower()
    return code if code.isascii() and code.isalnum() else ""


@transaction.atomic
def totp_device_confirm(*, user: Any, key: str, code: str) -> list[str]:
    """Confirm a new TOTP key (hex) with a code the app shows for it. The new device
    replaces any earlier one, and ten new backup codes replace the old ones; they are
    returned, to be shown once."""
    device = TOTPDevice(user=user, name=_("Autentiseringsapp"), key=key, confirmed=True)
    device.full_clean()
    code = normalize_code(code)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not (is_whole_number(code) and totp.verify(int(code), device.tolerance)):
        raise ValidationError(
            {"code": _("Koden stämmer inte. Ange koden som appen visar just nu.")}
        )
    replaced = TOTPDevice.objects.filter(user=user).delete()[0] > 0
    device.last_t = totp.t()  # this code cannot be used again to log in
    device.save()
    codes = _new_backup_codes(user)
    record(
        action="aktiverade tvåstegsverifiering",
        by=user,
        obj=user.get_username(),
        changes={"ersatte tidigare app": replaced, "reservkoder": len(codes)},
    )
    return codes


@transaction.atomic
def backup_codes_create(*, user: Any) -> list[str]:
    """Ten new backup codes for a user with two-factor login; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Aktivera tvåstegsverifiering först."))
    codes = _new_backup_codes(user)
    record(
        action="skapade nya reservkoder",
        by=user,
        obj=user.get_username(),
        changes={"reservkoder": len(codes)},
    )
    return codes


def _new_backup_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Reservkoder"), confirmed=True)
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return sorted(codes)


@transaction.atomic
def code_verify(*, user: Any, code: str) -> Device | None:
    """The device that accepts `code` (the app's code or a backup code, which is used
    up), or None for a wrong code, which is recorded and counts towards the limits
    (selectors.code_lock). Raises CodeLocked, checking nothing, while locked."""
    # One check at a time per user, so that parallel guesses cannot pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    lock = code_lock(user)
    if lock is not None:
        raise CodeLocked(lock)
    code = normalize_code(code)
    accepted: Device | None = None
    if code:
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):
                accepted = device
                break
    if accepted is None:
        record(action=WRONG_CODE, by=user, obj=user.get_username())
    elif isinstance(accepted, StaticDevice):
        record(
            action="loggade in med reservkod",
            by=user,
            obj=user.get_username(),
            changes={"reservkoder kvar": backup_codes_left(user)},
        )
    return accepted


@transaction.atomic
def two_factor_disable(*, user: Any) -> None:
    """A user for whom it is optional turns two-factor login off."""
    if two_factor_required(user):
        raise ValidationError(
            _("Förbundschefer och administratörer måste använda tvåstegsverifiering.")
        )
    removed = _remove_devices(user)
    record(
        action="stängde av tvåstegsverifiering",
        by=user,
        obj=user.get_username(),
        changes={"enheter": removed},
    )


@transaction.atomic
def two_factor_reset(*, user: Any, by: Any) -> int:
    """Site staff remove a user's app and backup codes (a lost phone). The user's
    verified sessions lose their device; at the next login she sets up a new one
    (or, where it is optional, logs in with the password). Returns the devices removed."""
    removed = _remove_devices(user)
    record(
        action="återställde tvåstegsverifiering",
        by=by,
        obj=user.get_username(),
        changes={"användare": user.get_username(), "enheter": removed},
    )
    return removed


def _remove_devices(user: Any) -> int:
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).count()
        model.objects.filter(user=user).delete()
    return removed
