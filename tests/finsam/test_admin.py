"""The admin pages of the core render, with their inlines and search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from finsam.models import Membership
from tests.factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def test_admin_pages(client, staff, federation, director):
    client.force_login(staff)
    member = federation.members.get(key="region")
    membership = Membership.objects.get(user=director)
    for url in (
        reverse("admin:finsam_federation_changelist") + "?q=alfa",
        reverse("admin:finsam_federation_change", args=[federation.pk]),
        reverse("admin:finsam_member_changelist") + "?q=kommun",
        reverse("admin:finsam_member_change", args=[member.pk]),
        reverse("admin:finsam_membership_changelist") + "?q=director",
        reverse("admin:finsam_membership_change", args=[membership.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("admin:finsam_member_change", args=[member.pk])).text
    assert "Styrelseplatser" in page
