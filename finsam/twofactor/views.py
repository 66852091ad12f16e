"""Pages of two-factor login: the code after the password, setting up the app,
the backup codes (shown once), and the user's own overview. Thin: the selectors
read, the services write."""

from __future__ import annotations

import re
from base64 import b32encode
from binascii import unhexlify
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from finsam.twofactor import services
from finsam.twofactor.forms import CodeForm
from finsam.twofactor.qr import qr_data_url
from finsam.twofactor.selectors import (
    backup_codes_left,
    code_lock,
    has_two_factor,
    totp_device,
    two_factor_required,
)

# Session keys: the key being set up (hex), and the backup codes to show once.
SETUP_KEY = "finsam_2fa_setup_key"
SHOW_CODES = "finsam_2fa_backup_codes"
HEX_KEY = re.compile(r"^[0-9a-f]{40}$")
FEW_CODES_LEFT = 3


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: redirect() would take "0" or "fk" for a view's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _next_query(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return "?" + urlencode({"next": target}, safe="/") if target else ""


def _complete(request: HttpRequest, device: Device) -> None:
    """The login is complete: the session carries the device, under a new key."""
    otp_login(request, device)
    request.session.cycle_key()


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    device = totp_device(user)
    return render(
        request,
        "twofactor/overview.html",
        {
            "device": device,
            "required": two_factor_required(user),
            "codes_left": backup_codes_left(user) if device else 0,
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.is_verified() or not has_two_factor(user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.code_verify(user=user, code=form.cleaned_data["code"])
        except services.CodeLocked:
            device = None
        else:
            if device is not None:
                _complete(request, device)
                if isinstance(device, StaticDevice):
                    _backup_code_used_message(request, backup_codes_left(user))
                return redirect(_next_url(request))
            form.add_error("code", _("Koden stämmer inte. Försök igen."))
    lock = code_lock(user)
    return render(
        request,
        "twofactor/verify.html",
        {
            "form": form,
            "lock": lock,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=429 if lock is not None else 200,
    )


def _backup_code_used_message(request: HttpRequest, left: int) -> None:
    text = _("Du loggade in med en reservkod. Du har %(left)d reservkoder kvar.") % {"left": left}
    if left < FEW_CODES_LEFT:
        text += " " + _("Skapa nya reservkoder under Tvåstegsverifiering.")
        messages.warning(request, text)
    else:
        messages.info(request, text)


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if has_two_factor(user) and not user.is_verified():
        # Only the code proves it is she: no new app on the password alone.
        return redirect(reverse("twofactor_verify") + _next_query(request))
    key = request.session.get(SETUP_KEY)
    if not isinstance(key, str) or not HEX_KEY.match(key):
        key = random_hex(20)
        request.session[SETUP_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as exc:
            for error in exc.message_dict.get("code", exc.messages):
                form.add_error("code", error)
        else:
            device = totp_device(user)
            assert device is not None
            _complete(request, device)
            del request.session[SETUP_KEY]
            request.session[SHOW_CODES] = codes
            messages.success(request, _("Tvåstegsverifieringen är aktiverad."))
            return redirect(reverse("twofactor_backup_codes") + _next_query(request))
    device = TOTPDevice(user=user, key=key)  # not saved: only for its otpauth:// address
    secret = b32encode(unhexlify(key)).decode("ascii")
    response = render(
        request,
        "twofactor/setup.html",
        {
            "form": form,
            "required": two_factor_required(user),
            "replacing": has_two_factor(user),
            "qr": qr_data_url(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    codes = request.session.pop(SHOW_CODES, None)
    response = render(
        request,
        "twofactor/backup_codes.html",
        {
            "codes": [f"{c[:4]} {c[4:]}" for c in codes] if isinstance(codes, list) else None,
            "has_device": has_two_factor(user),
            "codes_left": backup_codes_left(user),
            "next_url": _next_url(request),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def backup_codes_new(request: HttpRequest) -> HttpResponse:
    try:
        request.session[SHOW_CODES] = services.backup_codes_create(user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("twofactor_overview")
    return redirect("twofactor_backup_codes")


@require_POST
@login_required
def disable(request: HttpRequest) -> HttpResponse:
    try:
        services.two_factor_disable(user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Tvåstegsverifieringen är avstängd."))
    return redirect("twofactor_overview")
