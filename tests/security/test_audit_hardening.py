"""Audit (issue 13, item 6): Django admin changes and calendar downloads go into the
audit log, and log lines are JSON, so user input cannot forge a line."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from finsam.models import AuditEntry, Membership, Role
from plans.calendar import calendar_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ICS = "laddade ned årshjulet som kalender (.ics)"


def _entries(prefix: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith=prefix).order_by("id"))


# --- Django admin ---------------------------------------------------------------------


def test_admin_add_change_and_delete_are_recorded(admin_client, admin_user):
    response = admin_client.post(reverse("admin:auth_group_add"), {"name": "Granskare"})
    assert response.status_code == 302
    group = Group.objects.get(name="Granskare")
    [added] = _entries("lade till i administrationen")
    assert added.actor == admin_user and added.action == "lade till i administrationen: grupp"
    assert added.object == "Granskare"
    assert added.changes == {"model": "auth.group", "id": group.pk, "admin": [{"added": {}}]}

    response = admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "Granskarna"}
    )
    assert response.status_code == 302
    [changed] = _entries("ändrade i administrationen")
    assert changed.actor == admin_user and changed.object == "Granskarna"
    assert changed.changes["admin"] == [{"changed": {"fields": ["Name"]}}]

    response = admin_client.post(
        reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    [deleted] = _entries("tog bort i administrationen")
    assert deleted.actor == admin_user and deleted.object == "Granskarna"
    assert deleted.changes == {"model": "auth.group", "id": group.pk}


def test_admin_bulk_delete_records_each_object(admin_client):
    groups = [Group.objects.create(name=f"Grupp {n}") for n in range(3)]
    response = admin_client.post(
        reverse("admin:auth_group_changelist"),
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Group.objects.exists()
    assert sorted(e.object for e in _entries("tog bort i administrationen")) == [
        g.name for g in groups
    ]


def test_admin_user_changes_are_recorded_and_no_password(admin_client, admin_user):
    secret = "Ett-Nytt-Lösen-4821"
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "ny.person",
            "password1": secret,
            "password2": secret,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="ny.person")
    [added] = _entries("lade till i administrationen")
    assert added.action == "lade till i administrationen: användare"
    assert added.object == "ny.person" and added.actor == admin_user
    for row in AuditEntry.objects.values():
        assert secret not in str(row)
    assert user.check_password(secret)


def test_admin_membership_change_is_recorded_with_its_federation(
    admin_client, admin_user, federation
):
    person = UserFactory(username="person")
    response = admin_client.post(
        reverse("admin:finsam_membership_add"),
        {"user": person.pk, "federation": federation.pk, "role": Role.DIRECTOR},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.get(user=person).role == Role.DIRECTOR
    [added] = _entries("lade till i administrationen")
    assert added.federation == federation and added.actor == admin_user


# --- calendar downloads ---------------------------------------------------------------


def test_calendar_downloads_are_recorded_as_exports(client, director, federation):
    client.force_login(director)
    url = reverse("plan_calendar", args=[federation.slug])
    assert client.get(url).status_code == 200
    assert client.head(url).status_code == 200  # HEAD downloads nothing
    [entry] = AuditEntry.objects.filter(action=ICS)
    assert (entry.actor, entry.federation, entry.changes) == (
        director,
        federation,
        {"via": "inloggning"},
    )

    feed = reverse(
        "plan_calendar_feed", args=[federation.slug, calendar_token(director.pk, federation)]
    )
    assert Client().get(feed).status_code == 200
    entry = AuditEntry.objects.filter(action=ICS).latest("id")
    assert (entry.actor, entry.federation, entry.changes) == (
        director,
        federation,
        {"via": "kalenderlänk"},
    )
    # A wrong token downloads nothing and records nothing.
    assert Client().get(feed.replace(".ics", "x.ics")).status_code == 404
    assert AuditEntry.objects.filter(action=ICS).count() == 2


# --- log lines ------------------------------------------------------------------------


@pytest.fixture
def console():
    """What the console handler of settings.LOGGING writes, line by line."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if type(h) is logging.StreamHandler and h.formatter is not None
    ]
    assert handlers, "the console handler of settings.LOGGING"
    stream = io.StringIO()
    old = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, previous in zip(handlers, old, strict=True):
        handler.setStream(previous)


def test_a_newline_in_a_username_cannot_forge_a_log_line(console, director):
    forged = 'FORGED {"level": "INFO", "logger": "finsam.audit", "message": "admin: loggade in"}'
    response = Client().post(
        "/logga-in/",
        {"username": f"okänd\n{forged}\r\nFORGED2", "password": "fel-lösenord-1"},
        REMOTE_ADDR="10.3.3.3",
    )
    assert response.status_code == 200
    lines = console.getvalue().splitlines()
    assert lines, "the failed login is logged"
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert not any(line.startswith("FORGED") for line in lines)
    audit = [e for e in entries if e["logger"] == "finsam.audit"]
    assert len(audit) == 1 and "misslyckad inloggning" in audit[0]["message"]
    assert f"okänd\n{forged}" in audit[0]["message"]  # kept, escaped, in its own line
    assert all(set(e) >= {"time", "level", "logger", "message"} for e in entries)


def test_an_exception_is_one_line_too(console):
    log = logging.getLogger("finsam.test")
    try:
        raise ValueError("rad ett\nrad två")
    except ValueError:
        log.exception("fel med\nradbrytning")
    [line] = console.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["message"] == "fel med\nradbrytning"
    assert "ValueError: rad ett\nrad två" in entry["exception"]
