"""Sections follow the same principle as the budget: a save from an older version
keeps what only the other changed, and where both changed the text the user keeps
hers and sees what changed; nothing is overwritten silently."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from finsam.models import Role
from plans.models import Section
from plans.services import SectionConflict, section_update
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _edit_url(section: Section) -> str:
    plan = section.plan
    return reverse("section_edit", args=[plan.federation.slug, plan.year, section.pk])


def _client(federation, username: str) -> Client:
    user = UserFactory(username=username, first_name=username.title(), last_name="Exempel")
    MembershipFactory(user=user, federation=federation, role=Role.DIRECTOR)
    client = Client()
    client.force_login(user)
    return client


def _post(section: Section, version: int, **fields: str) -> dict[str, str]:
    return {
        "heading": section.heading,
        "kind": section.kind,
        "body": section.body,
        "version": str(version),
        **fields,
    }


def test_a_field_only_the_other_changed_stays(plan, federation):
    section = plan.sections.get(heading="Risker")
    opened = section.version
    a, b = _client(federation, "anna"), _client(federation, "bertil")
    # B renames the section; A, from the version she opened, rewrites its text.
    assert (
        b.post(_edit_url(section), _post(section, opened, heading="Risker 2026")).status_code == 302
    )
    response = a.post(_edit_url(section), _post(section, opened, body="Annas nya text."))
    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.heading, section.body) == ("Risker 2026", "Annas nya text.")
    assert section.version == opened + 2


def test_both_changing_the_text_shows_the_conflict_and_keeps_the_other_heading(plan, federation):
    section = plan.sections.get(heading="Risker")
    opened = section.version
    a, b = _client(federation, "anna"), _client(federation, "bertil")
    assert (
        b.post(
            _edit_url(section), _post(section, opened, heading="Risker 2026", body="Bertils text.")
        ).status_code
        == 302
    )
    response = a.post(_edit_url(section), _post(section, opened, body="Annas text."))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Någon annan har sparat avsnittet" in html and "Bertil Exempel" in html
    assert "Annas text." in html  # she keeps her text
    diff = html.split('class="diff bg-body')[1].split("</div>")[0]  # what changed
    assert "Bertils" in diff and "Annas" in diff
    section.refresh_from_db()
    assert (section.heading, section.body) == ("Risker 2026", "Bertils text.")  # nothing saved
    # The form she saves again from holds B's heading, which only B changed.
    assert 'value="Risker 2026"' in html
    response = a.post(
        _edit_url(section),
        _post(section, section.version, heading="Risker 2026", body="Annas text."),
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.heading, section.body) == ("Risker 2026", "Annas text.")


def test_the_same_change_on_both_sides_is_no_conflict(plan, director):
    section = plan.sections.get(heading="Risker")
    opened = section.version
    fields = {"heading": section.heading, "kind": section.kind, "body": "Samma text."}
    section_update(
        section=Section.objects.get(pk=section.pk), by=director, expected_version=opened, **fields
    )
    section_update(
        section=Section.objects.get(pk=section.pk), by=director, expected_version=opened, **fields
    )
    assert Section.objects.get(pk=section.pk).body == "Samma text."


def test_without_the_base_version_any_difference_conflicts(plan, director):
    section = plan.sections.get(heading="Risker")
    opened = section.version
    section_update(
        section=Section.objects.get(pk=section.pk),
        by=director,
        expected_version=opened,
        heading="Risker 2026",
        kind=section.kind,
        body=section.body,
    )
    section.history.filter(version=opened).delete()
    with pytest.raises(SectionConflict):
        section_update(
            section=Section.objects.get(pk=section.pk),
            by=director,
            expected_version=opened,
            heading=section.heading,
            kind=section.kind,
            body="Annas text.",
        )
    assert Section.objects.get(pk=section.pk).heading == "Risker 2026"
