"""Changes made in the Django admin go into the audit log like the app's own.

The admin writes its own LogEntry through ModelAdmin.log_addition, log_change and
log_deletions, Django's documented hooks. `install()` (from FinsamConfig.ready)
wraps those three on ModelAdmin itself, so every admin is covered, contrib.auth's
UserAdmin and GroupAdmin included, without registering any of them anew: each
still writes its LogEntry, and then one AuditEntry per object through
`finsam.audit.record`, with the admin's own description of the change.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import ModelAdmin
from django.db.models import QuerySet

from finsam.audit import record

ADDED = "lade till i administrationen"
CHANGED = "ändrade i administrationen"
DELETED = "tog bort i administrationen"

_original_addition = ModelAdmin.log_addition
_original_change = ModelAdmin.log_change
_original_deletions = ModelAdmin.log_deletions


def _record(request: Any, obj: Any, action: str, message: Any = None) -> None:
    meta = obj._meta
    changes: dict[str, Any] = {"model": meta.label_lower, "id": obj.pk}
    if message:
        changes["admin"] = message  # the admin's change message: which fields, which inlines
    record(action=f"{action}: {meta.verbose_name}", by=request.user, obj=obj, changes=changes)


def _log_addition(self: ModelAdmin, request: Any, obj: Any, message: Any) -> Any:
    entry = _original_addition(self, request, obj, message)
    _record(request, obj, ADDED, message)
    return entry


def _log_change(self: ModelAdmin, request: Any, obj: Any, message: Any) -> Any:
    entry = _original_change(self, request, obj, message)
    _record(request, obj, CHANGED, message)
    return entry


def _log_deletions(self: ModelAdmin, request: Any, queryset: QuerySet[Any]) -> Any:
    # Called before the deletion, so the objects and their förbund are still there.
    objects = list(queryset)
    entries = _original_deletions(self, request, queryset)  # evaluated: no new query
    for obj in objects:
        _record(request, obj, DELETED)
    return entries


def install() -> None:
    if getattr(ModelAdmin, "_finsam_audited", False):
        return
    ModelAdmin.log_addition = _log_addition  # type: ignore[method-assign]
    ModelAdmin.log_change = _log_change  # type: ignore[method-assign]
    ModelAdmin.log_deletions = _log_deletions  # type: ignore[method-assign]
    ModelAdmin._finsam_audited = True  # type: ignore[attr-defined]
