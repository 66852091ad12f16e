"""Forms about people: an invitation, a role, a new account's password, and
"Glömt lösenordet?"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finsam.audit import record
from finsam.models import AuditEntry, Role
from finsam.roles import ROLE_DESCRIPTIONS

# At most this many "Glömt lösenordet?" mails per account within the window: asking
# again and again must not fill her inbox.
RESET_MAILS_LIMIT = 3
RESET_MAILS_WINDOW = timedelta(minutes=15)
RESET_MAIL_SENT = "skickade länk för nytt lösenord"


def role_choices() -> list[tuple[str, str]]:
    return [(role, f"{label} – {ROLE_DESCRIPTIONS[role]}") for role, label in Role.choices]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-postadress"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": _("Skriv en e-postadress, t.ex. anna.andersson@kramfors.se.")},
    )
    name = forms.CharField(
        label=_("Namn"),
        max_length=200,
        required=False,
        help_text=_("Används i mejlet. Den inbjudna kan ändra det."),
    )
    role = forms.ChoiceField(label=_("Roll"), choices=role_choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].error_messages["required"] = _("Välj en roll.")
        self.fields["email"].error_messages["required"] = _("Skriv den inbjudnas e-postadress.")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Roll"), choices=Role.choices)


class NewAccountForm(auth_forms.SetPasswordForm):
    """Name and password of the account an invitation makes. `user` is the unsaved
    account (or the one without a password), for the password validators."""

    first_name = forms.CharField(label=_("Förnamn"), max_length=150)
    last_name = forms.CharField(label=_("Efternamn"), max_length=150)
    field_order = ["first_name", "last_name", "new_password1", "new_password2"]

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("Välj ett lösenord")
        self.fields["new_password2"].label = _("Skriv lösenordet igen")
        for name in ("first_name", "last_name"):
            self.fields[name].error_messages["required"] = _("Fyll i ditt namn.")
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        # The password validators compare it with the name she typed too.
        self.user.first_name = self.cleaned_data.get("first_name", "")
        self.user.last_name = self.cleaned_data.get("last_name", "")
        super().clean()
        return self.cleaned_data


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form (no answer says whether an address has an account), with every
    mail in the audit log and at most RESET_MAILS_LIMIT mails per account in
    RESET_MAILS_WINDOW."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-postadress")
        self.fields["email"].error_messages["invalid"] = _(
            "Skriv en e-postadress, t.ex. anna.andersson@kramfors.se."
        )

    def get_users(self, email: str) -> Iterator[User]:
        since = timezone.now() - RESET_MAILS_WINDOW
        for user in super().get_users(email):
            sent = AuditEntry.objects.filter(
                actor=user, action=RESET_MAIL_SENT, time__gte=since
            ).count()
            if sent >= RESET_MAILS_LIMIT:
                record(
                    action="för många länkar för nytt lösenord", by=user, obj=user.get_username()
                )
                continue
            yield user

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        # The link is hers: the entry is hers (the token is never stored).
        record(action=RESET_MAIL_SENT, by=user, obj=user.get_username())
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name=html_email_template_name,
        )


def new_account(email: str) -> Any:
    """The unsaved account an invitation would make (for NewAccountForm)."""
    return get_user_model()(username=email, email=email)
