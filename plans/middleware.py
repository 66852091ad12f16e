"""A write refused because its plan year is fastställd answers 409, never 500.

The plan-year guard (plans/freeze.py) raises PlanFrozen inside a service's
transaction, which is then rolled back. Wherever that happens, in any view (the
admin's too), the exception ends here and becomes the Swedish page that says why
nothing was changed (plans/frozen.html), or for an htmx request a fragment with
the same message. Views need no try/except of their own for it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from finsam.models import Federation
from plans.freeze import PlanFrozen, refusal_response


class PlanFrozenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PlanFrozen):
            return None
        federation = _federation(request, exception)
        return refusal_response(request, federation, exception.year, exception.messages[0])


def _federation(request: HttpRequest, exception: PlanFrozen) -> Federation | None:
    if exception.federation_id is not None:
        return Federation.objects.filter(pk=exception.federation_id).first()
    match = request.resolver_match
    slug = match.kwargs.get("slug") if match is not None else None
    return Federation.objects.filter(slug=slug).first() if slug else None
