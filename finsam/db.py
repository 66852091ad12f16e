"""Saving a new row that a unique constraint guards, when two identical requests
may arrive at once; and the optimistic version check of what an editor saves.

The services check first (`exists()`), which is enough on SQLite (its IMMEDIATE
transactions run one at a time). On PostgreSQL both requests can pass the check
before either has committed. The second then fails either in `full_clean()` (the
first has committed meanwhile: Django's own "… med samma … finns redan") or on the
insert (it waits for the first and the constraint refuses: an IntegrityError and
a 500). `save_new` gives the service's own Swedish message in both cases, and
inserts inside a savepoint so that the transaction stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F

M = TypeVar("M", bound=models.Model)


def save_new(obj: models.Model, *, conflict: models.QuerySet[Any], error: Any) -> None:
    """`full_clean()` and insert `obj`; if either refuses while `conflict` (the rows
    it would duplicate) exists, raise ValidationError(`error`) instead. Other
    errors are raised as they are."""
    try:
        obj.full_clean()
    except ValidationError:
        if conflict.exists():
            raise ValidationError(error) from None
        raise
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        if conflict.exists():
            raise ValidationError(error) from None
        raise


# --- the optimistic version check ------------------------------------------------------
#
# A budget and a plan's section carry a `version` that every save raises. An editor
# loads version N and sends N back with its save; if the row has moved on, the
# service merges what each side changed (budgets/merge.py, plans/services.py) or
# refuses, and writes nothing.


@dataclass(frozen=True)
class VersionCheck(Generic[M]):
    stored: M  # the row as it is now, locked until the caller's transaction ends
    unchanged: bool  # still at the version the editor loaded


def check_version(queryset: models.QuerySet[M], pk: Any, expected: int | None) -> VersionCheck[M]:
    """Lock the row and compare its version with `expected`, the one the editor
    loaded (None: the caller does not check). The lock (PostgreSQL's row lock;
    SQLite's IMMEDIATE transaction holds the write lock) keeps anyone from saving
    in between, so of two saves from one version exactly one finds it unchanged."""
    stored = queryset.select_for_update(of=("self",)).get(pk=pk)
    version = stored.version  # type: ignore[attr-defined]
    return VersionCheck(stored=stored, unchanged=expected is None or version == expected)


def raise_version(model: type[models.Model], pk: Any, version: int | None, **fields: Any) -> bool:
    """Raise the row's version by one (and write `fields`) where it is still at
    `version`: `UPDATE … WHERE version=`, which holds on SQLite and PostgreSQL alike.
    False when it has moved on, and nothing is written. With `version` None, raise
    it whatever it is (a write that editors opened before must not overwrite)."""
    rows = model._default_manager.filter(pk=pk)
    if version is not None:
        rows = rows.filter(version=version)
    return bool(rows.update(version=F("version") + 1, **fields))
