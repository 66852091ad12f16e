"""Error pages speak Swedish, like every other page."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error


@pytest.mark.django_db
def test_an_unknown_page_answers_404_in_swedish(client, director):
    client.force_login(director)
    response = client.get("/finns-inte/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="sv">' in html and "Sidan finns inte" in html and "Not Found" not in html


@pytest.mark.django_db
def test_a_role_without_the_right_gets_403_in_swedish(client, reviewer, federation):
    client.force_login(reviewer)
    response = client.get(reverse("federation_edit", args=[federation.slug]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Du har inte behörighet" in html and "Din roll får inte göra detta." in html
    assert "Forbidden" not in html


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_refused_in_swedish(director, federation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    response = client.post(reverse("federation_edit", args=[federation.slug]), {"name": "X"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Formuläret kunde inte skickas" in html and "CSRF-kontrollen" in html


def test_a_server_error_page_is_in_swedish():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="sv">' in html and "Något gick fel" in html
