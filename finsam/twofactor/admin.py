"""Site staff reset a user's two-factor login (a lost phone) from the user list: an
audited action (services.two_factor_reset). django-otp's own device pages are taken
away, so that no device is removed unaudited and no key is shown to staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from finsam.twofactor.services import two_factor_reset

User = get_user_model()

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class TwoFactorUserAdmin(UserAdmin[Any]):
    actions = ["reset_two_factor"]

    def get_list_display(self, request: HttpRequest) -> tuple[Any, ...]:
        return (*super().get_list_display(request), "two_factor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(devices))

    @admin.display(
        description=gettext_lazy("Tvåstegsverifiering"), boolean=True, ordering="has_two_factor"
    )
    def two_factor(self, obj: Any) -> bool:
        return bool(getattr(obj, "has_two_factor", False))

    @admin.action(
        description=gettext_lazy("Återställ tvåstegsverifiering (borttappad telefon)"),
        permissions=["change"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        names = []
        for user in queryset.order_by("username"):
            two_factor_reset(user=user, by=request.user)
            names.append(user.get_username())
        self.message_user(
            request,
            _(
                "Tvåstegsverifieringen är återställd för %(users)s. Vid nästa inloggning "
                "aktiverar de den igen (förbundschefer och administratörer måste)."
            )
            % {"users": ", ".join(names)},
            messages.SUCCESS,
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, TwoFactorUserAdmin)
