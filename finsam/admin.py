"""Admin for the core: members with their board seats, who may do what
(Membership) and the audit log; the förbund's page (with these members and
memberships inline) is in plans/admin.py. For the site's staff; directors use the
pages."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from finsam.models import AuditEntry, BoardSeat, Member, Membership

admin.site.site_header = _("Finsam planering – administration")
admin.site.site_title = _("Finsam planering")
admin.site.index_title = _("Administration")


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = (
        "position",
        "key",
        "name",
        "kind",
        "population",
        "population_date",
        "fixed_share_percent",
    )
    show_change_link = True


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


# The förbund's own admin page is registered in plans/admin.py: whether a förbund may
# be deleted depends on its plans (plans sit above the core).


class BoardSeatInline(admin.TabularInline):
    model = BoardSeat
    extra = 0
    fields = ("person", "role", "position", "term_end")


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "federation", "population", "position")
    list_filter = ("kind", "federation")
    list_select_related = ("federation",)
    search_fields = ("name", "key", "federation__name")
    autocomplete_fields = ("federation",)
    inlines = [BoardSeatInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "federation", "role")
    list_filter = ("role", "federation")
    list_select_related = ("user", "federation")
    search_fields = ("user__username", "user__first_name", "user__last_name", "federation__name")
    autocomplete_fields = ("user", "federation")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read only: nobody adds, changes or deletes an entry here."""

    list_display = ("time", "actor_name", "federation", "action", "object")
    list_filter = ("action", "federation")
    list_select_related = ("federation",)
    search_fields = ("actor_name", "action", "object")
    date_hierarchy = "time"
    readonly_fields = ("time", "actor", "actor_name", "federation", "action", "object", "changes")
    fields = readonly_fields
    actions = None

    def has_add_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
