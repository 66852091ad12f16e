"""Saving a new row that a unique constraint guards, when two identical requests
may arrive at once.

The services check first (`exists()`), which is enough on SQLite (its IMMEDIATE
transactions run one at a time). On PostgreSQL both requests can pass the check
before either has committed. The second then fails either in `full_clean()` (the
first has committed meanwhile: Django's own "… med samma … finns redan") or on the
insert (it waits for the first and the constraint refuses: an IntegrityError and
a 500). `save_new` gives the service's own Swedish message in both cases, and
inserts inside a savepoint so that the transaction stays usable.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction


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
