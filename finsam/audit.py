"""The audit log: who did what, when, in which förbund.

`record()` writes one AuditEntry and one line to the `finsam.audit` logger. The
services call it for every write, the exports for every export, and the signal
receivers below for logins and failed logins. Entries are never changed or
deleted (finsam.models.AuditEntry refuses both, and the admin is read-only).

Nothing secret is stored: keys that name a password, token, secret or session
have their values replaced, and a failed login keeps the user name and address,
never the password (Django hands the signal cleansed credentials anyway).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.serializers.json import DjangoJSONEncoder
from django.dispatch import receiver

from finsam.models import AuditEntry, Federation

audit_log = logging.getLogger("finsam.audit")

SENSITIVE = re.compile(r"pass|token|secret|session|csrf|signature|api.?key", re.IGNORECASE)
HIDDEN = "********"
OBJECT_LENGTH = AuditEntry._meta.get_field("object").max_length or 300


def record(
    *,
    action: str,
    by: Any = None,
    federation: Federation | None = None,
    obj: object = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry. `by` is the user (or None for a command or the system);
    the förbund is taken from `obj` when not given."""
    actor = by if getattr(by, "is_authenticated", False) and getattr(by, "pk", None) else None
    if federation is None:
        federation = federation_of(obj)
    entry = AuditEntry.objects.create(
        actor=actor,
        actor_name=(actor.get_username() if actor is not None else "")[:150],
        federation=federation,
        action=action[:100],
        object="" if obj is None else str(obj)[:OBJECT_LENGTH],
        changes=_safe(changes or {}),
    )
    audit_log.info(
        "%s: %s %s (%s)",
        entry.actor_name or "–",
        entry.action,
        entry.object,
        federation.slug if federation is not None else "–",
    )
    return entry


def federation_of(obj: object) -> Federation | None:
    if isinstance(obj, Federation):
        return obj
    for path in ("federation", "member.federation", "budget.federation", "plan.federation"):
        value: object = obj
        for name in path.split("."):
            value = getattr(value, name, None)
            if value is None:
                break
        if isinstance(value, Federation):
            return value
    return None


def _safe(changes: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready (Decimals and dates as text) with secret values hidden."""
    plain = json.loads(json.dumps(changes, cls=DjangoJSONEncoder, default=str))
    return _hide(plain)


def _hide(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: HIDDEN if SENSITIVE.search(str(k)) else _hide(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide(v) for v in value]
    return value


def client_address(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies that
    each append to X-Forwarded-For, the address the outermost of them saw. Used
    by django-axes too (AXES_CLIENT_IP_CALLABLE), so that a proxy's own address
    never locks everyone out at once."""
    meta = getattr(request, "META", None) or {}
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:45]
    return str(meta.get("REMOTE_ADDR", "") or "")


@receiver(user_login_failed, dispatch_uid="finsam_audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Only the user name is kept; everything else in `credentials` may be secret.
    username = str(credentials.get("username", ""))[:150]
    record(
        action="misslyckad inloggning",
        obj=username,
        changes={"username": username, "address": client_address(request)},
    )


@receiver(user_logged_in, dispatch_uid="finsam_audit_logged_in")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(
        action="loggade in",
        by=user,
        obj=user.get_username(),
        changes={"address": client_address(request)},
    )


@receiver(user_logged_out, dispatch_uid="finsam_audit_logged_out")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(action="loggade ut", by=user, obj=user.get_username())
