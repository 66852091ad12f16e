"""Every write about people in a förbund: invitations, taking one up, roles, removal.

Keyword-only, one transaction each, every change in the audit log
(finsam/audit.py). A förbund always keeps a förbundschef: the last one can be
neither removed nor given another role (the rows are locked first, so two
förbundschefer removing each other at once cannot both succeed).

An invitation's link (finsam/tokens.py) stops working when the invitation is
sent again, taken up or withdrawn. Mails go through finsam/mail.py; a mail that
cannot be sent leaves the invitation as it was (its earlier link still works) and
says so.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finsam import mail
from finsam.audit import record
from finsam.db import save_new
from finsam.models import Federation, Invitation, Membership, Role
from finsam.people.selectors import account_for_email, normalize_email
from finsam.roles import ROLE_DESCRIPTIONS
from finsam.tokens import invitation_tokens
from finsam.twofactor.selectors import two_factor_required

USERNAME_LENGTH = 150
LAST_DIRECTOR = gettext_lazy(
    "Förbundet måste ha minst en förbundschef. Bjud in eller utse en annan förbundschef först."
)


def _role_label(role: str) -> str:
    return str(Role(role).label).lower()


@transaction.atomic
def invitation_create(
    *,
    federation: Federation,
    by: User | None,
    email: str,
    role: str,
    name: str = "",
) -> Invitation:
    """A new open invitation (not yet sent: `invitation_send`). Refused for someone
    who already has a role in the förbund or an open invitation to it."""
    email = normalize_email(email)
    if len(email) > USERNAME_LENGTH:
        # The address becomes the new account's user name.
        raise ValidationError(
            {"email": _("E-postadressen får vara högst %(n)d tecken.") % {"n": USERNAME_LENGTH}}
        )
    if role not in Role.values:
        raise ValidationError({"role": _("Välj en roll.")})
    accounts = account_for_email(email)
    if len(accounts) > 1:
        raise ValidationError(
            {
                "email": _(
                    "Flera konton har e-postadressen %(email)s. Kontakta webbplatsens "
                    "administratör, så att den hör till ett enda konto."
                )
                % {"email": email}
            }
        )
    if accounts:
        existing = Membership.objects.filter(user=accounts[0], federation=federation).first()
        if existing is not None:
            raise ValidationError(
                {
                    "email": _(
                        "%(email)s har redan behörighet i förbundet (%(role)s). Ändra rollen i "
                        "listan i stället."
                    )
                    % {"email": email, "role": _role_label(existing.role)}
                }
            )
    open_one = _(
        "%(email)s har redan en inbjudan som väntar på svar. Skicka den igen i listan i stället."
    ) % {"email": email}
    conflict = Invitation.objects.open().filter(federation=federation, email=email)
    if conflict.exists():
        raise ValidationError({"email": open_one})
    invitation = Invitation(
        federation=federation,
        email=email,
        name=name.strip(),
        role=role,
        invited_by=by if getattr(by, "pk", None) else None,
    )
    save_new(invitation, conflict=conflict, error={"email": open_one})
    record(
        action="bjöd in",
        by=by,
        federation=federation,
        obj=email,
        changes={"email": email, "role": role, "name": invitation.name},
    )
    return invitation


def invitation_send(*, invitation: Invitation, by: User | None, site_url: str) -> str:
    """Send (or send again) the invitation's mail with a new link; the earlier link
    stops working. Returns the link. Raises ValidationError for an invitation that is
    no longer open, and mail.MailNotSent (the invitation unchanged) when the mail
    server does not take the mail."""
    again = invitation.send_count > 0
    try:
        with transaction.atomic():
            locked = (
                Invitation.objects.select_for_update()
                .select_related("federation")
                .get(pk=invitation.pk)
            )
            if not locked.is_open:
                raise ValidationError(_("Inbjudan är redan mottagen eller återkallad."))
            locked.send_count += 1
            locked.sent_at = timezone.now()
            locked.save(update_fields=["send_count", "sent_at"])
            token = invitation_tokens.make_token(locked)
            link = site_url.rstrip("/") + reverse("invitation_open", args=[locked.pk, token])
            mail.send(
                to=locked.email,
                subject=_("Inbjudan till %(federation)s i Finsam planering")
                % {"federation": locked.federation.name},
                template="people/mail/invitation.txt",
                context=_invitation_mail_context(locked, by, link, token),
            )
            record(
                action="skickade inbjudan igen" if again else "skickade inbjudan",
                by=by,
                federation=locked.federation,
                obj=locked.email,
                changes={"role": locked.role, "send_count": locked.send_count},
            )
    except mail.MailNotSent as exc:
        record(
            action="inbjudan kunde inte skickas",
            by=by,
            federation=invitation.federation,
            obj=invitation.email,
            changes={"error": str(exc)},
        )
        raise
    invitation.refresh_from_db()
    return link


def _invitation_mail_context(
    invitation: Invitation, by: User | None, link: str, token: str
) -> dict[str, Any]:
    accounts = account_for_email(invitation.email)
    account = accounts[0] if accounts else None
    inviter = by.get_full_name() if by is not None and hasattr(by, "get_full_name") else ""
    return {
        "invitation": invitation,
        "federation": invitation.federation,
        # "Hej Anna!": the first name, as Swedish mails greet.
        "name": (invitation.name.split() or [""])[0],
        "inviter": inviter or (by.get_username() if by is not None else ""),
        "role_label": _role_label(invitation.role),
        "role_description": ROLE_DESCRIPTIONS[invitation.role],
        "link": link,
        "expires": invitation_tokens.expires(token),
        # She logs in with the account she has; a new account's user name is the address.
        "account": account if account is not None and account.has_usable_password() else None,
        # A förbundschef (and anyone who has it already) logs in in two steps.
        "two_factor": settings.FINSAM_OTP_REQUIRED
        and (
            invitation.role == Role.DIRECTOR
            or (account is not None and two_factor_required(account))
        ),
    }


@transaction.atomic
def invitation_withdraw(*, invitation: Invitation, by: User | None) -> None:
    """Withdraw an open invitation: its link stops working."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_open:
        raise ValidationError(_("Inbjudan är redan mottagen eller återkallad."))
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at"])
    record(
        action="återkallade inbjudan",
        by=by,
        federation=invitation.federation,
        obj=locked.email,
        changes={"role": locked.role},
    )


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    token: str,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> User:
    """Take up the invitation with a valid token: the invitee gets her role in the
    förbund. Without `user`, a new account is made (user name: the e-mail address)
    with `password` (or the password is set on an account that has none); with
    `user`, that logged-in account takes it up. Returns the account."""
    locked = (
        Invitation.objects.select_for_update().select_related("federation").get(pk=invitation.pk)
    )
    if not invitation_tokens.check_token(locked, token):
        raise ValidationError(_("Länken i inbjudan gäller inte längre."))
    accounts = account_for_email(locked.email)
    if user is None:
        account = accounts[0] if accounts else None
        if account is not None and account.has_usable_password():
            raise ValidationError(
                _(
                    "Det finns redan ett konto för %(email)s. Logga in med det för att ta emot "
                    "inbjudan."
                )
                % {"email": locked.email}
            )
        if not password:
            raise ValidationError({"password": _("Välj ett lösenord.")})
        if account is None:
            account = get_user_model()(username=locked.email, email=locked.email)
        account.first_name = first_name.strip()
        account.last_name = last_name.strip()
        account.set_password(password)
        account.full_clean()
        account.save()
        record(
            action="valde lösenord via inbjudan",
            by=account,
            federation=locked.federation,
            obj=account.get_username(),
        )
    else:
        if user.pk not in {a.pk for a in accounts}:
            raise ValidationError(
                _("Inbjudan gäller %(email)s. Logga in med det kontot för att ta emot den.")
                % {"email": locked.email}
            )
        account = user
    if not account.is_active:
        raise ValidationError(_("Kontot är avstängt. Kontakta webbplatsens administratör."))
    membership, created = Membership.objects.get_or_create(
        user=account, federation=locked.federation, defaults={"role": locked.role}
    )
    locked.accepted_at = timezone.now()
    locked.accepted_by = account
    locked.save(update_fields=["accepted_at", "accepted_by"])
    record(
        action="tog emot inbjudan",
        by=account,
        federation=locked.federation,
        obj=locked.email,
        changes={"role": membership.role, "new_membership": created},
    )
    return account


def _lock_directors(federation_id: int) -> list[int]:
    return list(
        Membership.objects.select_for_update()
        .filter(federation_id=federation_id, role=Role.DIRECTOR)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _check_not_last_director(membership: Membership) -> None:
    directors = _lock_directors(membership.federation_id)
    if membership.role == Role.DIRECTOR and directors == [membership.pk]:
        raise ValidationError(LAST_DIRECTOR)


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, by: User | None) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Välj en roll.")})
    locked = (
        Membership.objects.select_for_update()
        .select_related("user", "federation")
        .get(pk=membership.pk)
    )
    if locked.role == role:
        return locked
    if role != Role.DIRECTOR:
        _check_not_last_director(locked)
    before = locked.role
    locked.role = role
    locked.save(update_fields=["role"])
    record(
        action="ändrade roll",
        by=by,
        federation=locked.federation,
        obj=locked.user.get_username(),
        changes={"role": [before, role]},
    )
    return locked


@transaction.atomic
def membership_remove(*, membership: Membership, by: User | None) -> None:
    """The person loses her role in the förbund (her account stays, and her
    calendar link stops working with the role)."""
    locked = (
        Membership.objects.select_for_update()
        .select_related("user", "federation")
        .get(pk=membership.pk)
    )
    _check_not_last_director(locked)
    record(
        action="tog bort behörighet",
        by=by,
        federation=locked.federation,
        obj=locked.user.get_username(),
        changes={"role": locked.role},
    )
    locked.delete()
