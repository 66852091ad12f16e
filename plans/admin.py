"""Admin for the verksamhetsplaner: a plan with its sections, goals and meetings.
For the site's staff; directors edit on the plan page."""

from __future__ import annotations

from django.contrib import admin

from plans.models import Comment, Goal, Meeting, Plan, PlanTransition, Section, Snapshot


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ("position", "heading", "kind", "body")


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ("position", "level", "text", "measures")


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0
    fields = ("date", "time", "kind", "title", "place", "note")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("federation", "year", "title", "status", "decided_on", "updated_at")
    list_filter = ("status", "year")
    search_fields = ("title", "federation__name", "reference")
    readonly_fields = ("updated_at", "updated_by")
    list_select_related = ("federation",)
    inlines = (SectionInline, GoalInline, MeetingInline)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The workflow's records are written by the services only: the admin shows them."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PlanTransition)
class PlanTransitionAdmin(ReadOnlyAdmin):
    list_display = ("plan", "from_status", "to_status", "at", "by_name")
    list_select_related = ("plan__federation",)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("plan", "revision", "decided_on", "reference", "pdf_sha256", "bundle_sha256")
    list_select_related = ("plan__federation",)
    exclude = ("pdf", "html", "bundle", "report")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("plan", "target_label", "author_name", "created_at", "resolved_at", "withdrawn_at")
    list_select_related = ("plan__federation",)
    search_fields = ("body", "quote", "author_name")
