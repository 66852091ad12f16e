from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finsam.access import get_federation_for_user


@login_required
def budget_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug)
    return render(request, "budgets/budget_detail.html", {"access": access})
