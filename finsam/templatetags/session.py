"""{% session_script %}: static/js/session.js with what it needs from the server
(who is logged in, the idle timeout and the warning before it, the URLs), in data
attributes of its script element, since the CSP allows no inline script."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from finsam.middleware import idle_timeout, idle_warning, lifetime_left

register = template.Library()


@register.inclusion_tag("finsam/partials/session_script.html", takes_context=True)
def session_script(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    logged_in = bool(user is not None and user.is_authenticated)
    return {
        "user_id": user.pk if logged_in and user is not None else "",
        "posted": request is not None and request.method == "POST",
        "idle_timeout": round(idle_timeout()),
        "idle_warning": round(idle_warning()),
        "lifetime_left": round(lifetime_left(request)) if logged_in and request is not None else 0,
        "time_zone": settings.TIME_ZONE,
    }
