"""Object permissions (the `rules` package) built from the role table in roles.py.

Use as `user.has_perm("finsam.edit", federation)`; views use the access helper in
access.py, which is built on the same table.
"""

from __future__ import annotations

import rules

from finsam.roles import ACTIONS


def _role_predicate(action: str) -> rules.Predicate:
    @rules.predicate(name=f"may_{action}")
    def predicate(user, federation) -> bool:  # type: ignore[no-untyped-def]
        if federation is None or not user.is_authenticated:
            return False
        from finsam.access import role_in

        return role_in(user, federation) in ACTIONS[action]

    return predicate


for _action in ACTIONS:
    rules.add_perm(f"finsam.{_action}", _role_predicate(_action))
