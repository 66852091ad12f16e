"""Pages of the core: start page, förbund page, editing förbund, members, board."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finsam.access import federations_for_user, get_federation_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    federations = federations_for_user(request.user)
    return render(request, "finsam/home.html", {"federations": federations})


@login_required
def federation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    return render(request, "finsam/federation_detail.html", {"access": access, "federation": access.federation})
