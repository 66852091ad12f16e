"""Comparing a bundle with an adopted one (load_demo, import_bundle)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from budgets.bundle import INTERVENTION_DEFAULTS
from interventions.models import GoalComparison
from plans.models import SectionKind

# --- Comparing a bundle with an adopted one ------------------------------------------


# What the export means by leaving a key out (it writes our optional keys only when
# they are not the default).
_LEFT_OUT: dict[str, Any] = {
    **INTERVENTION_DEFAULTS,
    "comparison": GoalComparison.AT_LEAST.value,
    "kind": SectionKind.TEXT.value,
}


def _empty(value: object) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


def _same_value(adopted: object, incoming: object) -> bool:
    """Two leaf values that mean the same: 100 and "100", null and "", "20" and "20.00"."""
    if adopted == incoming and type(adopted) is type(incoming):
        return True
    if _empty(incoming) and _empty(adopted):
        return True
    numbers = []
    for value in (adopted, incoming):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return False
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return False
        if not number.is_finite():
            return False
        numbers.append(number)
    return numbers[0] == numbers[1]


def bundle_unchanged(adopted: object, incoming: object) -> bool:
    """Does `incoming` say nothing that the adopted bundle (a snapshot's, as the
    export writes it) does not? Every key it gives has the same meaning there;
    keys it leaves out (the export writes every optional key) are not compared.
    Used to tell a demo file that is the adopted plan from one that would change it."""
    pending = [(adopted, incoming)]
    while pending:
        old, new = pending.pop()
        if _empty(new) and _empty(old):
            continue
        if isinstance(new, dict):
            if not isinstance(old, dict):
                return False
            for key, value in new.items():
                if key in old:
                    pending.append((old[key], value))
                elif not _empty(value) and not _same_value(_LEFT_OUT.get(key), value):
                    return False
        elif isinstance(new, list):
            if not isinstance(old, list) or len(old) != len(new):
                return False
            pending.extend(zip(old, new, strict=True))
        elif not _same_value(old, new):
            return False
    return True
