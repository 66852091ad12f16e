"""A "Kom igång" step (finsam/getting_started.py): something a förbund still lacks
to get going, with the page where it is done. The core makes its own steps; the
plan's and the budget's are made above it (documents/selectors.py) and passed in
by the förbund page (documents/views.py), so the core imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass

# Where the steps sit: the core's, and the plan's (documents/selectors.py) between them.
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
