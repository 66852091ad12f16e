"""The fixed cast: director (förbundschef), reviewer (beredningsgrupp),
board_member (styrelse), viewer, and outsider (another förbund's director)."""

from __future__ import annotations

import os

import pytest

from finsam.models import Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory, complete_federation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Every user the tests make has a password, and every login checks one: with the
    real hasher (PBKDF2, a million rounds) each takes a third of a second on these
    machines. What hashing is used on a server is the settings' affair, not the tests'."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _two_factor_not_required(settings):
    """The other tests log in with the password only (force_login, the login form):
    two-factor login is not required here, as on a DEBUG server. Where it is tested,
    the tests turn it on (tests/security/test_two_factor.py)."""
    settings.FINSAM_OTP_REQUIRED = False


@pytest.fixture
def federation(db):
    return complete_federation(name="Samordningsförbundet Alfa", slug="alfa")


@pytest.fixture
def other_federation(db):
    return complete_federation(name="Samordningsförbundet Beta", slug="beta")


def _user_with_role(federation, role, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, federation=federation, role=role)
    return user


@pytest.fixture
def director(federation):
    return _user_with_role(federation, Role.DIRECTOR, "director")


@pytest.fixture
def reviewer(federation):
    return _user_with_role(federation, Role.REVIEWER, "reviewer")


@pytest.fixture
def board_member(federation):
    return _user_with_role(federation, Role.BOARD, "board_member")


@pytest.fixture
def viewer(federation):
    return _user_with_role(federation, Role.VIEWER, "viewer")


@pytest.fixture
def outsider(other_federation):
    return _user_with_role(other_federation, Role.DIRECTOR, "outsider")


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def staff(db):
    """Site staff: no role in any förbund; creates förbund and invites (finsam/staff/)."""
    return UserFactory(username="personal", is_staff=True)
