"""The registry of "Kom igång" steps (finsam/getting_started.py): what a förbund
still lacks to get going, from the apps that own each part.

The core knows its own steps. An app above it (budgets: the plan and the budget)
registers a provider in its AppConfig.ready(), so the core never imports it. This
module imports no model, so an app's apps.py can import it at the top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# Where the core's steps sit; a provider's steps take their own places between them.
MEMBERS_ORDER, SEATS_ORDER, SPLIT_ORDER, PLAN_ORDER, PEOPLE_ORDER = 10, 20, 30, 40, 50


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    # What is there, or what is missing and how to fix it.
    detail: str
    order: int
    # The page where it is done, and the link's text (shown to those who may edit).
    url: str = ""
    action: str = ""


# A provider: a function of the förbund (finsam.models.Federation) giving its steps.
StepProvider = Callable[[Any], Iterable[Step]]
_PROVIDERS: dict[str, StepProvider] = {}


def register_steps(name: str, provider: StepProvider) -> None:
    """Add (or, under the same name, replace) a provider of steps."""
    _PROVIDERS[name] = provider


def providers() -> tuple[StepProvider, ...]:
    return tuple(_PROVIDERS.values())
