"""What each role may do: the one table.

director: förbundschef, edits everything. reviewer: beredningsgrupp, reads and
comments. board: styrelse, reads (and comments on drafts). viewer: reads.
"""

from __future__ import annotations

from finsam.models import Role

VIEW = "view"
COMMENT = "comment"
EDIT = "edit"

ACTIONS: dict[str, frozenset[str]] = {
    VIEW: frozenset({Role.DIRECTOR, Role.REVIEWER, Role.BOARD, Role.VIEWER}),
    COMMENT: frozenset({Role.DIRECTOR, Role.REVIEWER, Role.BOARD}),
    EDIT: frozenset({Role.DIRECTOR}),
}


def role_may(role: str | None, action: str) -> bool:
    return role is not None and role in ACTIONS[action]
