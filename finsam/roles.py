"""What each role may do: the one table.

director: förbundschef, edits everything. reviewer: beredningsgrupp, reads and
comments. board: styrelse, reads (and comments on drafts). viewer: reads.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from finsam.models import Role

VIEW = "view"
COMMENT = "comment"
EDIT = "edit"
# Invite people, change their roles and remove them (finsam/people.py).
MANAGE_PEOPLE = "manage_people"

ACTIONS: dict[str, frozenset[str]] = {
    VIEW: frozenset({Role.DIRECTOR, Role.REVIEWER, Role.BOARD, Role.VIEWER}),
    COMMENT: frozenset({Role.DIRECTOR, Role.REVIEWER, Role.BOARD}),
    EDIT: frozenset({Role.DIRECTOR}),
    MANAGE_PEOPLE: frozenset({Role.DIRECTOR}),
}

# What each role may do, in the words the invitation and the people page use.
ROLE_DESCRIPTIONS: dict[str, str | Promise] = {
    Role.DIRECTOR: _("läser, kommenterar och redigerar allt i förbundet och bjuder in personer"),
    Role.REVIEWER: _("läser och kommenterar planen och budgeten"),
    Role.BOARD: _("läser och kommenterar planen och budgeten"),
    Role.VIEWER: _("läser planen och budgeten"),
}


def role_may(role: str | None, action: str) -> bool:
    return role is not None and role in ACTIONS[action]
