"""The site staff's pages (is_staff; everyone else gets 404): every förbund, a new
förbund with its members and its förbundschef's invitation, and one förbund's
people and invitations.

The staff are no members of the förbund: these pages are theirs, and the
förbund's own pages stay its members'.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from finsam import services
from finsam.access import AuthenticatedHttpRequest, get_federation_for_staff, require_site_staff
from finsam.models import Federation, Invitation, Membership, Role
from finsam.people.forms import InviteForm
from finsam.people.selectors import federation_people
from finsam.people.views import invite_and_send, resend_with_message, withdraw_with_message
from finsam.staff.forms import (
    SLUG_LENGTH,
    BaseMemberFormSet,
    FederationCreateForm,
    member_formset,
    split_problems,
    with_more_rows,
)
from finsam.text import slug_from_name

MORE_ROWS_BUTTON = "fler_rader"


@login_required
def staff_federations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every förbund with its förbundschefer and open invitations; three queries."""
    require_site_staff(request.user)
    federations = (
        Federation.objects.annotate(
            open_invitations=Count(
                "invitations",
                filter=Q(
                    invitations__accepted_at__isnull=True, invitations__withdrawn_at__isnull=True
                ),
            ),
            member_count=Count("members", distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(role=Role.DIRECTOR).select_related("user"),
                to_attr="directors",
            )
        )
        .order_by("name")
    )
    return render(request, "staff/federations.html", {"federations": federations})


@login_required
def staff_federation_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_site_staff(request.user)
    more_rows = request.method == "POST" and MORE_ROWS_BUTTON in request.POST
    if more_rows:
        # Only more rows: what she typed is shown again, unchecked.
        form, formset = with_more_rows(request.POST)
        return _new_page(request, form, formset, checked=False)
    form = FederationCreateForm(request.POST or None)
    formset = member_formset(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        members = formset.new_members()
        problem = split_problems(form.cleaned_data["municipal_split"], members)
        if problem:
            form.add_error("municipal_split", problem)
        else:
            data = form.cleaned_data
            try:
                federation = services.federation_create(
                    by=request.user,
                    name=data["name"],
                    slug=data["slug"],
                    org_number=data["org_number"],
                    address=data["address"],
                    equity_cap_percent=data["equity_cap_percent"],
                    equity_floor=data["equity_floor"],
                    municipal_split=data["municipal_split"],
                    population_date=data["population_date"],
                    members=members,
                )
            except ValidationError as exc:
                for field, errors in exc.update_error_dict({}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("%(name)s är skapat med adressen %(url)s.")
                    % {
                        "name": federation.name,
                        "url": request.build_absolute_uri(federation.get_absolute_url()),
                    },
                )
                if data["director_email"]:
                    invite = InviteForm(
                        {
                            "email": data["director_email"],
                            "name": data["director_name"],
                            "role": Role.DIRECTOR,
                        }
                    )
                    if invite.is_valid() and not invite_and_send(request, federation, invite):
                        for invite_errors in invite.errors.values():
                            for text in invite_errors:  # an ErrorList gives its messages
                                messages.error(request, str(text))
                return redirect("staff_federation", federation.slug)
    return _new_page(request, form, formset, checked=request.method == "POST")


def _new_page(
    request: HttpRequest, form: FederationCreateForm, formset: BaseMemberFormSet, *, checked: bool
) -> HttpResponse:
    has_errors = checked and (bool(form.errors) or bool(formset.total_error_count()))
    if checked:
        formset.mark_invalid()
    values = form.data if form.is_bound else form.initial
    return render(
        request,
        "staff/federation_new.html",
        {
            "form": form,
            "formset": formset,
            "checked": checked,
            "more_rows_button": MORE_ROWS_BUTTON,
            "address_base": request.build_absolute_uri("/f/"),
            "error_summary": error_summary(form, formset) if has_errors else [],
            "slug_preview": (values.get("slug") or "").strip()
            or slug_from_name(values.get("name") or "", max_length=SLUG_LENGTH),
        },
        status=400 if has_errors else 200,
    )


def error_summary(
    form: FederationCreateForm, formset: BaseMemberFormSet
) -> list[tuple[str, str, str]]:
    """(where, message, anchor) of every error, for the list at the top of the page."""
    found = [
        (
            str(form.fields[name].label) if name in form.fields else "",
            str(message),
            f"#{form[name].id_for_label}" if name in form.fields else "",
        )
        for name, errors in form.errors.items()
        for message in errors
    ]
    for row, member_form in enumerate(formset.forms, start=1):
        for name, errors in member_form.errors.items():
            label = member_form.fields[name].label if name in member_form.fields else ""
            where = _("Medlemmar, rad %(row)d") % {"row": row} + (f": {label}" if label else "")
            anchor = f"#{member_form[name].id_for_label}" if name in member_form.fields else ""
            found += [(where, str(message), anchor) for message in errors]
    found += [(_("Medlemmar"), str(message), "") for message in formset.non_form_errors()]
    return found


@login_required
def staff_federation(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One förbund for the staff: its address, its people and invitations, and the
    form that invites (a förbundschef, unless another role is chosen)."""
    federation = get_federation_for_staff(request.user, slug)
    form = InviteForm(request.POST or None, initial={"role": Role.DIRECTOR})
    if request.method == "POST" and form.is_valid():
        if invite_and_send(request, federation, form):
            return redirect(reverse("staff_federation", args=[slug]) + "#inbjudningar")
    return render(
        request,
        "staff/federation.html",
        {
            "federation": federation,
            "address": request.build_absolute_uri(federation.get_absolute_url()),
            "people": federation_people(federation),
            "member_count": federation.members.count(),
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _on_invitation(
    request: AuthenticatedHttpRequest,
    slug: str,
    invitation_id: int,
    act: Callable[[AuthenticatedHttpRequest, Invitation], None],
) -> HttpResponse:
    """POST: `act` on one of the förbund's invitations, back to the staff's page."""
    federation = get_federation_for_staff(request.user, slug)
    invitation = get_object_or_404(
        Invitation.objects.select_related("federation"), federation=federation, pk=invitation_id
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    act(request, invitation)
    return redirect(reverse("staff_federation", args=[slug]) + "#inbjudningar")


@login_required
def staff_invitation_resend(
    request: AuthenticatedHttpRequest, slug: str, invitation_id: int
) -> HttpResponse:
    return _on_invitation(request, slug, invitation_id, resend_with_message)


@login_required
def staff_invitation_withdraw(
    request: AuthenticatedHttpRequest, slug: str, invitation_id: int
) -> HttpResponse:
    return _on_invitation(request, slug, invitation_id, withdraw_with_message)
