"""Pages about people: the förbund's people (förbundschef only), taking up an
invitation, and "Glömt lösenordet?".

The invitation's link works like Django's password reset link: its token is
checked, moved into the session and the browser sent on to a URL without it (so
it is in no later Referer or history entry).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from finsam.access import (
    Access,
    AuthenticatedHttpRequest,
    edit_view,
    get_federation_for_user,
    get_in_federation,
)
from finsam.audit import record
from finsam.mail import MailNotSent
from finsam.models import Federation, Invitation, Membership, Role
from finsam.people import services
from finsam.people.forms import InviteForm, NewAccountForm, PasswordResetForm, RoleForm, new_account
from finsam.people.selectors import account_for_email, federation_people
from finsam.roles import MANAGE_PEOPLE, ROLE_DESCRIPTIONS
from finsam.tokens import INVALID, VALID, invitation_tokens, password_reset_tokens

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# The session key of an invitation's token, after the link was opened.
TOKEN_KEY = "finsam_invitation_token_%d"


def site_url(request: HttpRequest) -> str:
    """The start of every link in a mail: the address she reached us at (a host
    settings.ALLOWED_HOSTS allows)."""
    return request.build_absolute_uri("/")


def _errors_as_messages(request: HttpRequest, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def invite_and_send(
    request: AuthenticatedHttpRequest, federation: Federation, form: InviteForm
) -> bool:
    """Create the invitation from a valid form and send it; the form gets the
    service's errors. True when the invitation exists (even if its mail failed,
    which a message says)."""
    try:
        invitation = services.invitation_create(
            federation=federation, by=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        for field, errors in exc.update_error_dict({}).items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    send_with_message(request, invitation, first=True)
    return True


def send_with_message(
    request: AuthenticatedHttpRequest, invitation: Invitation, *, first: bool
) -> None:
    try:
        services.invitation_send(invitation=invitation, by=request.user, site_url=site_url(request))
    except MailNotSent as exc:
        messages.error(
            request,
            _(
                "Inbjudan till %(email)s är sparad, men mejlet gick inte "
                "iväg: %(error)s Tryck på Skicka igen."
            )
            % {"email": invitation.email, "error": exc},
        )
    except ValidationError as exc:
        _errors_as_messages(request, exc)
    else:
        text = (
            _("En inbjudan är skickad till %(email)s.")
            if first
            else _(
                "Inbjudan är skickad igen till %(email)s. Den förra länken fungerar inte längre."
            )
        )
        messages.success(request, text % {"email": invitation.email})


def _people_url(access: Access) -> str:
    return reverse("people", args=[access.federation.slug])


@edit_view
@login_required
def people(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Everyone with a role, the open invitations, and the invitation form."""
    access = get_federation_for_user(request.user, slug, action=MANAGE_PEOPLE)
    form = InviteForm(request.POST or None, initial={"role": Role.REVIEWER})
    if request.method == "POST" and form.is_valid():
        if invite_and_send(request, access.federation, form):
            return redirect(_people_url(access) + "#inbjudningar")
    return render(
        request,
        "people/people.html",
        {
            "access": access,
            "federation": access.federation,
            "people": federation_people(access.federation, user=request.user),
            "form": form,
            "role_choices": Role.choices,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _membership(access: Access, membership_id: int) -> Membership:
    membership = get_in_federation(
        Membership.objects.select_related("user"), access, pk=membership_id
    )
    assert isinstance(membership, Membership)
    return membership


def _invitation(access: Access, invitation_id: int) -> Invitation:
    invitation = get_in_federation(
        Invitation.objects.select_related("federation"), access, pk=invitation_id
    )
    assert isinstance(invitation, Invitation)
    return invitation


def _after_own_change(request: AuthenticatedHttpRequest, access: Access) -> HttpResponseRedirect:
    """Where she goes after changing her own role: the people page only if she may
    still see it."""
    role = (
        Membership.objects.filter(user=request.user, federation=access.federation)
        .values_list("role", flat=True)
        .first()
    )
    if role == Role.DIRECTOR:
        return redirect(_people_url(access))
    if role is None:
        return redirect("home")
    return redirect(access.federation.get_absolute_url())


@edit_view
@login_required
def person_role(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=MANAGE_PEOPLE)
    membership = _membership(access, membership_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Välj en roll."))
        return redirect(_people_url(access))
    try:
        changed = services.membership_role_change(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except ValidationError as exc:
        _errors_as_messages(request, exc)
        return redirect(_people_url(access))
    messages.success(
        request,
        _("%(name)s är nu %(role)s.")
        % {
            "name": changed.user.get_full_name() or changed.user.get_username(),
            "role": str(Role(changed.role).label).lower(),
        },
    )
    if changed.user_id == request.user.pk:
        return _after_own_change(request, access)
    return redirect(_people_url(access))


@edit_view
@login_required
def person_remove(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    access = get_federation_for_user(request.user, slug, action=MANAGE_PEOPLE)
    membership = _membership(access, membership_id)
    name = membership.user.get_full_name() or membership.user.get_username()
    own = membership.user_id == request.user.pk
    refusal = None
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership, by=request.user)
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            if own:
                messages.success(
                    request,
                    _("Du har inte längre tillgång till %(federation)s.")
                    % {"federation": access.federation.name},
                )
                return redirect("home")
            messages.success(
                request, _("%(name)s har inte längre tillgång till förbundet.") % {"name": name}
            )
            return redirect(_people_url(access))
    elif (
        membership.role == Role.DIRECTOR
        and not Membership.objects.filter(federation=access.federation, role=Role.DIRECTOR)
        .exclude(pk=membership.pk)
        .exists()
    ):
        refusal = str(services.LAST_DIRECTOR)
    return render(
        request,
        "finsam/confirm_delete.html",
        {
            "access": access,
            "federation": access.federation,
            "title": _("Ta bort %(name)s ur förbundet") % {"name": name},
            "question": (
                _("Vill du ta bort din egen behörighet i %(federation)s?")
                % {"federation": access.federation.name}
                if own
                else _("Vill du ta bort %(name)s (%(role)s) ur förbundet?")
                % {"name": name, "role": str(Role(membership.role).label).lower()}
            ),
            "consequences": _(
                "Kontot finns kvar, men når inte längre förbundets sidor, och länken till "
                "årshjulet slutar fungera. Du kan bjuda in igen senare."
            ),
            "error": refusal,
            "cancel_url": _people_url(access),
        },
        status=409 if refusal and request.method == "POST" else 200,
    )


def _on_invitation(
    request: AuthenticatedHttpRequest,
    slug: str,
    invitation_id: int,
    act: Callable[[AuthenticatedHttpRequest, Invitation], None],
) -> HttpResponse:
    """POST: `act` on one of the förbund's invitations, back to the list."""
    access = get_federation_for_user(request.user, slug, action=MANAGE_PEOPLE)
    invitation = _invitation(access, invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    act(request, invitation)
    return redirect(_people_url(access) + "#inbjudningar")


@edit_view
@login_required
def invitation_resend(
    request: AuthenticatedHttpRequest, slug: str, invitation_id: int
) -> HttpResponse:
    return _on_invitation(request, slug, invitation_id, resend_with_message)


@edit_view
@login_required
def invitation_withdraw(
    request: AuthenticatedHttpRequest, slug: str, invitation_id: int
) -> HttpResponse:
    return _on_invitation(request, slug, invitation_id, withdraw_with_message)


def resend_with_message(request: AuthenticatedHttpRequest, invitation: Invitation) -> None:
    send_with_message(request, invitation, first=False)


def withdraw_with_message(request: AuthenticatedHttpRequest, invitation: Invitation) -> None:
    try:
        services.invitation_withdraw(invitation=invitation, by=request.user)
    except ValidationError as exc:
        _errors_as_messages(request, exc)
    else:
        messages.success(
            request,
            _("Inbjudan till %(email)s är återkallad; länken i mejlet fungerar inte längre.")
            % {"email": invitation.email},
        )


# --- Taking up an invitation ---------------------------------------------------------


def _link_not_valid(
    request: HttpRequest, state: str, invitation: Invitation | None
) -> HttpResponse:
    """A used, withdrawn, expired or unknown link: what happened (only to the holder
    of a genuine link) and the way forward. 404 for a link that never was one."""
    return render(
        request,
        "people/invitation_invalid.html",
        {
            "state": state,
            "invitation": invitation if state != INVALID else None,
            "validity_days": invitation_tokens.validity.days,
        },
        status=404 if state == INVALID else 410,
    )


@never_cache
def invitation_open(request: HttpRequest, invitation_id: int, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("federation", "accepted_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return _link_not_valid(request, INVALID, None)
    state = invitation_tokens.state(invitation, token)
    if state != VALID:
        return _link_not_valid(request, state, invitation)
    request.session[TOKEN_KEY % invitation.pk] = token
    return redirect("invitation_accept", invitation.pk)


@never_cache
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("federation", "accepted_by")
        .filter(pk=invitation_id)
        .first()
    )
    token = request.session.get(TOKEN_KEY % invitation_id) if invitation else None
    if invitation is None or not isinstance(token, str):
        return _link_not_valid(request, INVALID, None)
    state = invitation_tokens.state(invitation, token)
    if state != VALID:
        return _link_not_valid(request, state, invitation)
    accounts = account_for_email(invitation.email)
    context: dict[str, Any] = {
        "invitation": invitation,
        "federation": invitation.federation,
        "role_label": str(Role(invitation.role).label).lower(),
        "role_description": ROLE_DESCRIPTIONS[invitation.role],
    }
    if len(accounts) > 1:
        return render(request, "people/invitation_accept.html", {**context, "ambiguous": True})
    account = accounts[0] if accounts else None
    user: Any = request.user
    if account is not None and account.has_usable_password():
        return _accept_with_account(request, invitation, token, account, context)
    if user.is_authenticated:
        # Someone else is logged in in this browser: the new account is not hers.
        return render(request, "people/invitation_accept.html", {**context, "other_user": user})
    return _accept_with_new_password(request, invitation, token, account, context)


def _accept_with_account(
    request: HttpRequest, invitation: Invitation, token: str, account: Any, context: dict[str, Any]
) -> HttpResponse:
    user: Any = request.user
    if not user.is_authenticated or user.pk != account.pk:
        login_url = reverse("login") + "?next=" + reverse("invitation_accept", args=[invitation.pk])
        return render(
            request,
            "people/invitation_accept.html",
            {
                **context,
                "existing": account,
                "login_url": login_url,
                "other_user": user if user.is_authenticated else None,
            },
        )
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, token=token, user=user)
        except ValidationError as exc:
            _errors_as_messages(request, exc)
            return redirect("invitation_accept", invitation.pk)
        return _welcome(request, invitation)
    return render(
        request, "people/invitation_accept.html", {**context, "existing": account, "confirm": True}
    )


def _accept_with_new_password(
    request: HttpRequest, invitation: Invitation, token: str, account: Any, context: dict[str, Any]
) -> HttpResponse:
    first, _sep, last = invitation.name.partition(" ")
    target = account if account is not None else new_account(invitation.email)
    form = NewAccountForm(
        target, request.POST or None, initial={"first_name": first, "last_name": last}
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.invitation_accept(
                invitation=invitation,
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error(None, text)
        else:
            login(request, made, backend=MODEL_BACKEND)
            return _welcome(request, invitation)
    return render(
        request,
        "people/invitation_accept.html",
        {
            **context,
            "form": form,
            "username": invitation.email,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _welcome(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    request.session.pop(TOKEN_KEY % invitation.pk, None)
    messages.success(
        request,
        _("Välkommen till %(federation)s! Du är %(role)s.")
        % {
            "federation": invitation.federation.name,
            "role": str(Role(invitation.role).label).lower(),
        },
    )
    # A förbundschef who must use two-factor login is taken to set it up first
    # (finsam/twofactor/middleware.py), and then here.
    return redirect(invitation.federation.get_absolute_url())


# --- "Glömt lösenordet?" --------------------------------------------------------------


def _validity_hours() -> int:
    return int(password_reset_tokens.validity.total_seconds() // 3600)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    token_generator = password_reset_tokens

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        return {"validity_hours": _validity_hours()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "validity_hours": _validity_hours()}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "validity_hours": _validity_hours()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    token_generator = password_reset_tokens
    post_reset_login = True
    post_reset_login_backend = MODEL_BACKEND
    success_url = reverse_lazy("home")

    def get_form(self, form_class: type[SetPasswordForm] | None = None) -> SetPasswordForm:
        form = super().get_form(form_class)
        form.fields["new_password1"].label = _("Nytt lösenord")
        form.fields["new_password2"].label = _("Skriv lösenordet igen")
        return form

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        record(action="valde nytt lösenord via länk", by=form.user, obj=form.user.get_username())
        messages.success(self.request, _("Ditt nya lösenord är sparat och du är inloggad."))
        return response

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        # A used, expired or made-up link: the page says so, and how to get a new one.
        if not context.get("validlink"):
            kwargs.setdefault("status", 404)
        context["validity_hours"] = _validity_hours()
        return super().render_to_response(context, **kwargs)
