"""Pages of the core: editing the förbund, its members and board (the start page
and the förbund page show plan years too: documents/views.py).

Thin views: access helper → form → service → redirect with a message. Every
object is fetched through the access helper, so another förbund's objects answer
404 and a role that may only read answers 403 on every edit view.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from finsam import services
from finsam.access import (
    Access,
    AuthenticatedHttpRequest,
    edit_view,
    get_federation_for_user,
    get_in_federation,
)
from finsam.forms import BoardSeatForm, FederationForm, MemberForm, initial_from
from finsam.middleware import UNTOUCHED, idle_left, lifetime_left, touch_session
from finsam.models import BoardSeat, Member
from finsam.roles import EDIT


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Du är utloggad."))
        return response


@never_cache
@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> HttpResponse:
    """For the editors' script (static/js/session.js). GET: does the session still
    live, and for how long; it leaves the session untouched, so a tab that asks
    does not keep a forgotten session alive. POST ("Fortsätt arbeta"): renew the
    idle time now, even within the minute in which activity does not save it.
    Anonymous: 401 (JSON, not the login page)."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    if request.method == "POST":
        touch_session(request)
    else:
        # Nothing of this request is saved in the session: a save would move its
        # expiry (middleware keeps bookkeeping there, e.g. the two-factor recheck).
        setattr(request, UNTOUCHED, True)
        request.session.modified = False
    return JsonResponse(
        {
            "authenticated": True,
            "user": request.user.pk,
            "idle_left": round(idle_left(request)),
            "lifetime_left": round(lifetime_left(request)),
            # A login in another tab gives a new CSRF token: the page takes it up.
            "csrf": get_token(request),
        }
    )


def _add_service_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's validation errors on the form's fields, the rest on top."""
    for field, errors in exc.update_error_dict({}).items():
        form.add_error(field if field in form.fields else None, errors)


def _to_federation(access: Access, anchor: str = "") -> HttpResponseRedirect:
    return redirect(access.federation.get_absolute_url() + anchor)


@edit_view
@login_required
def federation_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    federation = access.federation
    form = FederationForm(request.POST or None, initial=initial_from(federation, FederationForm))
    if request.method == "POST" and form.is_valid():
        try:
            services.federation_update(federation=federation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            federation.refresh_from_db()
        else:
            messages.success(request, _("Förbundets uppgifter är sparade."))
            return _to_federation(access)
    return render(
        request,
        "finsam/federation_form.html",
        {"access": access, "federation": federation, "form": form},
    )


@edit_view
@login_required
def member_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(
                federation=access.federation, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s är tillagd som medlem.") % {"name": member.name})
            return _to_federation(access, "#medlemmar")
    return render(
        request,
        "finsam/member_form.html",
        {"access": access, "federation": access.federation, "form": form, "member": None},
    )


@edit_view
@login_required
def member_edit(request: AuthenticatedHttpRequest, slug: str, member_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    member = get_in_federation(Member.objects.all(), access, pk=member_id)
    assert isinstance(member, Member)
    form = MemberForm(request.POST or None, initial=initial_from(member, MemberForm))
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(member=member, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            member.refresh_from_db()
        else:
            messages.success(request, _("%(name)s är sparad.") % {"name": member.name})
            return _to_federation(access, "#medlemmar")
    return render(
        request,
        "finsam/member_form.html",
        {"access": access, "federation": access.federation, "form": form, "member": member},
    )


@edit_view
@login_required
def member_delete(request: AuthenticatedHttpRequest, slug: str, member_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    member = get_in_federation(Member.objects.all(), access, pk=member_id)
    assert isinstance(member, Member)
    # Said before the user confirms; the service refuses in any case.
    refusal = services.member_delete_refusal(member)
    if request.method == "POST" and not refusal:
        name = member.name
        services.member_delete(member=member, by=request.user)
        messages.success(request, _("%(name)s är borttagen som medlem.") % {"name": name})
        return _to_federation(access, "#medlemmar")
    seat_count = member.board_seats.count()
    return render(
        request,
        "finsam/confirm_delete.html",
        {
            "access": access,
            "federation": access.federation,
            "title": _("Ta bort medlemmen %(name)s") % {"name": member.name},
            "question": _("Vill du ta bort %(name)s som medlem i förbundet?")
            % {"name": member.name},
            "consequences": (
                _("Medlemmens %(count)d styrelseplatser tas också bort.") % {"count": seat_count}
                if seat_count
                else ""
            ),
            "error": refusal,
            "cancel_url": access.federation.get_absolute_url() + "#medlemmar",
        },
    )


@edit_view
@login_required
def seat_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    initial = {}
    if member_key := request.GET.get("medlem"):
        initial["member"] = Member.objects.filter(
            federation=access.federation, key=member_key
        ).first()
    form = BoardSeatForm(request.POST or None, initial=initial, federation=access.federation)
    if request.method == "POST" and form.is_valid():
        try:
            seat = services.seat_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(person)s är tillagd i styrelsen för %(member)s.")
                % {"person": seat.person, "member": seat.member.name},
            )
            return _to_federation(access, "#styrelse")
    return render(
        request,
        "finsam/seat_form.html",
        {"access": access, "federation": access.federation, "form": form, "seat": None},
    )


def _get_seat(access: Access, seat_id: int) -> BoardSeat:
    seat = get_in_federation(
        BoardSeat.objects.select_related("member"),
        access,
        path="member__federation",
        pk=seat_id,
    )
    assert isinstance(seat, BoardSeat)
    return seat


@edit_view
@login_required
def seat_edit(request: AuthenticatedHttpRequest, slug: str, seat_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    seat = _get_seat(access, seat_id)
    form = BoardSeatForm(
        request.POST or None,
        initial=initial_from(seat, BoardSeatForm),
        federation=access.federation,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.seat_update(seat=seat, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            seat.refresh_from_db()
        else:
            messages.success(
                request, _("Styrelseplatsen för %(person)s är sparad.") % {"person": seat.person}
            )
            return _to_federation(access, "#styrelse")
    return render(
        request,
        "finsam/seat_form.html",
        {"access": access, "federation": access.federation, "form": form, "seat": seat},
    )


@edit_view
@login_required
def seat_delete(request: AuthenticatedHttpRequest, slug: str, seat_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=EDIT)
    seat = _get_seat(access, seat_id)
    if request.method == "POST":
        services.seat_delete(seat=seat, by=request.user)
        messages.success(
            request, _("%(person)s är borttagen ur styrelsen.") % {"person": seat.person}
        )
        return _to_federation(access, "#styrelse")
    return render(
        request,
        "finsam/confirm_delete.html",
        {
            "access": access,
            "federation": access.federation,
            "title": _("Ta bort styrelseplatsen för %(person)s") % {"person": seat.person},
            "question": _("Vill du ta bort %(person)s (%(role)s för %(member)s) ur styrelsen?")
            % {
                "person": seat.person,
                "role": seat.get_role_display().lower(),
                "member": seat.member.name,
            },
            "consequences": "",
            "error": None,
            "cancel_url": access.federation.get_absolute_url() + "#styrelse",
        },
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The CSRF check refused a form (settings.CSRF_FAILURE_VIEW). When her session
    has ended and its cookies are gone with it (the CSRF cookie too), she is logged
    out, not attacked: she gets what any logged-out save gets (the editors' 401, or
    login and back to her page), so what she typed is offered back. On the login
    page itself, and for a logged-in user, the Swedish 403 page with the reason."""
    if not request.user.is_authenticated and request.path != resolve_url(settings.LOGIN_URL):
        # What login_required answers; LoginRequiredResponseMiddleware turns it into
        # the 401 or the way back to her page, as for any logged-out request.
        return redirect_to_login(request.get_full_path())
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
